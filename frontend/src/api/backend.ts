import type {
  AuditEntry,
  BuildInfo,
  CatalogueChange,
  CatalogueEdit,
  CatalogueView,
  DayList,
  DocumentText,
  Failure,
  ScheduleCheck,
  ScheduleImported,
  SendResult,
  SentNotes,
  Settings,
  SetupCheck,
  Sheet,
  SignInState,
  Status,
  SyncEvent,
  SyncSummary,
} from "./types";

/** Everything the UI asks of the agent (through the app's bindings) and of
 *  the window. The Wails bindings implement it; tests use a scripted one. */
export interface Backend {
  status(): Promise<Status>;
  /** Attaches to the agent again, starting it if it does not answer. */
  restartAgent(): Promise<void>;
  version(): Promise<BuildInfo>;
  day(date: string): Promise<DayList>;
  sheet(date: string, appointmentId: string): Promise<Sheet>;
  /** A self-contained print document: one appointment, or the day when appointmentId is empty. */
  printHTML(date: string, appointmentId?: string): Promise<string>;
  /** Runs the update of a day; resolves when it has finished. */
  sync(date: string): Promise<SyncSummary>;
  cancelSync(): Promise<void>;
  /** Subscribes to the agent's sync progress; returns the unsubscribe. */
  onSync(cb: (e: SyncEvent) => void): () => void;
  checkSetup(fhirBase: string, clientId: string, discover: boolean): Promise<SetupCheck>;
  setup(fhirBase: string, clientId: string, practiceName: string): Promise<SetupCheck>;
  /** Fetches a day's schedule (date "" for today) from the source given,
   *  saving nothing; kind "" tests the saved source. */
  testSchedule(kind: string, providerIds: string[], date: string): Promise<ScheduleCheck>;
  /** Keeps where the schedule comes from; problems come back by field. */
  saveSchedule(kind: string, providerIds: string[]): Promise<ScheduleCheck>;
  /** Opens the system browser at Epic's sign-in page; returns at once. */
  startSignIn(): Promise<SignInState>;
  /** Waits up to waitSeconds for the sign-in to finish. */
  signInStatus(waitSeconds: number): Promise<SignInState>;
  cancelSignIn(): Promise<void>;
  startDemo(): Promise<void>;
  settings(): Promise<Settings>;
  saveSettings(s: Settings): Promise<void>;
  catalogue(): Promise<CatalogueView>;
  editCatalogue(edits: CatalogueEdit[]): Promise<CatalogueChange>;
  importCatalogue(yaml: string): Promise<CatalogueChange>;
  resetCatalogue(): Promise<CatalogueView>;
  /** Saves the catalogue's YAML through the desktop's save dialog and
   *  returns the path ("" if the user cancelled). Rejects with a TypeError
   *  where there is no desktop dialog (a plain browser): download instead. */
  exportCatalogue(): Promise<string>;
  /** Hands the agent a schedule file exported from Epic (its text) for a
   *  day, for practices whose schedule source is "file". Rejects when no
   *  row of it can be read or it lacks a needed column. */
  importSchedule(date: string, csv: string): Promise<ScheduleImported>;
  reset(confirm: string): Promise<void>;
  /** The audit log since an RFC 3339 time ("" for all). */
  audit(since: string): Promise<AuditEntry[]>;
  /** Sends the prep notes of a day's visits to their charts (the
   *  appointments named, or the whole day when none are). */
  send(date: string, appointmentIds: string[]): Promise<SendResult>;
  /** Which of a day's visits have a note in the chart, and whether sending is on. */
  sentNotes(date: string): Promise<SentNotes>;
  /** The extracted text of a document a visit's sheet cites, from the
   *  agent's encrypted cache (never fetched from Epic). */
  documentText(date: string, appointmentId: string, docId: string): Promise<DocumentText>;
  /** Opens a web address in the system browser (never inside the app
   *  window); rejects, in words, when no browser could be opened. */
  openURL(url: string): Promise<void>;
  /** Puts text on the clipboard; false when that did not work. */
  copyText(text: string): Promise<boolean>;
}

/** failure turns a rejected binding call into words for the front desk and
 *  details for support. The app's bindings reject with the JSON of the
 *  agent's error ({kind, error, detail}); anything else is shown as is. */
export function failure(e: unknown): Failure {
  if (isFailure(e)) return e;
  const text = typeof e === "string" ? e : e instanceof Error ? e.message : "";
  if (text.startsWith("{")) {
    try {
      const j = JSON.parse(text) as { kind?: string; error?: string; detail?: string };
      if (j.error) return { message: sentence(j.error), detail: j.detail || undefined, kind: j.kind };
    } catch {
      // not JSON after all: fall through
    }
  }
  return { message: text ? sentence(text) : "Something went wrong. Try again, or call support." };
}

function isFailure(e: unknown): e is Failure {
  return typeof e === "object" && e !== null && !(e instanceof Error) && typeof (e as Failure).message === "string";
}

/** sentence starts the agent's words with a capital: they are written to
 *  follow a colon in logs, and stand alone in the window. */
export function sentence(s: string): string {
  const t = s.trim();
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** errorText is the words of a failure, for places with no room for details. */
export function errorText(e: unknown): string {
  return failure(e).message;
}
