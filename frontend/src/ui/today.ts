import type { DayList, DayRow, Failure, ScheduleImported, Status, SyncEvent } from "../api/types";
import { type Child, dayLabel, h, hhmm, isWeekend, lastWeekday, parseDate, formatDate } from "./dom";
import { errorBox } from "./errors";
import { visitStatusLabel } from "./labels";

export type ShowFilter = "all" | "due" | "due_soon" | "review" | "up_to_date";

export interface TodayFilters {
  provider: string; // "" = all
  show: ShowFilter;
  sort: "time" | "provider";
  hideInactive: boolean;
}

/** The "Show" filter's choices, in words (also the print's header). */
export const showLabel: Record<ShowFilter, string> = {
  all: "Everyone",
  due: "Something due",
  due_soon: "Something due soon",
  review: "Needs review",
  up_to_date: "Nothing due",
};

export const defaultFilters: TodayFilters = { provider: "", show: "all", sort: "time", hideInactive: false };

/** A schedule file being imported for a day, or how that went. */
export interface ScheduleImport {
  name: string; // the file's name, as the computer gave it
  date: string; // the day it is imported for
  busy?: boolean;
  result?: ScheduleImported;
  error?: Failure;
  /** The day has been updated from Epic since the import. */
  synced?: boolean;
}

export interface TodayProps {
  status: Status;
  date: string;
  day?: DayList;
  dayError?: Failure;
  filters: TodayFilters;
  /** The latest progress of a running update, if one is running. */
  progress?: SyncEvent;
  /** Documents being read after an update, if any. */
  reading?: SyncEvent;
  /** Patients whose charts landed during the running update. */
  updated: ReadonlySet<string>;
  /** When an update of this day last finished in this window (HH:MM). */
  finishedAt?: string;
  cancelling?: boolean;
  /** The last schedule-file import (practices whose schedule source is "file"). */
  scheduleImport?: ScheduleImport;
  /** The practice's clinic days (Mon..Sun), from Settings. */
  clinicDays?: string[];
  onDate(date: string): void;
  onFilters(f: TodayFilters): void;
  onSync(): void;
  onFetch(date: string): void;
  onCancelSync(): void;
  onOpen(row: DayRow): void;
  onPrintDay(): void;
  /** The "Print day" panel, when open. */
  printPanel?: HTMLElement | null;
  onScheduleFile(f: File): void;
  onDismissImport(): void;
  /** "Send day" with its confirmation (send.ts), and a visit's "sent 07:52 by …" mark, when sending is on. */
  sendDay?: HTMLElement | null;
  sentChip?(appointmentId: string): HTMLElement | null;
}

export function matches(row: DayRow, f: TodayFilters): boolean {
  if (f.provider && row.provider !== f.provider) return false;
  if (f.hideInactive && row.inactive) return false;
  switch (f.show) {
    case "due":
      return row.counts.due > 0;
    case "due_soon":
      return row.counts.dueSoon > 0;
    case "review":
      return row.counts.needsReview > 0;
    case "up_to_date":
      return row.counts.due + row.counts.dueSoon + row.counts.needsReview === 0;
  }
  return true;
}

/** arrange filters and orders the rows: by time (then provider), or
 *  grouped by provider (then time), as the agent's prep.SortRows does. */
