// JSON shapes of the agent's local API, relayed by the Wails bindings.
// They mirror agent/api (Go); keep the two in step.

export type Mode = "unconfigured" | "demo" | "practice";
export type ScreeningStatus = "due" | "due_soon" | "needs_review" | "complete" | "excluded" | "not_applicable";

export interface Status {
  mode: Mode;
  practice?: { name: string; fhirBase: string; clientId: string };
  signedIn?: { user: string; expires?: string; accessMode: string };
  needsSignIn: boolean;
  online: boolean;
  offlineSince?: string;
  offlineReason?: string;
  lastSync?: { date: string; at: string; partial: boolean; error?: string };
  syncing: boolean;
  days: string[];
  today: string;
}

export interface Counts {
  due: number;
  dueSoon: number;
  needsReview: number;
  complete: number;
  excluded: number;
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
}

export interface DayList {
  date: string;
  asOf?: string;
  partial: boolean;
  catalogueVersion: string;
  rows: DayRow[];
}

export interface Evidence {
  type: string;
  id: string;
  code?: string;
  display?: string;
  date?: string;
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
  review?: boolean;
}

export interface Line {
  title: string;
  date?: string;
  detail?: string;
}

export interface Sheet {
  date: string;
  appointmentId: string;
  patient: { id: string; name: string; mrn?: string; age?: number; sex?: string; birthDate?: string };
  time: string;
  provider: string;
  visitType: string;
  results: Result[];
  conditions: Line[];
  labs: Line[];
  imaging: Line[];
  consults: Line[];
  hospital: Line[];
  immunizations: Line[];
}

export interface SyncEvent {
  phase: "schedule" | "patients" | "saving" | "done" | "failed";
  appointments: number;
  patientsDone: number;
  patientsTotal: number;
  requests: number;
  errors: number;
  message?: string;
}

export interface SetupCheck {
  fhirBase: string;
  clientId: string;
  problems: { field: "fhirBase" | "clientId"; message: string }[];
  discovery?: { authorize: string; token: string; issuer: string; pkceS256: boolean };
}

export interface Settings {
  syncAt: string;
  syncEveryMinutes: number;
  clinicDays: string[];
  retentionDays: number;
  largeText: boolean;
}

/** A user-facing failure: words for the front desk, details for support. */
export interface Failure {
  message: string;
  detail?: string;
  kind?: string;
}
