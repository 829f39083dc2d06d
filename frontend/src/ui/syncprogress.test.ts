import { describe, expect, it } from "vitest";
import { SyncProgress } from "./syncprogress";
import { status, today } from "../test/scripted";

const other = "2026-11-25";

describe("SyncProgress", () => {
  it("follows an update it did not start: rows marked as patients land, done reloads only the shown day", () => {
    const p = new SyncProgress();
    expect(p.event({ phase: "schedule", date: today, appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 }, today)).toEqual({ reload: false, ended: false, syncing: true });
    p.event({ phase: "patients", date: today, patientId: "p1", appointments: 3, patientsDone: 1, patientsTotal: 3, requests: 9, errors: 0 }, today);
    expect([...p.updated]).toEqual(["p1"]);
    expect(p.progress?.patientsDone).toBe(1);
    const done = p.event({ phase: "done", date: other, appointments: 3, patientsDone: 3, patientsTotal: 3, requests: 20, errors: 0 }, today);
    expect(done).toEqual({ reload: false, ended: true, syncing: false });
    expect(p.progress).toBeUndefined();
    expect(p.finished?.date).toBe(other);
    expect(p.event({ phase: "done", date: today, appointments: 3, patientsDone: 3, patientsTotal: 3, requests: 20, errors: 0 }, today)?.reload).toBe(true);
  });

  it("says that a watched update failed only when this window did not start it", () => {
    const watched = new SyncProgress();
    watched.event({ phase: "schedule", appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 }, today);
    expect(watched.event({ phase: "failed", message: "Epic timed out", appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 1 }, today)?.failed).toBe(
      "The update from Epic did not finish: Epic timed out. The saved prep is still shown.",
    );
    const own = new SyncProgress();
    own.begin(today);
    own.cancel();
    expect(own.cancelling).toBe(true);
    expect(own.event({ phase: "failed", appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 }, today)?.failed).toBeUndefined();
    expect(own.cancelled).toBe(true);
    expect(own.end()).toBe(false); // no "done" came
    expect(own.cancelled).toBe(false);
  });

  it("documents being read reload the shown day per patient and at the end, and are no update", () => {
    const p = new SyncProgress();
    const reading = { phase: "reading" as const, date: today, appointments: 0, patientsDone: 0, patientsTotal: 0, requests: 0, errors: 0 };
    expect(p.event(reading, today)).toEqual({ reload: false, ended: false });
    expect(p.reading).toBe(reading);
    expect(p.event({ ...reading, patientId: "p2" }, today)?.reload).toBe(true);
    expect(p.event({ ...reading, patientId: "p2" }, other)?.reload).toBe(false);
    expect(p.event({ ...reading, phase: "read" }, today)).toEqual({ reload: true, ended: false });
    expect(p.reading).toBeUndefined();
  });

  it("follows the agent's status: an update under way shows at once; one that ended unseen asks for the day", () => {
    const p = new SyncProgress();
    expect(p.agentStatus(status({ syncing: true }))).toBe(false);
    expect(p.progress?.phase).toBe("schedule");
    expect(p.agentStatus(status({ syncing: false }), status({ syncing: true }))).toBe(true);
    expect(p.progress).toBeUndefined();
    // This window's own update ends with its call, not with the status.
    p.begin(today);
    expect(p.agentStatus(status({ syncing: false }), status({ syncing: true }))).toBe(false);
    expect(p.progress?.date).toBe(today);
  });

  it("ignores what is not an event", () => {
    expect(new SyncProgress().event(undefined as never, today)).toBeUndefined();
  });
});
