import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { BuildInfo, DayList, DayRow, Failure, Settings, Sheet, Status, SyncEvent } from "../api/types";
import { renderAbout } from "./about";
import { formatDate, h, rerender } from "./dom";
import { errorBox } from "./errors";
import { type ChromeActions, type ChromeState, type Notice, type View, agentDown, renderBanners, renderHeader, skipLink } from "./header";
import { printHTML } from "./print";
import { DayPrint } from "./printday";
import { ScheduleImporter } from "./scheduleimport";
import { SendController } from "./send";
import { SettingsPanel } from "./settings";
import { SetupWizard } from "./setup";
import { renderSheet } from "./sheet";
import { SignInFlow } from "./signin";
import { SyncProgress, staleWords, updatedWords } from "./syncprogress";
import { arrange, closedOn, defaultFilters, renderToday, showLabel, type TodayFilters } from "./today";

export type { View } from "./header";
export { staleWords } from "./syncprogress";

/** The window title. It never carries patient data: task bars, window
 *  switchers and screen shares show it. */
export const windowTitle = "HealthPrep Desk";

/** The performance mark set when the first day list is on screen (the
 *  smoke test reads it to time a cold start). */
export const readyMark = "hp:today-ready";

/** How often the window asks the agent how things stand. */
export const timing = { statusEveryMs: 30_000, statusWhileSyncingMs: 2_000, agentRetryMs: 3_000 };

/** DeskApp is the window's controller: it holds the UI state and
 *  re-renders the whole window on every change. The state is small (one
 *  day, one sheet), so a full re-render (keeping focus, see rerender) is
 *  simpler than diffing. Its parts: the header and banners (header.ts),
 *  the update's progress (syncprogress.ts), the schedule file import
 *  (scheduleimport.ts) and Print day (printday.ts). */