export function arrange(rows: DayRow[], f: TodayFilters): DayRow[] {
  const shown = rows.filter((r) => matches(r, f));
  return shown.sort((a, b) => {
    if (f.sort === "provider" && a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
    const ta = Date.parse(a.time);
    const tb = Date.parse(b.time);
    if (ta !== tb) return ta - tb;
    return a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0;
  });
}

/** dayChoices are the days the picker offers: today and every saved day, newest first. */
export function dayChoices(status: Status, current: string): string[] {
  return [...new Set([status.today, current, ...status.days])].filter(Boolean).sort().reverse();
}

/** How many due names a row shows before it counts the rest. */
export const dueShown = 4;

/** dueNames are what a row has due, by name, when the agent names them. */
export function dueNames(r: DayRow): string[] {
  return !r.notFetched && r.counts.due > 0 && r.due?.length ? r.due : [];
}

/** dueChip names what is due ("Mammogram · A1C · Flu"), or counts it when
 *  the agent gave no names. */
function dueChip(r: DayRow): HTMLElement | null {
  const names = dueNames(r);
  if (names.length === 0) return chip("due", r.counts.due, "due");
  // A few names fit a row; the rest are counted (all are in the title and the row's spoken label).
  const shown = names.slice(0, dueShown);
  const more = names.length - shown.length;
  return h("span", { class: "chip due due-names", title: `Due: ${names.join(", ")}` }, shown.join(" · "), more > 0 ? ` +${more} more` : "");
}

function chip(cls: string, n: number, label: string): HTMLElement | null {
  if (n === 0) return null;
  return h("span", { class: `chip ${cls}` }, `${n} ${label}`);
}

const phaseWords: Record<string, string> = {
  schedule: "Getting the schedule from Epic…",
  saving: "Saving…",
};

/** fromFile says whether the practice's schedule comes from a file
 *  exported from Epic and imported on this screen. */
export function fromFile(s: Status): boolean {
  return s.schedule?.kind === "file";
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** importSummary says what was read from a schedule file, e.g. "54
 *  appointments read for Tue 24 Nov 2026; 2 rows could not be read". */
export function importSummary(r: ScheduleImported): string {
  const days = r.first && r.last ? (r.first === r.last ? dayLabel(r.first) : `${dayLabel(r.first)} to ${dayLabel(r.last)}`) : dayLabel(r.date);
  const bad = r.problems.length ? `; ${plural(r.problems.length, "row")} could not be read` : "";
  return `${plural(r.rows, "appointment")} read for ${days}${bad}`;
}

/** offDay says whether a file with dates has none on the day it was imported for. */
export function offDay(r: ScheduleImported): boolean {
  return !!r.first && !!r.last && (r.date < r.first || r.date > r.last);
}

// Enough rows to fix by hand; a file with more is better exported again.
const problemsShown = 50;

function importPanel(imp: ScheduleImport, p: TodayProps, syncing: boolean): HTMLElement {
  const dismiss = h("button", { id: "import-dismiss", onclick: p.onDismissImport }, "Dismiss");
  if (imp.busy) return h("div", { class: "notice", id: "schedule-import", role: "status" }, `Reading ${imp.name}…`);
  if (imp.error) {
    const f = imp.error;
    return errorBox(
      { ...f, message: `${imp.name} was not imported. ${f.message}` },
      "schedule-import-error",
      f.kind === "bad_request"
        ? h(
            "p",
            { class: "error-advice" },
            "Nothing was changed. Export the day's schedule from Epic as a CSV or tab-separated file, with a header row naming the appointment time, the provider, the visit type and the patient's MRN (or name and date of birth), and import it again.",
          )
        : null,
      dismiss,
    );
  }
  const r = imp.result!;
  const off = offDay(r);
  const shown = r.problems.slice(0, problemsShown);
  return h(
    "div",
    { class: `notice ${r.problems.length || off ? "warn" : "ok"} schedule-import`, id: "schedule-import" },
    h("p", { id: "schedule-import-summary", role: "status", tabindex: -1 }, h("strong", {}, `${importSummary(r)}.`), ` From ${imp.name}.`),
    off
      ? h("p", { id: "schedule-import-off-day" }, `None of them is on ${dayLabel(r.date)}: export that day's schedule from Epic and import it, or choose a day the file covers.`)
      : null,
    r.problems.length
      ? [
          h("p", { id: "schedule-import-problems-title" }, "The patients on these rows are not on the day's list: fix the rows in Epic and import the file again, or prepare those patients by hand."),
          h(
            "ul",
            { id: "schedule-import-problems", "aria-labelledby": "schedule-import-problems-title" },
            shown.map((x) => h("li", {}, h("span", { class: "line" }, `Line ${x.line}: `), x.problem)),
            r.problems.length > shown.length ? h("li", {}, `and ${plural(r.problems.length - shown.length, "more row")}`) : null,
          ),
        ]
      : null,
    h(
      "p",
      { class: "import-actions" },
      off
        ? null
        : imp.synced
          ? h("span", { id: "schedule-import-synced" }, "The charts for these appointments have been fetched from Epic. ")
          : [
              h(
                "button",
                { id: "import-sync", class: "primary", onclick: p.onSync, disabled: syncing, "aria-describedby": "schedule-import-summary" },
                syncing ? "Updating…" : "Update from Epic",
              ),
              " to fetch the charts for these appointments. ",
            ],
      dismiss,
    ),
  );
}

/** progressPercent is how far an update has come, for the bar. */
export function progressPercent(p: SyncEvent): number {
  if (p.phase === "schedule") return 2;
  if (p.phase === "saving" || p.phase === "done") return 100;
  return Math.round((100 * p.patientsDone) / Math.max(p.patientsTotal, 1));
}

function progressBar(p: SyncEvent, shownDate: string, cancelling: boolean, onCancel: () => void, file: boolean): HTMLElement {
  const pct = progressPercent(p);
  const which = p.date && p.date !== shownDate ? ` (${dayLabel(p.date)})` : "";
  const words = (file && p.phase === "schedule" ? "Reading the imported schedule file…" : phaseWords[p.phase]) ?? `Updating patients: ${p.patientsDone} of ${p.patientsTotal}`;
  return h(
    "div",
    { class: "progress", id: "sync-progress" },
    h(
      "div",
      { class: "progress-head" },
      h("span", { class: "progress-text", role: "status", "aria-live": "polite" }, words, which, p.errors ? ` (${p.errors} problem${p.errors > 1 ? "s" : ""})` : ""),
      h("span", { class: "spacer" }),
      h("button", { id: "cancel-sync", onclick: onCancel, disabled: cancelling }, cancelling ? "Stopping…" : "Stop update"),
    ),
    h(
      "div",
      { class: "progress-track", role: "progressbar", "aria-label": "Update progress", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct },
      h("div", { class: "progress-fill", style: `width:${pct}%` }),
    ),
  );
}

function rowLabel(r: DayRow): string {
  const c = r.counts;
  const names = dueNames(r);
  const prep = [c.due && (names.length ? `due: ${names.join(", ")}` : `${c.due} due`), c.dueSoon && `${c.dueSoon} due soon`, c.needsReview && `${c.needsReview} to review`].filter(Boolean).join(", ");
  return `${hhmm(r.time)} ${r.patientName || "name not given"}, ${r.visitType} with ${r.provider}${r.inactive ? `, ${visitStatusLabel[r.status] ?? r.status}` : ""}: ${prep || "nothing due"}. Press Enter for the prep sheet.`;
}

function moveFocus(from: HTMLElement, dir: 1 | -1): void {
  const rows = [...(from.closest("tbody")?.querySelectorAll<HTMLElement>("tr.row") ?? [])];
  const i = rows.indexOf(from);
  rows[i + dir]?.focus();
}

function row(r: DayRow, p: TodayProps): HTMLElement {
  const updated = p.updated.has(r.patientId);
  return h(
    "tr",
    {
      class: `row${r.inactive ? " inactive" : ""}${updated ? " updated" : ""}`,
      id: `row-${r.appointmentId}`,
      tabindex: 0,
      "data-appointment": r.appointmentId,
      "aria-label": rowLabel(r),
      onclick: () => p.onOpen(r),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        if (k === "Enter" || k === " ") {
          e.preventDefault();
          p.onOpen(r);
        } else if (k === "ArrowDown" || k === "ArrowUp") {
          e.preventDefault();
          moveFocus(e.currentTarget as HTMLElement, k === "ArrowDown" ? 1 : -1);
        }
      },
    },
    h("td", { class: "time" }, hhmm(r.time)),
    h(
      "td",
      { class: "patient" },
      h("div", { class: "name" }, r.patientName || "(name not given)"),
      h("div", { class: "sub" }, [r.mrn ? `MRN ${r.mrn}` : "", r.age !== undefined ? `${r.age} y` : "", r.sex ?? ""].filter(Boolean).join(" · ")),
    ),
    h("td", { class: "visit" }, r.visitType, r.inactive ? h("span", { class: "chip inactive-chip" }, visitStatusLabel[r.status] ?? r.status) : null),
    h("td", { class: "provider" }, r.provider),
    h(
      "td",
      { class: "chips" },
      dueChip(r),
      chip("due-soon", r.counts.dueSoon, "due soon"),
      chip("review", r.counts.needsReview, "to review"),
      chip("complete", r.counts.complete, "complete"),
      chip("attention", r.counts.attention ?? 0, "needs attention"),
      !r.notFetched && r.counts.due + r.counts.dueSoon + r.counts.needsReview === 0 ? h("span", { class: "chip ok" }, "nothing due") : null,
      r.notFetched ? h("span", { class: "chip stale not-fetched", title: "Epic did not give this patient's chart; nothing is known yet" }, "could not be fetched") : null,
      r.stale && !r.notFetched ? h("span", { class: "chip stale", title: "Epic could not be reached for this patient; showing earlier data" }, "older data") : null,
      updated ? h("span", { class: "chip fresh", title: "Updated from Epic just now" }, "✓ updated") : null,
      p.sentChip?.(r.appointmentId) ?? null,
    ),
  );
}

function table(rows: DayRow[], p: TodayProps): HTMLElement {
  const body: HTMLElement[] = [];
  let group = "";
  for (const r of rows) {
    if (p.filters.sort === "provider" && r.provider !== group) {
      group = r.provider;
      const n = rows.filter((x) => x.provider === group).length;
      body.push(h("tr", { class: "group" }, h("th", { colspan: 5, scope: "rowgroup" }, `${group} · ${n} appointment${n === 1 ? "" : "s"}`)));
    }
    body.push(row(r, p));
  }
  return h(
    "table",
    { class: "day", id: "day-table", "aria-label": `Appointments on ${dayLabel(p.date)}` },
    // Fixed column widths: chips appearing during an update do not shift the columns.
    h("colgroup", {}, ["col-time", "col-patient", "col-visit", "col-provider", "col-prep"].map((c) => h("col", { class: c }))),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Time"), h("th", { scope: "col" }, "Patient"), h("th", { scope: "col" }, "Visit"), h("th", { scope: "col" }, "Provider"), h("th", { scope: "col" }, "Prep")),
    ),
    h("tbody", {}, body),
  );
}

