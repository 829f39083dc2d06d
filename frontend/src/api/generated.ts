// Code generated from agent/api (types.go, day.go, send.go) by `make api-types`. DO NOT EDIT.
// Times are RFC 3339 strings, dates YYYY-MM-DD, durations nanoseconds.

export type MeasureStatus = "met" | "not_met" | "excluded" | "outside";

export type Mode = "unconfigured" | "demo" | "practice";

export type ScreeningStatus = "complete" | "due_soon" | "due" | "excluded" | "not_applicable" | "needs_review";

export type SignInStep = "idle" | "waiting" | "done" | "failed";

export type SyncPhase = "schedule" | "patients" | "saving" | "done" | "failed" | "reading" | "read";

/** Status is the agent's state at a glance. */
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
  days: string[];
  today: string;
  keychain?: string;
  requests?: RequestStats;
  version: string;
  discovery?: DiscoveryInfo;
  schedule?: ScheduleInfo;
  nextSync?: string;
  catalogue?: CatalogueInfo;
  /**
   * Preset is a practice preset this computer was given but could not
   * apply yet (the setup wizard opens filled in with it).
   */
  preset?: PresetInfo;
  /**
   * Notice is something the front desk should know, in plain words
   * (e.g. the saved prep could not be read and is being fetched again).
   */
  notice?: string;
}

/**
 * PresetInfo is a practice preset found at start and why it was not
 * applied: problems with its values, or Epic could not be reached.
 */
export interface PresetInfo {
  path: string;
  name: string;
  fhirBase: string;
  clientId: string;
  problems: Problem[];
  error?: string;
}

export interface PracticeInfo {
  name: string;
  fhirBase: string;
  clientId: string;
}

export interface SignedIn {
  user: string;
  /**
   * Expires is when a session-only sign-in ends (accessMode
   * "interactive"); lasting access renews itself and has none.
   */
  expires?: string;
  /** device, refresh, interactive, demo */
  accessMode: string;
  /**
   * AccessNote says in plain words what the access mode means for the
   * morning update (for the setup wizard and status).
   */
  accessNote?: string;
}

export interface LastSync {
  date: string;
  at: string;
  partial: boolean;
  error?: string;
}

/** RequestStats describe the last sync's requests to Epic. */
export interface RequestStats {
  total: number;
  byType?: Record<string, number>;
  errors: number;
  retries: number;
  /** summed request time */
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
  kind: string;
  providerIds?: string[];
}

export interface CatalogueInfo {
  version: string;
  count: number;
}

/** SyncEvent reports sync progress. */
export interface SyncEvent {
  phase: SyncPhase;
  date?: string;
  appointments: number;
  patientsDone: number;
  patientsTotal: number;
  requests: number;
  errors: number;
  message?: string;
  /** the patient whose chart just landed */
  patientId?: string;
}

/**
 * SyncSummary describes a finished sync (daysync.Summary, as sent; the app
 * must not link the sync and its cache to read it).
 */
export interface SyncSummary {
  date: string;
  appointments: number;
  patients: number;
  /** Epic could not give them this time */
  stale: number;
  /** of those, the ones with nothing from an earlier sync either */
  unfetched: number;
  /** refreshed with only what changed */
  incremental: number;
  /** chart fresh enough to keep; only the Patient read */
  fresh: number;
  /** entries Epic sent that were not readable */
  skipped: number;
  requests: number;
  partial: boolean;
  duration: number;
  warnings?: string[];
}

/**
 * SetupRequest is what the manager pasted. Reset allows replacing a
 * different practice (wiping its cache and keychain items first).
 */
export interface SetupRequest {
  fhirBase: string;
  clientId: string;
  name?: string;
  redirectPort?: number;
  discover?: boolean;
  reset?: boolean;
  /**
   * ClientSecret is only for an app Epic registered as confidential; it
   * goes straight to the keychain.
   */
  clientSecret?: string;
  schedule?: ScheduleSource;
}

/**
 * ScheduleSource says where the day's appointments come from: Epic's
 * provider-schedule web service ("provider-service", with provider IDs),
 * FHIR Appointment search by practitioner ("fhir-appointments", where the
 * tenant allows it) or a schedule file the front desk imports ("file").
 */
export interface ScheduleSource {
  kind: string;
  providerIds?: string[];
}

