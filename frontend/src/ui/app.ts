import type { Backend } from "../api/backend";
import { failure, sentence } from "../api/backend";
import type { BuildInfo, DayList, DayRow, Failure, PresetInfo, Settings, Sheet, Status, SyncEvent, SyncSummary } from "../api/types";
import { renderAbout } from "./about";
import { dayLabel, disclosure, formatDate, h, hhmm, rerender } from "./dom";
import { errorBox } from "./errors";
import { printHTML } from "./print";
import { type PrintKind, PrintJob, renderPrintPanel } from "./printday";
import { SendController } from "./send";
import { SettingsPanel } from "./settings";
import { SetupWizard, fieldLabel } from "./setup";
import { renderSheet } from "./sheet";
import { SignInFlow } from "./signin";
import { maxTextFileBytes, readText } from "./textfile";
import { arrange, closedOn, defaultFilters, renderToday, type ScheduleImport, showLabel, type TodayFilters } from "./today";

export type View = "today" | "sheet" | "settings" | "setup" | "about";

/** The window title. It never carries patient data: task bars, window
 *  switchers and screen shares show it. */
export const windowTitle = "HealthPrep Desk";

/** The performance mark set when the first day list is on screen (the
 *  smoke test reads it to time a cold start). */
export const readyMark = "hp:today-ready";

/** How often the window asks the agent how things stand. */
export const timing = { statusEveryMs: 30_000, statusWhileSyncingMs: 2_000, agentRetryMs: 3_000 };

interface Notice {
  tone: "error" | "warn" | "info" | "ok";
  failure: Failure;
}

const running = (phase: string) => phase === "schedule" || phase === "patients" || phase === "saving";

/** DeskApp holds the UI state and re-renders the whole window on every
 *  change. The state is small (one day, one sheet), so a full re-render
 *  (keeping focus, see rerender) is simpler than diffing. */
export class DeskApp {
  status?: Status;
  agentProblem?: Failure;
  /** "Try again" is starting the agent. */
  restarting = false;
  build?: BuildInfo;
  settings?: Settings;
  view: View = "today";
  date = "";
  day?: DayList;
  dayError?: Failure;
  sheet?: Sheet;
  sheetError?: Failure;
  openedRow?: string;
  filters: TodayFilters = { ...defaultFilters };
  /** The running update's latest progress; undefined when none runs. */
  progress?: SyncEvent;
  /** Documents being read after an update ("reading 12 documents: 5 of 12"). */
  reading?: SyncEvent;
  updated = new Set<string>();
  /** When the last update of a day finished in this window (HH:MM), for Today's total line. */
  finished?: { date: string; at: string };
  cancelling = false;
  /** The last schedule file imported in this window (schedule source "file"). */
  scheduleImport?: ScheduleImport;
  notice?: Notice;
  /** "Print day" being prepared, with its choices; undefined when closed. */
  printJob?: PrintJob;
  /** The last kind of day print chosen (sheets or list), kept for the next. */
  printKind: PrintKind = "sheets";
  /** The agent's notice (status.notice) the front desk dismissed; a new one shows again. */
  dismissedNotice?: string;
  wizard?: SetupWizard;
  settingsPanel?: SettingsPanel;
  signIn: SignInFlow;
  send: SendController;
  private ownSync?: { date: string; doneSeen: boolean; cancelled: boolean };
  private dayLoads = 0;
  private sheetLoads = 0;
  private ready = false;
  private unsubscribe?: () => void;
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private keys = (e: KeyboardEvent) => this.onKey(e);

  constructor(
    private backend: Backend,
    private root: HTMLElement,
    private printer: (html: string) => void = printHTML,
    private download?: (name: string, text: string) => void,
  ) {
    this.signIn = this.newSignIn();
    this.send = new SendController(backend, () => this.render());
  }

  /** newSignIn is the sign-in offered when Epic needs one (practice mode). */
  private newSignIn(): SignInFlow {
    return new SignInFlow(
      this.backend,
      () => this.render(),
      (user) => {
        this.notice = { tone: "ok", failure: { message: `Signed in to Epic as ${user}. Updates can run again.` } };
        void this.refreshStatus();
      },
      "resignin",
    );
  }