function previousDay(date: string): string {
  const d = parseDate(date);
  if (!d) return date;
  d.setDate(d.getDate() - 1);
  return formatDate(d);
}

const dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** closedOn says whether the practice sees no patients on date (not one of its clinic days). */
export function closedOn(date: string, clinicDays?: string[]): boolean {
  const d = parseDate(date);
  return !!d && !!clinicDays?.length && !clinicDays.includes(dayNames[d.getDay()]);
}

/** nextClinicDay is the first of the practice's clinic days after date. */
export function nextClinicDay(date: string, clinicDays: string[]): string {
  const d = parseDate(date);
  if (!d || clinicDays.length === 0) return date;
  do d.setDate(d.getDate() + 1);
  while (!clinicDays.includes(dayNames[d.getDay()]));
  return formatDate(d);
}

/** offeredDay is the day an empty or closed day points to: a practice's
 *  next clinic day (the one the front desk prepares for), the demo's last
 *  weekday (its history is the past weeks). */
function offeredDay(p: TodayProps): string {
  if (p.status.mode === "practice" && p.date >= p.status.today) return nextClinicDay(p.date, p.clinicDays?.length ? p.clinicDays : ["Mon", "Tue", "Wed", "Thu", "Fri"]);
  return lastWeekday(previousDay(p.date));
}

