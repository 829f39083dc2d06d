import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeskApp } from "./app";
import { Scripted, settle, status, today } from "../test/scripted";

let root: HTMLElement;
let backend: Scripted;
let printed: string[];
let running: DeskApp | undefined;

async function startApp(): Promise<DeskApp> {
  const app = new DeskApp(backend, root, (html) => printed.push(html));
  running = app;
  await app.start();
  await settle();
  return app;
}

const rows = () => [...root.querySelectorAll<HTMLTableRowElement>("#day-table tbody tr")];
const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";

afterEach(() => running?.stop());

beforeEach(() => {
  document.body.innerHTML = "";
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
  printed = [];
});

describe("Today", () => {
  it("shows the day's appointments with status chips and the as-of time", async () => {
    await startApp();
    expect(rows()).toHaveLength(3);
    expect(rows()[0].textContent).toContain("Maria Lopez");
    expect(rows()[0].querySelector(".chip.due")?.textContent).toBe("2 due");
    expect(rows()[0].querySelector(".chip.due-soon")?.textContent).toBe("1 due soon");
    expect(rows()[1].classList.contains("inactive")).toBe(true);
    expect(rows()[1].textContent).toContain("Cancelled");
    expect(text("#as-of")).toMatch(/^as of \d\d:\d\d$/);
    expect(text("#net")).toBe("Online");
    expect(document.title).not.toContain("Maria");
  });

  it("filters by provider and by status", async () => {
    await startApp();
    const provider = root.querySelector<HTMLSelectElement>("#provider-filter")!;
    provider.value = "Dr. Ben Osei";
    provider.dispatchEvent(new Event("change"));
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a2"]);
    const prov2 = root.querySelector<HTMLSelectElement>("#provider-filter")!;
    prov2.value = "";
    prov2.dispatchEvent(new Event("change"));
    const show = root.querySelector<HTMLSelectElement>("#status-filter")!;
    show.value = "due";
    show.dispatchEvent(new Event("change"));
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a1"]);
    expect(text(".footnote")).toBe("1 of 3 appointments shown");
  });

  it("shows a progress bar fed by sync events, then reloads the day", async () => {
    let release!: () => void;
    backend.syncGate = new Promise((r) => (release = r));
    await startApp();
    root.querySelector<HTMLButtonElement>("#sync")!.click();
    await settle();
    expect(root.querySelector<HTMLButtonElement>("#sync")!.disabled).toBe(true);
    backend.emit({ phase: "patients", appointments: 42, patientsDone: 10, patientsTotal: 40, requests: 80, errors: 1 });
    await settle();
    expect(text(".progress-text")).toBe("Updating patients: 10 of 40 (1 problem)");
    expect(root.querySelector<HTMLElement>(".progress-fill")!.style.width).toBe("25%");
    const dayLoadsBefore = backend.calls.filter((c) => c.startsWith("day:")).length;
    release();
    await settle();
    expect(backend.calls).toContain(`sync:${today}`);
    expect(backend.calls.filter((c) => c.startsWith("day:")).length).toBe(dayLoadsBefore + 1);
  });

  it("says in plain words when a sync fails and keeps the saved day", async () => {
    backend.syncError = "Epic is not answering. Saved prep is still shown.";
    await startApp();
    root.querySelector<HTMLButtonElement>("#sync")!.click();
    await settle();
    expect(text("#banner")).toContain("Epic is not answering");
    expect(rows()).toHaveLength(3);
  });

  it("shows an offline banner with the time of the last good sync", async () => {
    backend.st = status({ online: false, offlineReason: "no network", offlineSince: "2026-11-24T07:00:00Z" });
    await startApp();
    expect(text("#offline-banner")).toContain("Epic cannot be reached (no network)");
    expect(text("#net")).toMatch(/^Offline since \d\d:\d\d$/);
    expect(rows()).toHaveLength(3);
  });

  it("opens a prep sheet from a row with the keyboard, and prints it", async () => {
    await startApp();
    rows()[0].dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    await settle();
    expect(backend.calls).toContain(`sheet:${today}:a1`);
    expect(text("#patient-name")).toBe("Maria Lopez");
    const results = [...root.querySelectorAll("#results tbody tr")];
    expect(results[0].textContent).toContain("Due");
    expect(results[1].textContent).toContain("MG Screening, 2025-06-01 (DiagnosticReport)");
    expect(text("#immunizations")).toContain("Influenza vaccine");
    root.querySelector<HTMLButtonElement>("#print")!.click();
    await settle();
    expect(printed).toEqual(["<html><body>print a1</body></html>"]);
  });

  it("prints the whole day", async () => {
    await startApp();
    root.querySelector<HTMLButtonElement>("#print-day")!.click();
    await settle();
    expect(backend.calls).toContain(`print:${today}:`);
    expect(printed).toHaveLength(1);
  });

  it("reports a day that is not cached", async () => {
    await startApp();
    const picker = root.querySelector<HTMLSelectElement>("#day-picker")!;
    picker.value = "2026-11-23";
    picker.dispatchEvent(new Event("change"));
    await settle();
    expect(text(".notice.error")).toBe("Nothing is saved for that day.");
  });
});

