// JSON shapes of the agent's local API, relayed by the Wails bindings. The
// agent's types are generated from agent/api (generated.ts, `make
// api-types`); only what the app adds of its own is written here.

export type * from "./generated";
import type { Problem } from "./generated";

/** Where the day's appointments come from, as chosen in setup. */
export type ScheduleKind = "provider-service" | "fhir-appointments" | "file";

/** A problem with one Epic detail pasted in setup (field fhirBase or clientId). */
export type SetupProblem = Problem & { field: "fhirBase" | "clientId" };

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
