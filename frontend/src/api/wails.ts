import * as App from "../../wailsjs/go/app/App";
import { ClipboardSetText, EventsOn } from "../../wailsjs/runtime/runtime";
import type { Backend } from "./backend";
import type {
  AuditEntry,
  BuildInfo,
  CatalogueChange,
  CatalogueView,
  DayList,
  DocumentText,
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

// Go encodes an empty slice that was never made as null; the screens expect
// arrays, so lists are made arrays here, once, at the edge.
const list = <T>(v: T[] | null | undefined): T[] => v ?? [];

export function normStatus(s: Status): Status {
  const out = { ...s, days: list(s.days) };
  if (s.preset) out.preset = { ...s.preset, problems: list(s.preset.problems) };
  return out;
}

export function normDay(d: DayList): DayList {
  return { ...d, rows: list(d.rows) };
}

export function normSheet(s: Sheet): Sheet {
  return {
    ...s,
    results: list(s.results).map((r) => ({ ...r, evidence: list(r.evidence) })),
    conditions: list(s.conditions),
    labs: list(s.labs),
    imaging: list(s.imaging),
    consults: list(s.consults),
    hospital: list(s.hospital),
    immunizations: list(s.immunizations),
  };
}

export function normCatalogue(c: CatalogueView): CatalogueView {
  return { ...c, screenings: list(c.screenings).map((x) => ({ ...x, sexes: list(x.sexes), modalities: list(x.modalities) })) };
}

export function normChange(c: CatalogueChange): CatalogueChange {
  return { problems: list(c.problems), catalogue: c.catalogue ? normCatalogue(c.catalogue) : undefined };
}

export function normScheduleCheck(c: ScheduleCheck): ScheduleCheck {
  return { ...c, source: { ...c.source, providerIds: list(c.source?.providerIds) }, problems: list(c.problems), byProvider: list(c.byProvider) };
}

export function normImported(r: ScheduleImported): ScheduleImported {
  return { ...r, problems: list(r.problems) };
}

// The generated bindings return Wails model classes with the same JSON
// fields as our types; the casts only change the TypeScript view.
export const wailsBackend: Backend = {
  status: async () => normStatus((await App.Status()) as unknown as Status),
  restartAgent: () => App.RestartAgent(),
  version: async () => (await App.Version()) as unknown as BuildInfo,
  day: async (date) => normDay((await App.Day(date)) as unknown as DayList),
  sheet: async (date, appt) => normSheet((await App.Sheet(date, appt)) as unknown as Sheet),
  printHTML: (date, appt) => App.PrintHTML(date, appt ?? ""),
  sync: async (date) => (await App.Sync(date)) as unknown as SyncSummary,
  cancelSync: () => App.CancelSync(),
  onSync: (cb) => EventsOn("sync", (e: SyncEvent) => cb(e)),
  checkSetup: async (base, id, discover) => (await App.CheckSetup(base, id, discover)) as unknown as SetupCheck,
  setup: async (base, id, name) => (await App.Setup(base, id, name)) as unknown as SetupCheck,
  testSchedule: async (kind, ids, date) => normScheduleCheck((await App.TestSchedule(kind, ids, date)) as unknown as ScheduleCheck),
  saveSchedule: async (kind, ids) => normScheduleCheck((await App.SaveSchedule(kind, ids)) as unknown as ScheduleCheck),
  startSignIn: async () => (await App.StartSignIn()) as unknown as SignInState,
  signInStatus: async (wait) => (await App.SignInStatus(wait)) as unknown as SignInState,
  cancelSignIn: () => App.CancelSignIn(),
  startDemo: () => App.StartDemo(),
  settings: async () => (await App.Settings()) as unknown as Settings,
  saveSettings: (s) => App.SaveSettings(s as never),
  catalogue: async () => normCatalogue((await App.Catalogue()) as unknown as CatalogueView),
  editCatalogue: async (edits) => normChange((await App.EditCatalogue(edits as never)) as unknown as CatalogueChange),
  importCatalogue: async (yaml) => normChange((await App.ImportCatalogue(yaml)) as unknown as CatalogueChange),
  resetCatalogue: async () => normCatalogue((await App.ResetCatalogue()) as unknown as CatalogueView),
  importSchedule: async (date, csv) => normImported((await App.ImportSchedule(date, csv)) as unknown as ScheduleImported),
  reset: (confirm) => App.Reset(confirm),
  audit: async (since) => list((await App.Audit(since)) as unknown as AuditEntry[]),
  send: async (date, ids) => {
    const r = (await App.Send(date, ids)) as unknown as SendResult;
    return { ...r, sent: list(r.sent), failed: list(r.failed) };
  },
  sentNotes: async (date) => {
    const r = (await App.SentNotes(date)) as unknown as SentNotes;
    return { ...r, notes: r.notes ?? {} };
  },
  documentText: async (date, appt, docId) => (await App.DocumentText(date, appt, docId)) as unknown as DocumentText,
  openURL: (url) => App.OpenURL(url),
  exportCatalogue: () => App.ExportCatalogue(),
  copyText: async (text) => {
    try {
      return await ClipboardSetText(text);
    } catch {
      return false;
    }
  },
};
