import { describe, expect, it } from "vitest";
import type { Result } from "../api/types";
import { type Block, dueWords, paginate } from "./printday";

const ids = (pages: ReturnType<typeof paginate>) => pages.map((p) => p.map((x) => (x.repeated ? `r${x.block}` : x.block)));

describe("paginate", () => {
  it("fills a page to its height exactly, and starts the next at the block that does not fit", () => {
    const b: Block[] = [{ height: 40 }, { height: 60 }, { height: 1 }];
    expect(ids(paginate(b, 100))).toEqual([[0, 1], [2]]);
    expect(ids(paginate(b, 101))).toEqual([[0, 1, 2]]);
  });

  it("starts each sheet on a new page, and repeats a sheet's name line on a page it runs onto", () => {
    const b: Block[] = [
      { height: 10, repeatOnly: true },
      { height: 30, breakBefore: true, keepWithNext: true },
      { height: 50, repeat: 0 },
      { height: 50, repeat: 0 },
      { height: 10, repeatOnly: true },
      { height: 30, breakBefore: true },
      { height: 10, repeat: 4 },
    ];
    expect(ids(paginate(b, 100))).toEqual([[1, 2], ["r0", 3], [5, 6]]);
  });

  it("keeps a heading with the block after it", () => {
    const b: Block[] = [{ height: 70 }, { height: 20, keepWithNext: true }, { height: 20 }];
    expect(ids(paginate(b, 100))).toEqual([[0], [1, 2]]);
  });

  it("puts the list's column headings at the top of every page", () => {
    const b: Block[] = [{ height: 10, repeatOnly: true }, ...Array.from({ length: 5 }, () => ({ height: 30, repeat: 0 }))];
    expect(ids(paginate(b, 100))).toEqual([["r0", 1, 2, 3], ["r0", 4, 5]]);
  });

  it("gives a block taller than a page a page of its own, and never an empty page", () => {
    const b: Block[] = [{ height: 10 }, { height: 500 }, { height: 10 }];
    expect(ids(paginate(b, 100))).toEqual([[0], [1], [2]]);
    expect(paginate([], 100)).toEqual([]);
  });
});

describe("dueWords", () => {
  const r = (title: string, status: Result["status"]): Result => ({ id: title, title, status, reason: "" });
  it("names what is due and counts the rest", () => {
    expect(dueWords([r("Breast cancer screening", "due"), r("Hemoglobin A1c", "due"), r("Influenza vaccine (seasonal)", "due"), r("Lipids", "due_soon"), r("BMI", "complete")])).toBe(
      "Breast cancer · Hemoglobin A1c · Influenza vaccine; 1 due soon",
    );
    expect(dueWords([r("BMI", "complete"), r("AUDIT", "needs_review")])).toBe("Nothing due; 1 to review");
    expect(dueWords([])).toBe("Nothing due");
  });
});
