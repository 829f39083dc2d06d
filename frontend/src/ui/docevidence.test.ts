import { describe, expect, it } from "vitest";
import { splitAt, textEvidence } from "./docevidence";

describe("textEvidence", () => {
  it("marks the phrase by the agent's byte offsets, accents before it included", () => {
    // "Café – " is 9 UTF-8 bytes but 7 UTF-16 units: offsets are bytes.
    const sentence = "Café – screening mammogram done 03/14/2025.";
    const start = new TextEncoder().encode("Café – screening ").length;
    const t = { sentence, start, end: start + "mammogram".length, org: "Valley Imaging Center", docDate: "2025-03-17T00:00:00Z" };
    expect(splitAt(t)).toEqual(["Café – screening ", "mammogram", " done 03/14/2025."]);
    const el = textEvidence({ type: "DocumentReference", id: "d1", display: "Outside mammography report", date: "2025-03-14", text: t })!;
    expect(el.querySelector("mark")?.textContent).toBe("mammogram");
    expect(el.querySelector("blockquote")?.textContent).toBe(`“${sentence}”`);
    expect(el.querySelector("figcaption")?.textContent).toContain("Outside mammography report · Valley Imaging Center · filed");
  });

  it("shows nothing for coded evidence, and text as text", () => {
    expect(textEvidence({ type: "Procedure", id: "p1", code: "45378" })).toBeNull();
    const el = textEvidence({ type: "DocumentReference", id: "d", text: { sentence: "<b>x</b> BI-RADS 1", start: 9, end: 16 } })!;
    expect(el.querySelector("b")).toBeNull();
    expect(el.querySelector("mark")?.textContent).toBe("BI-RADS");
  });
});
