import { type Backend, failure } from "../api/backend";
import type { DayList, DayRow, Failure, SendResult, SendSettings, SentNote, SentNotes, Sheet } from "../api/types";
import { dayLabel, h, hhmm } from "./dom";
import { errorBox } from "./errors";
import { SignInFlow } from "./signin";

/** sentLabel is how a note in the chart reads: "sent 07:52 by Front Desk". */
export function sentLabel(n: SentNote): string {
  if (n.unconfirmed) return `sending at ${hhmm(n.at)} not confirmed by Epic: checked before the next send`;
  return `sent ${hhmm(n.at)} by ${n.by || "HealthPrep"}`;
}

/** sendable are the visits a day's send covers: those that will happen,
 *  with a chart fetched (an unfetched one has no prep to send). */
export function sendable(rows: DayRow[]): DayRow[] {
  return rows.filter((r) => !r.inactive && !r.notFetched);
}

/** askOne is the confirmation for one visit: whose note, which visit,
 *  and what it replaces. */
export function askOne(s: Sheet, sent?: SentNote): string {
  const who = s.patient.name || "this patient";
  const again = sent?.noteId ? ` It replaces the note ${sentLabel(sent)}.` : "";
  return `Send the prep note of ${who} (${hhmm(s.time)} with ${s.provider || "no provider named"}) to Epic? It is added to the patient's chart.${again}`;
}

/** askDay is the confirmation for a day: how many notes, and the provider
 *  (or how many providers). */
export function askDay(day: DayList): string {
  const rows = sendable(day.rows);
  const providers = [...new Set(rows.map((r) => r.provider))];
  const with_ = providers.length === 1 ? `with ${providers[0]}` : `with ${providers.length} providers`;
  const n = rows.length;
  return `Send the prep notes of ${n} visit${n === 1 ? "" : "s"} on ${dayLabel(day.date)} (${with_}) to Epic? Each is added to the patient's chart; a visit sent before has its note replaced.`;
}

/** outcome says what a send did, naming each visit that was not sent. */
export function outcome(r: SendResult, names: Map<string, string>): { text: string; failures: string[] } {
  const total = r.sent.length + r.failed.length;
  const text =
    r.failed.length === 0
      ? `Sent to the chart: ${r.sent.length} note${r.sent.length === 1 ? "" : "s"}. ${r.sentToday} of ${r.dailyCap} sent today.`
      : `${r.sent.length} of ${total} note${total === 1 ? "" : "s"} sent; ${r.failed.length} not sent. The prep is unchanged.`;
  return { text, failures: r.failed.map((f) => `${names.get(f.appointmentId) ?? "A visit"}: ${f.message}`) };
}

interface Ask {
  ids: string[]; // empty: the whole day
  text: string;
  names: Map<string, string>;
}

/** SendController owns sending prep notes to the chart: the sheet's "Send
 *  to chart", Today's "Send day", their confirmations, and the "sent 07:52
 *  by Front Desk" marks. It shows nothing while the practice has sending off. */
export class SendController {
  date = "";
  notes?: SentNotes;
  asking?: Ask;
  busy = false;
  result?: { text: string; failures: string[] };
  problem?: Failure;
  private loads = 0;
  /** signIn is offered while the sign-in cannot write (sending turned on after it). */
  signIn: SignInFlow;

  constructor(
    private backend: Backend,
    private changed: () => void,
  ) {
    this.signIn = new SignInFlow(backend, changed, () => void this.load(this.date), "send-signin");
  }

  /** load reads which of a day's visits have a note; a failure hides the controls. */
  async load(date: string): Promise<void> {
    const n = ++this.loads;
    if (date !== this.date) {
      this.date = date;
      this.asking = this.result = this.problem = undefined;
      this.notes = undefined;
    }
    try {
      const s = await this.backend.sentNotes(date);
      if (n !== this.loads) return;
      this.notes = { ...s, notes: s.notes ?? {} };
    } catch {
      if (n !== this.loads) return;
      this.notes = undefined;
    }
    this.changed();
  }

  get enabled(): boolean {
    return this.notes?.enabled === true && this.notes.date === this.date;
  }

  /** needsSignIn says why nothing can be sent yet, and offers the sign-in. */
  private needsSignIn(): HTMLElement | null {
    if (this.notes?.canWrite !== false) return null;
    return h(
      "div",
      { class: "notice warn", id: "send-needs-signin", role: "status" },
      h("p", {}, "To send prep notes, sign in to Epic again: sending was turned on after the last sign-in, and only a new sign-in asks Epic for permission to add notes to charts."),
      this.signIn.render(),
    );
  }

  sent(appointmentId: string): SentNote | undefined {
    return this.notes?.date === this.date ? this.notes.notes[appointmentId] : undefined;
  }

  /** rowChip is Today's mark for a visit whose note is in the chart. */
  rowChip(appointmentId: string): HTMLElement | null {
    const n = this.sent(appointmentId);
    return n ? h("span", { class: `chip sent${n.unconfirmed ? " unconfirmed" : ""}`, "data-sent": appointmentId }, sentLabel(n)) : null;
  }

  private ask(a: Ask): void {
    this.asking = a;
    this.result = this.problem = undefined;
    this.changed();
    queueMicrotask(() => document.getElementById("send-confirm")?.focus());
  }

  private cancel(): void {
    this.asking = undefined;
    this.changed();
  }

  private async go(): Promise<void> {
    const a = this.asking;
    if (!a || this.busy) return;
    this.busy = true;
    this.changed();
    try {
      const r = await this.backend.send(this.date, a.ids);
      this.result = outcome({ ...r, sent: r.sent ?? [], failed: r.failed ?? [] }, a.names);
    } catch (e) {
      this.problem = failure(e);
    } finally {
      this.busy = false;
      this.asking = undefined;
    }
    await this.load(this.date);
  }