  async start(): Promise<void> {
    document.title = windowTitle;
    this.unsubscribe = this.backend.onSync((e) => this.onSyncEvent(e));
    document.addEventListener("keydown", this.keys);
    window.addEventListener("resize", this.pinHeadings);
    this.render();
    this.backend.version().then(
      (b) => {
        this.build = b;
        if (this.view === "about") this.render();
      },
      () => {},
    );
    const settings = this.backend.settings().catch(() => undefined);
    await this.boot();
    this.settings = (await settings) ?? this.settings;
    this.render();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    document.removeEventListener("keydown", this.keys);
    window.removeEventListener("resize", this.pinHeadings);
    this.wizard?.stop();
  }

  /** boot waits for the agent (the app may have just started it), then
   *  shows the first screen. */
  private async boot(): Promise<void> {
    // The practice's "today" comes with the status, and is this computer's
    // date on almost every start: ask for that day at once rather than one
    // round trip later, and use it if the guess was right.
    const guess = formatDate(new Date());
    const early = this.backend.day(guess).then(
      (d) => ({ d }),
      (e: unknown) => ({ e }),
    );
    while (!this.stopped) {
      await this.refreshStatus();
      if (this.status) break;
      await new Promise((r) => setTimeout(r, timing.agentRetryMs));
    }
    if (!this.status) return;
    this.date = this.status.today;
    this.ready = true;
    this.schedulePoll();
    if (this.status.mode === "unconfigured") {
      this.setUp();
      return;
    }
    if (this.date === guess && this.dayLoads === 0) {
      const r = await early;
      if (this.dayLoads === 0 && "d" in r) {
        this.day = r.d;
        this.render();
        this.markReady();
        return;
      }
    }
    await this.loadDay();
  }

  private schedulePoll(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const every = this.progress || this.status?.syncing ? timing.statusWhileSyncingMs : timing.statusEveryMs;
    this.timer = setTimeout(() => void this.refreshStatus().finally(() => this.schedulePoll()), every);
  }

  async refreshStatus(): Promise<void> {
    try {
      const st = await this.backend.status();
      const was = this.status;
      this.status = st;
      this.agentProblem = undefined;
      // Epic wants a sign-in again: offer a fresh one, not the last one's outcome.
      if (st.needsSignIn && this.signIn.phase === "done") this.signIn = this.newSignIn();
      if (st.syncing && !this.progress) {
        // An update the agent started (at start-up or on its schedule) whose events came before we listened.
        this.progress = { phase: "schedule", appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 };
      } else if (!st.syncing && this.progress && !this.ownSync && was?.syncing) {
        // It finished and its "done" never reached us.
        this.progress = undefined;
        this.cancelling = false;
        if (this.ready) void this.loadDay();
      }
    } catch (e) {
      this.agentProblem = failure(e);
    }
    this.render();
  }

  async loadDay(): Promise<void> {
    const n = ++this.dayLoads;
    const date = this.date;
    this.dayError = undefined;
    if (this.day?.date !== date) this.day = undefined; // keep the same day's list on screen while it reloads
    this.render();
    try {
      const d = await this.backend.day(date);
      if (n !== this.dayLoads) return;
      this.day = d;
      void this.send.load(date);
      if (!this.progress) this.updated.clear();
    } catch (e) {
      if (n !== this.dayLoads) return;
      this.day = undefined;
      this.dayError = failure(e);
    }
    this.render();
    if (this.view === "today") this.markReady();
  }

  private markReady(): void {
    if (typeof performance === "undefined" || performance.getEntriesByName(readyMark).length > 0) return;
    const m = performance.mark(readyMark);
    console.info(`HealthPrep: the day is on screen ${Math.round(m.startTime)} ms after the page started loading`);
  }

