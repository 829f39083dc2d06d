import { afterEach, describe, expect, it } from "vitest";
import type { ExclusionConcept, MeasureLine } from "../api/types";
import { DeskApp } from "./app";
import { exclusionSwitches, renderMeasures } from "./measures";
import { renderSheet } from "./sheet";
import { Scripted, settle, sheet } from "../test/scripted";

const lines: MeasureLine[] = [
  {
    id: "CMS125",
    title: "Breast Cancer Screening",
    screening: "breast_cancer",
    year: 2026,
    status: "met",
    reason: "meets CMS125 in 2026: mammogram since 2024-10-01: MG Breast Screening (report, 2024-10-15)",
    differs: "due by the guideline, yet the measure already counts it as met for 2026",
    details: "CMS125 Breast Cancer Screening (measures.md CMS125)",
  },
  { id: "CMS130", title: "Colorectal Cancer Screening", screening: "colorectal_cancer", year: 2026, status: "not_met", reason: "not met yet for CMS130 in 2026: no colonoscopy since 2017-01-01" },
  { id: "CMS349", title: "HIV Screening", screening: "hiv", year: 2026, status: "outside", reason: "not in CMS349: it counts ages 15-65 on 2026-01-01" },
];

describe("renderMeasures", () => {
  it("draws one line per measure with its status in words, the reason and the difference", () => {
    const el = renderMeasures(lines)!;
    expect(el.querySelector("h3")!.textContent).toContain("Quality measures 2026");
    const items = [...el.querySelectorAll("li.measure")];
    expect(items.map((li) => li.getAttribute("data-measure"))).toEqual(["CMS125", "CMS130", "CMS349"]);
    expect(items.map((li) => li.querySelector(".chip")!.textContent)).toEqual(["Met", "Not met yet", "Not counted"]);
    expect(items[0].querySelector(".measure-differs")!.textContent).toBe("Differs from the screening status: due by the guideline, yet the measure already counts it as met for 2026");
    expect(items[1].querySelector(".measure-differs")).toBeNull();
    // The technical source is one click away, not in the reader's line.
    expect(items[0].querySelector("details summary")!.textContent).toBe("Details for support");
  });

  it("draws nothing for an agent that sends no measures", () => {
    expect(renderMeasures(undefined)).toBeNull();
    expect(renderMeasures([])).toBeNull();
  });

  it("sits below the screenings on the sheet", () => {
    const el = renderSheet({ sheet: { ...sheet(), measures: lines }, onBack() {}, onPrint() {}, onPrintDay() {} });
    const results = el.querySelector("#results")!;
    const measures = el.querySelector("#measures")!;
    expect(measures).not.toBeNull();
    expect(results.compareDocumentPosition(measures) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });
});

const concepts: ExclusionConcept[] = [
  { id: "hospice", title: "in hospice care", on: true },
  { id: "palliative_care", title: "receiving palliative care", on: true },
  { id: "nursing_home", title: "living in a nursing home", on: false },
];

describe("exclusionSwitches", () => {
  it("draws one checkbox per exclusion in words and reports the ids switched off", () => {
    let off: string[] = [];
    const el = exclusionSwitches(concepts, ["palliative_care"], (ids) => (off = ids))!;
    const labels = [...el.querySelectorAll("label")].map((l) => l.textContent!.trim());
    expect(labels).toEqual(["Patients in hospice care", "Patients receiving palliative care", "Patients living in a nursing home (switched off in the screening catalogue)"]);
    const box = (id: string) => el.querySelector<HTMLInputElement>(`#exclusion-${id}`)!;
    expect([box("hospice").checked, box("palliative_care").checked, box("nursing_home").checked]).toEqual([true, false, false]);
    expect(box("nursing_home").disabled).toBe(true);
    box("hospice").checked = false;
    box("hospice").dispatchEvent(new Event("change"));
    expect(off).toEqual(["hospice", "palliative_care"]);
    expect(exclusionSwitches(undefined, [], () => {})).toBeNull();
  });
});

describe("Settings: exclusions", () => {
  let app: DeskApp | undefined;
  afterEach(() => app?.stop());

  it("saves the exclusions the manager switches off", async () => {
    document.body.innerHTML = "";
    const root = document.createElement("div");
    document.body.appendChild(root);
    const backend = new Scripted();
    backend.cur = { ...backend.cur, exclusions: concepts, disabledExclusions: [] };
    app = new DeskApp(backend, root, () => {});
    await app.start();
    await settle();
    root.querySelector<HTMLElement>("#nav-settings")!.click();
    await settle();
    const hospice = root.querySelector<HTMLInputElement>("#exclusion-hospice")!;
    expect(hospice.checked).toBe(true);
    hospice.checked = false;
    hospice.dispatchEvent(new Event("change"));
    await settle();
    root.querySelector<HTMLElement>("#save-settings")!.click();
    await settle();
    expect(backend.savedSettings?.disabledExclusions).toEqual(["hospice"]);
    expect(root.querySelector<HTMLInputElement>("#exclusion-hospice")!.checked).toBe(false);
  });
});
