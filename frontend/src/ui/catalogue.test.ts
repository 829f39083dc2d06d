import { beforeEach, describe, expect, it } from "vitest";
import { CatalogueEditor, type Draft, durationText, editsFor, parseDuration, validDuration } from "./catalogue";
import { rerender } from "./dom";
import { Scripted, catalogue, settle } from "../test/scripted";

describe("durations", () => {
  it("reads and words the catalogue's ISO 8601 durations", () => {
    expect(parseDuration("P60D")).toEqual({ n: 60, unit: "D" });
    expect(parseDuration("P10Y")).toEqual({ n: 10, unit: "Y" });
    expect(parseDuration("P1Y6M")).toBeUndefined();
    expect(parseDuration("season")).toBeUndefined();
    expect(durationText("P1Y")).toBe("1 year");
    expect(durationText("P18M")).toBe("18 months");
    expect(durationText("once")).toBe("once in a lifetime");
    expect(durationText("P1Y6M")).toBe("P1Y6M");
  });

  it("accepts whole, positive date durations only", () => {
    for (const ok of ["P1D", "P2W", "P6M", "P10Y", "P1Y6M"]) expect(validDuration(ok)).toBe(true);
    for (const bad of ["P0D", "P", "PD", "P1.5Y", "1Y", "P-1M", "PT5H", ""]) expect(validDuration(bad)).toBe(false);
  });
});

describe("editsFor", () => {
  it("sends only what changed, one edit per screening plus one per interval", () => {
    const view = catalogue();
    const drafts = new Map<string, Draft>([
      ["colorectal_cancer", { minAge: "45", maxAge: "", dueSoon: "P90D", intervals: { colonoscopy: "P10Y", fit: "P2Y" } }],
      ["unhealthy_alcohol_use", { enabled: true, intervals: {} }],
      ["influenza", { enabled: true, minAge: "0", intervals: {} }], // no change at all
    ]);
    const { edits, problems } = editsFor(view, drafts);
    expect(problems).toEqual([]);
    expect(edits).toEqual([
      { screening: "colorectal_cancer", clearMaxAge: true, dueSoon: "P90D" },
      { screening: "colorectal_cancer", modality: "fit", interval: "P2Y" },
      { screening: "unhealthy_alcohol_use", enabled: true },
    ]);
  });

  it("catches typing mistakes before anything is sent", () => {
    const drafts = new Map<string, Draft>([["colorectal_cancer", { minAge: "forty", dueSoon: "P0D", intervals: { fit: "P1.5Y" } }]]);
    const { edits, problems } = editsFor(catalogue(), drafts);
    expect(edits).toEqual([]);
    expect(problems).toEqual([
      { screening: "colorectal_cancer", field: "min", message: "The lowest age must be a whole number of years." },
      { screening: "colorectal_cancer", field: "soon", message: "The due-soon window must be a whole number of days, weeks, months or years." },
      { screening: "colorectal_cancer", field: "iv:fit", message: "How often FIT is done must be a whole number of days, weeks, months or years." },
    ]);
  });
});

