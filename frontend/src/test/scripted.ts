import type { Backend } from "../api/backend";
import type { DayList, Settings, SetupCheck, Sheet, Status, SyncEvent } from "../api/types";

export const today = "2026-11-24";

export function status(over: Partial<Status> = {}): Status {
  return {
    mode: "demo",
    needsSignIn: false,
    online: true,
    syncing: false,
    days: [today, "2026-11-23"],
    today,
    signedIn: { user: "Front Desk", accessMode: "device" },
    lastSync: { date: today, at: "2026-11-24T06:30:00Z", partial: false },
    ...over,
  };
}

export function dayList(): DayList {
  const counts = (due: number, dueSoon: number, complete: number) => ({ due, dueSoon, needsReview: 0, complete, excluded: 0 });
  return {
    date: today,
    asOf: "2026-11-24T06:31:00Z",
    partial: false,
    catalogueVersion: "1",
    rows: [
      { appointmentId: "a1", time: "2026-11-24T08:00:00Z", provider: "Dr. Ada Park", visitType: "Annual physical", status: "booked", inactive: false, patientId: "p1", patientName: "Maria Lopez", mrn: "1001", age: 52, sex: "female", counts: counts(2, 1, 5) },
      { appointmentId: "a2", time: "2026-11-24T08:20:00Z", provider: "Dr. Ben Osei", visitType: "Follow-up", status: "cancelled", inactive: true, patientId: "p2", patientName: "John Smith", mrn: "1002", age: 67, sex: "male", counts: counts(0, 0, 8) },
      { appointmentId: "a3", time: "2026-11-24T08:40:00Z", provider: "Dr. Ada Park", visitType: "Sick visit", status: "booked", inactive: false, patientId: "p3", patientName: "Lee Chen", mrn: "1003", age: 30, sex: "male", counts: counts(0, 1, 3) },
    ],
  };
}

export function sheet(): Sheet {
  return {
    date: today,
    appointmentId: "a1",
    patient: { id: "p1", name: "Maria Lopez", mrn: "1001", age: 52, sex: "female", birthDate: "1974-03-02" },
    time: "2026-11-24T08:00:00Z",
    provider: "Dr. Ada Park",
    visitType: "Annual physical",
    results: [
      { id: "colorectal_cancer", title: "Colorectal cancer screening", status: "due", reason: "No colonoscopy, FIT or other test on record", evidence: [] },
      { id: "breast_cancer", title: "Breast cancer screening", status: "complete", lastDone: "2025-06-01", modality: "mammography", nextDue: "2027-06-01", reason: "Mammogram", evidence: [{ type: "DiagnosticReport", id: "dr1", code: "24606-6", display: "MG Screening", date: "2025-06-01" }] },
    ],
    conditions: [{ title: "Essential hypertension", date: "2019-02-01" }],
    labs: [{ title: "Hemoglobin A1c", date: "2026-05-01", detail: "5.9 %" }],
    imaging: [],
    consults: [],
    hospital: [],
    immunizations: [{ title: "Influenza vaccine", date: "2025-10-02" }],
  };
}

/** Scripted is a Backend whose answers the test sets, recording calls. */
export class Scripted implements Backend {
  calls: string[] = [];
  st = status();
  days: Record<string, DayList> = { [today]: dayList() };
  syncListeners: ((e: SyncEvent) => void)[] = [];
  syncGate?: Promise<void>;
  syncError?: string;
  setupAnswer?: (base: string, id: string, discover: boolean) => SetupCheck;
  resetCalls: string[] = [];
  savedSettings?: Settings;

  async status() {
    this.calls.push("status");
    return this.st;
  }
  async day(date: string) {
    this.calls.push(`day:${date}`);
    const d = this.days[date];
    if (!d) throw "Nothing is saved for that day.";
    return d;
  }
  async sheet(date: string, appt: string) {
    this.calls.push(`sheet:${date}:${appt}`);
    return sheet();
  }
  async printHTML(date: string, appt?: string) {
    this.calls.push(`print:${date}:${appt ?? ""}`);
    return `<html><body>print ${appt ?? "day"}</body></html>`;
  }
  async sync(date: string) {
    this.calls.push(`sync:${date}`);
    if (this.syncGate) await this.syncGate;
    if (this.syncError) throw this.syncError;
  }
  onSync(cb: (e: SyncEvent) => void) {
    this.syncListeners.push(cb);
    return () => (this.syncListeners = this.syncListeners.filter((x) => x !== cb));
  }
  emit(e: SyncEvent) {
    this.syncListeners.forEach((cb) => cb(e));
  }
  async checkSetup(base: string, id: string, discover: boolean) {
    this.calls.push(`check:${discover}`);
    if (this.setupAnswer) return this.setupAnswer(base, id, discover);
    return { fhirBase: base, clientId: id, problems: [] };
  }
  async setup(base: string, id: string) {
    this.calls.push(`setup:${base}:${id}`);
  }
  async signIn() {
    this.calls.push("signin");
    return { user: "Pat Manager" };
  }
  async startDemo() {
    this.calls.push("demo");
    this.st = status();
  }
  async settings() {
    return { syncAt: "06:30", syncEveryMinutes: 30, clinicDays: ["Mon"], retentionDays: 14, largeText: false };
  }
  async saveSettings(s: Settings) {
    this.savedSettings = s;
  }
  async reset(confirm: string) {
    this.resetCalls.push(confirm);
    if (confirm !== "RESET") throw "Type RESET to confirm.";
  }
}

/** settle lets pending promises and re-renders run. */
export async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}
