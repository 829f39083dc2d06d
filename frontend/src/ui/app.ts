import type { Backend } from "../api/backend";
import { errorText } from "../api/backend";
import type { DayList, DayRow, Settings, Sheet, Status, SyncEvent } from "../api/types";
import { h, hhmm, replace } from "./dom";
import { renderSettings } from "./settings";
import { renderSetup } from "./setup";
import { renderSheet } from "./sheet";
import { renderToday, type TodayFilters } from "./today";

type View = "today" | "sheet" | "settings" | "setup";

/** DeskApp holds the UI state and re-renders on every change. The state is
 *  small (one day, one sheet), so a full re-render is simpler than diffing. */
export class DeskApp {
  status?: Status;
  view: View = "today";
  date = "";
  day?: DayList;
  dayError?: string;
  sheet?: Sheet;
  sheetError?: string;
  filters: TodayFilters = { provider: "", show: "all" };
  progress?: SyncEvent;
  settings?: Settings;
  fatal?: string;
  private unsubscribe?: () => void;
  private poll?: ReturnType<typeof setInterval>;

  constructor(
    private backend: Backend,
    private root: HTMLElement,
    private printer: (html: string) => void = printHTML,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.backend.onSync((e) => this.onSyncEvent(e));
    // Online/offline and "as of" change without the user doing anything.
    this.poll = setInterval(() => void this.refreshStatus(), 30_000);
    await this.refreshStatus();
    if (!this.status) return;
    this.date = this.status.today;
    this.view = this.status.mode === "unconfigured" ? "setup" : "today";
    try {
      this.settings = await this.backend.settings();
    } catch {
      // Settings are optional for the first screen.
    }
    this.render();
    if (this.view === "today") await this.loadDay();
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.poll);
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.backend.status();
      this.fatal = undefined;
    } catch (e) {
      this.fatal = `The HealthPrep agent is not answering: ${errorText(e)}`;
    }
    this.render();
  }

  async loadDay(): Promise<void> {
    this.day = undefined;
    this.dayError = undefined;
    this.render();
    try {
      this.day = await this.backend.day(this.date);
    } catch (e) {
      this.dayError = errorText(e);
    }
    this.render();
  }

  async open(row: DayRow): Promise<void> {
    this.view = "sheet";
    this.sheet = undefined;
    this.sheetError = undefined;
    this.render();
    try {
      this.sheet = await this.backend.sheet(this.date, row.appointmentId);
    } catch (e) {
      this.sheetError = errorText(e);
    }
    this.render();
  }

  async sync(): Promise<void> {
    if (!this.status) return;
    this.status = { ...this.status, syncing: true };
    this.progress = { phase: "schedule", appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 };
    this.render();
    try {
      await this.backend.sync(this.date);
    } catch (e) {
      this.dayError = undefined;
      this.progress = undefined;
      await this.refreshStatus();
      this.showBanner(errorText(e));
      return;
    }
    await this.refreshStatus();
    await this.loadDay();
  }

  banner?: string;
  showBanner(text: string): void {
    this.banner = text;
    this.render();
  }

  private onSyncEvent(e: SyncEvent): void {
    this.progress = e;
    if (this.status) this.status = { ...this.status, syncing: e.phase !== "done" && e.phase !== "failed" };
    this.render();
  }

  async print(appointmentId?: string): Promise<void> {
    try {
      this.printer(await this.backend.printHTML(this.date, appointmentId));
    } catch (e) {
      this.showBanner(errorText(e));
    }
  }

  private header(): HTMLElement {
    const s = this.status;
    const name = s?.mode === "demo" ? "Demo Family Medicine (demo)" : (s?.practice?.name ?? "HealthPrep Desk");
    const online = s?.online ?? false;
    const asOf = this.day?.asOf ? `as of ${hhmm(this.day.asOf)}` : "";
    return h(
      "header",
      { class: "app-header" },
      h("h1", {}, name),
      h("span", { class: "spacer" }),
      s?.signedIn ? h("span", { class: "user", id: "user" }, `Signed in: ${s.signedIn.user}`) : null,
      s && s.mode !== "unconfigured"
        ? h(
            "span",
            { class: `net ${online ? "online" : "offline"}`, id: "net", title: s.offlineReason ?? "" },
            online ? "Online" : `Offline${s.offlineSince ? ` since ${hhmm(s.offlineSince)}` : ""}`,
          )
        : null,
      asOf ? h("span", { class: "as-of", id: "as-of" }, asOf) : null,
      s && s.mode !== "unconfigured"
        ? h(
            "nav",
            {},
            h("button", { id: "nav-today", onclick: () => this.go("today") }, "Today"),
            h("button", { id: "nav-settings", onclick: () => this.go("settings") }, "Settings"),
          )
        : null,
    );
  }

  go(view: View): void {
    this.view = view;
    this.render();
    if (view === "today") {
      void this.refreshStatus();
      void this.loadDay();
    }
  }

  render(): void {
    const s = this.status;
    document.body.classList.toggle("large-text", this.settings?.largeText ?? false);
    if (this.fatal || !s) {
      replace(this.root, this.header(), h("main", {}, h("div", { class: "notice error", role: "alert" }, this.fatal ?? "Starting…")));
      return;
    }
    const offline =
      s.mode !== "unconfigured" && !s.online
        ? h(
            "div",
            { class: "notice warn offline-banner", id: "offline-banner", role: "status" },
            `Epic cannot be reached${s.offlineReason ? ` (${s.offlineReason})` : ""}. Showing saved prep${s.lastSync ? ` from ${hhmm(s.lastSync.at)}` : ""}.`,
          )
        : null;
    const needsSignIn =
      s.needsSignIn && s.mode === "practice"
        ? h(
            "div",
            { class: "notice warn", role: "status" },
            "Sign-in to Epic has expired. Saved prep is still shown. ",
            h("button", { id: "sign-in-again", onclick: () => void this.signInAgain() }, "Sign in again"),
          )
        : null;
    const banner = this.banner
      ? h("div", { class: "notice error", role: "alert", id: "banner" }, this.banner, " ", h("button", { onclick: () => this.showBanner("") }, "Dismiss"))
      : null;
    let main: HTMLElement;
    switch (this.view) {
      case "setup":
        main = renderSetup(this.backend, () => void this.afterSetup());
        break;
      case "sheet":
        main = renderSheet({
          sheet: this.sheet,
          error: this.sheetError,
          onBack: () => this.go("today"),
          onPrint: () => void this.print(this.sheet?.appointmentId),
        });
        break;
      case "settings":
        main = this.settings
          ? renderSettings(this.backend, s, this.settings, (n) => {
              this.settings = n;
              this.render();
            }, () => void this.afterReset())
          : h("div", { class: "notice" }, "Loading settings…");
        break;
      default:
        main = renderToday({
          status: s,
          date: this.date,
          day: this.day,
          dayError: this.dayError,
          filters: this.filters,
          progress: this.progress,
          onDate: (d) => {
            this.date = d;
            void this.loadDay();
          },
          onFilters: (f) => {
            this.filters = f;
            this.render();
          },
          onSync: () => void this.sync(),
          onOpen: (r) => void this.open(r),
          onPrintDay: () => void this.print(),
        });
    }
    replace(this.root, this.header(), offline, needsSignIn, banner, h("main", {}, main));
  }

  private async signInAgain(): Promise<void> {
    try {
      await this.backend.signIn();
    } catch (e) {
      this.showBanner(errorText(e));
    }
    await this.refreshStatus();
  }

  private async afterSetup(): Promise<void> {
    await this.refreshStatus();
    this.date = this.status?.today ?? this.date;
    this.go("today");
    if (this.status && !this.status.syncing && (this.day?.rows.length ?? 0) === 0) await this.sync();
  }

  private async afterReset(): Promise<void> {
    this.day = undefined;
    await this.refreshStatus();
    this.view = "setup";
    this.render();
  }
}

/** printHTML prints a self-contained HTML document through a hidden frame. */
export function printHTML(html: string): void {
  const frame = h("iframe", { class: "print-frame", title: "print" });
  document.body.appendChild(frame);
  const doc = frame.contentDocument;
  if (!doc || !frame.contentWindow) return;
  doc.open();
  doc.write(html);
  doc.close();
  frame.contentWindow.focus();
  frame.contentWindow.print();
  setTimeout(() => frame.remove(), 60_000);
}
