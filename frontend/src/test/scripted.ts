import type { Backend } from "../api/backend";
import type {
  AuditEntry,
  BuildInfo,
  CatalogueChange,
  CatalogueEdit,
  CatalogueView,
  DayList,
  DocumentText,
  PresetInfo,
  ScheduleCheck,
  ScheduleImported,
  SendResult,
  SentNote,
  SentNotes,
  Settings,
  SetupCheck,
  Sheet,
  SignInState,
  Status,
  SyncEvent,
  SyncSummary,
} from "../api/types";

export const today = "2026-11-24";

/** wire is how the app's bindings reject: the JSON of the agent's error. */
export function wire(kind: string, error: string, detail?: string): string {
  return JSON.stringify({ kind, error, detail });
}

export function status(over: Partial<Status> = {}): Status {
  return {
    mode: "demo",
    practice: { name: "Demo Family Medicine", fhirBase: "http://127.0.0.1:1/api/FHIR/R4", clientId: "healthprep-demo" },
    needsSignIn: false,
    online: true,
    syncing: false,
    days: [today, "2026-11-23"],
    today,
    signedIn: { user: "Front Desk (demo)", accessMode: "demo" },
    lastSync: { date: today, at: "2026-11-24T06:30:00Z", partial: false },
    version: "test",
    catalogue: { version: "2026.11-1", count: 3 },
    ...over,
  };
}

/** preset is a practice preset the agent found at start and could not
 *  apply (Status.preset): by default one whose FHIR address has a problem. */
export function preset(over: Partial<PresetInfo> = {}): PresetInfo {
  return {
    path: "/etc/healthprep/practice.json",
    name: "Riverside Family Medicine",
    fhirBase: "http://fhir.riverside.example/api/FHIR/R4",
    clientId: "0a1b2c3d",
    problems: [{ field: "fhirBase", message: "The FHIR address must start with https://" }],
    ...over,
  };
}

/** setAsideNotice is the agent's notice when the saved prep could not be read. */
export const setAsideNotice =
  "The saved prep on this computer could not be read, so it was set aside (cache-aside-20261124) and will be fetched again from Epic at the next update. Nothing in Epic is affected.";

export function dayList(date = today): DayList {
  const counts = (due: number, dueSoon: number, complete: number) => ({ due, dueSoon, needsReview: 0, complete, excluded: 0, attention: 0 });
  return {
    date,
    asOf: `${date}T06:31:00Z`,
    partial: false,
    catalogueVersion: "1",
    rows: [
      { appointmentId: "a1", time: `${date}T08:00:00Z`, provider: "Dr. Ada Park", visitType: "Annual physical", status: "booked", inactive: false, patientId: "p1", patientName: "Maria Lopez", mrn: "1001", age: 52, sex: "female", counts: counts(2, 1, 5), due: ["Mammogram", "A1C"] },
      { appointmentId: "a2", time: `${date}T08:20:00Z`, provider: "Dr. Ben Osei", visitType: "Follow-up", status: "cancelled", inactive: true, patientId: "p2", patientName: "John Smith", mrn: "1002", age: 67, sex: "male", counts: counts(0, 0, 8) },
      { appointmentId: "a3", time: `${date}T08:40:00Z`, provider: "Dr. Ada Park", visitType: "Sick visit", status: "booked", inactive: false, patientId: "p3", patientName: "Lee Chen", mrn: "1003", age: 30, sex: "male", counts: counts(0, 1, 3) },
    ],
  };
}

