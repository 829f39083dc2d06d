import type { Line, Result, Sheet } from "../api/types";
import { h, hhmm, shortDate } from "./dom";
import { statusLabel } from "./labels";

function evidenceText(r: Result): string {
  const e = r.evidence?.[0];
  if (!e) return r.reason;
  const what = e.display || e.code || e.type;
  return `${what}${e.date ? `, ${shortDate(e.date)}` : ""} (${e.type})`;
}

function lines(title: string, id: string, items: Line[]): HTMLElement {
  return h(
    "section",
    { class: "block", id },
    h("h3", {}, title),
    items.length === 0
      ? h("p", { class: "empty" }, "None on record in the period shown.")
      : h(
          "ul",
          {},
          items.map((l) => h("li", {}, l.date ? h("span", { class: "date" }, shortDate(l.date)) : null, l.title, l.detail ? h("span", { class: "detail" }, ` — ${l.detail}`) : null)),
        ),
  );
}

export interface SheetProps {
  sheet?: Sheet;
  error?: string;
  onBack(): void;
  onPrint(): void;
}

export function renderSheet(p: SheetProps): HTMLElement {
  const back = h("button", { id: "back", onclick: p.onBack }, "← Back to the day");
  if (p.error) return h("section", { class: "sheet" }, back, h("div", { class: "notice error", role: "alert" }, p.error));
  if (!p.sheet) return h("section", { class: "sheet" }, back, h("div", { class: "notice" }, "Loading…"));
  const s = p.sheet;
  const pt = s.patient;
  return h(
    "section",
    { class: "sheet", "aria-label": "Prep sheet" },
    h("div", { class: "toolbar" }, back, h("span", { class: "spacer" }), h("button", { id: "print", class: "primary", onclick: p.onPrint }, "Print")),
    h(
      "header",
      { class: "patient-header" },
      h("h2", { id: "patient-name" }, pt.name || "(name not given)"),
      h(
        "div",
        { class: "sub" },
        [pt.mrn ? `MRN ${pt.mrn}` : "", pt.age !== undefined ? `${pt.age} years` : "age unknown", pt.sex || "sex not recorded", pt.birthDate ? `born ${shortDate(pt.birthDate)}` : ""]
          .filter(Boolean)
          .join(" · "),
      ),
      h("div", { class: "sub" }, `${hhmm(s.time)} · ${s.visitType} · ${s.provider}`),
    ),
    h(
      "table",
      { class: "results", id: "results" },
      h("thead", {}, h("tr", {}, h("th", {}, "Screening"), h("th", {}, "Status"), h("th", {}, "Last done"), h("th", {}, "Next due"), h("th", {}, "Why"))),
      h(
        "tbody",
        {},
        s.results.map((r) =>
          h(
            "tr",
            { class: `result ${r.status}`, "data-screening": r.id },
            h("td", {}, r.title, r.review ? h("span", { class: "chip review", title: "Decided by a code marked for review in the catalogue" }, "check") : null),
            h("td", {}, h("span", { class: `chip ${r.status.replace("_", "-")}` }, statusLabel[r.status])),
            h("td", {}, shortDate(r.lastDone), r.modality ? h("div", { class: "sub" }, r.modality) : null),
            h("td", {}, shortDate(r.nextDue)),
            h("td", { class: "why" }, evidenceText(r)),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "blocks" },
      lines("Active conditions", "conditions", s.conditions),
      lines("Recent labs", "labs", s.labs),
      lines("Recent imaging", "imaging", s.imaging),
      lines("Consults and documents", "consults", s.consults),
      lines("Hospital visits", "hospital", s.hospital),
      lines("Immunizations", "immunizations", s.immunizations),
    ),
  );
}
