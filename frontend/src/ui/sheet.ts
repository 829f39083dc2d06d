import type { DocumentText, Failure, Line, Lookbacks, Result, Sheet } from "../api/types";
import { dayLabel, h, hhmm, shortDate } from "./dom";
import { textEvidence } from "./docevidence";
import { errorBox } from "./errors";
import { source, statusLabel, visitStatusLabel } from "./labels";
import { renderMeasures } from "./measures";

/** evidence lists what counted for a result, each with its date and where
 *  it came from; with none, the engine's reason says why. */
// support is the technical detail behind a result, one click away.
function support(r: Result): HTMLElement | null {
  return r.details ? h("details", { class: "support" }, h("summary", {}, "Details for support"), h("div", { class: "sub" }, r.details)) : null;
}

function evidence(r: Result, load?: (docId: string) => Promise<DocumentText>): HTMLElement {
  const items = r.evidence ?? [];
  if (items.length === 0) return h("td", { class: "why" }, r.reason, support(r));
  return h(
    "td",
    { class: "why" },
    h(
      "ul",
      { class: "evidence" },
      items.map((e) =>
        h(
          "li",
          {},
          e.display || e.code || e.type,
          h("span", { class: "ev-meta" }, [e.date ? shortDate(e.date) : "date unknown", source(e.type)].join(" · ")),
          textEvidence(e, load, r.id),
        ),
      ),
    ),
    support(r),
  );
}

function lines(title: string, id: string, items: Line[], months?: number): HTMLElement {
  return h(
    "section",
    { class: "block", id, "aria-labelledby": `${id}-title` },
    h("h3", { id: `${id}-title` }, title, months ? h("span", { class: "sub" }, ` · last ${months} months`) : null),
    items.length === 0
      ? h("p", { class: "empty" }, months ? "None in this period." : "None on record.")
      : h(
          "ul",
          {},
          items.map((l) => h("li", {}, l.date ? h("span", { class: "date" }, shortDate(l.date)) : null, l.title, l.detail ? h("span", { class: "detail" }, ` — ${l.detail}`) : null)),
        ),
  );
}

export interface SheetProps {
  sheet?: Sheet;
  error?: Failure;
  lookbacks?: Lookbacks;
  onBack(): void;
  onPrint(): void;
  onPrintDay(): void;
  /** "Send to chart" with its mark and confirmation (send.ts), when sending is on. */
  send?: HTMLElement | null;
  /** Fetches a cited document's extracted text (the sheet's "Show the document's text"). */
  documentText?(date: string, appointmentId: string, docId: string): Promise<DocumentText>;
}