export function sheet(appt = "a1"): Sheet {
  return {
    date: today,
    appointmentId: appt,
    patient: { id: "p1", name: "Maria Lopez", mrn: "1001", age: 52, sex: "female", birthDate: "1974-03-02" },
    time: "2026-11-24T08:00:00Z",
    provider: "Dr. Ada Park",
    visitType: "Annual physical",
    status: "booked",
    notes: [],
    measures: [],
    results: [
      { id: "colorectal_cancer", title: "Colorectal cancer screening", status: "due", reason: "nothing on record" },
      {
        id: "breast_cancer",
        title: "Breast cancer screening",
        status: "complete",
        lastDone: "2025-06-01T00:00:00Z",
        modality: "mammography",
        nextDue: "2027-06-01T00:00:00Z",
        reason: "done: MG Screening (DiagnosticReport, 2025-06-01)",
        evidence: [{ type: "DiagnosticReport", id: "dr1", code: "24606-6", display: "MG Screening", date: "2025-06-01T10:00:00Z" }],
      },
      {
        id: "unhealthy_alcohol_use",
        title: "Unhealthy alcohol use screening",
        status: "complete",
        lastDone: "2026-09-18T00:00:00Z",
        nextDue: "2027-09-18T00:00:00Z",
        reason: "done",
        review: true,
        reviewNote: "decided by a code from “AUDIT-C”, which no value set examined confirms: check the code",
        evidence: [{ type: "Observation", id: "o1", code: "72109-2", display: "AUDIT-C", date: "2026-09-18T08:45:00Z" }],
      },
    ],
    conditions: [{ title: "Essential hypertension", date: "2019-02-01T00:00:00Z", detail: "I10" }],
    labs: [{ title: "Hemoglobin A1c", date: "2026-05-01T00:00:00Z", detail: "5.9 %" }],
    imaging: [],
    consults: [],
    hospital: [{ title: "Emergency visit", date: "2026-01-05T00:00:00Z", detail: "emergency" }],
    immunizations: [{ title: "Influenza vaccine", date: "2025-10-02T00:00:00Z" }],
  };
}

export function settings(): Settings {
  return {
    syncAt: "06:30",
    clinicEnd: "18:00",
    syncEveryMinutes: 30,
    clinicDays: ["Mon", "Tue", "Wed", "Thu", "Fri"],
    disabledExclusions: [],
    retentionDays: 14,
    largeText: false,
    lookbacks: { labs: 12, imaging: 24, consults: 12, hospital: 12 },
  };
}

export function catalogue(): CatalogueView {
  return {
    version: "2026.11-1",
    custom: false,
    yaml: "version: 2026.11-1\nscreenings: []\n",
    screenings: [
      {
        id: "colorectal_cancer",
        title: "Colorectal cancer screening",
        enabled: true,
        sexes: ["female", "male"],
        minAge: 45,
        maxAge: 75,
        dueSoon: "P60D",
        modalities: [
          { id: "colonoscopy", title: "Colonoscopy", interval: "P10Y" },
          { id: "fit", title: "FIT", interval: "P1Y" },
        ],
        review: false,
        line: 15,
      },
      {
        id: "influenza",
        title: "Influenza vaccine (seasonal)",
        enabled: true,
        sexes: ["female", "male"],
        minAge: 0,
        dueSoon: "P30D",
        modalities: [{ id: "flu", title: "Flu shot", interval: "season" }],
        review: false,
        line: 27,
      },
      {
        id: "unhealthy_alcohol_use",
        title: "Unhealthy alcohol use screening",
        enabled: false,
        sexes: ["female", "male"],
        minAge: 18,
        dueSoon: "P60D",
        modalities: [{ id: "audit_c", title: "AUDIT-C", interval: "P1Y" }],
        review: true,
        line: 39,
      },
    ],
  };
}

/** Deferred is a promise the test settles by hand. */
export class Deferred<T> {
  promise: Promise<T>;
  resolve!: (v: T) => void;
  reject!: (e: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }
}