describe("Setup wizard", () => {
  beforeEach(() => {
    backend.st = status({ mode: "unconfigured", signedIn: undefined, days: [] });
    vi.useRealTimers();
  });

  it("is the first screen of an unconfigured install and shows field problems as the manager types", async () => {
    backend.setupAnswer = (base, id) => ({
      fhirBase: base,
      clientId: id,
      problems: id.includes(" ") ? [{ field: "clientId", message: "The client ID has a space inside it." }] : [],
    });
    await startApp();
    expect(root.querySelector("#client-id")).not.toBeNull();
    const id = root.querySelector<HTMLInputElement>("#client-id")!;
    id.value = "abc def";
    id.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(text("#client-id-msg")).toBe("The client ID has a space inside it.");
  });

  it("tests the connection and reports what Epic said", async () => {
    backend.setupAnswer = (base, id, discover) => ({
      fhirBase: base,
      clientId: id,
      problems: [],
      discovery: discover ? { authorize: "https://epic.example/oauth2/authorize", token: "t", issuer: "https://epic.example/oauth2", pkceS256: true } : undefined,
    });
    await startApp();
    root.querySelector<HTMLButtonElement>("#test-connection")!.click();
    await settle();
    expect(text("#wizard-result")).toContain("Epic answered.");
    expect(text("#wizard-result")).toContain("PKCE) is supported");
  });

  it("signs in after setup and moves to Today", async () => {
    backend.setupAnswer = (base, id, discover) => ({
      fhirBase: base,
      clientId: id,
      problems: [],
      discovery: discover ? { authorize: "a", token: "t", issuer: "i", pkceS256: true } : undefined,
    });
    await startApp();
    root.querySelector<HTMLInputElement>("#client-id")!.value = "cid";
    root.querySelector<HTMLInputElement>("#fhir-base")!.value = "https://epic.example/api/FHIR/R4";
    backend.st = status({ mode: "practice" });
    root.querySelector<HTMLButtonElement>("#sign-in")!.click();
    await settle(10);
    expect(backend.calls).toContain("setup:https://epic.example/api/FHIR/R4:cid");
    expect(backend.calls).toContain("signin");
    expect(rows()).toHaveLength(3);
  });

  it("offers the demo", async () => {
    await startApp();
    root.querySelector<HTMLButtonElement>("#try-demo")!.click();
    await settle(10);
    expect(backend.calls).toContain("demo");
    expect(rows()).toHaveLength(3);
  });
});

describe("Settings", () => {
  it("saves settings and applies large text", async () => {
    await startApp();
    root.querySelector<HTMLButtonElement>("#nav-settings")!.click();
    await settle();
    root.querySelector<HTMLInputElement>("#large-text")!.checked = true;
    root.querySelector<HTMLInputElement>("#retention")!.value = "21";
    root.querySelector<HTMLButtonElement>("#save-settings")!.click();
    await settle();
    expect(backend.savedSettings?.retentionDays).toBe(21);
    expect(document.body.classList.contains("large-text")).toBe(true);
  });

  it("refuses a reset without the typed confirmation", async () => {
    await startApp();
    root.querySelector<HTMLButtonElement>("#nav-settings")!.click();
    await settle();
    root.querySelector<HTMLButtonElement>("#reset")!.click();
    await settle();
    expect(text("#settings-msg")).toBe("Type RESET to confirm.");
    expect(root.querySelector("#client-id")).toBeNull();
  });
});

describe("agent unreachable", () => {
  it("says so instead of a blank window", async () => {
    backend.status = async () => {
      throw "the HealthPrep agent did not start within 15 seconds";
    };
    await startApp();
    expect(text(".notice.error")).toContain("The HealthPrep agent is not answering: the HealthPrep agent did not start");
  });
});
