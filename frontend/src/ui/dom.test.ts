import { describe, expect, it } from "vitest";
import { failure } from "../api/backend";
import { dayLabel, h, isWeekend, lastWeekday, rerender } from "./dom";
import { arrange, dayChoices, defaultFilters, progressPercent } from "./today";
import { dayList, status } from "../test/scripted";

describe("h", () => {
  it("sets text as text, never as markup", () => {
    const el = h("div", {}, "<img src=x onerror=alert(1)>");
    expect(el.children).toHaveLength(0);
    expect(el.textContent).toBe("<img src=x onerror=alert(1)>");
  });

  it("selects a select's value after its options exist", () => {
    const s = h("select", { value: "Y" }, ["D", "W", "M", "Y"].map((u) => h("option", { value: u }, u)));
    expect(s.value).toBe("Y");
  });
});

describe("rerender", () => {
  it("puts focus back on the element with the same id", () => {
    const root = document.createElement("div");
    document.body.appendChild(root);
    rerender(root, h("button", { id: "one" }, "1"), h("button", { id: "two" }, "2"));
    root.querySelector<HTMLElement>("#two")!.focus();
    rerender(root, h("button", { id: "one" }, "1"), h("button", { id: "two" }, "2"));
    expect(document.activeElement?.id).toBe("two");
    root.remove();
  });
});

describe("dates", () => {
  it("words days and finds weekdays", () => {
    expect(dayLabel("2026-11-24")).toBe("Tue 24 Nov 2026");
    expect(isWeekend("2026-11-21")).toBe(true);
    expect(isWeekend("2026-11-23")).toBe(false);
    expect(lastWeekday("2026-11-22")).toBe("2026-11-20");
    expect(lastWeekday("2026-11-24")).toBe("2026-11-24");
    expect(dayLabel("not a date")).toBe("not a date");
  });
});

describe("Today helpers", () => {
  it("offers today and every saved day, newest first", () => {
    expect(dayChoices(status({ today: "2026-11-24", days: ["2026-11-23", "2026-11-20"] }), "2026-11-19")).toEqual(["2026-11-24", "2026-11-23", "2026-11-20", "2026-11-19"]);
  });

  it("orders by time, or by provider then time", () => {
    const rows = dayList().rows.reverse();
    expect(arrange(rows, defaultFilters).map((r) => r.appointmentId)).toEqual(["a1", "a2", "a3"]);
    expect(arrange(rows, { ...defaultFilters, sort: "provider" }).map((r) => r.appointmentId)).toEqual(["a1", "a3", "a2"]);
    expect(arrange(rows, { ...defaultFilters, show: "up_to_date" }).map((r) => r.appointmentId)).toEqual(["a2"]);
  });

  it("measures progress", () => {
    const e = { appointments: 0, patientsDone: 3, patientsTotal: 12, requests: 0, errors: 0 };
    expect(progressPercent({ ...e, phase: "schedule" })).toBe(2);
    expect(progressPercent({ ...e, phase: "patients" })).toBe(25);
    expect(progressPercent({ ...e, phase: "patients", patientsTotal: 0, patientsDone: 0 })).toBe(0);
    expect(progressPercent({ ...e, phase: "saving" })).toBe(100);
  });
});

describe("failure", () => {
  it("reads the bindings' JSON errors", () => {
    expect(failure('{"kind":"offline","error":"epic cannot be reached","detail":"dial tcp: refused"}')).toEqual({
      kind: "offline",
      message: "Epic cannot be reached",
      detail: "dial tcp: refused",
    });
  });

  it("keeps other errors' words", () => {
    expect(failure(new Error("boom"))).toEqual({ message: "Boom" });
    expect(failure("{not json")).toEqual({ message: "{not json" });
    expect(failure(undefined).message).toBe("Something went wrong. Try again, or call support.");
  });
});
