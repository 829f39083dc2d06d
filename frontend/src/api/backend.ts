import type { DayList, Failure, Settings, SetupCheck, Sheet, Status, SyncEvent } from "./types";

/** Everything the UI asks of the agent. The Wails bindings implement it;
 *  tests use a scripted one. */
export interface Backend {
  status(): Promise<Status>;
  day(date: string): Promise<DayList>;
  sheet(date: string, appointmentId: string): Promise<Sheet>;
  printHTML(date: string, appointmentId?: string): Promise<string>;
  sync(date: string): Promise<void>;
  onSync(cb: (e: SyncEvent) => void): () => void;
  checkSetup(fhirBase: string, clientId: string, discover: boolean): Promise<SetupCheck>;
  setup(fhirBase: string, clientId: string, practiceName: string): Promise<void>;
  signIn(): Promise<{ user: string }>;
  startDemo(): Promise<void>;
  settings(): Promise<Settings>;
  saveSettings(s: Settings): Promise<void>;
  reset(confirm: string): Promise<void>;
}

/** failure turns a rejected binding call into words for the front desk and
 *  details for support. The app's bindings reject with the JSON of the
 *  agent's error ({kind, error, detail}); anything else is shown as is. */
export function failure(e: unknown): Failure {
  const text = typeof e === "string" ? e : e instanceof Error ? e.message : "";
  if (text.startsWith("{")) {
    try {
      const j = JSON.parse(text) as { kind?: string; error?: string; detail?: string };
      if (j.error) return { message: j.error, detail: j.detail, kind: j.kind };
    } catch {
      // not JSON after all: fall through
    }
  }
  return { message: text || "Something went wrong. Try again, or call support." };
}

/** errorText is the words of a failure, for places with no room for details. */
export function errorText(e: unknown): string {
  return failure(e).message;
}
