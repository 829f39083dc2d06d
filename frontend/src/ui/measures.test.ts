import { describe, expect, it } from "vitest";
import type { MeasureLine } from "../api/types";
import { renderMeasures } from "./measures";
import { renderSheet } from "./sheet";
import { sheet } from "../test/scripted";

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
