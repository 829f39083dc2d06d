import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeskApp } from "./app";
import { locate } from "./doctext";
import { Scripted, settle, sheet, today } from "../test/scripted";
import type { Sheet } from "../api/types";

describe("locate", () => {
  it("finds the cited sentence across line breaks and marks its phrase", () => {
    const text = "VALLEY IMAGING\nScreening mammogram\nperformed 03/14/2025. BI-RADS 1.\nEnd.";
    expect(locate(text, "Screening mammogram performed 03/14/2025.", "mammogram")).toEqual([
      "VALLEY IMAGING\n",
      "Screening ",
      "mammogram",
      "\nperformed 03/14/2025.",
      " BI-RADS 1.\nEnd.",
    ]);
  });

  it("treats the sentence as text, not a pattern, and says when it is not there", () => {
    expect(locate("Cost (a+b) was [x].", "(a+b) was [x].", "[x]")).toEqual(["Cost ", "(a+b) was ", "[x]", ".", ""]);
    expect(locate("Nothing here.", "Colonoscopy done.", "Colonoscopy")).toBeNull();
  });
});

let root: HTMLElement;
let backend: Scripted;
let running: DeskApp | undefined;

const sentence = "Screening mammogram performed on 03/14/2025 at Valley Imaging.";
function textSheet(): Sheet {
  const s = sheet("a1");
  const start = sentence.indexOf("mammogram");
  s.results[1] = {
    ...s.results[1],
    review: true,
    evidence: [
      {
        type: "DocumentReference",
        id: "doc7",
        display: "Outside mammography report",
        date: "2025-03-14T00:00:00Z",
        text: { sentence, start, end: start + "mammogram".length, org: "Valley Imaging Center", docDate: "2025-03-17T00:00:00Z" },
      },
    ],
  };
  return s;
}

async function openSheet(): Promise<void> {
  running = new DeskApp(backend, root, () => {});
  await running.start();
  await settle();
  root.querySelector<HTMLElement>("#row-a1")!.click();
  await settle();
}

beforeEach(() => {
  document.body.innerHTML = "";
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
  backend.sheets.a1 = textSheet();
});
afterEach(() => running?.stop());

describe("Show the document's text", () => {
  it("opens the cited document's text with the sentence marked; Escape closes it and focus returns, the sheet stays", async () => {
    backend.docTexts.doc7 = {
      docId: "doc7",
      title: "Outside mammography report",
      org: "Valley Imaging Center",
      date: "2025-03-14T00:00:00Z",
      method: "pdf+ocr",
      pages: 2,
      text: `VALLEY IMAGING CENTER\nRe: patient\n${sentence.replace(" performed", "\nperformed")}\nImpression: BI-RADS 1.`,
    };
    await openSheet();
    const btn = root.querySelector<HTMLButtonElement>("[data-screening=breast_cancer] button.show-doc-text")!;
    expect(btn.textContent).toBe("Show the document's text");
    btn.focus();
    btn.click();
    await settle();
    expect(backend.calls).toContain(`document-text:${today}:a1:doc7`);
    const dlg = document.querySelector<HTMLDialogElement>("dialog#doc-text-dialog")!;
    expect(dlg.open).toBe(true);
    expect(dlg.querySelector("#doc-text-title")?.textContent).toBe("Outside mammography report");
    expect(dlg.querySelector("#doc-text-meta")?.textContent).toContain("Valley Imaging Center");
    expect(dlg.querySelector("#doc-text-meta")?.textContent).toContain("by OCR");
    expect(dlg.querySelector(".doc-text-body")?.textContent).toContain("Impression: BI-RADS 1.");
    expect(dlg.querySelector(".cited")?.textContent).toBe(sentence.replace(" performed", "\nperformed"));
    expect(dlg.querySelector(".cited mark")?.textContent).toBe("mammogram");
    expect(dlg.contains(document.activeElement)).toBe(true);

    dlg.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    await settle();
    expect(document.querySelector("#doc-text-dialog")).toBeNull();
    // Still on the sheet (Escape closed the dialog, not the sheet), focus back on the button.
    expect(root.querySelector("#patient-name")?.textContent).toBe("Maria Lopez");
    expect(document.activeElement?.id).toBe("show-text-breast_cancer-doc7");
  });

  it("says in words when the text is not in the cache, and Close returns focus", async () => {
    await openSheet();
    const btn = root.querySelector<HTMLButtonElement>("#show-text-breast_cancer-doc7")!;
    btn.click();
    await settle();
    const dlg = document.querySelector<HTMLDialogElement>("#doc-text-dialog")!;
    expect(dlg.querySelector("[role=alert]")?.textContent).toContain("That document's text is not in the saved day");
    dlg.querySelector<HTMLButtonElement>("#doc-text-close")!.click();
    await settle();
    expect(document.querySelector("#doc-text-dialog")).toBeNull();
    expect(document.activeElement?.id).toBe("show-text-breast_cancer-doc7");
  });

  it("offers no button for coded evidence", async () => {
    await openSheet();
    expect(root.querySelectorAll("button.show-doc-text")).toHaveLength(1);
    expect(root.querySelector("[data-screening=unhealthy_alcohol_use] button.show-doc-text")).toBeNull();
  });
});