function emptyDay(p: TodayProps, pickFile?: () => void): HTMLElement {
  const others = p.status.days.filter((d) => d !== p.date).slice(0, 3);
  const weekday = offeredDay(p);
  return h(
    "div",
    { class: "notice empty-day", id: "empty-day", role: "status" },
    h(
      "p",
      {},
      h("strong", {}, `No appointments on ${dayLabel(p.date)}.`),
      isWeekend(p.date) && p.status.mode === "demo" ? " The demo practice sees patients Monday to Friday." : closedOn(p.date, p.clinicDays) ? " The practice is closed that day." : "",
    ),
    pickFile
      ? h("p", {}, "If the day does have appointments, ", h("button", { class: "link", id: "empty-day-import", onclick: pickFile }, "import its schedule file"), " from Epic, then update again.")
      : null,
    others.length
      ? h(
          "p",
          {},
          "Show another saved day: ",
          others.map((d) => h("button", { class: "link", id: `goto-${d}`, onclick: () => p.onDate(d) }, dayLabel(d))),
        )
      : null,
    !p.status.days.includes(weekday)
      ? h("p", {}, h("button", { id: "fetch-weekday", class: "primary", onclick: () => p.onFetch(weekday), disabled: p.status.syncing }, `Get ${dayLabel(weekday)} from Epic`))
      : others.includes(weekday)
        ? null
        : h("p", {}, h("button", { id: "goto-weekday", class: "primary", onclick: () => p.onDate(weekday) }, `Show ${dayLabel(weekday)}`)),
  );
}

/** missingNext is what to do about a day with nothing saved: wait for the
 *  running update, fetch it, or (schedule from a file) import its file first. */
