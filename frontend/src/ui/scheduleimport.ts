import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import { maxTextFileBytes, readText } from "./textfile";
import type { ScheduleImport } from "./today";

/** ScheduleImporter imports the schedule file the front desk chose (schedule
 *  source "file") for the day on Today, and keeps the last import's outcome
 *  for Today to show. */
export class ScheduleImporter {
  /** The last schedule file imported in this window. */
  current?: ScheduleImport;

  constructor(
    private backend: Backend,
    private changed: () => void,
    /** The day on screen, and whether Today is the screen. */
    private shown: () => { date: string; today: boolean },
  ) {}

  /** importFile reads a schedule file the front desk chose and imports it
   *  for the shown day. */
  async importFile(f: File): Promise<void> {
    if (this.current?.busy) return;
    const name = f.name || "The file";
    if (f.size > maxTextFileBytes) {
      this.current = {
        name,
        date: this.shown().date,
        error: { message: "It is larger than 16 MB: export one day's schedule (or one week's) at a time.", kind: "bad_request" },
      };
      this.changed();
      return;
    }
    let csv: string;
    try {
      csv = await readText(f);
    } catch (e) {
      this.current = { name, date: this.shown().date, error: { ...failure(e), message: "The file could not be read from this computer. Check that it is not open in another program, and try again." } };
      this.changed();
      return;
    }
    await this.importText(name, csv);
  }

  /** importText hands a schedule file's text to the agent for the shown
   *  day and shows what it read. */
  async importText(name: string, csv: string): Promise<void> {
    if (this.current?.busy) return;
    const date = this.shown().date;
    this.current = { name, date, busy: true };
    this.changed();
    try {
      this.current = { name, date, result: await this.backend.importSchedule(date, csv) };
    } catch (e) {
      this.current = { name, date, error: failure(e) };
    }
    const active = document.activeElement;
    const picking = !active || active === document.body || ["import-schedule", "empty-import", "empty-day-import"].includes(active.id);
    this.changed();
    // Next is the update: take the keyboard there, where the summary is read
    // out with it. A refused file keeps the focus on the button to try again.
    const now = this.shown();
    if (picking && this.current.result && now.today && date === now.date) {
      (document.getElementById("import-sync") ?? document.getElementById("schedule-import-summary"))?.focus();
    }
  }

  /** synced notes that the day imported for has been updated from Epic since. */
  synced(date: string): void {
    if (this.current?.result && this.current.date === date) this.current = { ...this.current, synced: true };
  }

  dismiss(): void {
    this.current = undefined;
    this.changed();
    document.getElementById("import-schedule")?.focus();
  }

  /** forget drops the last import (after a reset). */
  forget(): void {
    this.current = undefined;
  }
}
