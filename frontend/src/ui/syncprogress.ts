import type { Status, SyncEvent, SyncSummary } from "../api/types";
import { dayLabel, hhmm } from "./dom";

// The progress of an update as the window follows it: the agent's events,
// the update this window started (if any), the rows updated so far. It
// draws nothing and calls nothing: the controller (DeskApp) asks it what
// changed and does the loading and drawing.

/** running says whether an update in this phase is still going. */
export const running = (phase: string) => phase === "schedule" || phase === "patients" || phase === "saving";

const starting = (date?: string): SyncEvent => ({ phase: "schedule", ...(date ? { date } : {}), appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 });

/** What the controller does after a sync event. */
export interface EventOutcome {
  /** The shown day's rows changed: load it again. */
  reload: boolean;
  /** The update ended: ask the agent how things stand. */
  ended: boolean;
  /** Whether an update still runs; undefined for the documents' reading,
   *  which is no update. */
  syncing?: boolean;
  /** An update the window watched, but did not start, failed: say so. */
  failed?: string;
}

export class SyncProgress {
  /** The running update's latest progress; undefined when none runs. */
  progress?: SyncEvent;
  /** Documents being read after an update ("reading 12 documents: 5 of 12"). */
  reading?: SyncEvent;
  /** The patients the running (or last) update has fetched so far. */
  updated = new Set<string>();
  /** When the last update of a day finished in this window (HH:MM), for Today's total line. */
  finished?: { date: string; at: string };
  cancelling = false;
  /** The update this window started, until its call returns. */
  private own?: { date: string; doneSeen: boolean; cancelled: boolean };

  /** begin marks the start of an update of date that this window asked for. */
  begin(date: string): void {
    this.own = { date, doneSeen: false, cancelled: false };
    this.cancelling = false;
    this.updated.clear();
    this.progress = starting(date);
  }

  /** cancelled says whether the front desk stopped this window's update. */
  get cancelled(): boolean {
    return this.own?.cancelled ?? false;
  }

  /** finishedNow records that an update of date finished now. */
  finishedNow(date: string): void {
    this.finished = { date, at: hhmm(new Date().toISOString()) };
  }

  /** end closes this window's update and says whether its "done" event
   *  arrived (which reloaded the day already). */
  end(): boolean {
    const seen = this.own?.doneSeen ?? false;
    this.own = undefined;
    this.progress = undefined;
    this.cancelling = false;
    return seen;
  }

  /** cancel marks the running update as being stopped. */
  cancel(): void {
    this.cancelling = true;
    if (this.own) this.own.cancelled = true;
  }

  /** cancelRefused undoes cancel; nothingRan when the agent had no update
   *  running any more. */
  cancelRefused(nothingRan: boolean): void {
    this.cancelling = false;
    if (nothingRan) this.progress = undefined;
  }

  /** dayLoaded forgets the updated marks once a day is shown with no update running. */
  dayLoaded(): void {
    if (!this.progress) this.updated.clear();
  }

  /** agentStatus follows the agent's status (was: the one before). It
   *  returns true when an update the window did not start ended without its
   *  "done" reaching us: the day is to be loaded again. */
  agentStatus(st: Status, was?: Status): boolean {
    if (st.syncing && !this.progress) {
      // An update the agent started (at start-up or on its schedule) whose events came before we listened.
      this.progress = starting();
    } else if (!st.syncing && this.progress && !this.own && was?.syncing) {
      this.progress = undefined;
      this.cancelling = false;
      return true;
    }
    return false;
  }

  /** event applies one of the agent's sync events; shown is the day on
   *  screen. Undefined: not an event. */
  event(e: SyncEvent, shown: string): EventOutcome | undefined {
    if (!e || typeof e.phase !== "string") return undefined;
    const ours = !e.date || e.date === shown;
    if (e.phase === "reading" || e.phase === "read") {
      // Documents read after an update: rows change as evidence lands.
      this.reading = e.phase === "reading" ? e : undefined;
      return { reload: ours && (!!e.patientId || e.phase === "read"), ended: false };
    }
    const watching = this.progress !== undefined;
    if (running(e.phase)) {
      if (e.phase === "schedule" && !watching) this.updated.clear();
      this.progress = e;
      if (e.patientId) this.updated.add(e.patientId);
      return { reload: false, ended: false, syncing: true };
    }
    this.progress = undefined;
    this.cancelling = false;
    if (this.own) this.own.doneSeen = e.phase === "done" || this.own.doneSeen;
    const out: EventOutcome = { reload: e.phase === "done" && ours, ended: true, syncing: false };
    if (e.phase === "failed" && watching && !this.own) {
      out.failed = `The update from Epic did not finish${e.message ? `: ${e.message}` : ""}. The saved prep is still shown.`;
    }
    if (e.phase === "done") this.finishedNow(e.date || shown);
    return out;
  }
}

/** updatedWords says that an update finished, and when: the rows alone do not show it. */
export function updatedWords(sum: SyncSummary, date: string): string {
  const n = sum.appointments;
  return `Updated at ${hhmm(new Date().toISOString())}: ${n} appointment${n === 1 ? "" : "s"} on ${dayLabel(date)}.`;
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
