// JSON shapes of the agent's local API, relayed by the Wails bindings.
// They mirror agent/api/types.go (Go), the source of truth; keep the two in
// step. Times are RFC 3339 strings; dates are YYYY-MM-DD.

export type Mode = "unconfigured" | "demo" | "practice";
export type ScreeningStatus = "due" | "due_soon" | "needs_review" | "complete" | "excluded" | "not_applicable";

export interface PracticeInfo {
  name: string;
  fhirBase: string;
  clientId: string;
}

export interface SignedIn {
  user: string;
  expires?: string;
  accessMode: string; // device, refresh, interactive (demo in the demo)
  /** What the access mode means for the morning update, in plain words. */
  accessNote?: string;
}

export interface LastSync {
  date: string;
  at: string;
  partial: boolean;
  error?: string;
}

/** The last sync's requests to Epic. */
export interface RequestStats {
  total: number;
  byType?: Record<string, number>;
  errors: number;
  retries: number;
  seconds: number;
}

export interface DiscoveryInfo {
  authorize: string;
  token: string;
  issuer: string;
  register?: string;
  pkceS256: boolean;
}

export interface ScheduleInfo {
  kind: string; // provider-service, fhir-appointments, file
  providerIds?: string[];
}

/** A schedule-file row that could not be read; it names the line, never the patient. */
export interface RowProblem {
  line: number;
  problem: string;
}

/** What the agent read from an imported schedule file. */
export interface ScheduleImported {
  date: string; // the day it was imported for
  rows: number; // appointments read
  first?: string; // the dates the file covers, when it has a date column
  last?: string;
  problems: RowProblem[];
}

export interface CatalogueInfo {
  version: string;
  count: number;
}

export interface Status {
  mode: Mode;
  practice?: PracticeInfo;
  signedIn?: SignedIn;
  needsSignIn: boolean;
  online: boolean;
  offlineSince?: string;
  offlineReason?: string;
  lastSync?: LastSync;
  syncing: boolean;
  days: string[]; // cached days, newest first
  today: string;
  keychain?: string;
  requests?: RequestStats;
  version: string;
  discovery?: DiscoveryInfo;
  schedule?: ScheduleInfo;
  nextSync?: string;
  catalogue?: CatalogueInfo;
  /** A practice preset an installer left here that could not be applied at
   *  start (the mode is then "demo"): the setup wizard opens filled in with it. */
  preset?: PresetInfo;
  /** Something the front desk should know, in plain words (e.g. the saved
   *  prep could not be read and is being fetched again). */
  notice?: string;
}

/** A problem with one of the Epic details (a preset may name redirectPort too). */
export interface Problem {
  field: string; // fhirBase, clientId, redirectPort
  message: string;
}

/** A practice preset found at start and why it was not applied: problems
 *  with its values, or Epic could not be reached (error, in words). */
export interface PresetInfo {
  path: string;
  name: string;
  fhirBase: string;
  clientId: string;
  problems: Problem[];
  error?: string;
}

export interface Counts {
  due: number;
  dueSoon: number;
  needsReview: number;
  complete: number;
  excluded: number;
  /** Results done but flagged for their value (e.g. HbA1c above 9 %); also counted by status. */
  attention?: number;
}

export interface DayRow {
  appointmentId: string;
  time: string;
  provider: string;
  visitType: string;
  status: string;
  inactive: boolean;
  patientId: string;
  patientName: string;
  mrn?: string;
  age?: number;
  sex?: string;
  counts: Counts;
  stale?: boolean;
  /** Epic gave nothing for this patient, now or at any earlier update: nothing is known. */
  notFetched?: boolean;
}

export interface DayList {
  date: string;
  asOf?: string;
  partial: boolean;
  catalogueVersion: string;
  rows: DayRow[];
}

export interface Evidence {
  type: string; // the FHIR resource type it came from
  id: string;
  system?: string;
  code?: string;
  display?: string;
  date?: string;
  /** The sentence of a document the result was read from (always "check"). */
  text?: TextEvidence;
}

/** A document sentence: the phrase is sentence[start, end) in UTF-8 bytes. */
export interface TextEvidence {
  sentence: string;
  start: number;
  end: number;
  org?: string;
  docDate?: string;
  dateFrom?: string; // text, clinical or indexed: where the date came from
}

export interface Result {
  id: string;
  title: string;
  status: ScreeningStatus;
  lastDone?: string;
  modality?: string;
  nextDue?: string;
  reason: string;
  evidence?: Evidence[];
  rule?: string; // the trigger or exclusion that applied
  /** The risk-group modifier that applied (e.g. diabetes). */
  variant?: string;
  /** Rests on something the catalogue flags for review: check before relying on it. */
  review?: boolean;
  /** What to check: a code no value set confirms, a title match, an interval no guideline fixes. */
  reviewNote?: string;
  /** Done, but the value needs the provider's attention (e.g. "poor control: 9.8 % on 2026-03-02"). */
  attention?: string;
  /** The fact missing from the chart that decides this result (said once in the sheet's notes). */
  missing?: string;
  /** Technical detail for support (codes, value sets); not for the front desk. */
  details?: string;
}

export interface Line {
  title: string;
  date?: string;
  detail?: string;
}

export interface SheetPatient {
  id: string;
  name: string;
  mrn?: string;
  age?: number;
  sex?: string;
  birthDate?: string;
}