function missingNext(p: TodayProps, syncing: boolean, imp: ScheduleImport | undefined, pickFile?: () => void): Child {
  const fetch = (primary: boolean) => h("button", { id: "fetch-day", class: primary ? "primary" : undefined, onclick: () => p.onFetch(p.date) }, `Get ${dayLabel(p.date)} from Epic`);
  if (syncing) return h("p", {}, "It is being fetched from Epic now; it shows here when the update finishes.");
  if (p.status.mode === "practice" && closedOn(p.date, p.clinicDays)) {
    // A closed day: the day to prepare is the next clinic day.
    const next = offeredDay(p);
    return [
      h("p", { id: "closed-day" }, `The practice is closed on ${dayLabel(p.date)} (clinic days: ${p.clinicDays!.join(", ")}).`),
      h(
        "p",
        {},
        p.status.days.includes(next)
          ? h("button", { id: "goto-weekday", class: "primary", onclick: () => p.onDate(next) }, `Show ${dayLabel(next)}`)
          : h("button", { id: "fetch-weekday", class: "primary", onclick: () => p.onFetch(next) }, `Get ${dayLabel(next)} from Epic`),
        " ",
        h("button", { id: "fetch-day", onclick: () => p.onFetch(p.date) }, `Get ${dayLabel(p.date)} anyway`),
      ),
    ];
  }
  if (!pickFile) return h("p", {}, fetch(true));
  if (imp?.result && !offDay(imp.result) && !imp.synced) {
    return h("p", { id: "import-done" }, "Its schedule file is imported (above): “Update from Epic” fetches the charts.");
  }
  if (imp?.result) return h("p", {}, fetch(true));
  return [
    h("p", { id: "import-first" }, `This practice's schedule comes from a file exported from Epic: import ${dayLabel(p.date)}'s schedule file first, then update from Epic.`),
    h(
      "p",
      {},
      h("button", { id: "empty-import", class: "primary", onclick: pickFile, "aria-disabled": imp?.busy ? "true" : undefined }, imp?.busy ? "Importing…" : "Import schedule file…"),
      " Already imported it? ",
      fetch(false),
    ),
  ];
}

