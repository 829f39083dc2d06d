import { describe, expect, it } from "vitest";
import { normChange, normDay, normImported, normSheet, normStatus } from "./wails";
import { dayList, preset, sheet, status } from "../test/scripted";

// Go encodes a nil slice as null: the agent's status has "days": null
// before its first sync, which once left the window on "Starting…".
describe("normalising the agent's JSON", () => {
  it("makes null lists empty", () => {
    const nulls = <T>(v: T, keys: string[]): T => ({ ...v, ...Object.fromEntries(keys.map((k) => [k, null])) });
    expect(normStatus(nulls(status(), ["days"])).days).toEqual([]);
    expect(normStatus(status({ preset: nulls(preset(), ["problems"]) })).preset!.problems).toEqual([]);
    expect(normDay(nulls(dayList(), ["rows"])).rows).toEqual([]);
    const s = normSheet(nulls(sheet(), ["results", "conditions", "labs", "imaging", "consults", "hospital", "immunizations"]));
    expect([s.results, s.conditions, s.labs, s.imaging, s.consults, s.hospital, s.immunizations]).toEqual([[], [], [], [], [], [], []]);
    expect(normSheet(sheet()).results[0].evidence).toEqual([]);
    expect(normChange({ problems: null } as never)).toEqual({ problems: [], catalogue: undefined });
    expect(normImported({ date: "2026-11-24", rows: 3, problems: null } as never).problems).toEqual([]);
  });

  it("keeps what is there", () => {
    expect(normStatus(status()).days).toEqual(status().days);
    expect(normStatus(status()).preset).toBeUndefined();
    expect(normStatus(status({ preset: preset() })).preset).toEqual(preset());
    expect(normDay(dayList()).rows).toHaveLength(3);
  });
});