  async openSheet(row: DayRow): Promise<void> {
    const n = ++this.sheetLoads;
    this.openedRow = row.appointmentId;
    this.view = "sheet";
    this.sheet = undefined;
    this.sheetError = undefined;
    this.render();
    try {
      const s = await this.backend.sheet(this.date, row.appointmentId);
      if (n !== this.sheetLoads) return;
      this.sheet = s;
    } catch (e) {
      if (n !== this.sheetLoads) return;
      this.sheetError = failure(e);
    }
    this.render();
    if (this.view === "sheet" && (document.activeElement === document.body || document.activeElement === null)) {
      document.getElementById("back")?.focus();
    }
  }

  backToDay(): void {
    this.view = "today";
    this.sheetLoads++;
    this.render();
    const row = this.openedRow ? document.getElementById(`row-${this.openedRow}`) : null;
    row?.focus();
  }

  setDate(date: string): void {
    if (!date || date === this.date) return;
    this.date = date;
    this.view = "today";
    void this.loadDay();
  }

  /** sync runs an update of a day (the shown one by default). */
  async sync(date = this.date): Promise<void> {
    if (!this.status || this.progress || this.status.syncing) return;
    this.ownSync = { date, doneSeen: false, cancelled: false };
    this.notice = undefined;
    this.cancelling = false;
    this.updated.clear();
    this.progress = { phase: "schedule", date, appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 };
    this.status = { ...this.status, syncing: true };
    this.render();
    this.schedulePoll();
    try {
      const sum = await this.backend.sync(date);
      if (this.scheduleImport?.result && this.scheduleImport.date === date) this.scheduleImport = { ...this.scheduleImport, synced: true };
      if (sum && (sum.partial || sum.stale > 0)) {
        this.notice = {
          tone: "warn",
          failure: { message: staleWords(sum) },
        };
      } else if (sum) {
        // Say that it finished, and when: the rows alone do not show it.
        const n = sum.appointments;
        this.finished = { date, at: hhmm(new Date().toISOString()) };
        this.notice = { tone: "ok", failure: { message: `Updated at ${hhmm(new Date().toISOString())}: ${n} appointment${n === 1 ? "" : "s"} on ${dayLabel(date)}.` } };
      }
    } catch (e) {
      const f = failure(e);
      const stopped = this.ownSync?.cancelled ?? false;
      this.notice = stopped ? { tone: "info", failure: { message: "The update was stopped. The saved prep is unchanged." } } : { tone: "error", failure: f };
    } finally {
      const seen = this.ownSync?.doneSeen ?? false;
      this.ownSync = undefined;
      this.progress = undefined;
      this.cancelling = false;
      await this.refreshStatus();
      if (!seen && date === this.date) await this.loadDay();
      this.schedulePoll();
    }
  }

  /** fetch gets a day that is not saved yet. */
  async fetch(date: string): Promise<void> {
    this.date = date;
    this.view = "today";
    await this.loadDay();
    await this.sync(date);
  }

  /** importScheduleFile reads a schedule file the front desk chose and
   *  imports it for the shown day. */
  async importScheduleFile(f: File): Promise<void> {
    if (this.scheduleImport?.busy) return;
    const name = f.name || "The file";
    if (f.size > maxTextFileBytes) {
      this.scheduleImport = {
        name,
        date: this.date,
        error: { message: "It is larger than 16 MB: export one day's schedule (or one week's) at a time.", kind: "bad_request" },
      };
      this.render();
      return;
    }
    let csv: string;
    try {
      csv = await readText(f);
    } catch (e) {
      this.scheduleImport = { name, date: this.date, error: { ...failure(e), message: "The file could not be read from this computer. Check that it is not open in another program, and try again." } };
      this.render();
      return;
    }
    await this.importSchedule(name, csv);
  }

  /** importSchedule hands a schedule file's text to the agent for the shown
   *  day and shows what it read. */
  async importSchedule(name: string, csv: string): Promise<void> {
    if (this.scheduleImport?.busy) return;
    const date = this.date;
    this.scheduleImport = { name, date, busy: true };
    this.render();
    try {
      this.scheduleImport = { name, date, result: await this.backend.importSchedule(date, csv) };
    } catch (e) {
      this.scheduleImport = { name, date, error: failure(e) };
    }
    const active = document.activeElement;
    const picking = !active || active === document.body || ["import-schedule", "empty-import", "empty-day-import"].includes(active.id);
    this.render();
    // Next is the update: take the keyboard there, where the summary is read
    // out with it. A refused file keeps the focus on the button to try again.
    if (picking && this.scheduleImport.result && this.view === "today" && date === this.date) {
      (document.getElementById("import-sync") ?? document.getElementById("schedule-import-summary"))?.focus();
    }
  }