export function renderSheet(p: SheetProps): HTMLElement {
  const back = h("button", { id: "back", onclick: p.onBack, "aria-keyshortcuts": "Escape" }, "← Back to the day");
  const bar = (...extra: (HTMLElement | null)[]) => h("div", { class: "toolbar" }, back, h("span", { class: "hint" }, "Esc"), h("span", { class: "spacer" }), ...extra);
  if (p.error) return h("section", { class: "sheet", "aria-label": "Prep sheet" }, bar(), errorBox(p.error, "sheet-error"));
  if (!p.sheet) return h("section", { class: "sheet", "aria-label": "Prep sheet" }, bar(), h("div", { class: "notice", role: "status" }, "Loading the prep sheet…"));
  const s = p.sheet;
  const pt = s.patient;
  const reviewed = s.results.some((r) => r.review);
  const lb = p.lookbacks;
  const docText = p.documentText;
  const load = docText ? (docId: string) => docText(s.date, s.appointmentId, docId) : undefined;
  return h(
    "section",
    { class: "sheet", "aria-label": "Prep sheet" },
    bar(
      h("button", { id: "print-day-sheet", onclick: p.onPrintDay }, "Print day"),
      h("button", { id: "print", class: "primary", onclick: p.onPrint }, "Print"),
    ),
    p.send ?? null,
    h(
      "header",
      { class: "patient-header" },
      h("h2", { id: "patient-name" }, pt.name || "(name not given)"),
      h(
        "div",
        { class: "sub", id: "patient-facts" },
        [pt.mrn ? `MRN ${pt.mrn}` : "", pt.age !== undefined ? `${pt.age} years` : "age unknown", pt.sex || "sex not recorded", pt.birthDate ? `born ${shortDate(pt.birthDate)}` : ""]
          .filter(Boolean)
          .join(" · "),
      ),
      h("div", { class: "sub", id: "visit-facts" }, `${dayLabel(s.date)} ${hhmm(s.time)} · ${s.visitType} · ${s.provider}`, s.status && visitStatusLabel[s.status] ? ` · ${visitStatusLabel[s.status]}` : ""),
    ),
    s.notFetched
      ? h("div", { class: "notice warn", role: "status", id: "not-fetched" }, "Could not be fetched: Epic did not give this patient's chart at the last update, and no earlier update did. Nothing is known about this patient's screenings; update from Epic to try again.")
      : null,
    s.stale && !s.notFetched ? h("div", { class: "notice warn", role: "status" }, "Epic could not be reached for this patient at the last update: this sheet shows earlier data.") : null,
    (s.notes ?? []).length > 0 ? h("ul", { class: "notice sheet-notes", id: "sheet-notes" }, (s.notes ?? []).map((n) => h("li", {}, n))) : null,
    s.status === "cancelled" || s.status === "noshow" ? h("div", { class: "notice", role: "status" }, `This visit is marked ${visitStatusLabel[s.status].toLowerCase()}.`) : null,
    h(
      "table",
      { class: "results", id: "results", "aria-label": "Screenings" },
      h(
        "thead",
        {},
        h("tr", {}, h("th", { scope: "col" }, "Screening"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Last done"), h("th", { scope: "col" }, "Next due"), h("th", { scope: "col" }, "Evidence")),
      ),
      h(
        "tbody",
        {},
        s.results.length === 0 ? h("tr", {}, h("td", { colspan: 5, class: "empty" }, "No screenings apply to this patient.")) : null,
        s.results.map((r) =>
          h(
            "tr",
            { class: `result ${r.status}`, "data-screening": r.id },
            h(
              "th",
              { scope: "row" },
              r.title,
              r.review ? h("span", { class: "chip check", title: r.reviewNote || "Rests on something the catalogue marks for review: check the record before relying on it" }, "check") : null,
              r.variant ? h("div", { class: "sub" }, `because of ${r.variant}`) : null,
              r.review && r.reviewNote ? h("div", { class: "sub review-note" }, `Check: ${r.reviewNote}`) : null,
              r.attention ? h("div", { class: "attention" }, h("span", { class: "chip attention" }, "needs attention"), ` ${r.attention}`) : null,
            ),
            h("td", {}, h("span", { class: `chip ${r.status.replace("_", "-")}` }, statusLabel[r.status] ?? r.status)),
            h("td", {}, shortDate(r.lastDone), r.modality ? h("div", { class: "sub" }, r.modality) : null),
            h("td", {}, shortDate(r.nextDue)),
            evidence(r, load),
          ),
        ),
      ),
    ),
    reviewed ? h("p", { class: "footnote", id: "check-note" }, "“check”: the result rests on something the screening catalogue marks for review. Look at the record before relying on it.") : null,
    renderMeasures(s.measures),
    h(
      "div",
      { class: "blocks" },
      lines("Active conditions", "conditions", s.conditions),
      lines("Recent labs", "labs", s.labs, lb?.labs),
      lines("Recent imaging", "imaging", s.imaging, lb?.imaging),
      lines("Consults and documents", "consults", s.consults, lb?.consults),
      lines("Hospital visits", "hospital", s.hospital, lb?.hospital),
      lines("Immunizations", "immunizations", s.immunizations),
      s.unread?.length ? lines("Documents that could not be read", "unread", s.unread) : null,
    ),
  );
}
