import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { Failure, PresetInfo, ScheduleCheck, ScheduleKind, Settings, SetupCheck, SetupProblem } from "../api/types";
import { h } from "./dom";
import { errorBox } from "./errors";
import { weekdayNames } from "./labels";
import { parseClock } from "./settings";
import { SignInFlow } from "./signin";
import { type ScheduleTestResult, type TestResult, connectionResult, inline, presetNote, scheduleResult } from "./setupreport";

export type WizardStep = 1 | 2 | 3 | 4;

/** The schedule sources a practice can choose, in the wizard's words. */
export const scheduleKinds: { kind: ScheduleKind; label: string; help: string }[] = [
  { kind: "provider-service", label: "Epic's provider schedule (most practices)", help: "Epic's scheduling web service, for the providers whose Epic IDs you list below." },
  { kind: "fhir-appointments", label: "FHIR appointment search", help: "Only where your Epic analyst has turned it on. List the providers' Epic IDs below." },
  { kind: "file", label: "A schedule file exported from Epic", help: "Each clinic morning the front desk exports the day's schedule from Epic and imports it on Today (Import schedule file…)." },
];

/** splitIDs splits pasted provider IDs as the agent does (commas, spaces,
 *  semicolons, lines; quotes dropped). */
export function splitIDs(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).map((x) => x.replace(/^["'“”‘’]+|["'“”‘’]+$/g, "")).filter(Boolean))];
}

/** How long typing pauses before the fields are checked. */
export const checkDelayMs = 250;

export interface WizardHooks {
  /** "Try the demo" / "Back to the demo". */
  demo(): Promise<void>;
  /** The practice is set up, signed in and its hours saved. */
  finished(): void;
}

/** SetupWizard is the practice manager's first-run setup: the Epic details
 *  (checked as they type), a connection test, the browser sign-in, then
 *  clinic hours and the morning update time. */
export class SetupWizard {
  step: WizardStep = 1;
  name = "";
  clientId = "";
  fhirBase = "";
  check?: SetupCheck;
  showAll = false; // after Test or Sign in, every field's problems show, even empty ones
  test?: TestResult;
  busy = false;
  problem?: Failure;
  hours?: Settings;
  hoursProblem?: Failure;
  scheduleKind: string = "provider-service";
  providerIds = "";
  /** The agent's last word on the schedule fields (problems by field, the IDs as cleaned). */
  scheduleCheck?: ScheduleCheck;
  scheduleTest?: ScheduleTestResult;
  scheduleProblem?: Failure;
  private scheduleLoaded = false;
  /** The practice preset the fields were filled in from, if any. */
  preset?: PresetInfo;
  signIn: SignInFlow;
  private timer?: ReturnType<typeof setTimeout>;
  private checks = 0;

  constructor(
    private backend: Backend,
    private changed: () => void,
    private hooks: WizardHooks,
    public fromDemo = false,
  ) {
    this.signIn = new SignInFlow(backend, changed, () => this.changed(), "wizard-signin");
  }

  stop(): void {
    clearTimeout(this.timer);
    if (this.signIn.phase === "waiting" || this.signIn.phase === "starting") void this.signIn.cancel();
  }

  /** fromPreset fills in the Epic details from the practice preset an
   *  installer left on this computer, with the agent's problems with it
   *  under their fields as if they had been typed: the manager fixes what
   *  is marked, then tests and saves as usual. */
  fromPreset(p: PresetInfo): void {
    this.preset = p;
    this.name = p.name;
    this.fhirBase = p.fhirBase;
    this.clientId = p.clientId;
    this.check = { fhirBase: p.fhirBase, clientId: p.clientId, problems: p.problems.filter(inline) };
    this.showAll = true; // the installer "typed" every field
    this.test = undefined;
  }

  /** typed records a field and checks the fields once typing pauses. */
  typed(field: "name" | "clientId" | "fhirBase", value: string): void {
    this[field] = value;
    if (field === "name") return;
    this.test = undefined;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.validate(false), checkDelayMs);
  }

  /** validate asks the agent to clean and check the fields; with discover
   *  it also reads the practice's Epic sign-in configuration. */
  async validate(discover: boolean): Promise<SetupCheck | undefined> {
    const n = ++this.checks;
    try {
      const c = await this.backend.checkSetup(this.fhirBase, this.clientId, discover);
      if (n !== this.checks) return undefined; // a newer check is on its way
      this.check = c;
      this.problem = undefined;
      this.changed();
      return c;
    } catch (e) {
      if (n !== this.checks) return undefined;
      this.problem = failure(e);
      this.changed();
      return undefined;
    }
  }

  problemFor(field: SetupProblem["field"]): string {
    const value = field === "clientId" ? this.clientId : this.fhirBase;
    if (!this.showAll && value.trim() === "") return "";
    return this.check?.problems.find((p) => p.field === field)?.message ?? "";
  }

  async testConnection(): Promise<void> {
    clearTimeout(this.timer);
    this.showAll = true;
    this.test = { state: "running" };
    this.changed();
    const c = await this.validate(true);
    if (!c) {
      this.test = this.problem ? { state: "error", failure: this.problem } : undefined;
      this.problem = undefined;
    } else if (c.problems.length > 0) {
      this.test = { state: "fix" };
    } else {
      this.test = { state: "ok", check: c };
    }
    this.changed();
  }

  /** saveAndSignIn saves the practice's Epic details, then starts the browser sign-in. */
  async saveAndSignIn(): Promise<void> {
    clearTimeout(this.timer);
    this.showAll = true;
    this.busy = true;
    this.problem = undefined;
    this.changed();
    try {
      const c = await this.validate(false);
      if (!c) return;
      if (c.problems.length > 0) {
        this.test = { state: "fix" };
        return;
      }
      const saved = await this.backend.setup(c.fhirBase, c.clientId, this.name.trim());
      if (saved.problems?.length) {
        this.check = saved;
        this.test = { state: "fix" };
        return;
      }
      this.step = 2;
      this.busy = false;
      this.changed();
      await this.signIn.start();
    } catch (e) {
      this.problem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  /** toSchedule opens the schedule step, filled in with what is saved. */
  async toSchedule(): Promise<void> {
    this.step = 3;
    this.changed();
    if (this.scheduleLoaded) return;
    this.scheduleLoaded = true;
    try {
      const st = await this.backend.status();
      if (st.schedule?.kind) this.scheduleKind = st.schedule.kind;
      if (st.schedule?.providerIds?.length) this.providerIds = st.schedule.providerIds.join(", ");
    } catch {
      // the defaults stand; the manager fills them in
    }
    this.changed();
  }

  chooseSchedule(kind: string): void {
    this.scheduleKind = kind;
    this.scheduleCheck = undefined;
    this.scheduleTest = undefined;
    this.changed();
  }

  typedIDs(text: string): void {
    this.providerIds = text;
    this.scheduleTest = undefined;
    if (this.scheduleCheck) this.scheduleCheck = { ...this.scheduleCheck, problems: [] };
    this.changed();
  }

  scheduleProblemFor(field: string): string {
    return this.scheduleCheck?.problems.find((p) => p.field === field)?.message ?? "";
  }

  /** testSchedule fetches today's schedule with the source as chosen, saving nothing. */
  async testSchedule(): Promise<void> {
    this.scheduleTest = { state: "running" };
    this.scheduleProblem = undefined;
    this.changed();
    try {
      const c = await this.backend.testSchedule(this.scheduleKind, splitIDs(this.providerIds), "");
      this.scheduleCheck = c;
      this.scheduleTest = c.problems.length ? undefined : { state: "done", check: c };
    } catch (e) {
      this.scheduleTest = { state: "error", failure: failure(e) };
    }
    this.changed();
  }

  /** saveSchedule keeps the schedule source, then goes on to clinic hours. */
  async saveSchedule(): Promise<void> {
    this.busy = true;
    this.scheduleProblem = undefined;
    this.changed();
    try {
      const c = await this.backend.saveSchedule(this.scheduleKind, splitIDs(this.providerIds));
      this.scheduleCheck = c;
      if (c.problems.length) return;
      this.busy = false;
      await this.toHours();
    } catch (e) {
      this.scheduleProblem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  async toHours(): Promise<void> {
    this.step = 4;
    this.changed();
    if (this.hours) return;
    try {
      this.hours = await this.backend.settings();
    } catch (e) {
      this.hoursProblem = failure(e);
    }
    this.changed();
  }

  back(): void {
    if (this.step === 2) this.stop();
    this.step = this.step > 1 ? ((this.step - 1) as WizardStep) : 1;
    this.changed();
  }

  async saveHours(): Promise<void> {
    if (!this.hours) return;
    const syncAt = parseClock(this.hours.syncAt);
    const clinicEnd = parseClock(this.hours.clinicEnd);
    if (!syncAt || !clinicEnd) {
      this.hoursProblem = { message: `Enter the ${!syncAt ? "morning update" : "closing"} time like 06:30.` };
      this.changed();
      return;
    }
    this.hours = { ...this.hours, syncAt, clinicEnd };
    this.busy = true;
    this.hoursProblem = undefined;
    this.changed();
    try {
      await this.backend.saveSettings(this.hours);
      this.hooks.finished();
    } catch (e) {
      this.hoursProblem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  async demo(): Promise<void> {
    this.stop();
    this.busy = true;
    this.problem = undefined;
    this.changed();
    try {
      await this.hooks.demo();
    } catch (e) {
      this.problem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  private stepper(): HTMLElement {
    const steps: [WizardStep, string][] = [
      [1, "Epic details"],
      [2, "Sign in"],
      [3, "Schedule"],
      [4, "Clinic hours"],
    ];
    return h(
      "ol",
      { class: "stepper", "aria-label": "Setup steps" },
      steps.map(([n, label]) => h("li", { class: n === this.step ? "current" : n < this.step ? "done" : "", "aria-current": n === this.step ? "step" : undefined }, `${n}. ${label}`)),
    );
  }

  /** cleanedAs is what the agent made of a pasted value (quotes, spaces,
   *  a trailing /metadata dropped), when that differs from what is in the
   *  field: the manager sees what will be saved. */
  cleanedAs(field: SetupProblem["field"]): string {
    const raw = field === "clientId" ? this.clientId : this.fhirBase;
    const c = this.check;
    if (!c || raw.trim() === "" || this.problemFor(field)) return "";
    const clean = field === "clientId" ? c.clientId : c.fhirBase;
    return clean && clean !== raw ? clean : "";
  }

  private field(id: string, label: string, value: string, field: "name" | "clientId" | "fhirBase", placeholder: string, help?: string): HTMLElement[] {
    const msg = field === "name" ? "" : this.problemFor(field);
    const clean = field === "name" ? "" : this.cleanedAs(field);
    const parts: (HTMLElement | null)[] = [
      h("label", { for: id }, label),
      help ? h("div", { class: "help", id: `${id}-help` }, help) : null,
      h("input", {
        id,
        autocomplete: "off",
        spellcheck: "false",
        placeholder,
        value,
        "aria-invalid": msg ? "true" : undefined,
        "aria-describedby": `${id}-msg ${id}-clean${help ? ` ${id}-help` : ""}`,
        oninput: (e: Event) => this.typed(field, (e.target as HTMLInputElement).value),
      }),
      h("div", { class: "field-msg", id: `${id}-msg`, "aria-live": "polite" }, msg),
      h("div", { class: "help cleaned", id: `${id}-clean`, "aria-live": "polite" }, clean ? ["Will be saved as ", h("code", {}, clean)] : ""),
    ];
    return parts.filter((x): x is HTMLElement => x !== null);
  }

  render(): HTMLElement {
    const demoLabel = this.fromDemo ? "Back to the demo" : "Try the demo";
    let body: (HTMLElement | null)[];
    switch (this.step) {
      case 1:
        body = [
          h("p", {}, "Paste the Epic client ID your practice registered for HealthPrep Desk and your organisation's FHIR address. Your Epic analyst can give you both."),
          presetNote(this.preset),
          ...this.field("practice-name", "Practice name", this.name, "name", "e.g. Riverside Family Medicine"),
          ...this.field("client-id", "Epic client ID", this.clientId, "clientId", "e.g. 0a1b2c3d-…", "From Epic's app page for HealthPrep Desk (the non-production or production ID)."),
          ...this.field("fhir-base", "FHIR base URL", this.fhirBase, "fhirBase", "https://…/api/FHIR/R4", "Ends in /api/FHIR/R4. Your organisation's address is listed on open.epic.com."),
          h(
            "div",
            { class: "toolbar" },
            h("button", { id: "test-connection", onclick: () => void this.testConnection(), disabled: this.busy }, "Test connection"),
            h("button", { id: "sign-in", class: "primary", onclick: () => void this.saveAndSignIn(), disabled: this.busy }, "Save and sign in with Epic"),
          ),
          connectionResult(this.test) ?? h("div", { id: "wizard-result" }),
        ];
        break;
      case 2:
        body = [
          h("p", {}, "Sign in with an Epic account of your practice. Your browser opens Epic's own sign-in page; HealthPrep Desk never sees your password."),
          this.signIn.render(),
          h(
            "div",
            { class: "toolbar" },
            h("button", { id: "wizard-back", onclick: () => this.back() }, "Back"),
            h("span", { class: "spacer" }),
            this.signIn.phase === "done" ? h("button", { id: "wizard-next", class: "primary", onclick: () => void this.toSchedule() }, "Next: schedule") : null,
          ),
        ];
        break;
      case 3:
        body = this.scheduleForm();
        break;
      case 4:
        body = this.hoursForm();
        break;
    }
    return h(
      "section",
      { class: "wizard", "aria-labelledby": "wizard-title" },
      h(
        "div",
        { class: "wizard-head" },
        h("h2", { id: "wizard-title" }, "Set up HealthPrep Desk for your practice"),
        h("span", { class: "spacer" }),
        h("button", { id: "try-demo", onclick: () => void this.demo(), disabled: this.busy }, demoLabel),
      ),
      this.stepper(),
      ...body,
      this.problem ? errorBox(this.problem, "wizard-error") : null,
    );
  }

  private scheduleForm(): HTMLElement[] {
    const kindMsg = this.scheduleProblemFor("kind");
    const idsMsg = this.scheduleProblemFor("providerIds");
    const needsIDs = this.scheduleKind !== "file";
    const cleaned = this.scheduleCheck?.source.providerIds ?? [];
    const typed = splitIDs(this.providerIds);
    return [
      h("p", {}, "Where does the day's schedule come from? HealthPrep Desk reads the appointments from there, then each patient's chart."),
      h(
        "fieldset",
        { class: "choices", id: "schedule-kind", "aria-describedby": "schedule-kind-msg" },
        h("legend", {}, "Schedule source"),
        scheduleKinds.map((k) =>
          h(
            "div",
            { class: "choice" },
            h("input", {
              type: "radio",
              name: "schedule-kind",
              id: `schedule-kind-${k.kind}`,
              value: k.kind,
              checked: this.scheduleKind === k.kind,
              "aria-describedby": `schedule-kind-${k.kind}-help`,
              onchange: () => this.chooseSchedule(k.kind),
            }),
            h("label", { for: `schedule-kind-${k.kind}` }, k.label),
            h("div", { class: "help", id: `schedule-kind-${k.kind}-help` }, k.help),
          ),
        ),
        h("div", { class: "field-msg", id: "schedule-kind-msg", "aria-live": "polite" }, kindMsg),
      ),
      ...(needsIDs
        ? [
            h("label", { for: "provider-ids" }, "Epic provider IDs"),
            h("div", { class: "help", id: "provider-ids-help" }, "One for each provider whose visits should be prepared, separated by commas, e.g. E1001, E1002. Your Epic analyst has them."),
            h("input", {
              id: "provider-ids",
              autocomplete: "off",
              spellcheck: "false",
              placeholder: "e.g. E1001, E1002",
              value: this.providerIds,
              "aria-invalid": idsMsg ? "true" : undefined,
              "aria-describedby": "provider-ids-msg provider-ids-help provider-ids-read",
              oninput: (e: Event) => this.typedIDs((e.target as HTMLInputElement).value),
            }),
            h("div", { class: "field-msg", id: "provider-ids-msg", "aria-live": "polite" }, idsMsg),
            h(
              "div",
              { class: "help", id: "provider-ids-read" },
              typed.length && typed.join(", ") !== this.providerIds.trim() ? `Read as ${typed.length} ID${typed.length === 1 ? "" : "s"}: ${(cleaned.length ? cleaned : typed).join(", ")}` : "",
            ),
          ]
        : []),
      h(
        "div",
        { class: "toolbar" },
        h("button", { id: "test-schedule", onclick: () => void this.testSchedule(), disabled: this.busy || this.scheduleTest?.state === "running" }, "Test schedule"),
      ),
      scheduleResult(this.scheduleTest) ?? h("div", { id: "schedule-result" }),
      this.scheduleProblem ? errorBox(this.scheduleProblem, "schedule-error") : null,
      h(
        "div",
        { class: "toolbar" },
        h("button", { id: "wizard-back", onclick: () => this.back() }, "Back"),
        h("span", { class: "spacer" }),
        h("button", { id: "wizard-next", class: "primary", onclick: () => void this.saveSchedule(), disabled: this.busy }, "Next: clinic hours"),
      ),
    ].filter((x): x is HTMLElement => x !== null);
  }

  private hoursForm(): HTMLElement[] {
    const s = this.hours;
    if (!s) {
      return [this.hoursProblem ? errorBox(this.hoursProblem, "hours-error") : h("div", { class: "notice" }, "Loading…")];
    }
    const set = (patch: Partial<Settings>) => {
      this.hours = { ...(this.hours ?? s), ...patch };
    };
    return [
      h("p", {}, "When should the day's prep be ready? HealthPrep Desk fetches the day's schedule and charts from Epic every clinic morning at this time, then again during clinic hours."),
      h(
        "div",
        { class: "grid2" },
        h(
          "div",
          {},
          h("label", { for: "wizard-sync-at" }, "Morning update at"),
          h("input", { id: "wizard-sync-at", type: "text", inputmode: "numeric", placeholder: "HH:MM", size: 6, value: s.syncAt, oninput: (e: Event) => set({ syncAt: (e.target as HTMLInputElement).value }) }),
        ),
        h(
          "div",
          {},
          h("label", { for: "wizard-clinic-end" }, "Clinic closes at"),
          h("input", { id: "wizard-clinic-end", type: "text", inputmode: "numeric", placeholder: "HH:MM", size: 6, value: s.clinicEnd, oninput: (e: Event) => set({ clinicEnd: (e.target as HTMLInputElement).value }) }),
        ),
      ),
      clinicDaysField("wizard-day", s.clinicDays, (days) => {
        set({ clinicDays: days });
        this.changed();
      }),
      this.hoursProblem ? errorBox(this.hoursProblem, "hours-error") : null,
      h(
        "div",
        { class: "toolbar" },
        h("button", { id: "wizard-back", onclick: () => this.back() }, "Back"),
        h("span", { class: "spacer" }),
        h("button", { id: "wizard-finish", class: "primary", onclick: () => void this.saveHours(), disabled: this.busy }, "Finish and show today"),
      ),
    ].filter((x): x is HTMLElement => x !== null);
  }
}

/** clinicDaysField is a row of Mon–Sun checkboxes. */
export function clinicDaysField(prefix: string, days: string[], onChange: (days: string[]) => void): HTMLElement {
  return h(
    "fieldset",
    { class: "days" },
    h("legend", {}, "Clinic days"),
    weekdayNames.map((d) =>
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: `${prefix}-${d}`,
          checked: days.includes(d),
          onchange: (e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            const next = weekdayNames.filter((x) => (x === d ? on : days.includes(x)));
            onChange(next);
          },
        }),
        ` ${d}`,
      ),
    ),
  );
}