  private dismissImport(): void {
    this.scheduleImport = undefined;
    this.render();
    document.getElementById("import-schedule")?.focus();
  }

  async cancelSync(): Promise<void> {
    this.cancelling = true;
    if (this.ownSync) this.ownSync.cancelled = true;
    this.render();
    try {
      await this.backend.cancelSync();
    } catch (e) {
      const f = failure(e);
      this.cancelling = false;
      if (f.kind === "not_found") {
        // Nothing was running any more.
        this.progress = undefined;
      } else {
        this.notice = { tone: "error", failure: f };
      }
      this.render();
    }
  }

  private onSyncEvent(e: SyncEvent): void {
    if (!e || typeof e.phase !== "string") return;
    if (e.phase === "reading" || e.phase === "read") {
      // Documents read after an update: rows change as evidence lands.
      this.reading = e.phase === "reading" ? e : undefined;
      if (this.ready && (!e.date || e.date === this.date) && (e.patientId || e.phase === "read")) void this.loadDay();
      this.render();
      return;
    }
    const watching = this.progress !== undefined;
    if (running(e.phase)) {
      if (e.phase === "schedule" && !watching) this.updated.clear();
      this.progress = e;
      if (e.patientId) this.updated.add(e.patientId);
    } else {
      this.progress = undefined;
      this.cancelling = false;
      if (this.ownSync) this.ownSync.doneSeen = e.phase === "done" || this.ownSync.doneSeen;
      if (e.phase === "failed" && watching && !this.ownSync) {
        this.notice = { tone: "warn", failure: { message: `The update from Epic did not finish${e.message ? `: ${e.message}` : ""}. The saved prep is still shown.` } };
      }
      if (e.phase === "done") this.finished = { date: e.date || this.date, at: hhmm(new Date().toISOString()) };
      if (this.ready && e.phase === "done" && (!e.date || e.date === this.date)) void this.loadDay();
      if (this.ready) void this.refreshStatus();
    }
    if (this.status) this.status = { ...this.status, syncing: running(e.phase) };
    this.render();
  }

  async print(appointmentId?: string): Promise<void> {
    try {
      this.printer(await this.backend.printHTML(this.date, appointmentId));
    } catch (e) {
      this.notice = { tone: "error", failure: failure(e) };
      this.render();
    }
  }

  /** printDay opens the print panel for what Today shows: the rows the
   *  filters leave, less cancelled visits and no-shows. */
  printDay(focus = true): void {
    if (!this.day || !this.status) return;
    this.printJob?.close();
    this.view = "today";
    const rows = arrange(this.day.rows, this.filters).filter((r) => !r.inactive);
    if (rows.length === 0) {
      this.printJob = undefined;
      this.notice = { tone: "info", failure: { message: "Nothing to print: no visit that will happen matches the filters on Today." } };
      this.render();
      return;
    }
    const f = this.filters;
    const scope = { practice: this.status.practice?.name ?? "HealthPrep Desk", date: this.date, provider: f.provider, filter: f.show === "all" ? "" : showLabel[f.show] };
    const job = new PrintJob(this.backend, scope, rows, f.sort === "provider", this.printKind, () => this.render());
    this.printJob = job;
    this.render();
    if (focus) document.getElementById("print-title")?.focus();
    void job.build();
  }

  private printPanel(): HTMLElement | null {
    const job = this.printJob;
    if (!job || job.scope.date !== this.date) return null;
    return renderPrintPanel(
      job,
      (k) => {
        this.printKind = k;
        void job.build(k);
      },
      () => {
        job.print();
        this.closePrint();
      },
      () => this.closePrint(),
    );
  }