/** Scripted is a Backend whose answers the test sets, recording calls. */
export class Scripted implements Backend {
  calls: string[] = [];
  st = status();
  days: Record<string, DayList> = { [today]: dayList() };
  /** Sheets a test sets by appointment; the others are sheet(appt). */
  sheets: Record<string, Sheet> = {};
  syncListeners: ((e: SyncEvent) => void)[] = [];
  /** When set, sync waits for it. */
  syncGate?: Deferred<void>;
  syncError?: string;
  syncResult: Partial<SyncSummary> = {};
  setupAnswer?: (base: string, id: string, discover: boolean) => SetupCheck;
  setupError?: string;
  signInStart: SignInState = { state: "waiting", url: "https://epic.example/oauth2/authorize?client_id=x" };
  /** Each signInStatus call takes the next answer (a Deferred to hold it). */
  signInAnswers: (SignInState | Deferred<SignInState>)[] = [];
  resetCalls: string[] = [];
  savedSettings?: Settings;
  saveSettingsError?: string;
  cur = settings();
  cat = catalogue();
  edits: CatalogueEdit[][] = [];
  editAnswer?: (edits: CatalogueEdit[]) => CatalogueChange;
  importAnswer?: (yaml: string) => CatalogueChange;
  printError?: string;
  /** What sheet() throws, when set. */
  sheetError?: string;
  /** What importSchedule answers; by default every line after the header is an appointment. */
  scheduleAnswer?: (date: string, csv: string) => ScheduleImported;
  scheduleError?: string;
  /** The last schedule file imported, as the agent got it. */
  scheduleCSV?: string;
  opened: string[] = [];
  copied: string[] = [];
  /** What testSchedule answers; by default the agent's cleaning and 3 appointments today. */
  scheduleTestAnswer?: (kind: string, ids: string[], date: string) => ScheduleCheck;
  scheduleTestError?: string;
  /** Schedule sources saved, as the agent got them. */
  savedSchedules: { kind: string; providerIds: string[] }[] = [];

