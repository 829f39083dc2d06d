import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { Failure, Lookbacks, Settings, Status } from "../api/types";
import { h } from "./dom";
import { errorBox } from "./errors";
import { exclusionSwitches } from "./measures";
import { CatalogueEditor } from "./catalogue";
import { accessModeLabel, scheduleKindLabel } from "./labels";
import { sendFields } from "./send";
import { clinicDaysField } from "./setup";

export type SettingsTab = "clinic" | "screenings" | "practice";

/** parseClock reads a time as people type it: 06:30, 6:30, 0630, 630,
 *  6.30, 6:30 pm. It returns HH:MM, or "" when it is not a time. */
export function parseClock(text: string): string {
  const t = text.trim().toLowerCase();
  const m = /^(\d{1,2})(?:[:.h]?(\d{2}))?\s*(am|pm|a|p)?$/.exec(t);
  if (!m) return "";
  let hh = Number(m[1]);
  const mm = m[2] === undefined ? 0 : Number(m[2]);
  if (m[3]) {
    if (hh < 1 || hh > 12) return "";
    hh = (hh % 12) + (m[3].startsWith("p") ? 12 : 0);
  }
  if (hh > 23 || mm > 59) return "";
  return `${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
}

/** settingsProblems says, per field, what is wrong with the settings as
 *  typed, all at once, in words; the agent checks them again on save. */
export function settingsProblems(s: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  const start = parseClock(s.syncAt);
  const end = parseClock(s.clinicEnd);
  if (!start) out["sync-at"] = "Enter a time like 06:30.";
  if (!end) out["clinic-end"] = "Enter a time like 18:00.";
  else if (start && end <= start) out["clinic-end"] = `The clinic must close after the morning update (${start}).`;
  if (!whole(s.syncEveryMinutes, 5, 240)) out["sync-every"] = "Update every 5 to 240 minutes, in whole minutes.";
  if (s.clinicDays.length === 0) out["clinic-day"] = "Choose at least one clinic day.";
  const lb: [string, number][] = [
    ["lookback-labs", s.lookbacks.labs],
    ["lookback-imaging", s.lookbacks.imaging],
    ["lookback-consults", s.lookbacks.consults],
    ["lookback-hospital", s.lookbacks.hospital],
  ];
  for (const [id, n] of lb) if (!whole(n, 1, 120)) out[id] = "1 to 120 months, in whole months.";
  if (!whole(s.retentionDays, 1, 365)) out.retention = "Keep saved days for 1 to 365 days.";
  return out;
}

export interface SettingsHooks {
  saved(s: Settings): void;
  reset(): void;
  setUp(): void;
}

/** SettingsPanel is the practice manager's settings: clinic hours and
 *  updates, what the prep sheet shows, the screening catalogue, and the
 *  practice itself (reset, with a typed confirmation). */
export class SettingsPanel {
  tab: SettingsTab = "clinic";
  draft: Settings;
  problem?: Failure;
  saved = false;
  busy = false;
  confirm = "";
  resetProblem?: Failure;
  /** Problems by field id, shown after Save is pressed (all at once). */
  fieldProblems: Record<string, string> = {};
  catalogue: CatalogueEditor;

  constructor(
    private backend: Backend,
    private changed: () => void,
    private hooks: SettingsHooks,
    current: Settings,
    download?: (name: string, text: string) => void,
  ) {
    this.draft = structuredClone(current);
    this.catalogue = new CatalogueEditor(backend, changed, download);
  }

  show(tab: SettingsTab): void {
    this.tab = tab;
    this.changed();
    if (tab === "screenings" && !this.catalogue.view) void this.catalogue.load();
  }

  edit(patch: Partial<Settings>, redraw = false): void {
    this.draft = { ...this.draft, ...patch };
    this.saved = false;
    if (Object.keys(this.fieldProblems).length) {
      // Once marked, a field's mark follows what is typed.
      this.fieldProblems = settingsProblems(this.draft);
      redraw = true;
    }
    if (redraw) this.changed();
  }

  async save(): Promise<void> {
    const times = { syncAt: parseClock(this.draft.syncAt) || this.draft.syncAt, clinicEnd: parseClock(this.draft.clinicEnd) || this.draft.clinicEnd };
    this.draft = { ...this.draft, ...times };
    this.fieldProblems = settingsProblems(this.draft);
    if (Object.keys(this.fieldProblems).length) {
      this.saved = false;
      this.problem = undefined;
      this.changed();
      return;
    }
    this.busy = true;
    this.problem = undefined;
    this.saved = false;
    this.changed();
    try {
      await this.backend.saveSettings(this.draft);
      this.saved = true;
      this.hooks.saved(structuredClone(this.draft));
    } catch (e) {
      this.problem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  async reset(): Promise<void> {
    this.busy = true;
    this.resetProblem = undefined;
    this.changed();
    try {
      await this.backend.reset(this.confirm.trim());
      this.confirm = "";
      this.hooks.reset();
    } catch (e) {
      this.resetProblem = failure(e);
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  private tabs(): HTMLElement {
    const tabs: [SettingsTab, string][] = [
      ["clinic", "Clinic and updates"],
      ["screenings", "Screenings"],
      ["practice", "Practice"],
    ];
    return h(
      "div",
      { class: "tabs", role: "tablist", "aria-label": "Settings sections" },
      tabs.map(([t, label]) =>
        h(
          "button",
          {
            role: "tab",
            id: `settings-tab-${t}`,
            "aria-selected": t === this.tab ? "true" : "false",
            "aria-controls": `settings-${t}`,
            tabindex: t === this.tab ? 0 : -1,
            onclick: () => this.show(t),
            onkeydown: (e: Event) => {
              const k = (e as KeyboardEvent).key;
              if (k !== "ArrowRight" && k !== "ArrowLeft") return;
              const i = tabs.findIndex(([x]) => x === this.tab);
              const next = tabs[(i + (k === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length][0];
              this.show(next);
              document.getElementById(`settings-tab-${next}`)?.focus();
            },
          },
          label,
        ),
      ),
    );
  }

  /** fieldMsg is a field's problem under it, tied to the input. */
  private fieldMsg(id: string): HTMLElement {
    return h("div", { class: "field-msg", id: `${id}-msg`, "aria-live": "polite" }, this.fieldProblems[id] ?? "");
  }

  private invalid(id: string): Record<string, string | undefined> {
    return { "aria-invalid": this.fieldProblems[id] ? "true" : undefined, "aria-describedby": `${id}-msg` };
  }

  private number(id: string, label: string, value: number, min: number, max: number, onValue: (n: number) => void, unit: string): HTMLElement {
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h(
        "span",
        { class: "with-unit" },
        h("input", {
          id,
          type: "number",
          min,
          max,
          step: 1,
          value: Number.isNaN(value) ? "" : value,
          ...this.invalid(id),
          oninput: (e: Event) => {
            const v = (e.target as HTMLInputElement).value.trim();
            onValue(v === "" ? NaN : Number(v));
          },
        }),
        ` ${unit}`,
      ),
      this.fieldMsg(id),
    );
  }

  /** clock is a time field that reads 0615 as 06:15 (a time input read it as 15:30). */
  private clock(id: string, label: string, value: string, onValue: (v: string) => void): HTMLElement {
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h("input", {
        id,
        type: "text",
        inputmode: "numeric",
        autocomplete: "off",
        placeholder: "HH:MM",
        size: 6,
        value,
        ...this.invalid(id),
        oninput: (e: Event) => onValue((e.target as HTMLInputElement).value),
        onblur: (e: Event) => {
          const el = e.target as HTMLInputElement;
          const t = parseClock(el.value);
          if (t && t !== el.value) {
            el.value = t;
            onValue(t);
          }
        },
      }),
      this.fieldMsg(id),
    );
  }

  private clinic(): HTMLElement {
    const s = this.draft;
    const lb = (k: keyof Lookbacks) => (n: number) => this.edit({ lookbacks: { ...this.draft.lookbacks, [k]: n } });
    return h(
      "div",
      { role: "tabpanel", id: "settings-clinic", "aria-labelledby": "settings-tab-clinic", class: "panel" },
      h("h3", {}, "Updates from Epic"),
      h(
        "div",
        { class: "grid3" },
        this.clock("sync-at", "Morning update at", s.syncAt, (v) => this.edit({ syncAt: v })),
        this.clock("clinic-end", "Clinic closes at", s.clinicEnd, (v) => this.edit({ clinicEnd: v })),
        this.number("sync-every", "Update again every", s.syncEveryMinutes, 5, 240, (n) => this.edit({ syncEveryMinutes: n }), "minutes"),
      ),
      clinicDaysField("clinic-day", s.clinicDays, (days) => this.edit({ clinicDays: days }, true)),
      this.fieldMsg("clinic-day"),
      h("h3", {}, "Prep sheets"),
      h("p", { class: "sub" }, "How far back the recent sections of each prep sheet look."),
      h(
        "div",
        { class: "grid4" },
        this.number("lookback-labs", "Labs", s.lookbacks.labs, 1, 120, lb("labs"), "months"),
        this.number("lookback-imaging", "Imaging", s.lookbacks.imaging, 1, 120, lb("imaging"), "months"),
        this.number("lookback-consults", "Consults and documents", s.lookbacks.consults, 1, 120, lb("consults"), "months"),
        this.number("lookback-hospital", "Hospital visits", s.lookbacks.hospital, 1, 120, lb("hospital"), "months"),
      ),
      sendFields(s.send, (send) => this.edit({ send }, true)),
      exclusionSwitches(s.exclusions, s.disabledExclusions, (off) => this.edit({ disabledExclusions: off }, true)),
      h("h3", {}, "Saved days and display"),
      this.number("retention", "Keep saved days for", s.retentionDays, 1, 365, (n) => this.edit({ retentionDays: n }), "days"),
      h(
        "label",
        { class: "check" },
        h("input", { id: "large-text", type: "checkbox", checked: s.largeText, onchange: (e: Event) => this.edit({ largeText: (e.target as HTMLInputElement).checked }, true) }),
        " Large text (easier to read from a distance)",
      ),
      this.problem ? errorBox(this.problem, "settings-error") : null,
      // The Save bar stays in view at the bottom of the window, with what became of the last Save.
      h(
        "div",
        { class: "toolbar sticky-save" },
        h("button", { id: "save-settings", class: "primary", onclick: () => void this.save(), disabled: this.busy }, "Save settings"),
        Object.keys(this.fieldProblems).length
          ? h(
              "span",
              { class: "notice error bar-notice", id: "settings-problems", role: "alert" },
              `Nothing was saved: fix the ${Object.keys(this.fieldProblems).length === 1 ? "field" : `${Object.keys(this.fieldProblems).length} fields`} marked above.`,
            )
          : null,
        this.saved ? h("span", { class: "notice ok bar-notice", id: "settings-msg", role: "status" }, "Saved.") : null,
      ),
    );
  }

  private practice(status: Status): HTMLElement {
    const p = status.practice;
    const facts: [string, string][] = [
      ["Practice", p?.name ?? "not set up"],
      ["Epic FHIR address", p?.fhirBase ?? ""],
      ["Epic client ID", p?.clientId ?? ""],
      ["Signed in", status.signedIn ? `${status.signedIn.user}${accessModeLabel[status.signedIn.accessMode] ? ` (using ${accessModeLabel[status.signedIn.accessMode]})` : ""}${status.signedIn.accessNote ? `. ${status.signedIn.accessNote}` : ""}` : "no"],
      ["Schedule from", status.schedule ? (scheduleKindLabel[status.schedule.kind] ?? status.schedule.kind) : ""],
      ["Secrets kept in", status.keychain ?? ""],
    ];
    const ready = this.confirm.trim() === "RESET";
    return h(
      "div",
      { role: "tabpanel", id: "settings-practice", "aria-labelledby": "settings-tab-practice", class: "panel" },
      h("dl", { class: "facts" }, facts.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      status.mode === "demo"
        ? h(
            "div",
            { class: "notice" },
            "This is the demo practice, with made-up patients. ",
            h("button", { id: "settings-setup", class: "primary", onclick: () => this.hooks.setUp() }, "Set up your practice"),
          )
        : h(
            "section",
            { class: "danger", "aria-labelledby": "reset-title" },
            h("h3", { id: "reset-title" }, "Reset this practice"),
            h("p", {}, "Removes this practice's saved days, its Epic sign-in and its keys from this computer. Use it to connect a different practice. It cannot be undone."),
            h("label", { for: "reset-confirm" }, "Type RESET to confirm"),
            h("input", {
              id: "reset-confirm",
              autocomplete: "off",
              spellcheck: "false",
              value: this.confirm,
              oninput: (e: Event) => {
                this.confirm = (e.target as HTMLInputElement).value;
                this.changed();
              },
            }),
            this.resetProblem ? errorBox(this.resetProblem, "reset-error") : null,
            h("div", { class: "toolbar" }, h("button", { id: "reset", class: "danger", onclick: () => void this.reset(), disabled: !ready || this.busy }, "Reset practice")),
          ),
    );
  }

  render(status: Status): HTMLElement {
    let panel: HTMLElement;
    switch (this.tab) {
      case "screenings":
        panel = h("div", { role: "tabpanel", id: "settings-screenings", "aria-labelledby": "settings-tab-screenings", class: "panel" }, this.catalogue.render());
        break;
      case "practice":
        panel = this.practice(status);
        break;
      default:
        panel = this.clinic();
    }
    return h("section", { class: "settings", "aria-labelledby": "settings-title" }, h("h2", { id: "settings-title" }, "Settings"), this.tabs(), panel);
  }
}