  private closePrint(): void {
    const had = this.printJob !== undefined;
    this.printJob?.close();
    this.printJob = undefined;
    this.render();
    if (had) document.getElementById("print-day")?.focus();
  }

  go(view: View): void {
    if (view === "setup") {
      this.setUp();
      return;
    }
    if (view === "settings") {
      void this.openSettings();
      return;
    }
    this.wizard?.stop();
    this.wizard = undefined;
    this.view = view;
    this.render();
    if (view === "today") {
      void this.refreshStatus();
      if (!this.day && !this.dayError) void this.loadDay();
    }
  }

  private async openSettings(): Promise<void> {
    this.view = "settings";
    this.settingsPanel = undefined;
    this.render();
    if (!this.settings) {
      try {
        this.settings = await this.backend.settings();
      } catch (e) {
        this.notice = { tone: "error", failure: failure(e) };
        this.render();
        return;
      }
    }
    this.settingsPanel = new SettingsPanel(
      this.backend,
      () => this.render(),
      {
        saved: (s) => {
          this.settings = s;
          this.render();
          if (this.date) void this.send.load(this.date); // sending may have been turned on or off
        },
        reset: () => void this.afterReset(),
        setUp: () => this.setUp(),
      },
      this.settings,
      this.download,
    );
    this.render();
  }

  /** setUp opens the first-run wizard (from the demo, or after a reset),
   *  filled in from the practice preset the agent could not apply, if any. */
  setUp(): void {
    this.wizard?.stop();
    this.wizard = new SetupWizard(
      this.backend,
      () => this.render(),
      {
        demo: async () => {
          await this.refreshStatus();
          if (this.status?.mode !== "demo") await this.backend.startDemo();
          await this.afterDemo();
        },
        finished: () => void this.afterSetup(),
      },
      this.status?.mode === "demo",
    );
    const preset = this.status?.mode !== "practice" ? this.status?.preset : undefined;
    if (preset) this.wizard.fromPreset(preset);
    this.view = "setup";
    this.render();
  }

  private async afterDemo(): Promise<void> {
    this.wizard = undefined;
    await this.refreshStatus();
    this.date = this.status?.today ?? this.date;
    this.day = undefined;
    this.view = "today";
    await this.loadDay();
  }

  private async afterSetup(): Promise<void> {
    this.wizard = undefined;
    this.settings = await this.backend.settings().catch(() => this.settings);
    await this.refreshStatus();
    this.date = this.status?.today ?? this.date;
    this.day = undefined;
    this.view = "today";
    await this.loadDay();
    // A practice whose schedule is a file imports it first: an update now
    // could only fail. On a closed day Today offers the next clinic day.
    const closed = closedOn(this.date, this.settings?.clinicDays);
    if (this.dayError?.kind === "not_found" && !closed && !this.status?.syncing && this.status?.schedule?.kind !== "file") await this.sync();
  }

