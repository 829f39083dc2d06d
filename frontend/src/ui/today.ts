import type { DayList, DayRow, Status, SyncEvent } from "../api/types";
import { h, hhmm } from "./dom";
import { visitStatusLabel } from "./labels";

export interface TodayFilters {
  provider: string; // "" = all
  show: "all" | "due" | "due_soon" | "review";
}

export interface TodayProps {
  status: Status;
  date: string;
  day?: DayList;
  dayError?: string;
  filters: TodayFilters;
  progress?: SyncEvent;
  onDate(date: string): void;
  onFilters(f: TodayFilters): void;
  onSync(): void;
  onOpen(row: DayRow): void;
  onPrintDay(): void;
}

export function matches(row: DayRow, f: TodayFilters): boolean {
  if (f.provider && row.provider !== f.provider) return false;
  switch (f.show) {
    case "due":
      return row.counts.due > 0;
    case "due_soon":
      return row.counts.dueSoon > 0;
    case "review":
      return row.counts.needsReview > 0;
  }
  return true;
}

function chip(cls: string, n: number, label: string): HTMLElement | null {
  if (n === 0) return null;
  return h("span", { class: `chip ${cls}`, title: `${n} ${label}` }, `${n} ${label}`);
}

function progressBar(p: SyncEvent): HTMLElement {
  const total = Math.max(p.patientsTotal, 1);
  const pct = p.phase === "schedule" ? 2 : Math.round((100 * p.patientsDone) / total);
  const words =
    p.phase === "schedule"
      ? "Getting today's schedule from Epic…"
      : p.phase === "saving"
        ? "Saving…"
        : `Updating patients: ${p.patientsDone} of ${p.patientsTotal}`;
  return h(
    "div",
    { class: "progress", role: "status", "aria-live": "polite" },
    h("div", { class: "progress-text" }, words, p.errors ? ` (${p.errors} problem${p.errors > 1 ? "s" : ""})` : ""),
    h("div", { class: "progress-track" }, h("div", { class: "progress-fill", style: `width:${pct}%` })),
  );
}

export function renderToday(p: TodayProps): HTMLElement {
  const rows = p.day?.rows ?? [];
  const providers = [...new Set(rows.map((r) => r.provider))].sort();
  const shown = rows.filter((r) => matches(r, p.filters));
  const days = [...new Set([p.status.today, ...p.status.days])].sort().reverse();

  const toolbar = h(
    "div",
    { class: "toolbar" },
    h(
      "label",
      {},
      "Day ",
      h(
        "select",
        { id: "day-picker", onchange: (e: Event) => p.onDate((e.target as HTMLSelectElement).value) },
        days.map((d) => h("option", { value: d, selected: d === p.date }, d === p.status.today ? `Today (${d})` : d)),
      ),
    ),
    h(
      "label",
      {},
      "Provider ",
      h(
        "select",
        {
          id: "provider-filter",
          onchange: (e: Event) => p.onFilters({ ...p.filters, provider: (e.target as HTMLSelectElement).value }),
        },
        h("option", { value: "" }, "All providers"),
        providers.map((v) => h("option", { value: v, selected: v === p.filters.provider }, v)),
      ),
    ),
    h(
      "label",
      {},
      "Show ",
      h(
        "select",
        {
          id: "status-filter",
          onchange: (e: Event) =>
            p.onFilters({ ...p.filters, show: (e.target as HTMLSelectElement).value as TodayFilters["show"] }),
        },
        (
          [
            ["all", "Everyone"],
            ["due", "Something due"],
            ["due_soon", "Something due soon"],
            ["review", "Needs review"],
          ] as const
        ).map(([v, label]) => h("option", { value: v, selected: v === p.filters.show }, label)),
      ),
    ),
    h("span", { class: "spacer" }),
    h("button", { id: "print-day", onclick: p.onPrintDay, disabled: rows.length === 0 }, "Print day"),
    h(
      "button",
      { id: "sync", class: "primary", onclick: p.onSync, disabled: p.status.syncing || p.status.mode === "unconfigured" },
      p.status.syncing ? "Updating…" : "Update from Epic",
    ),
  );

  let body: HTMLElement;
  if (p.dayError) {
    body = h("div", { class: "notice error", role: "alert" }, p.dayError);
  } else if (!p.day) {
    body = h("div", { class: "notice" }, "Loading the day…");
  } else if (rows.length === 0) {
    body = h(
      "div",
      { class: "notice" },
      "No appointments are saved for this day yet. Press “Update from Epic” to fetch them.",
    );
  } else {
    body = h(
      "table",
      { class: "day", id: "day-table" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, "Time"), h("th", {}, "Patient"), h("th", {}, "Visit"), h("th", {}, "Provider"), h("th", {}, "Prep")),
      ),
      h(
        "tbody",
        {},
        shown.map((r) =>
          h(
            "tr",
            {
              class: `row${r.inactive ? " inactive" : ""}`,
              tabindex: 0,
              "data-appointment": r.appointmentId,
              onclick: () => p.onOpen(r),
              onkeydown: (e: Event) => {
                if ((e as KeyboardEvent).key === "Enter") p.onOpen(r);
              },
            },
            h("td", { class: "time" }, hhmm(r.time)),
            h(
              "td",
              { class: "patient" },
              h("div", { class: "name" }, r.patientName || "(name not given)"),
              h("div", { class: "sub" }, [r.mrn ? `MRN ${r.mrn}` : "", r.age !== undefined ? `${r.age} y` : "", r.sex ?? ""].filter(Boolean).join(" · ")),
            ),
            h(
              "td",
              {},
              r.visitType,
              r.inactive ? h("span", { class: "chip inactive-chip" }, visitStatusLabel[r.status] ?? r.status) : null,
            ),
            h("td", {}, r.provider),
            h(
              "td",
              { class: "chips" },
              chip("due", r.counts.due, "due"),
              chip("due-soon", r.counts.dueSoon, "due soon"),
              chip("review", r.counts.needsReview, "to review"),
              chip("complete", r.counts.complete, "complete"),
              r.stale ? h("span", { class: "chip stale", title: "Epic could not be reached for this patient; showing earlier data" }, "older data") : null,
            ),
          ),
        ),
      ),
    );
  }

  const partial = p.day?.partial
    ? h("div", { class: "notice warn", role: "status" }, "The last update did not finish; some patients show earlier data.")
    : null;
  return h(
    "section",
    { class: "today", "aria-label": "Today's prep" },
    toolbar,
    p.progress && p.status.syncing ? progressBar(p.progress) : null,
    partial,
    body,
    p.day && rows.length > 0 ? h("div", { class: "footnote" }, `${shown.length} of ${rows.length} appointments shown`) : null,
  );
}