  /** panel is the confirmation, the progress or the outcome. */
  private panel(): HTMLElement | null {
    if (this.asking) {
      return h(
        "div",
        { class: "notice send-ask", id: "send-ask", role: "group", "aria-labelledby": "send-ask-text" },
        h("p", { id: "send-ask-text" }, this.asking.text),
        h(
          "div",
          { class: "toolbar" },
          h("button", { id: "send-confirm", class: "primary", onclick: () => void this.go(), disabled: this.busy }, this.busy ? "Sending…" : "Send"),
          h("button", { id: "send-cancel", onclick: () => this.cancel(), disabled: this.busy }, "Cancel"),
        ),
      );
    }
    if (this.problem) return errorBox(this.problem, "send-error");
    if (this.result) {
      const bad = this.result.failures.length > 0;
      return h(
        "div",
        { class: `notice ${bad ? "error" : "ok"}`, id: "send-result", role: bad ? "alert" : "status" },
        h("p", {}, this.result.text),
        bad ? h("ul", { id: "send-failures" }, this.result.failures.map((f) => h("li", {}, f))) : null,
      );
    }
    return null;
  }

  /** sheetControl is the prep sheet's "Send to chart" with its mark and panel. */
  sheetControl(s: Sheet | undefined): HTMLElement | null {
    if (!s || !this.enabled || s.date !== this.date) return null;
    const sent = this.sent(s.appointmentId);
    return h(
      "div",
      { class: "send-bar", id: "send-bar" },
      h(
        "div",
        { class: "toolbar" },
        sent ? h("span", { class: "chip sent", id: "sheet-sent" }, sentLabel(sent)) : null,
        h("span", { class: "spacer" }),
        h(
          "button",
          {
            id: "send-one",
            disabled: this.busy || s.notFetched === true || this.notes?.canWrite === false,
            title: s.notFetched ? "Nothing is known about this patient's screenings: update from Epic first" : undefined,
            onclick: () => this.ask({ ids: [s.appointmentId], text: askOne(s, sent), names: new Map([[s.appointmentId, s.patient.name]]) }),
          },
          sent?.noteId ? "Send to chart again" : "Send to chart",
        ),
      ),
      this.needsSignIn(),
      this.panel(),
    );
  }

  /** dayControl is Today's "Send day" with its panel. */
  dayControl(day: DayList | undefined): HTMLElement | null {
    if (!day || !this.enabled || day.date !== this.date) return null;
    const rows = sendable(day.rows);
    const done = rows.filter((r) => this.sent(r.appointmentId)?.noteId).length;
    return h(
      "div",
      { class: "send-bar", id: "send-day-bar" },
      h(
        "div",
        { class: "toolbar" },
        h("span", { class: "sub", id: "send-day-count" }, `${done} of ${rows.length} prep notes sent to the chart`),
        h("span", { class: "spacer" }),
        h(
          "button",
          {
            id: "send-day",
            disabled: this.busy || rows.length === 0 || this.notes?.canWrite === false,
            onclick: () => this.ask({ ids: [], text: askDay(day), names: new Map(day.rows.map((r) => [r.appointmentId, r.patientName])) }),
          },
          "Send day",
        ),
      ),
      this.needsSignIn(),
      this.panel(),
    );
  }
}

/** sendFields are Settings' "Send prep notes to Epic" choices; null when
 *  the agent offers none. */
export function sendFields(s: SendSettings | undefined, onChange: (s: SendSettings) => void): HTMLElement | null {
  if (!s) return null;
  const set = (patch: Partial<SendSettings>) => onChange({ ...s, ...patch });
  return h(
    "section",
    { class: "send-settings", "aria-labelledby": "send-settings-title" },
    h("h3", { id: "send-settings-title" }, "Send prep notes to Epic"),
    h(
      "label",
      { class: "check" },
      h("input", { id: "send-enabled", type: "checkbox", checked: s.enabled, "aria-describedby": "send-help", onchange: (e: Event) => set({ enabled: (e.target as HTMLInputElement).checked }) }),
      " Send prep notes to Epic",
    ),
    h(
      "p",
      { class: "sub", id: "send-help" },
      "Adds a visit's prep note (each screening with its status, evidence and dates) to the patient's chart in Epic when someone presses Send to chart or Send day, after a confirmation. Off unless turned on. After turning it on, sign in to Epic again: only then does HealthPrep ask Epic for permission to write notes.",
    ),
    h(
      "div",
      { class: "grid3" },
      h(
        "label",
        { for: "send-cap" },
        "Notes a day at most",
        h("input", { id: "send-cap", type: "number", min: 1, max: 1000, value: String(s.dailyCap), onchange: (e: Event) => set({ dailyCap: Number((e.target as HTMLInputElement).value) || 0 }) }),
      ),
      h(
        "label",
        { for: "send-note-type" },
        "Note type (LOINC code)",
        h("input", { id: "send-note-type", value: s.noteType, spellcheck: "false", onchange: (e: Event) => set({ noteType: (e.target as HTMLInputElement).value.trim() }) }),
      ),
      h(
        "label",
        { for: "send-format" },
        "Note format",
        h(
          "select",
          { id: "send-format", onchange: (e: Event) => set({ format: (e.target as HTMLSelectElement).value }) },
          h("option", { value: "text", selected: s.format !== "html" }, "Plain text"),
          h("option", { value: "html", selected: s.format === "html" }, "Formatted (HTML)"),
        ),
      ),
    ),
  );
}
