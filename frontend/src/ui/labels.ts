import type { ScreeningStatus } from "../api/types";

export const statusLabel: Record<ScreeningStatus, string> = {
  due: "Due",
  due_soon: "Due soon",
  needs_review: "Needs review",
  complete: "Complete",
  excluded: "Excluded",
  not_applicable: "Not applicable",
};

export const visitStatusLabel: Record<string, string> = {
  cancelled: "Cancelled",
  noshow: "No-show",
  "entered-in-error": "Removed",
  arrived: "Arrived",
  fulfilled: "Seen",
  booked: "Booked",
  checkedin: "Checked in",
  pending: "Pending",
  proposed: "Proposed",
  waitlist: "Wait list",
};

/** Where a piece of evidence came from, in front-desk words (FHIR types). */
export const sourceLabel: Record<string, string> = {
  Observation: "result",
  DiagnosticReport: "report",
  Procedure: "procedure",
  Immunization: "vaccine record",
  DocumentReference: "document",
  Condition: "problem list",
  Encounter: "visit",
};

export function source(type: string): string {
  return sourceLabel[type] ?? type;
}

export const accessModeLabel: Record<string, string> = {
  device: "this computer's Epic key",
  refresh: "a saved sign-in",
  interactive: "a browser sign-in",
  demo: "the demo",
};

export const weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

export const scheduleKindLabel: Record<string, string> = {
  "provider-service": "Epic provider schedules",
  "fhir-appointments": "FHIR appointment search",
  file: "an imported schedule file",
};
