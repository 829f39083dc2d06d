import { parseClock } from "./settings";
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
  it("marks every refused value at its field, all at once, in words, and saves nothing", async () => {
    await openSettings();
    type("#sync-at", "25:00");
    type("#sync-every", "0");
    type("#retention", "");
    type("#lookback-labs", "2.5");
    for (const d of ["Mon", "Tue", "Wed", "Thu", "Fri"]) {
      const box = root.querySelector<HTMLInputElement>(`#clinic-day-${d}`)!;
      box.checked = false;
      box.dispatchEvent(new Event("change"));
    }
    click("#save-settings");
    await settle();
    expect(backend.calls).not.toContain("save-settings");
    expect(text("#sync-at-msg")).toBe("Enter a time like 06:30.");
    expect(text("#sync-every-msg")).toBe("Update every 5 to 240 minutes, in whole minutes.");
    expect(text("#retention-msg")).toBe("Keep saved days for 1 to 365 days.");
    expect(text("#lookback-labs-msg")).toBe("1 to 120 months, in whole months.");
    expect(text("#clinic-day-msg")).toBe("Choose at least one clinic day.");
    expect(root.querySelector("#sync-every")!.getAttribute("aria-invalid")).toBe("true");
    expect(text("#settings-problems")).toBe("Nothing was saved: fix the 5 fields marked above.");
    expect(root.querySelector("#settings-msg")).toBeNull();
    // Fixing a field clears its mark as it is typed.
    type("#sync-every", "15");
    expect(text("#sync-every-msg")).toBe("");
    expect(root.querySelector("#sync-every")!.getAttribute("aria-invalid")).toBeNull();
  });

  it("reads a time as typed: 0615 is 06:15, 6:30 pm is 18:30", async () => {
    expect(["0615", "615", "6:15", "6.15", "06:15", "6:15 am"].map(parseClock)).toEqual(Array(6).fill("06:15"));
    expect(parseClock("6:30 pm")).toBe("18:30");
    expect(parseClock("12am")).toBe("00:00");
    expect(["25:00", "06:75", "noon", "", "13pm"].map(parseClock)).toEqual(["", "", "", "", ""]);
    await openSettings();
    type("#sync-at", "0615");
    type("#clinic-end", "6 pm");
    click("#save-settings");
    await settle();
    expect(backend.savedSettings).toMatchObject({ syncAt: "06:15", clinicEnd: "18:00" });
  });

  it("the clinic must close after the morning update, said at the field", async () => {
    await openSettings();
    type("#clinic-end", "05:00");
    click("#save-settings");
    await settle();
    expect(text("#clinic-end-msg")).toBe("The clinic must close after the morning update (06:30).");
    expect(backend.calls).not.toContain("save-settings");
  });

  it("large text shows at once, before Save, and goes back if not saved", async () => {
    await openSettings();
    const large = root.querySelector<HTMLInputElement>("#large-text")!;
    large.checked = true;
    large.dispatchEvent(new Event("change"));
    expect(document.body.classList.contains("large-text")).toBe(true);
    click("#nav-today");
    await settle();
    expect(document.body.classList.contains("large-text")).toBe(false);
  });

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
      disabledExclusions: [],
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
    type("#retention", "30");
    click("#save-settings");
    await settle();
    expect(text("#settings-error .error-message")).toBe("Keep days for 1 to 365 days");
    expect(root.querySelector<HTMLInputElement>("#retention")!.value).toBe("30");
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
