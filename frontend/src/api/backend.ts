import type { DayList, Settings, SetupCheck, Sheet, Status, SyncEvent } from "./types";

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

/** errorText turns a rejected binding call into the words to show. Wails
 *  rejects with the Go error's string. */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  return "Something went wrong. Try again, or call support.";
}