/**
 * SignInRequest starts a browser sign-in. NoBrowser leaves opening the
 * page to the caller (it gets the URL back).
 */
export interface SignInRequest {
  noBrowser?: boolean;
}

export interface Problem {
  /** fhirBase or clientId */
  field: string;
  message: string;
}

export interface SetupCheck {
  fhirBase: string;
  clientId: string;
  problems: Problem[];
  discovery?: DiscoveryInfo;
}

/**
 * SignInState is where a browser sign-in stands. State: idle (none
 * started since the agent began), waiting (the browser is open at Epic),
 * done, or failed (Error says why, in words for the manager).
 */
export interface SignInState {
  state: SignInStep;
  /** Epic's sign-in page, to open by hand if no browser came up */
  url?: string;
  user?: string;
  /** device, refresh, interactive, demo */
  accessMode?: string;
  /** what the mode means for the morning update */
  accessNote?: string;
  error?: string;
  startedAt?: string;
}

/** Settings are the practice's choices a manager can change in the app. */
export interface Settings {
  /** morning sync, HH:MM local */
  syncAt: string;
  /** repeat syncs stop, HH:MM local */
  clinicEnd: string;
  syncEveryMinutes: number;
  /** Mon..Sun */
  clinicDays: string[];
  retentionDays: number;
  largeText: boolean;
  /** Lookbacks are the prep sheet's recent-history windows in months. */
  lookbacks: Lookbacks;
  /** Send is sending prep notes to Epic; nil on save leaves it as it is. */
  send?: SendSettings;
  /**
   * DisabledExclusions are the exclusion concepts the practice has
   * switched off (ids from Exclusions); absent on save keeps them.
   */
  disabledExclusions: string[];
  /**
   * Exclusions are the catalogue's exclusion concepts, for Settings'
   * checkboxes (read only: ignored on save).
   */
  exclusions?: ExclusionConcept[];
}

/**
 * ExclusionConcept is one exclusion concept: its id and what the sheet
 * says ("in hospice care"); On is the catalogue's own switch.
 */
export interface ExclusionConcept {
  id: string;
  title: string;
  on: boolean;
}

/** Lookbacks are months of history each prep sheet section shows. */
export interface Lookbacks {
  labs: number;
  imaging: number;
  consults: number;
  hospital: number;
}

export interface AuditEntry {
  at: string;
  event: string;
  fields?: Record<string, string>;
}

/** CatalogueView is the catalogue for the settings editor. */
export interface CatalogueView {
  version: string;
  /** Custom is true when the practice's own copy is in use, not the default. */
  custom: boolean;
  /** for export */
  yaml: string;
  screenings: CatalogueScreening[];
}

/**
 * CatalogueChange is the outcome of an edit or import: either Problems
 * (nothing was saved) or the new catalogue.
 */
export interface CatalogueChange {
  problems: CatalogueProblem[];
  catalogue?: CatalogueView;
}

/**
 * SyncRequest asks for a day (empty: today). Full fetches every chart
 * whole instead of only what changed since the last sync.
 */
export interface SyncRequest {
  date: string;
  full?: boolean;
}

/**
 * ScheduleImport is a schedule file exported from Epic (CSV or
 * tab-separated) and the day it is for, when it has no date column.
 */
export interface ScheduleImport {
  date: string;
  csv: string;
}

/** ScheduleImported says what was read from an imported schedule file. */
export interface ScheduleImported {
  date: string;
  rows: number;
  /** dates the file covers, if it has a date column */
  first?: string;
  last?: string;
  problems: RowProblem[];
}

/**
 * RowProblem is a schedule-file row that could not be read; it names the
 * line, never the patient.
 */
export interface RowProblem {
  line: number;
  problem: string;
}

/**
 * ScheduleTest asks the schedule source the manager chose for a day's
 * appointments (empty: today), saving nothing.
 */
export interface ScheduleTest {
  source: ScheduleSource;
  date?: string;
}

/**
 * ScheduleCheck is a schedule source as cleaned (provider IDs split, trimmed
 * and de-duplicated) with its problems by field ("kind", "providerIds"); a
 * test adds what the source gave for the day.
 */