export interface Sheet {
  date: string;
  appointmentId: string;
  patient: SheetPatient;
  time: string;
  provider: string;
  visitType: string;
  status: string;
  stale?: boolean;
  /** Nothing is known about this patient: see DayRow.notFetched. */
  notFetched?: boolean;
  /** Facts missing from the chart that decide several results, said once. */
  notes?: string[];
  results: Result[];
  conditions: Line[];
  labs: Line[];
  imaging: Line[];
  consults: Line[];
  hospital: Line[];
  immunizations: Line[];
  /** Documents that could not be read, with why. */
  unread?: Line[];
}

/** reading and read: documents read after an update (agent/reading.go). */
export type SyncPhase = "schedule" | "patients" | "saving" | "done" | "failed" | "reading" | "read";

export interface SyncEvent {
  phase: SyncPhase;
  date?: string;
  appointments: number;
  patientsDone: number;
  patientsTotal: number;
  requests: number;
  errors: number;
  message?: string;
  /** The patient whose chart just landed (phase "patients"), when the agent says. */
  patientId?: string;
}

export interface SyncSummary {
  date: string;
  appointments: number;
  patients: number;
  stale: number;
  /** Of the stale, those with nothing from an earlier update either. */
  unfetched?: number;
  incremental?: number; // patients refreshed with only what changed
  skipped?: number; // entries Epic sent that were not readable resources
  requests: number;
  partial: boolean;
  duration: number; // nanoseconds (Go time.Duration)
  warnings?: string[];
}

export interface SetupProblem {
  field: "fhirBase" | "clientId";
  message: string;
}

export interface SetupCheck {
  fhirBase: string;
  clientId: string;
  problems: SetupProblem[];
  discovery?: DiscoveryInfo;
}

/** Where the day's appointments come from, as chosen in setup. */
export type ScheduleKind = "provider-service" | "fhir-appointments" | "file";

export interface ScheduleSource {
  kind: string;
  providerIds?: string[];
}

export interface ProviderCount {
  id: string;
  name?: string;
  appointments: number;
  /** Epic refused the search for this ID: not a provider it knows. */
  unknown?: boolean;
}

/** A schedule source as the agent cleaned it, its problems by field (kind,
 *  providerIds), and what a test fetched for the day. */
export interface ScheduleCheck {
  source: ScheduleSource;
  problems: Problem[];
  tested: boolean;
  date?: string;
  appointments: number;
  byProvider?: ProviderCount[];
  /** The next clinic day with appointments, when date has none. */
  nextDate?: string;
  nextAppointments?: number;
  /** What the test could not do (no schedule file imported yet). */
  note?: string;
}

export type SignInStep = "idle" | "waiting" | "done" | "failed";

export interface SignInState {
  state: SignInStep;
  url?: string; // Epic's sign-in page, to open by hand if no browser came up
  user?: string;
  accessMode?: string;
  /** What the access mode means for the morning update, in plain words. */
  accessNote?: string;
  error?: string;
  startedAt?: string;
}

export interface Lookbacks {
  labs: number;
  imaging: number;
  consults: number;
  hospital: number;
}

export interface Settings {
  syncAt: string; // HH:MM
  clinicEnd: string; // HH:MM
  syncEveryMinutes: number;
  clinicDays: string[]; // Mon..Sun
  retentionDays: number;
  largeText: boolean;
  lookbacks: Lookbacks; // months
}

export interface AuditEntry {
  at: string;
  event: string;
  fields?: Record<string, string>;
}

export interface CatalogueModality {
  id: string;
  title: string;
  interval: string; // ISO 8601 duration, or once, season, series
  doses?: number;
  /** No guideline fixes this interval. */
  intervalReview?: boolean;
  /** Some of its codes are in no value set examined. */
  review?: boolean;
  keywords?: string[];
}

/** A risk-group modifier of a screening. */
export interface CatalogueVariant {
  when: string;
  interval?: string;
  title?: string;
  minAge?: number;
  maxAge?: number;
  noMaxAge?: boolean;
  review?: boolean;
}

/** One screening's settings (internal/screening ScreeningSummary). */
export interface CatalogueScreening {
  id: string;
  title: string;
  enabled: boolean;
  sexes: string[];
  minAge: number;
  maxAge?: number;
  dueSoon: string; // ISO 8601 duration
  modalities: CatalogueModality[];
  /** Some code group, interval or variant is flagged for review ("check"). */
  review: boolean;
  reviewGroups?: string[];
  manualReview?: string;
  triggers?: string[];
  exclusions?: string[];
  variants?: CatalogueVariant[];
  line?: number; // where the screening starts in the YAML
}

export interface CatalogueView {
  version: string;
  custom: boolean;
  yaml: string;
  screenings: CatalogueScreening[];
}

export interface CatalogueEdit {
  screening: string;
  enabled?: boolean;
  minAge?: number;
  maxAge?: number;
  clearMaxAge?: boolean;
  dueSoon?: string;
  modality?: string;
  interval?: string;
}

export interface CatalogueProblem {
  line: number; // 0 when it names no line
  message: string;
}

export interface CatalogueChange {
  problems: CatalogueProblem[];
  catalogue?: CatalogueView;
}

/** The app's build, for About (internal/buildinfo.Info). */
export interface BuildInfo {
  version: string;
  commit: string;
  date: string;
  goVersion: string;
}

/** A user-facing failure: words for the front desk, details for support. */
export interface Failure {
  message: string;
  detail?: string;
  kind?: string;
}