export class DeskApp implements ChromeState, ChromeActions {
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
  /** The update the window follows, if any. */
  readonly syncProgress = new SyncProgress();
  /** Today's schedule file import (schedule source "file"). */
  readonly scheduleImport: ScheduleImporter;
  notice?: Notice;
  /** Today's "Print day" panel. */
  readonly dayPrint: DayPrint;
  /** The agent's notice (status.notice) the front desk dismissed; a new one shows again. */
  dismissedNotice?: string;
  wizard?: SetupWizard;
  settingsPanel?: SettingsPanel;
  signIn: SignInFlow;
  send: SendController;
  private dayLoads = 0;
  private sheetLoads = 0;
  ready = false;
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
    this.dayPrint = new DayPrint(backend, () => this.render());
    this.scheduleImport = new ScheduleImporter(backend, () => this.render(), () => ({ date: this.date, today: this.view === "today" }));
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
    const every = this.syncProgress.progress || this.status?.syncing ? timing.statusWhileSyncingMs : timing.statusEveryMs;
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
      // An update that finished without its "done" reaching us: show its outcome.
      if (this.syncProgress.agentStatus(st, was) && this.ready) void this.loadDay();
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
      this.syncProgress.dayLoaded();
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
    if (!this.status || this.syncProgress.progress || this.status.syncing) return;
    this.syncProgress.begin(date);
    this.notice = undefined;
    this.status = { ...this.status, syncing: true };
    this.render();
    this.schedulePoll();
    try {
      const sum = await this.backend.sync(date);
      this.scheduleImport.synced(date);
      if (sum && (sum.partial || sum.stale > 0)) {
        this.notice = { tone: "warn", failure: { message: staleWords(sum) } };
      } else if (sum) {
        this.syncProgress.finishedNow(date);
        this.notice = { tone: "ok", failure: { message: updatedWords(sum, date) } };
      }
    } catch (e) {
      const f = failure(e);
      const stopped = this.syncProgress.cancelled;
      this.notice = stopped ? { tone: "info", failure: { message: "The update was stopped. The saved prep is unchanged." } } : { tone: "error", failure: f };
    } finally {
      const seen = this.syncProgress.end();
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

  /** importSchedule imports a schedule file's text for the shown day. */
  async importSchedule(name: string, csv: string): Promise<void> {
    await this.scheduleImport.importText(name, csv);
  }

  async cancelSync(): Promise<void> {
    this.syncProgress.cancel();
    this.render();
    try {
      await this.backend.cancelSync();
    } catch (e) {
      const f = failure(e);
      // not_found: nothing was running any more.
      this.syncProgress.cancelRefused(f.kind === "not_found");
      if (f.kind !== "not_found") this.notice = { tone: "error", failure: f };
      this.render();
    }
  }

  private onSyncEvent(e: SyncEvent): void {
    const out = this.syncProgress.event(e, this.date);
    if (!out) return;
    if (out.failed) this.notice = { tone: "warn", failure: { message: out.failed } };
    if (this.ready && out.reload) void this.loadDay();
    if (this.ready && out.ended) void this.refreshStatus();
    if (out.syncing !== undefined && this.status) this.status = { ...this.status, syncing: out.syncing };
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
    this.dayPrint.drop();
    this.view = "today";
    const rows = arrange(this.day.rows, this.filters).filter((r) => !r.inactive);
    if (rows.length === 0) {
      this.notice = { tone: "info", failure: { message: "Nothing to print: no visit that will happen matches the filters on Today." } };
      this.render();
      return;
    }
    const f = this.filters;
    const scope = { practice: this.status.practice?.name ?? "HealthPrep Desk", date: this.date, provider: f.provider, filter: f.show === "all" ? "" : showLabel[f.show] };
    this.dayPrint.open(scope, rows, f.sort === "provider", focus);
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
    this.scheduleImport.forget();
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

  /** dismissAgentNotice hides the agent's notice for this session; the
   *  keyboard goes to the screen rather than the top of the window. */
  dismissAgentNotice(text: string): void {
    const had = document.activeElement?.id === "agent-notice-dismiss";
    this.dismissedNotice = text;
    this.render();
    if (had) document.getElementById("main")?.focus();
  }

  dismiss(): void {
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
          progress: this.syncProgress.progress,
          reading: this.syncProgress.reading,
          updated: this.syncProgress.updated,
          finishedAt: this.syncProgress.finished?.date === this.date ? this.syncProgress.finished.at : undefined,
          cancelling: this.syncProgress.cancelling,
          scheduleImport: this.scheduleImport.current,
          clinicDays: this.settings?.clinicDays,
          onDate: (d) => this.setDate(d),
          onFilters: (f) => {
            this.filters = f;
            // An open print panel follows the filters: it prints what is shown.
            if (this.dayPrint.job) this.printDay(false);
            else this.render();
          },
          onSync: () => void this.sync(),
          onFetch: (d) => void this.fetch(d),
          onCancelSync: () => void this.cancelSync(),
          onOpen: (r) => void this.openSheet(r),
          onPrintDay: () => this.printDay(),
          printPanel: this.dayPrint.panel(this.date),
          onScheduleFile: (f) => void this.scheduleImport.importFile(f),
          onDismissImport: () => this.scheduleImport.dismiss(),
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
        ? agentDown(this.agentProblem, this.restarting, this)
        : h("div", { class: "notice", role: "status", id: "starting" }, "Starting HealthPrep Desk…");
      rerender(this.root, renderHeader(this, this), h("main", {}, body));
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
    rerender(this.root, skipLink(), renderHeader(this, this), ...renderBanners(s, this, this), h("main", { id: "main", tabindex: -1 }, main));
    this.pinHeadings();
  }

  /** pinHeadings keeps the day's column headings in view just below Today's
   *  sticky filters, whose height changes with the text size and the window. */
  private pinHeadings = (): void => {
    const head = this.root.querySelector<HTMLElement>(".today-head");
    const table = this.root.querySelector<HTMLElement>("#day-table");
    if (head && table) table.style.setProperty("--head-h", `${head.getBoundingClientRect().height}px`);
  };
}