export function renderToday(p: TodayProps): HTMLElement {
  const rows = p.day?.rows ?? [];
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  const shown = arrange(rows, p.filters);
  const syncing = p.status.syncing || p.progress !== undefined;
  const set = (patch: Partial<TodayFilters>) => p.onFilters({ ...p.filters, ...patch });
  const file = fromFile(p.status);
  const imp = file && p.scheduleImport?.date === p.date ? p.scheduleImport : undefined;
  const busy = imp?.busy ?? false;
  // One picker for the day; the toolbar's button and the empty day's open it.
  const picker = file
    ? h("input", {
        type: "file",
        id: "schedule-file",
        accept: ".csv,.tsv,.txt",
        class: "visually-hidden",
        tabindex: -1,
        "aria-label": `Schedule file for ${dayLabel(p.date)}`,
        onchange: (e: Event) => {
          const input = e.target as HTMLInputElement;
          const f = input.files?.[0];
          input.value = ""; // choosing the same file again imports it again
          if (f) p.onScheduleFile(f);
        },
      })
    : null;
  const pickFile = picker ? () => !busy && picker.click() : undefined;

  const dayBar = h(
    "div",
    { class: "toolbar" },
    h(
      "label",
      { class: "inline" },
      "Day ",
      h(
        "select",
        { id: "day-picker", "aria-label": "Saved day", value: p.date, onchange: (e: Event) => p.onDate((e.target as HTMLSelectElement).value) },
        dayChoices(p.status, p.date).map((d) =>
          h("option", { value: d, selected: d === p.date }, `${d === p.status.today ? "Today, " : ""}${dayLabel(d)}${p.status.days.includes(d) ? "" : " (not saved)"}`),
        ),
      ),
    ),
    h(
      "label",
      { class: "inline" },
      "Other day ",
      h("input", {
        id: "other-day",
        type: "date",
        "aria-label": "Go to another day",
        value: p.date,
        onchange: (e: Event) => {
          const v = (e.target as HTMLInputElement).value;
          if (v) p.onDate(v);
        },
      }),
    ),
    h("span", { class: "spacer" }),
    h("button", { id: "print-day", onclick: p.onPrintDay, disabled: rows.length === 0 }, "Print day"),
    picker,
    picker
      ? h(
          "button",
          { id: "import-schedule", onclick: pickFile, disabled: syncing, "aria-disabled": busy ? "true" : undefined, "aria-describedby": "import-schedule-hint" },
          busy ? "Importing…" : "Import schedule file…",
        )
      : null,
    picker ? h("span", { class: "visually-hidden", id: "import-schedule-hint" }, `The appointments of ${dayLabel(p.date)}, exported from Epic as a CSV or tab-separated file.`) : null,
    h("button", { id: "sync", class: "primary", onclick: p.onSync, disabled: syncing || p.status.mode === "unconfigured" }, syncing ? "Updating…" : "Update from Epic"),
  );

  const filterBar = h(
    "div",
    { class: "toolbar filters", role: "group", "aria-label": "Filters" },
    h(
      "label",
      { class: "inline" },
      "Provider ",
      h(
        "select",
        { id: "provider-filter", value: p.filters.provider, onchange: (e: Event) => set({ provider: (e.target as HTMLSelectElement).value }) },
        h("option", { value: "" }, "All providers"),
        providers.map((v) => h("option", { value: v, selected: v === p.filters.provider }, v)),
      ),
    ),
    h(
      "label",
      { class: "inline" },
      "Show ",
      h(
        "select",
        { id: "status-filter", value: p.filters.show, onchange: (e: Event) => set({ show: (e.target as HTMLSelectElement).value as ShowFilter }) },
        (Object.entries(showLabel) as [ShowFilter, string][]).map(([v, label]) => h("option", { value: v, selected: v === p.filters.show }, label)),
      ),
    ),
    h(
      "label",
      { class: "inline" },
      "Order ",
      h(
        "select",
        { id: "sort", value: p.filters.sort, onchange: (e: Event) => set({ sort: (e.target as HTMLSelectElement).value as TodayFilters["sort"] }) },
        h("option", { value: "time", selected: p.filters.sort === "time" }, "By time"),
        h("option", { value: "provider", selected: p.filters.sort === "provider" }, "By provider"),
      ),
    ),
    h(
      "label",
      { class: "check inline" },
      h("input", { id: "hide-inactive", type: "checkbox", checked: p.filters.hideInactive, onchange: (e: Event) => set({ hideInactive: (e.target as HTMLInputElement).checked }) }),
      " Hide cancelled and no-shows",
    ),
  );

  let body: HTMLElement;
  if (p.dayError?.kind === "not_found") {
    body = h(
      "div",
      { class: "notice", id: "day-missing", role: "status" },
      h("p", {}, h("strong", {}, `Nothing is saved for ${dayLabel(p.date)} yet.`)),
      missingNext(p, syncing, imp, pickFile),
    );
  } else if (p.dayError) {
    body = errorBox(p.dayError, "day-error");
  } else if (!p.day) {
    body = h("div", { class: "notice", role: "status" }, "Loading the day…");
  } else if (rows.length === 0) {
    body = emptyDay(p, pickFile);
  } else if (shown.length === 0) {
    body = h("div", { class: "notice", id: "no-match", role: "status" }, "No appointments match these filters. ", h("button", { id: "clear-filters", class: "link", onclick: () => p.onFilters({ ...defaultFilters, sort: p.filters.sort }) }, "Show everyone"));
  } else {
    body = table(shown, p);
  }

  const partial = p.day?.partial
    ? h("div", { class: "notice warn", role: "status", id: "partial" }, "The last update did not finish; some patients show earlier data.")
    : null;
  const withDue = rows.filter((r) => !r.inactive && r.counts.due > 0).length;
  // The day bar, filters and the day's total stay in view while the list scrolls.
  return h(
    "section",
    { class: "today", "aria-label": "The day's prep" },
    h(
      "div",
      { class: "today-head" },
      dayBar,
      rows.length > 0 ? filterBar : null,
      p.day && rows.length > 0
        ? h(
            "div",
            { class: "footnote", id: "day-total" },
            h("span", { id: "footnote" }, `${shown.length} of ${rows.length} appointments shown`),
            ` · ${withDue} with something due`,
            p.finishedAt && !syncing ? h("strong", { id: "updated-at", class: "updated-at" }, ` · Updated at ${p.finishedAt}`) : null,
          )
        : null,
      p.progress ? progressBar(p.progress, p.date, p.cancelling ?? false, p.onCancelSync, file) : null,
      p.reading?.message ? h("div", { class: "footnote", id: "reading", role: "status" }, p.reading.message) : null,
    ),
    p.printPanel ?? null,
    imp ? importPanel(imp, p, syncing) : null,
    p.sendDay ?? null,
    partial,
    body,
  );
}