export interface ScheduleCheck {
  source: ScheduleSource;
  problems: Problem[];
  /**
   * Tested is set when the schedule was fetched: Appointments is then
   * the day's count (0 is an answer), ByProvider the count per provider
   * ID asked for (an ID with none may be mistyped).
   */
  tested: boolean;
  date?: string;
  appointments: number;
  byProvider?: ProviderCount[];
  /** NextDate is the next clinic day with appointments, when Date has none. */
  nextDate?: string;
  nextAppointments?: number;
  /** Note says what a test could not do (no schedule file imported yet). */
  note?: string;
}

/** ProviderCount is one provider's appointments on the tested day. */
export interface ProviderCount {
  id: string;
  name?: string;
  appointments: number;
  /** Unknown: Epic refused the search for this ID (not a provider it knows). */
  unknown?: boolean;
}

/** Counts tallies a patient's screenings by status. */
export interface Counts {
  due: number;
  dueSoon: number;
  needsReview: number;
  complete: number;
  excluded: number;
  /**
   * Attention counts done screenings flagged for their value; they are
   * counted by their status too.
   */
  attention: number;
}

/** DayRow is one appointment in the day's list. */
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
  /**
   * Due names what is due, in the catalogue's short words ("Mammogram",
   * "A1C"), in catalogue order.
   */
  due?: string[];
  stale?: boolean;
  /**
   * NotFetched: nothing is known of this patient (the counts are zero,
   * not "none due").
   */
  notFetched?: boolean;
}

/** DayList is the day's prep list. */
export interface DayList {
  date: string;
  asOf?: string;
  partial: boolean;
  catalogueVersion: string;
  rows: DayRow[];
}

/** Line is one entry in a sheet section. */
export interface Line {
  title: string;
  date?: string;
  detail?: string;
}

/** SheetPatient is who the sheet is for. */
export interface SheetPatient {
  id: string;
  name: string;
  mrn?: string;
  age?: number;
  sex?: string;
  birthDate?: string;
}

/** Sheet is one visit's prep sheet. */
export interface Sheet {
  date: string;
  appointmentId: string;
  patient: SheetPatient;
  time: string;
  provider: string;
  visitType: string;
  status: string;
  stale?: boolean;
  notFetched?: boolean;
  /** Notes are said once for the whole sheet (a missing birth date). */
  notes: string[];
  results: Result[];
  /**
   * Measures is the quality-measure view for the visit's year: one line
   * per measure that counts the patient or whose screening applies.
   */
  measures: MeasureLine[];
  conditions: Line[];
  labs: Line[];
  imaging: Line[];
  consults: Line[];
  hospital: Line[];
  immunizations: Line[];
  /** Unread are documents that could not be read, with why. */
  unread?: Line[];
}

/** Result is one screening's outcome with its explanation. */
export interface Result {
  id: string;
  title: string;
  status: ScreeningStatus;
  lastDone?: string;
  modality?: string;
  nextDue?: string;
  reason: string;
  evidence?: Evidence[];
  rule?: string;
  variant?: string;
  review?: boolean;
  reviewNote?: string;
  attention?: string;
  missing?: string;
  /** for support */
  details?: string;
  /**
   * Measure names the quality measures (eCQMs) the screening
   * corresponds to, e.g. "CMS125".
   */
  measure?: string;
}

/**
 * MeasureLine is how one quality measure (eCQM) counts the patient for the
 * visit's calendar year.
 */
export interface MeasureLine {
  /** CMS125 */
  id: string;
  title: string;
  /** the result it corresponds to */
  screening: string;
  year: number;
  status: MeasureStatus;
  reason: string;
  /** Differs says why the guideline status (the headline) differs. */
  differs?: string;
  evidence?: Evidence[];
  /** for support */
  details?: string;
}

/** Evidence is the record that decided a result. */
export interface Evidence {
  type: string;
  id: string;
  system?: string;
  code?: string;
  display?: string;
  date?: string;
  /**
   * Text is the sentence of a document the result was read from (always
   * "check").
   */
  text?: TextEvidence;
}

/**
 * DocumentText is a document's extracted text, as read (OCR included), for
 * the sheet's "Show the document's text". The evidence's sentence is in it.
 */
export interface DocumentText {
  docId: string;
  title: string;
  org?: string;
  /** the clinical date, else the filing date */
  date?: string;
  /**
   * Method is how the text was got: text, html, rtf, pdf, ocr or pdf+ocr
   * (OCR text can hold misreadings).
   */
  method?: string;
  pages?: number;
  text: string;
}

