import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeskApp } from "./app";
import { Scripted, settle, status, wire } from "../test/scripted";

let root: HTMLElement;
let backend: Scripted;
let app: DeskApp;

const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";
const click = (sel: string) => root.querySelector<HTMLElement>(sel)!.click();
function type(sel: string, value: string) {
  const el = root.querySelector<HTMLInputElement>(sel)!;
  el.value = value;
  el.dispatchEvent(new Event("input"));
}

async function openSettings() {
  app = new DeskApp(backend, root, () => {});
  await app.start();
  await settle();
  click("#nav-settings");
  await settle();
}

beforeEach(() => {
  document.body.innerHTML = "";
  document.body.className = "";
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
});

afterEach(() => app?.stop());

describe("Settings", () => {
  it("shows the practice's settings and saves every field", async () => {
    await openSettings();
    expect(root.querySelector<HTMLInputElement>("#sync-at")!.value).toBe("06:30");
    expect(root.querySelector<HTMLInputElement>("#lookback-imaging")!.value).toBe("24");
    type("#sync-at", "07:15");
    type("#clinic-end", "19:00");
    type("#sync-every", "15");
    type("#retention", "21");
    type("#lookback-labs", "6");
    type("#lookback-hospital", "36");
    const sat = root.querySelector<HTMLInputElement>("#clinic-day-Sat")!;
    sat.checked = true;
    sat.dispatchEvent(new Event("change"));
    const mon = root.querySelector<HTMLInputElement>("#clinic-day-Mon")!;
    mon.checked = false;
    mon.dispatchEvent(new Event("change"));
    const large = root.querySelector<HTMLInputElement>("#large-text")!;
    large.checked = true;
    large.dispatchEvent(new Event("change"));
    click("#save-settings");
    await settle();
    expect(backend.savedSettings).toEqual({
      syncAt: "07:15",
      clinicEnd: "19:00",
      syncEveryMinutes: 15,
      clinicDays: ["Tue", "Wed", "Thu", "Fri", "Sat"],
      retentionDays: 21,
      largeText: true,
      lookbacks: { labs: 6, imaging: 24, consults: 12, hospital: 36 },
    });
    expect(text("#settings-msg")).toBe("Saved.");
    expect(document.body.classList.contains("large-text")).toBe(true);
  });

  it("shows the agent's refusal of a bad value, with the value kept", async () => {
    backend.saveSettingsError = wire("bad_request", "keep days for 1 to 365 days");
    await openSettings();
    type("#retention", "900");
    click("#save-settings");
    await settle();
    expect(text("#settings-error .error-message")).toBe("Keep days for 1 to 365 days");
    expect(root.querySelector<HTMLInputElement>("#retention")!.value).toBe("900");
    expect(document.body.classList.contains("large-text")).toBe(false);
  });

  it("the prep sheet shows the lookbacks", async () => {
    await openSettings();
    type("#lookback-labs", "6");
    click("#save-settings");
    await settle();
    click("#nav-today");
    await settle();
    click("#row-a1");
    await settle();
    expect(text("#labs-title")).toBe("Recent labs · last 6 months");
  });

  it("switches sections with the arrow keys", async () => {
    await openSettings();
    const tab = root.querySelector<HTMLElement>("#settings-tab-clinic")!;
    tab.focus();
    tab.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight" }));
    await settle();
    expect(root.querySelector("#settings-screenings")).not.toBeNull();
    expect(document.activeElement?.id).toBe("settings-tab-screenings");
    expect(root.querySelector("#catalogue-table")).not.toBeNull();
  });
});

describe("Reset practice", () => {
  beforeEach(() => {
    backend.st = status({ mode: "practice", practice: { name: "Riverside", fhirBase: "https://fhir.example.org/api/FHIR/R4", clientId: "cid" } });
  });

  it("needs RESET typed before the button works, then goes to setup", async () => {
    await openSettings();
    click("#settings-tab-practice");
    await settle();
    expect(text("#settings-practice")).toContain("Epic FHIR addresshttps://fhir.example.org/api/FHIR/R4");
    const button = () => root.querySelector<HTMLButtonElement>("#reset")!;
    expect(button().disabled).toBe(true);
    root.querySelector<HTMLInputElement>("#reset-confirm")!.focus();
    type("#reset-confirm", "RESE");
    expect(button().disabled).toBe(true);
    type("#reset-confirm", "RESET");
    expect(button().disabled).toBe(false);
    expect(document.activeElement?.id).toBe("reset-confirm");
    button().click();
    await settle(10);
    expect(backend.resetCalls).toEqual(["RESET"]);
    expect(root.querySelector("#client-id")).not.toBeNull();
  });

  it("shows the agent's refusal", async () => {
    backend.reset = async () => {
      throw wire("busy", "an update is running; wait for it to finish");
    };
    await openSettings();
    click("#settings-tab-practice");
    type("#reset-confirm", "RESET");
    click("#reset");
    await settle();
    expect(text("#reset-error .error-message")).toBe("An update is running; wait for it to finish");
  });

  it("the demo offers setup instead of a reset", async () => {
    backend.st = status();
    await openSettings();
    click("#settings-tab-practice");
    expect(root.querySelector("#reset")).toBeNull();
    click("#settings-setup");
    expect(root.querySelector("#client-id")).not.toBeNull();
  });
});
