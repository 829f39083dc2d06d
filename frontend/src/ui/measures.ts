import type { ExclusionConcept, MeasureLine, MeasureStatus } from "../api/types";
import { h } from "./dom";

/** Words for a measure's status, for the front desk. */
export const measureStatusLabel: Record<MeasureStatus, string> = {
  met: "Met",
  not_met: "Not met yet",
  excluded: "Excluded",
  outside: "Not counted",
};

/** renderMeasures draws the sheet's quality-measure view: per measure, how
 *  the practice's quality report counts the patient this year, and, where
 *  it differs from the guideline status above, why. The guideline status
 *  stays the headline; this section sits below it. Null when there is
 *  nothing to show (an older agent sends no measures). */
export function renderMeasures(lines: MeasureLine[] | undefined): HTMLElement | null {
  if (!lines || lines.length === 0) return null;
  const year = lines[0].year;
  return h(
    "section",
    { class: "block measures", id: "measures", "aria-labelledby": "measures-title" },
    h("h3", { id: "measures-title" }, `Quality measures ${year}`, h("span", { class: "sub" }, " · how the practice's quality report counts this patient")),
    h(
      "ul",
      { class: "measure-lines" },
      lines.map((m) =>
        h(
          "li",
          { class: `measure ${m.status.replace("_", "-")}`, "data-measure": m.id, "data-screening": m.screening },
          h("span", { class: `chip measure-${m.status.replace("_", "-")}` }, measureStatusLabel[m.status] ?? m.status),
          " ",
          h("strong", {}, `${m.id} ${m.title}`),
          h("div", { class: "sub measure-reason" }, m.reason),
          m.differs ? h("div", { class: "sub measure-differs" }, `Differs from the screening status: ${m.differs}`) : null,
          m.details ? h("details", { class: "support" }, h("summary", {}, "Details for support"), h("div", { class: "sub" }, m.details)) : null,
        ),
      ),
    ),
  );
}

/** exclusionSwitches draws Settings' checkboxes, one per exclusion concept
 *  in words: ticked leaves those patients out of the prep list (as the
 *  quality measures do); unticked shows them due again. onChange gets the
 *  ids switched off. Null when the agent sends no concepts. */
export function exclusionSwitches(concepts: ExclusionConcept[] | undefined, disabled: string[] | undefined, onChange: (off: string[]) => void): HTMLElement | null {
  if (!concepts || concepts.length === 0) return null;
  const off = new Set(disabled ?? []);
  return h(
    "fieldset",
    { class: "exclusions", id: "exclusion-switches" },
    h("legend", {}, "Leave out of the prep list"),
    h("p", { class: "sub" }, "Ticked: these patients are not shown due for the screenings the quality measures leave them out of. Untick one to show them due again."),
    concepts.map((x) =>
      h(
        "label",
        { class: "check" },
        h("input", {
          id: `exclusion-${x.id}`,
          type: "checkbox",
          checked: x.on && !off.has(x.id),
          disabled: !x.on,
          onchange: (e: Event) => {
            const next = new Set(off);
            if ((e.target as HTMLInputElement).checked) next.delete(x.id);
            else next.add(x.id);
            onChange(concepts.map((c) => c.id).filter((id) => next.has(id)));
          },
        }),
        ` Patients ${x.title}`,
        x.on ? null : h("span", { class: "sub" }, " (switched off in the screening catalogue)"),
      ),
    ),
  );
}