describe("CatalogueEditor", () => {
  let root: HTMLElement;
  let backend: Scripted;
  let editor: CatalogueEditor;
  let downloads: [string, string][];
  const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";
  const draw = () => rerender(root, editor.render());
  function input(sel: string, value: string) {
    const el = root.querySelector<HTMLInputElement | HTMLSelectElement>(sel)!;
    el.value = value;
    el.dispatchEvent(new Event("input"));
    el.dispatchEvent(new Event("change"));
  }

  beforeEach(async () => {
    document.body.innerHTML = "";
    root = document.createElement("div");
    document.body.appendChild(root);
    backend = new Scripted();
    downloads = [];
    editor = new CatalogueEditor(backend, draw, (name, t) => downloads.push([name, t]));
    await editor.load();
  });

  it("lists the screenings with their ages, due-soon windows and intervals", () => {
    expect(text("#catalogue-version")).toBe("Version 2026.11-1 · the default that comes with HealthPrep Desk · 2 of 3 screenings in use");
    expect(root.querySelector<HTMLInputElement>("#cat-colorectal_cancer-min")!.value).toBe("45");
    expect(root.querySelector<HTMLInputElement>("#cat-colorectal_cancer-max")!.value).toBe("75");
    expect(root.querySelector<HTMLInputElement>("#cat-colorectal_cancer-soon-n")!.value).toBe("60");
    expect(root.querySelector<HTMLSelectElement>("#cat-colorectal_cancer-soon-u")!.value).toBe("D");
    expect(root.querySelector<HTMLSelectElement>("#cat-colorectal_cancer-colonoscopy-u")!.value).toBe("Y");
    expect(text("#cat-influenza-flu")).toBe("every season");
    expect(root.querySelector<HTMLInputElement>("#cat-unhealthy_alcohol_use-on")!.checked).toBe(false);
    expect(text("[data-screening=unhealthy_alcohol_use] .chip.check")).toBe("check");
  });

  it("saves an edit of ages, an interval and turning a screening on", async () => {
    input("#cat-colorectal_cancer-min", "50");
    input("#cat-colorectal_cancer-fit-n", "2");
    const on = root.querySelector<HTMLInputElement>("#cat-unhealthy_alcohol_use-on")!;
    on.checked = true;
    on.dispatchEvent(new Event("change"));
    expect(root.querySelector("[data-screening=colorectal_cancer]")!.classList.contains("changed")).toBe(true);
    root.querySelector<HTMLButtonElement>("#catalogue-save")!.click();
    await settle();
    expect(backend.edits).toEqual([
      [
        { screening: "colorectal_cancer", minAge: 50 },
        { screening: "colorectal_cancer", modality: "fit", interval: "P2Y" },
        { screening: "unhealthy_alcohol_use", enabled: true },
      ],
    ]);
    expect(text("#catalogue-msg")).toBe("Saved 3 changes. Prep sheets use them from now on.");
    expect(text("#catalogue-version")).toContain("your practice's own copy · 3 of 3");
    expect(root.querySelector(".changed")).toBeNull();
  });

  it("shows the agent's validation problems and keeps the edits", async () => {
    backend.editAnswer = () => ({ problems: [{ line: 0, message: "colorectal_cancer: min_age 80 is above max_age 75" }] });
    input("#cat-colorectal_cancer-min", "80");
    root.querySelector<HTMLButtonElement>("#catalogue-save")!.click();
    await settle();
    expect(text("#catalogue-problems")).toContain("The changes were not saved: fix the value marked below and try again. Nothing was changed.");
    expect(text("#catalogue-problems li")).toBe("Colorectal cancer screening: The lowest age (80) is above the highest age (75).");
    expect(root.querySelector<HTMLInputElement>("#cat-colorectal_cancer-min")!.value).toBe("80");
    // At its field, tied to it.
    const min = root.querySelector<HTMLInputElement>("#cat-colorectal_cancer-min")!;
    expect(min.getAttribute("aria-invalid")).toBe("true");
    expect(text(`#${min.getAttribute("aria-describedby")}`)).toBe("The lowest age (80) is above the highest age (75).");
  });

  it("shows every refused value at its field at once, in words: no YAML line numbers, no internal ids", async () => {
    backend.editAnswer = () => ({
      problems: [
        { line: 150, message: 'screening "colorectal_cancer": min_age 80 is greater than max_age 75' },
        { line: 163, message: 'screening "colorectal_cancer" modality "fit": due_soon P400D is not shorter than the interval P1Y, so the screening would always be due soon' },
        { line: 170, message: 'screening "colorectal_cancer" modality "fit": interval must be longer than zero' },
        { line: 1, message: "the catalogue has no screenings" },
      ],
    });
    input("#cat-colorectal_cancer-min", "80");
    root.querySelector<HTMLButtonElement>("#catalogue-save")!.click();
    await settle();
    expect(text("#cat-colorectal_cancer-min-msg")).toBe("The lowest age (80) is above the highest age (75).");
    expect(text("#cat-colorectal_cancer-soon-msg")).toBe("The due-soon window (400 days) must be shorter than how often FIT is done (1 year).");
    expect(text("#cat-colorectal_cancer-iv-fit-msg")).toBe("How often FIT is done must be a whole number of days, weeks, months or years, above zero.");
    expect(root.querySelector("#cat-colorectal_cancer-fit-n")!.getAttribute("aria-invalid")).toBe("true");
    expect([...root.querySelectorAll("#catalogue-problems li")].map((li) => li.textContent)).toHaveLength(4);
    const all = text("#catalogue-problems") + [...root.querySelectorAll(".field-msg")].map((e) => e.textContent).join(" ");
    expect(all).not.toMatch(/Line \d|colorectal_cancer|"fit"|min_age|due_soon|P400D/);
    expect(all).toContain("The catalogue has no screenings");
  });

  it("imports a YAML file, and shows line-numbered problems when it does not validate", async () => {
    backend.importAnswer = () => ({
      problems: [
        { line: 12, message: "screenings[0].due_soon: \"sixty days\" is not an ISO 8601 duration" },
        { line: 0, message: "version is missing" },
      ],
    });
    await editor.importText("ours.yaml", "screenings:\n- id: x\n");
    expect(text("#catalogue-problems strong")).toBe("ours.yaml was not imported: fix these 2 problems and try again. Nothing was changed.");
    const items = [...root.querySelectorAll("#catalogue-problems li")].map((li) => li.textContent);
    expect(items).toEqual(['Line 12: screenings[0].due_soon: "sixty days" is not an ISO 8601 duration', "version is missing"]);
    backend.importAnswer = undefined;
    await editor.importText("fixed.yaml", "version: 2\n");
    expect(text("#catalogue-msg")).toBe("Imported fixed.yaml. Prep sheets use it from now on.");
  });

  it("imports through the file picker", async () => {
    const file = new File(["version: 3\n"], "picked.yaml", { type: "application/yaml" });
    const picker = root.querySelector<HTMLInputElement>("#catalogue-file")!;
    Object.defineProperty(picker, "files", { value: [file], configurable: true });
    picker.dispatchEvent(new Event("change"));
    await settle(10);
    expect(backend.calls).toContain("import:11");
    expect(text("#catalogue-msg")).toBe("Imported picked.yaml. Prep sheets use it from now on.");
  });

  it("exports the YAML as a download where there is no save dialog", async () => {
    root.querySelector<HTMLButtonElement>("#catalogue-export")!.click();
    await settle();
    expect(downloads).toEqual([["healthprep-screenings-2026.11-1.yaml", "version: 2026.11-1\nscreenings: []\n"]]);
    expect(text("#catalogue-msg")).toContain("healthprep-screenings-2026.11-1.yaml");
  });

  it("exports through the desktop's save dialog, and a cancel does nothing", async () => {
    backend.exportPath = "/home/pat/screenings.yaml";
    root.querySelector<HTMLButtonElement>("#catalogue-export")!.click();
    await settle();
    expect(downloads).toEqual([]);
    expect(text("#catalogue-msg")).toBe("Exported to /home/pat/screenings.yaml.");
    backend.exportPath = "";
    editor.outcome = undefined;
    root.querySelector<HTMLButtonElement>("#catalogue-export")!.click();
    await settle();
    expect(backend.calls.filter((c) => c.startsWith("export:"))).toEqual(["export:/home/pat/screenings.yaml", "export:"]);
    expect(downloads).toEqual([]);
  });

  it("goes back to the default only after a second confirmation", async () => {
    backend.cat.custom = true;
    await editor.load();
    root.querySelector<HTMLButtonElement>("#catalogue-reset")!.click();
    expect(backend.calls).not.toContain("reset-catalogue");
    root.querySelector<HTMLButtonElement>("#catalogue-reset-yes")!.click();
    await settle();
    expect(backend.calls).toContain("reset-catalogue");
    expect(text("#catalogue-msg")).toBe("Back to the default screening catalogue.");
  });

  it("finds screenings by name", () => {
    input("#catalogue-find", "flu");
    const shown = [...root.querySelectorAll<HTMLElement>("#catalogue-table tbody tr")].map((r) => r.dataset.screening);
    expect(shown).toEqual(["influenza"]);
  });
});