  private async afterReset(): Promise<void> {
    this.day = undefined;
    this.scheduleImport = undefined;
    this.sheet = undefined;
    this.settings = undefined;
    this.settingsPanel = undefined;
    await this.refreshStatus();
    this.settings = await this.backend.settings().catch(() => undefined);
    this.setUp();
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== "Escape" || e.defaultPrevented) return;
    if (this.view === "sheet") {
      e.preventDefault();
      this.backToDay();
    } else if (this.view === "about") {
      e.preventDefault();
      this.go("today");
    }
  }

  private header(): HTMLElement {
    const s = this.status;
    const demo = s?.mode === "demo";
    const name = s?.practice?.name ?? "HealthPrep Desk";
    const asOf = (this.view === "today" || this.view === "sheet") && this.day?.asOf ? `as of ${asOfLabel(this.day.asOf, s?.today)}` : "";
    const nav = (view: View, label: string) =>
      h("button", { id: `nav-${view}`, "aria-current": this.view === view ? "page" : undefined, onclick: () => this.go(view) }, label);
    return h(
      "header",
      { class: "app-header" },
      h("h1", { id: "header-practice" }, name, demo ? h("span", { class: "badge", id: "demo-badge" }, "DEMO") : null),
      h("span", { class: "spacer" }),
      s?.signedIn ? h("span", { class: "user", id: "user" }, `Signed in: ${s.signedIn.user}`) : null,
      this.agentProblem
        ? h("span", { class: "net offline", id: "net" }, "Agent not answering")
        : s && s.mode !== "unconfigured"
          ? h(
              "span",
              { class: `net ${s.online ? "online" : "offline"}`, id: "net", title: s.offlineReason ?? "" },
              s.online ? "Online" : `Epic unreachable${s.offlineSince ? ` since ${hhmm(s.offlineSince)}` : ""}`,
            )
          : null,
      asOf ? h("span", { class: "as-of", id: "as-of" }, asOf) : null,
      s && this.ready
        ? h(
            "nav",
            { "aria-label": "Main" },
            s.mode !== "unconfigured" ? nav("today", "Today") : null,
            s.mode !== "unconfigured" ? nav("settings", "Settings") : null,
            nav("about", "About"),
          )
        : null,
    );
  }

  /** agentDown is the one message for an agent that does not answer, and
   *  "Try again", which starts it again. */
  private agentDown(p: Failure): HTMLElement {
    const same = /agent is not answering/i.test(p.message);
    return errorBox(
      { ...p, message: same ? "The HealthPrep agent is not answering." : `The HealthPrep agent is not answering: ${p.message}` },
      "agent-error",
      h(
        "div",
        { class: "toolbar" },
        h("button", { id: "agent-retry", onclick: () => void this.restartAgent(), disabled: this.restarting }, this.restarting ? "Starting the agent…" : "Try again"),
        h("span", { class: "error-advice" }, "Try again starts the agent. The app also keeps trying every few seconds."),
      ),
    );
  }

  /** restartAgent starts the agent again (the app's connection to it), then reads its state. */
  async restartAgent(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    this.render();
    try {
      await this.backend.restartAgent();
    } catch (e) {
      this.agentProblem = failure(e);
    }
    this.restarting = false;
    await this.refreshStatus();
    if (!this.agentProblem && this.ready && this.view === "today") void this.loadDay();
  }

  private banners(s: Status): (HTMLElement | null)[] {
    const n = this.notice;
    // Epic away: the offline banner says it once; an update's failure for
    // the same reason adds nothing but its details.
    const offlineFailure = n?.tone === "error" && n.failure.kind === "offline" && !s.online;
    const reason = s.offlineReason && !/cannot be reached/i.test(s.offlineReason) ? ` (${s.offlineReason})` : "";
    return [
      this.agentProblem ? this.agentDown(this.agentProblem) : null,
      s.mode !== "practice" && s.preset && this.view === "today" ? this.presetBanner(s.preset) : null,
      s.mode === "demo" && !s.preset && this.view === "today"
        ? h(
            "div",
            { class: "notice demo-banner", id: "demo-banner", role: "note" },
            h("span", {}, "You are looking at the demo: a made-up practice on a simulated Epic."),
            h("span", { class: "spacer" }),
            h("button", { id: "demo-setup", class: "primary", onclick: () => this.setUp() }, "Set up your practice"),
          )
        : null,
      s.notice && s.notice !== this.dismissedNotice
        ? h(
            "div",
            { class: "notice info agent-notice", id: "agent-notice", role: "status" },
            h("span", { id: "agent-notice-text" }, s.notice),
            h("span", { class: "spacer" }),
            h("button", { id: "agent-notice-dismiss", "aria-describedby": "agent-notice-text", onclick: () => this.dismissAgentNotice(s.notice ?? "") }, "Dismiss"),
          )
        : null,
      s.mode !== "unconfigured" && !s.online
        ? h(
            "div",
            { class: "notice warn offline-banner", id: "offline-banner", role: "status" },
            `Epic cannot be reached${reason}${s.offlineSince ? ` since ${hhmm(s.offlineSince)}` : ""}. Showing saved prep${s.lastSync ? ` from ${hhmm(s.lastSync.at)}` : ""}; the app keeps trying.`,
            offlineFailure && n.failure.detail ? disclosure("offline-details", "Details for support", h("pre", {}, n.failure.detail)) : null,
          )
        : null,
      s.mode === "practice" && s.needsSignIn && this.view !== "setup"
        ? h(
            "div",
            { class: "notice warn", id: "needs-signin", role: "status" },
            h("p", {}, "Epic needs someone to sign in before the next update. The saved prep is still shown."),
            this.signIn.render(),
          )
        : null,
      n && !offlineFailure
        ? n.tone === "error"
          ? errorBox(n.failure, "banner", h("button", { id: "banner-dismiss", onclick: () => this.dismiss() }, "Dismiss"))
          : h(
              "div",
              { class: `notice ${n.tone}`, role: "status", id: "banner" },
              n.failure.message,
              " ",
              h("button", { id: "banner-dismiss", onclick: () => this.dismiss() }, "Dismiss"),
            )
        : null,
    ];
  }

  /** presetBanner stands in for the demo banner when an installer prepared
   *  this computer for a practice but the agent could not finish its setup
   *  at start: it says why, and opens the wizard filled in with the preset. */
  private presetBanner(p: PresetInfo): HTMLElement {
    const who = p.name || "your practice";
    const reason = p.error
      ? h("p", { id: "preset-reason" }, sentence(p.error))
      : p.problems.length
        ? h(
            "div",
            { id: "preset-reason" },
            h("p", {}, `Some of its Epic details need fixing:`),
            h("ul", {}, p.problems.map((x) => h("li", {}, `${fieldLabel(x.field)}: ${x.message}`))),
          )
        : null;
    return h(
      "div",
      { class: "notice warn preset-banner", id: "preset-banner", role: "status" },
      h(
        "div",
        { class: "preset-text" },
        h("p", {}, h("strong", { id: "preset-title" }, `This computer was prepared for ${p.name || "a practice"}, but its setup could not finish.`)),
        reason,
        h("p", {}, "Until then you are looking at the demo: a made-up practice on a simulated Epic."),
        p.path ? disclosure("preset-banner-details", "Details for support", h("pre", { class: "support-detail" }, `Practice preset: ${p.path}`)) : null,
      ),
      h("span", { class: "spacer" }),
      h("button", { id: "preset-setup", class: "primary", "aria-describedby": "preset-title", onclick: () => this.setUp() }, `Finish setting up ${who}`),
    );
  }

  /** dismissAgentNotice hides the agent's notice for this session; the
   *  keyboard goes to the screen rather than the top of the window. */
  private dismissAgentNotice(text: string): void {
    const had = document.activeElement?.id === "agent-notice-dismiss";
    this.dismissedNotice = text;
    this.render();
    if (had) document.getElementById("main")?.focus();
  }

  private dismiss(): void {
    this.notice = undefined;
    this.render();
  }

  private main(s: Status): HTMLElement {
    switch (this.view) {
      case "setup":
        return this.wizard ? this.wizard.render() : h("div", { class: "notice" }, "Loading…");
      case "sheet":
        return renderSheet({
          sheet: this.sheet,
          error: this.sheetError,
          lookbacks: this.settings?.lookbacks,
          onBack: () => this.backToDay(),
          onPrint: () => void this.print(this.sheet?.appointmentId ?? this.openedRow),
          onPrintDay: () => this.printDay(),
          send: this.send.sheetControl(this.sheet),
          documentText: (date, appt, docId) => this.backend.documentText(date, appt, docId),
        });
      case "settings":
        return this.settingsPanel ? this.settingsPanel.render(s) : h("div", { class: "notice", role: "status" }, "Loading settings…");
      case "about":
        return renderAbout(s, this.build, () => this.go("today"));
      default:
        return renderToday({
          status: s,
          date: this.date,
          day: this.day,
          dayError: this.dayError,
          filters: this.filters,
          progress: this.progress,
          reading: this.reading,
          updated: this.updated,
          finishedAt: this.finished?.date === this.date ? this.finished.at : undefined,
          cancelling: this.cancelling,
          scheduleImport: this.scheduleImport,
          clinicDays: this.settings?.clinicDays,
          onDate: (d) => this.setDate(d),
          onFilters: (f) => {
            this.filters = f;
            // An open print panel follows the filters: it prints what is shown.
            if (this.printJob) this.printDay(false);
            else this.render();
          },
          onSync: () => void this.sync(),
          onFetch: (d) => void this.fetch(d),
          onCancelSync: () => void this.cancelSync(),
          onOpen: (r) => void this.openSheet(r),
          onPrintDay: () => this.printDay(),
          printPanel: this.printPanel(),
          onScheduleFile: (f) => void this.importScheduleFile(f),
          onDismissImport: () => this.dismissImport(),
          sendDay: this.send.dayControl(this.day),
          sentChip: (id) => this.send.rowChip(id),
        });
    }
  }

  render(): void {
    if (this.stopped) return;
    // Settings previews large text as it is ticked; elsewhere the saved choice holds.
    const large = this.view === "settings" && this.settingsPanel ? this.settingsPanel.draft.largeText : this.settings?.largeText;
    document.body.classList.toggle("large-text", large ?? false);
    if (document.title !== windowTitle) document.title = windowTitle;
    const s = this.status;
    if (!s) {
      const body = this.agentProblem
        ? this.agentDown(this.agentProblem)
        : h("div", { class: "notice", role: "status", id: "starting" }, "Starting HealthPrep Desk…");
      rerender(this.root, this.header(), h("main", {}, body));
      return;
    }
    let main: HTMLElement;
    try {
      main = this.main(s);
    } catch (e) {
      // A screen that cannot be drawn must not leave the window blank.
      console.error(e);
      main = errorBox({ message: "This screen could not be shown.", detail: e instanceof Error ? e.message : String(e), kind: "internal" }, "render-error");
    }
    rerender(this.root, this.skipLink(), this.header(), ...this.banners(s), h("main", { id: "main", tabindex: -1 }, main));
    this.pinHeadings();
  }

  /** pinHeadings keeps the day's column headings in view just below Today's
   *  sticky filters, whose height changes with the text size and the window. */
  private pinHeadings = (): void => {
    const head = this.root.querySelector<HTMLElement>(".today-head");
    const table = this.root.querySelector<HTMLElement>("#day-table");
    if (head && table) table.style.setProperty("--head-h", `${head.getBoundingClientRect().height}px`);
  };

  /** skipLink lets keyboard users jump past the header to the screen. */
  private skipLink(): HTMLElement {
    return h(
      "a",
      {
        class: "skip-link",
        id: "skip",
        href: "#main",
        onclick: (e: Event) => {
          e.preventDefault();
          const first = document.querySelector<HTMLElement>("#main button, #main select, #main input, #main tr.row, #main [tabindex='0']");
          (first ?? document.getElementById("main"))?.focus();
        },
      },
      "Skip to the screen",
    );
  }
}

/** asOfLabel is when a day was fetched: the time, with the date when that
 *  was not today (a day fetched earlier, or another day on view). */
export function asOfLabel(iso: string, today?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return hhmm(iso);
  const date = formatDate(d);
  return date === today ? hhmm(iso) : `${dayLabel(date).replace(/ \d{4}$/, "")}, ${hhmm(iso)}`;
}

// staleWords says how many patients Epic did not give at an update: those
// with an earlier update's chart show it, the others show nothing.
export function staleWords(sum: SyncSummary): string {
  if (sum.stale === 0) return "Updated, but some patients could not be fetched from Epic and show earlier data.";
  const unfetched = Math.min(sum.unfetched ?? 0, sum.stale);
  const kept = sum.stale - unfetched;
  const n = (k: number) => `${k} patient${k === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (kept > 0) parts.push(`${n(kept)} could not be fetched from Epic and show${kept === 1 ? "s" : ""} earlier data`);
  if (unfetched > 0) parts.push(`${n(unfetched)} could not be fetched at all (nothing is shown for ${unfetched === 1 ? "this patient" : "them"} yet)`);
  return `Updated, but ${parts.join("; ")}.`;
}