  async status() {
    this.calls.push("status");
    return structuredClone(this.st);
  }
  /** What restartAgent does (by default: nothing to restart). */
  restart: () => void = () => {};
  async restartAgent() {
    this.calls.push("restart-agent");
    this.restart();
  }
  async version(): Promise<BuildInfo> {
    return { version: "v1.2.3", commit: "abc1234", date: "2026-11-24T06:00:00Z", goVersion: "go1.26" };
  }
  async day(date: string) {
    this.calls.push(`day:${date}`);
    const d = this.days[date];
    if (!d) throw wire("not_found", `nothing is saved for ${date} yet`);
    return structuredClone(d);
  }
  async sheet(date: string, appt: string) {
    this.calls.push(`sheet:${date}:${appt}`);
    if (this.sheetError) throw this.sheetError;
    return structuredClone(this.sheets[appt] ?? sheet(appt));
  }
  async printHTML(date: string, appt?: string) {
    this.calls.push(`print:${date}:${appt ?? ""}`);
    if (this.printError) throw this.printError;
    return `<html><body>print ${appt || "day"}</body></html>`;
  }
  async sync(date: string): Promise<SyncSummary> {
    this.calls.push(`sync:${date}`);
    if (this.syncGate) await this.syncGate.promise;
    if (this.syncError) throw this.syncError;
    return { date, appointments: 3, patients: 3, stale: 0, unfetched: 0, incremental: 0, fresh: 0, skipped: 0, requests: 20, partial: false, duration: 1e9, ...this.syncResult };
  }
  async cancelSync() {
    this.calls.push("cancel-sync");
    if (!this.syncGate) throw wire("not_found", "no update is running");
    this.syncError = wire("busy", "the update was stopped; the saved prep is unchanged");
    this.syncGate.resolve();
  }
  onSync(cb: (e: SyncEvent) => void) {
    this.syncListeners.push(cb);
    return () => (this.syncListeners = this.syncListeners.filter((x) => x !== cb));
  }
  emit(e: Partial<SyncEvent> & Pick<SyncEvent, "phase">) {
    const full: SyncEvent = { appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0, ...e };
    this.syncListeners.forEach((cb) => cb(full));
  }
  async checkSetup(base: string, id: string, discover: boolean) {
    this.calls.push(`check:${discover}`);
    if (this.setupAnswer) return this.setupAnswer(base, id, discover);
    return { fhirBase: base, clientId: id, problems: [] };
  }
  async setup(base: string, id: string, name: string) {
    this.calls.push(`setup:${base}:${id}:${name}`);
    if (this.setupError) throw this.setupError;
    // Set up: the agent forgets any preset it could not apply.
    this.st = status({ mode: "practice", practice: { name, fhirBase: base, clientId: id }, needsSignIn: true, signedIn: undefined, days: [] });
    this.days = {};
    return { fhirBase: base, clientId: id, problems: [] };
  }
  async testSchedule(kind: string, ids: string[], date: string): Promise<ScheduleCheck> {
    this.calls.push(`test-schedule:${kind}:${ids.join(",")}:${date}`);
    if (this.scheduleTestError) throw this.scheduleTestError;
    if (this.scheduleTestAnswer) return this.scheduleTestAnswer(kind, ids, date);
    const c = cleanSchedule(kind, ids);
    if (c.problems.length) return c;
    const byProvider = c.source.providerIds!.map((id, i) => ({ id, name: `Provider ${i + 1}`, appointments: i === 0 ? 3 : 0 }));
    return { ...c, tested: true, date: date || this.st.today, appointments: kind === "file" ? 0 : 3, byProvider: kind === "file" ? [] : byProvider };
  }
  async saveSchedule(kind: string, ids: string[]): Promise<ScheduleCheck> {
    this.calls.push(`save-schedule:${kind}:${ids.join(",")}`);
    const c = cleanSchedule(kind, ids);
    if (c.problems.length) return c;
    this.savedSchedules.push({ kind, providerIds: c.source.providerIds ?? [] });
    this.st = { ...this.st, schedule: { kind, providerIds: c.source.providerIds } };
    return c;
  }
  async startSignIn() {
    this.calls.push("signin-start");
    return this.signInStart;
  }
  async signInStatus(wait: number) {
    this.calls.push(`signin-status:${wait}`);
    const next = this.signInAnswers.shift() ?? { state: "done", user: "Pat Manager", accessMode: "device" };
    const st = next instanceof Deferred ? await next.promise : next;
    if (st.state === "done") this.st = { ...this.st, needsSignIn: false, signedIn: { user: st.user ?? "", accessMode: st.accessMode ?? "" } };
    return st;
  }
  async cancelSignIn() {
    this.calls.push("signin-cancel");
  }
  async startDemo() {
    this.calls.push("demo");
    this.st = status();
    this.days = { [today]: dayList() };
  }
  async settings() {
    return structuredClone(this.cur);
  }
  async saveSettings(s: Settings) {
    this.calls.push("save-settings");
    if (this.saveSettingsError) throw this.saveSettingsError;
    this.savedSettings = s;
    this.cur = structuredClone(s);
  }
  async catalogue() {
    return structuredClone(this.cat);
  }
  async editCatalogue(edits: CatalogueEdit[]) {
    this.edits.push(edits);
    if (this.editAnswer) return this.editAnswer(edits);
    for (const e of edits) {
      const s = this.cat.screenings.find((x) => x.id === e.screening)!;
      if (e.enabled !== undefined) s.enabled = e.enabled;
      if (e.minAge !== undefined) s.minAge = e.minAge;
      if (e.maxAge !== undefined) s.maxAge = e.maxAge;
      if (e.clearMaxAge) delete s.maxAge;
      if (e.dueSoon !== undefined) s.dueSoon = e.dueSoon;
      if (e.modality && e.interval) s.modalities.find((m) => m.id === e.modality)!.interval = e.interval;
    }
    this.cat.custom = true;
    return { problems: [], catalogue: structuredClone(this.cat) };
  }
  async importCatalogue(yaml: string) {
    this.calls.push(`import:${yaml.length}`);
    if (this.importAnswer) return this.importAnswer(yaml);
    return { problems: [], catalogue: { ...structuredClone(this.cat), custom: true, yaml } };
  }
  async resetCatalogue() {
    this.calls.push("reset-catalogue");
    this.cat = catalogue();
    return structuredClone(this.cat);
  }
  async importSchedule(date: string, csv: string): Promise<ScheduleImported> {
    this.calls.push(`import-schedule:${date}`);
    if (this.scheduleError) throw this.scheduleError;
    this.scheduleCSV = csv;
    if (this.scheduleAnswer) return this.scheduleAnswer(date, csv);
    const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== "");
    return { date, rows: Math.max(lines.length - 1, 0), problems: [] };
  }
  async reset(confirm: string) {
    this.resetCalls.push(confirm);
    if (confirm !== "RESET") throw wire("bad_request", "Type RESET to confirm.");
    this.st = status();
    this.days = { [today]: dayList() };
  }
  async audit(): Promise<AuditEntry[]> {
    return [];
  }
  /** When set, openURL rejects with it (no browser on this computer). */
  openError?: string;
  async openURL(url: string) {
    this.opened.push(url);
    if (this.openError) throw this.openError;
  }
  /** exportPath is what the save dialog answers; undefined: no dialog here. */
  exportPath?: string;
  async exportCatalogue() {
    if (this.exportPath === undefined) throw new TypeError("no save dialog in this window");
    this.calls.push(`export:${this.exportPath}`);
    return this.exportPath;
  }
  async copyText(text: string) {
    this.copied.push(text);
    return true;
  }
  /** Sending prep notes: on or off, the notes in the chart by date, and
   *  an answer a test sets (else every visit asked for is sent). */
  sendOn = false;
  canWrite = true;
  sentByDate: Record<string, Record<string, SentNote>> = {};
  sendAnswer?: (date: string, ids: string[]) => SendResult | Promise<SendResult>;
  async send(date: string, ids: string[]): Promise<SendResult> {
    this.calls.push(`send:${date}:${ids.join(",")}`);
    if (!this.sendOn) throw wire("forbidden", "Sending prep notes to Epic is off for this practice.");
    if (this.sendAnswer) return this.sendAnswer(date, ids);
    const rows = (this.days[date]?.rows ?? []).filter((r) => (ids.length ? ids.includes(r.appointmentId) : !r.inactive && !r.notFetched));
    const notes = (this.sentByDate[date] ??= {});
    const sent = rows.map((r, i) => {
      const n: SentNote = { appointmentId: r.appointmentId, noteId: `eNote${i + 1}`, at: `${date}T07:52:00`, by: "Front Desk", replaced: notes[r.appointmentId]?.noteId };
      notes[r.appointmentId] = n;
      return n;
    });
    return { date, sent, failed: [], sentToday: sent.length, dailyCap: 100 };
  }
  async sentNotes(date: string): Promise<SentNotes> {
    this.calls.push(`sent-notes:${date}`);
    return { date, enabled: this.sendOn, canWrite: this.canWrite, notes: structuredClone(this.sentByDate[date] ?? {}) };
  }
  /** Documents' extracted text by id; any other id is "not found", as the agent answers. */
  docTexts: Record<string, DocumentText> = {};
  async documentText(date: string, appointmentId: string, docId: string): Promise<DocumentText> {
    this.calls.push(`document-text:${date}:${appointmentId}:${docId}`);
    const dt = this.docTexts[docId];
    if (!dt) throw wire("not_found", "that document's text is not in the saved day: it was not read (or could not be read). Update from Epic and try again.");
    return structuredClone(dt);
  }
}

/** cleanSchedule splits provider IDs as the agent does and says what is missing. */
export function cleanSchedule(kind: string, ids: string[]): ScheduleCheck {
  const providerIds = [...new Set(ids.flatMap((x) => x.split(/[\s,;]+/)).filter(Boolean))];
  const problems =
    kind !== "file" && providerIds.length === 0 ? [{ field: "providerIds", message: "Add the Epic provider IDs of the practice's providers." }] : [];
  return { source: { kind, providerIds: kind === "file" ? [] : providerIds }, problems, tested: false, appointments: 0, byProvider: [] };
}

/** settle lets pending promises and re-renders run. */
export async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
}
