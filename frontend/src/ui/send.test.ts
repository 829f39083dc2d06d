import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeskApp } from "./app";
import { dayLabel, hhmm } from "./dom";
import { Scripted, settle, sheet, today, wire } from "../test/scripted";
import { outcome, sentLabel } from "./send";

let root: HTMLElement;
let backend: Scripted;
let app: DeskApp | undefined;

const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";
const click = async (sel: string) => {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`no ${sel} in ${root.innerHTML.slice(0, 400)}`);
  el.click();
  await settle();
};

async function start(): Promise<void> {
  app = new DeskApp(backend, root, () => {});
  await app.start();
  await settle();
}

beforeEach(() => {
  document.body.innerHTML = "";
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
});

afterEach(() => app?.stop());

const sends = () => backend.calls.filter((c) => c.startsWith("send:"));

describe("Send to chart", () => {
  it("shows nothing to send while the practice has sending off", async () => {
    await start();
    expect(root.querySelector("#send-day")).toBeNull();
    await click("#row-a1");
    expect(root.querySelector("#print")).not.toBeNull();
    expect(root.querySelector("#send-one")).toBeNull();
    expect(sends()).toEqual([]);
  });

  it("asks first, naming the patient and provider; then shows who sent it and when, on the sheet and Today's row", async () => {
    backend.sendOn = true;
    await start();
    await click("#row-a1");
    await click("#send-one");
    expect(text("#send-ask-text")).toBe(
      `Send the prep note of Maria Lopez (${hhmm(sheet().time)} with Dr. Ada Park) to Epic? It is added to the patient's chart.`,
    );
    expect(document.activeElement?.id).toBe("send-confirm");
    await click("#send-cancel");
    expect(sends()).toEqual([]);
    expect(root.querySelector("#send-ask")).toBeNull();

    await click("#send-one");
    await click("#send-confirm");
    expect(sends()).toEqual([`send:${today}:a1`]);
    expect(text("#send-result")).toBe("Sent to the chart: 1 note. 1 of 100 sent today.");
    expect(text("#sheet-sent")).toBe("sent 07:52 by Front Desk");
    expect(text("#send-one")).toBe("Send to chart again");
    // Again: the question says the earlier note is replaced.
    await click("#send-one");
    expect(text("#send-ask-text")).toContain("It replaces the note sent 07:52 by Front Desk.");
    await click("#send-cancel");

    await click("#back");
    expect(text("#row-a1 .chip.sent")).toBe("sent 07:52 by Front Desk");
    expect(root.querySelector("#row-a3 .chip.sent")).toBeNull();
    expect(text("#send-day-count")).toBe("1 of 2 prep notes sent to the chart");
  });

  it("sends the day after naming the count and the provider; each visit not sent is listed with Epic's reason", async () => {
    backend.sendOn = true;
    backend.sendAnswer = (date) => ({
      date,
      sent: [{ appointmentId: "a1", noteId: "eNote1", at: `${date}T07:52:00`, by: "Front Desk" }],
      failed: [{ appointmentId: "a3", message: "Epic refused the note because the chart was being changed at the same time. Nothing was added; try again in a minute" }],
      sentToday: 1,
      dailyCap: 100,
    });
    await start();
    await click("#send-day");
    expect(text("#send-ask-text")).toBe(
      `Send the prep notes of 2 visits on ${dayLabel(today)} (with Dr. Ada Park) to Epic? Each is added to the patient's chart; a visit sent before has its note replaced.`,
    );
    await click("#send-confirm");
    expect(sends()).toEqual([`send:${today}:`]);
    const result = root.querySelector("#send-result")!;
    expect(result.getAttribute("role")).toBe("alert");
    expect(text("#send-result p")).toBe("1 of 2 notes sent; 1 not sent. The prep is unchanged.");
    expect(text("#send-failures")).toBe("Lee Chen: Epic refused the note because the chart was being changed at the same time. Nothing was added; try again in a minute");
    expect(root.querySelectorAll("#day-table tbody tr.row")).toHaveLength(3);
  });

  it("while the sign-in cannot write, offers the sign-in instead of sending, then sends", async () => {
    backend.sendOn = true;
    backend.canWrite = false;
    await start();
    expect(root.querySelector<HTMLButtonElement>("#send-day")!.disabled).toBe(true);
    expect(text("#send-needs-signin")).toContain("sign in to Epic again");
    backend.canWrite = true; // what the agent says once the sign-in is done
    await click("#send-signin-start");
    await settle(10);
    expect(backend.calls).toContain("signin-start");
    expect(root.querySelector("#send-needs-signin")).toBeNull();
    expect(root.querySelector<HTMLButtonElement>("#send-day")!.disabled).toBe(false);
    expect(sends()).toEqual([]);
  });

  it("shows a refusal of the whole send in words, with what to do", async () => {
    backend.sendOn = true;
    backend.sendAnswer = () => {
      throw wire("needs_sign_in", "Sign in to Epic to send notes.");
    };
    await start();
    await click("#send-day");
    await click("#send-confirm");
    expect(text("#send-error .error-message")).toBe("Sign in to Epic to send notes.");
    expect(text("#send-error .error-advice")).toContain("sign in to Epic again");
  });
});

describe("Send settings", () => {
  it("is off by default, and turned on and limited in Settings", async () => {
    backend.cur.send = { enabled: false, dailyCap: 100, noteType: "11506-3", format: "text" };
    await start();
    await click("#nav-settings");
    const box = root.querySelector<HTMLInputElement>("#send-enabled")!;
    expect(box.checked).toBe(false);
    expect(text("#send-help")).toContain("sign in to Epic again");
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    const cap = root.querySelector<HTMLInputElement>("#send-cap")!;
    cap.value = "40";
    cap.dispatchEvent(new Event("change"));
    expect(root.querySelector("#send-day")).toBeNull();
    backend.sendOn = true; // what the agent says once it is saved
    await click("#save-settings");
    expect(backend.savedSettings?.send).toEqual({ enabled: true, dailyCap: 40, noteType: "11506-3", format: "text" });
    // Saving reloads the marks: Today now offers "Send day".
    await click("#nav-today");
    expect(root.querySelector("#send-day")).not.toBeNull();
  });

  it("words a sent note, an unconfirmed one and a send's outcome", () => {
    expect(sentLabel({ appointmentId: "a1", at: "2026-11-24T07:52:00", by: "Front Desk", noteId: "n" })).toBe("sent 07:52 by Front Desk");
    expect(sentLabel({ appointmentId: "a1", at: "2026-11-24T07:52:00", by: "Front Desk", unconfirmed: true })).toContain("checked before the next send");
    const o = outcome({ date: today, sent: [], failed: [{ appointmentId: "x", message: "no" }], sentToday: 100, dailyCap: 100 }, new Map());
    expect(o.failures).toEqual(["A visit: no"]);
  });
});