/**
 * TextEvidence is a document's sentence: the phrase is sentence[start:end]
 * in UTF-8 bytes.
 */
export interface TextEvidence {
  sentence: string;
  start: number;
  end: number;
  org?: string;
  docDate?: string;
  /** text, clinical or indexed: where the date came from */
  dateFrom?: string;
}

/** CatalogueScreening is one screening's settings for the catalogue editor. */
export interface CatalogueScreening {
  id: string;
  title: string;
  enabled: boolean;
  sexes: string[];
  minAge: number;
  /** absent: no upper bound */
  maxAge?: number;
  /** ISO 8601 duration, e.g. P60D */
  dueSoon: string;
  /** Modalities are the ways to meet the screening, with their intervals. */
  modalities: CatalogueModality[];
  review: boolean;
  reviewGroups?: string[];
  manualReview?: string;
  triggers?: string[];
  exclusions?: string[];
  variants?: CatalogueVariant[];
  /** where the screening starts in the YAML */
  line: number;
}

/** CatalogueModality is one way to meet a screening. */
export interface CatalogueModality {
  id: string;
  title: string;
  /** ISO 8601 duration, or once, season, series */
  interval: string;
  doses?: number;
  intervalReview?: boolean;
  review?: boolean;
  keywords?: string[];
}

/** CatalogueVariant is a risk-group modifier. */
export interface CatalogueVariant {
  when: string;
  interval?: string;
  title?: string;
  minAge?: number;
  maxAge?: number;
  noMaxAge?: boolean;
  review?: boolean;
}

/**
 * CatalogueEdit changes one screening's settings; nil fields stay as they
 * are. With Modality set, Interval applies to that modality.
 */
export interface CatalogueEdit {
  screening: string;
  enabled?: boolean;
  minAge?: number;
  maxAge?: number;
  /** no upper age bound */
  clearMaxAge?: boolean;
  dueSoon?: string;
  modality?: string;
  interval?: string;
}

/**
 * CatalogueProblem is one validation message. Line is 1-based; 0 means it
 * is not tied to a line.
 */
export interface CatalogueProblem {
  line: number;
  message: string;
}

/**
 * SendSettings are the practice's choices for sending prep notes to the
 * chart. Off unless a manager turns it on; sign-in asks Epic for the
 * write scope only while it is on.
 */
export interface SendSettings {
  enabled: boolean;
  /** notes a day; default 100 */
  dailyCap: number;
  /** LOINC code; default 11506-3 (progress note) */
  noteType: string;
  /** "text" (default) or "html" */
  format: string;
}

/**
 * SendRequest sends the prep notes of a day's visits: the appointments
 * named, or every visit of the day that will happen when none are.
 */
export interface SendRequest {
  date: string;
  appointmentIds?: string[];
}

/** SentNote is a visit's note in the chart. */
export interface SentNote {
  appointmentId: string;
  /** the server's id; empty while unconfirmed */
  noteId?: string;
  at: string;
  by: string;
  /** the earlier note it replaced */
  replaced?: string;
  /**
   * Unconfirmed: Epic did not answer and could not be checked; the next
   * send checks the chart before writing.
   */
  unconfirmed?: boolean;
  /** found in the chart after a lost answer */
  recovered?: boolean;
}

/** SendFailure is a visit whose note was not sent, and why. */
export interface SendFailure {
  appointmentId: string;
  message: string;
}

/** SendResult is what a send did. */
export interface SendResult {
  date: string;
  sent: SentNote[];
  failed: SendFailure[];
  /** when every visit sent has one provider */
  provider?: string;
  /** SentToday and DailyCap: the day's count against the practice's cap. */
  sentToday: number;
  dailyCap: number;
}

/**
 * SentNotes are a clinic day's notes by appointment id, for "sent 07:52
 * by Front Desk" on the sheet and Today's rows.
 */
export interface SentNotes {
  date: string;
  /** sending is on for the practice */
  enabled: boolean;
  /**
   * CanWrite: the current sign-in may write notes; false means sign in
   * again (sending was turned on after it).
   */
  canWrite: boolean;
  notes: Record<string, SentNote>;
}
