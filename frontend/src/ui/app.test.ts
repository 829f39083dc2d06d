import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeskApp, timing, windowTitle } from "./app";
import { Deferred, Scripted, dayList, preset, setAsideNotice, settle, sheet, status, today, wire } from "../test/scripted";
import { staleWords } from "./app";

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

const rows = () => [...root.querySelectorAll<HTMLTableRowElement>("#day-table tbody tr.row")];
const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";
const click = (sel: string) => {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`no ${sel} in ${root.innerHTML.slice(0, 400)}`);
  el.click();
};
const choose = (sel: string, value: string) => {
  const el = root.querySelector<HTMLSelectElement | HTMLInputElement>(sel)!;
  el.value = value;
  el.dispatchEvent(new Event("change"));
};

afterEach(() => running?.stop());

beforeEach(() => {
  document.body.innerHTML = "";
  document.title = windowTitle;
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
  printed = [];
});

describe("Today", () => {
  it("shows the day's appointments with status chips, visit type and the header facts", async () => {
    await startApp();
    expect(rows()).toHaveLength(3);
    expect(rows()[0].textContent).toContain("Maria Lopez");
    expect(rows()[0].textContent).toContain("Annual physical");
    // What is due, by name; the rest counted.
    expect(rows()[0].querySelector(".chip.due")?.textContent).toBe("Mammogram · A1C");
    expect(rows()[0].getAttribute("aria-label")).toContain("due: Mammogram, A1C, 1 due soon");
    expect(rows()[0].querySelector(".chip.due-soon")?.textContent).toBe("1 due soon");
    expect(rows()[0].querySelector(".chip.complete")?.textContent).toBe("5 complete");
    expect(rows()[1].classList.contains("inactive")).toBe(true);
    expect(rows()[1].textContent).toContain("Cancelled");
    expect(text("#header-practice")).toBe("Demo Family MedicineDEMO");
    expect(text("#user")).toBe("Signed in: Front Desk (demo)");
    expect(text("#as-of")).toMatch(/^as of \d\d:\d\d$/);
    expect(text("#net")).toBe("Online");
    expect(text("#footnote")).toBe("3 of 3 appointments shown");
  });

  it("never puts patient data in the window title", async () => {
    await startApp();
    expect(document.title).toBe("HealthPrep Desk");
    click("#row-a1");
    await settle();
    expect(text("#patient-name")).toBe("Maria Lopez");
    expect(document.title).toBe("HealthPrep Desk");
  });

  it("filters by provider and by status, and groups by provider", async () => {
    await startApp();
    choose("#provider-filter", "Dr. Ben Osei");
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a2"]);
    choose("#provider-filter", "");
    choose("#status-filter", "due");
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a1"]);
    expect(text("#footnote")).toBe("1 of 3 appointments shown");
    choose("#status-filter", "review");
    expect(rows()).toHaveLength(0);
    expect(text("#no-match")).toContain("No appointments match these filters.");
    click("#clear-filters");
    expect(rows()).toHaveLength(3);
    choose("#sort", "provider");
    const groups = [...root.querySelectorAll("#day-table tr.group")].map((g) => g.textContent);
    expect(groups).toEqual(["Dr. Ada Park · 2 appointments", "Dr. Ben Osei · 1 appointment"]);
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a1", "a3", "a2"]);
    const hide = root.querySelector<HTMLInputElement>("#hide-inactive")!;
    hide.checked = true;
    hide.dispatchEvent(new Event("change"));
    expect(rows().map((r) => r.dataset.appointment)).toEqual(["a1", "a3"]);
  });

  it("shows a progress bar fed by sync events, marks rows as their patients land, then reloads the day", async () => {
    backend.syncGate = new Deferred();
    await startApp();
    click("#sync");
    await settle();
    expect(root.querySelector<HTMLButtonElement>("#sync")!.disabled).toBe(true);
    expect(text(".progress-text")).toBe("Getting the schedule from Epic…");
    backend.emit({ phase: "patients", date: today, appointments: 3, patientsDone: 1, patientsTotal: 4, errors: 1, patientId: "p3" });
    await settle();
    expect(text(".progress-text")).toBe("Updating patients: 1 of 4 (1 problem)");
    expect(root.querySelector<HTMLElement>(".progress-fill")!.style.width).toBe("25%");
    expect(root.querySelector("[role=progressbar]")!.getAttribute("aria-valuenow")).toBe("25");
    expect(root.querySelector("#row-a3")!.classList.contains("updated")).toBe(true);
    expect(text("#row-a3 .chip.fresh")).toBe("✓ updated");
    expect(root.querySelector("#row-a1")!.classList.contains("updated")).toBe(false);
    const loads = backend.calls.filter((c) => c.startsWith("day:")).length;
    backend.days[today].rows[0].counts.due = 0;
    backend.emit({ phase: "done", date: today, appointments: 3, patientsDone: 4, patientsTotal: 4 });
    await settle();
    expect(backend.calls.filter((c) => c.startsWith("day:")).length).toBe(loads + 1);
    expect(root.querySelector("#sync-progress")).toBeNull();
    expect(rows()[0].querySelector(".chip.due")).toBeNull();
    backend.syncGate.resolve();
    await settle();
    // The finished call does not load the day a second time: the "done" event already did.
    expect(backend.calls.filter((c) => c.startsWith("day:")).length).toBe(loads + 1);
    expect(root.querySelector(".updated")).toBeNull();
    expect(root.querySelector<HTMLButtonElement>("#sync")!.disabled).toBe(false);
  });

  it("follows an update the agent started on its own, and reloads when it is done", async () => {
    await startApp();
    backend.emit({ phase: "schedule", date: today });
    await settle();
    expect(root.querySelector("#sync-progress")).not.toBeNull();
    expect(root.querySelector<HTMLButtonElement>("#sync")!.disabled).toBe(true);
    const loads = backend.calls.filter((c) => c.startsWith("day:")).length;
    backend.emit({ phase: "done", date: "2026-11-23" });
    await settle();
    // Another day was updated: the shown day stays as it was.
    expect(backend.calls.filter((c) => c.startsWith("day:")).length).toBe(loads);
    expect(root.querySelector("#sync-progress")).toBeNull();
  });

  it("stops an update with Cancel and says the saved prep is unchanged", async () => {
    backend.syncGate = new Deferred();
    await startApp();
    click("#sync");
    await settle();
    backend.emit({ phase: "patients", date: today, patientsDone: 2, patientsTotal: 10 });
    await settle();
    click("#cancel-sync");
    await settle(10);
    expect(backend.calls).toContain("cancel-sync");
    expect(text("#banner")).toContain("The update was stopped. The saved prep is unchanged.");
    expect(root.querySelector("#sync-progress")).toBeNull();
    expect(rows()).toHaveLength(3);
  });

  it("says in plain words when an update fails, with details for support, and keeps the saved day", async () => {
    backend.syncError = wire("offline", "Epic cannot be reached", "dial tcp 10.0.0.1:443: connect: connection refused");
    await startApp();
    click("#sync");
    await settle(10);
    expect(text("#banner .error-message")).toBe("Epic cannot be reached");
    expect(text("#banner .error-advice")).toContain("The saved prep is still shown.");
    expect(text("#banner-details summary")).toBe("Details for support");
    expect(text("#banner-details pre")).toContain("connection refused");
    expect(rows()).toHaveLength(3);
    click("#banner-dismiss");
    expect(root.querySelector("#banner")).toBeNull();
  });

  it("keeps the support details open across re-renders", async () => {
    backend.syncError = wire("internal", "the cache could not be read", "badger: checksum mismatch");
    await startApp();
    click("#sync");
    await settle(10);
    const d = root.querySelector<HTMLDetailsElement>("#banner-details")!;
    d.open = true;
    d.dispatchEvent(new Event("toggle"));
    await running!.refreshStatus();
    expect(root.querySelector<HTMLDetailsElement>("#banner-details")!.open).toBe(true);
  });

  it("shows an offline banner with the time of the last good sync", async () => {
    backend.st = status({ online: false, offlineReason: "no network", offlineSince: "2026-11-24T07:00:00Z" });
    await startApp();
    expect(text("#offline-banner")).toMatch(/^Epic cannot be reached \(no network\) since \d\d:\d\d\. Showing saved prep from \d\d:\d\d/);
    expect(text("#net")).toMatch(/^Epic unreachable since \d\d:\d\d$/);
    expect(rows()).toHaveLength(3);
  });

  it("opens a prep sheet from a row with the keyboard, goes back with Escape to the same row", async () => {
    await startApp();
    const row = root.querySelector<HTMLElement>("#row-a3")!;
    row.focus();
    row.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    await settle();
    expect(backend.calls).toContain(`sheet:${today}:a3`);
    expect(document.activeElement?.id).toBe("back");
    const alcohol = root.querySelector("[data-screening=unhealthy_alcohol_use]")!;
    expect(alcohol.querySelector(".chip.check")?.textContent).toBe("check");
    expect(alcohol.querySelector(".review-note")?.textContent).toBe("Check: decided by a code from “AUDIT-C”, which no value set examined confirms: check the code");
    expect(alcohol.querySelector(".why")?.textContent).toContain("AUDIT-C2026-09-18 · result");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await settle();
    expect(rows()).toHaveLength(3);
    expect(document.activeElement?.id).toBe("row-a3");
  });

  it("moves between rows with the arrow keys", async () => {
    await startApp();
    const first = root.querySelector<HTMLElement>("#row-a1")!;
    first.focus();
    first.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement?.id).toBe("row-a2");
  });

  it("counts what is due when the agent gives no names for it (a not-fetched patient shows no names)", async () => {
    const d = dayList();
    d.rows[0].due = undefined;
    d.rows[2] = { ...d.rows[2], notFetched: true, due: ["Flu"], counts: { ...d.rows[2].counts, due: 0, dueSoon: 0, complete: 0 } };
    backend.days[today] = d;
    await startApp();
    expect(rows()[0].querySelector(".chip.due")?.textContent).toBe("2 due");
    expect(rows()[2].querySelector(".chip.due")).toBeNull();
    expect(rows()[2].textContent).not.toContain("Flu");
  });

  it("keeps the focused row focused when the window re-renders", async () => {
    const app = await startApp();
    root.querySelector<HTMLElement>("#row-a2")!.focus();
    await app.refreshStatus();
    expect(document.activeElement?.id).toBe("row-a2");
  });

  it("prints one patient through the agent's print view", async () => {
    await startApp();
    click("#row-a1");
    await settle();
    click("#print");
    await settle();
    expect(printed).toEqual(["<html><body>print a1</body></html>"]);
  });

  it("reports a print failure in words", async () => {
    backend.printError = wire("not_found", "there is nothing to print for that day");
    await startApp();
    click("#row-a1");
    await settle();
    click("#print");
    await settle();
    expect(text("#banner .error-message")).toBe("There is nothing to print for that day");
    expect(printed).toHaveLength(0);
  });

  it("Print day prints what Today shows: the panel names the day and the filter, and fetches only the visits shown that will happen", async () => {
    await startApp();
    click("#print-day");
    await settle();
    expect(text("#print-title")).toBe("Print Tue 24 Nov 2026: 2 visits, all providers");
    expect(document.activeElement?.id).toBe("print-title");
    expect(backend.calls.filter((c) => c.startsWith("sheet:")).sort()).toEqual([`sheet:${today}:a1`, `sheet:${today}:a3`]); // a2 is cancelled
    expect(backend.calls.some((c) => c.startsWith("print:"))).toBe(false);
    // The filters narrow it, and the panel follows them.
    choose("#provider-filter", "Dr. Ben Osei");
    await settle();
    expect(root.querySelector("#print-panel")).toBeNull(); // Ben's only visit is cancelled: nothing to print
    expect(text("#banner")).toContain("Nothing to print");
    choose("#provider-filter", "");
    click("#print-day");
    await settle();
    choose("#status-filter", "due");
    await settle();
    expect(text("#print-title")).toBe("Print Tue 24 Nov 2026: 1 visit, all providers, something due");
    expect((root.querySelector("#print-kind-sheets") as HTMLInputElement).checked).toBe(true);
    click("#print-close");
    await settle();
    expect(root.querySelector("#print-panel")).toBeNull();
    expect(document.activeElement?.id).toBe("print-day");
    expect(printed).toHaveLength(0);
  });

  it("Print day from a sheet opens the panel on Today; a sheet that cannot be read is said in words", async () => {
    await startApp();
    click("#row-a1");
    await settle();
    backend.sheetError = wire("internal", "the saved day could not be read");
    click("#print-day-sheet");
    await settle();
    expect(root.querySelector("#day-table")).not.toBeNull();
    expect(text("#print-error .error-message")).toBe("The pages could not be prepared. The saved day could not be read");
    expect((root.querySelector("#print-go") as HTMLButtonElement).disabled).toBe(true);
  });

  it("offers to fetch a day that is not saved", async () => {
    await startApp();
    choose("#other-day", "2026-11-20");
    await settle();
    expect(text("#day-missing")).toContain("Nothing is saved for Fri 20 Nov 2026 yet.");
    backend.days["2026-11-20"] = dayList("2026-11-20");
    click("#fetch-day");
    await settle(10);
    expect(backend.calls).toContain("sync:2026-11-20");
    expect(rows()).toHaveLength(3);
  });

  it("on a day with no appointments, says so and offers other days", async () => {
    backend.st = status({ today: "2026-11-21", days: ["2026-11-21", "2026-11-19"] });
    backend.days = { "2026-11-21": { ...dayList("2026-11-21"), rows: [] }, "2026-11-19": dayList("2026-11-19") };
    await startApp();
    expect(text("#empty-day")).toContain("No appointments on Sat 21 Nov 2026. The demo practice sees patients Monday to Friday.");
    expect(text("#fetch-weekday")).toBe("Get Fri 20 Nov 2026 from Epic");
    click("#goto-2026-11-19");
    await settle();
    expect(rows()).toHaveLength(3);
    expect(root.querySelector<HTMLSelectElement>("#day-picker")!.value).toBe("2026-11-19");
  });

  it("a practice on a closed day offers its next clinic day, not the closed day", async () => {
    // Sun 29 Nov 2026, nothing saved: the practice sees patients Mon–Fri.
    backend.st = status({ mode: "practice", today: "2026-11-29", days: [], signedIn: { user: "Pat", accessMode: "device" } });
    backend.days = {};
    await startApp();
    expect(text("#closed-day")).toBe("The practice is closed on Sun 29 Nov 2026 (clinic days: Mon, Tue, Wed, Thu, Fri).");
    expect(text("#fetch-weekday")).toBe("Get Mon 30 Nov 2026 from Epic");
    expect(root.querySelector("#fetch-weekday")!.classList.contains("primary")).toBe(true);
    expect(text("#fetch-day")).toBe("Get Sun 29 Nov 2026 anyway");
    backend.days["2026-11-30"] = dayList("2026-11-30");
    click("#fetch-weekday");
    await settle(10);
    expect(backend.calls).toContain("sync:2026-11-30");
    expect(rows()).toHaveLength(3);
  });

  it("finishing setup on a closed day fetches nothing and offers the next clinic day", async () => {
    backend.st = status({ mode: "practice", today: "2026-11-28", days: [], signedIn: { user: "Pat", accessMode: "device" } });
    backend.days = {};
    const app = await startApp();
    await (app as unknown as { afterSetup(): Promise<void> }).afterSetup();
    await settle();
    expect(backend.calls.filter((c) => c.startsWith("sync:"))).toEqual([]);
    expect(text("#fetch-weekday")).toBe("Get Mon 30 Nov 2026 from Epic");
  });

  it("a practice's saved empty day offers the next clinic day", async () => {
    backend.st = status({ mode: "practice", today: "2026-11-28", days: ["2026-11-28"], signedIn: { user: "Pat", accessMode: "device" } });
    backend.days = { "2026-11-28": { ...dayList("2026-11-28"), rows: [] } };
    await startApp();
    expect(text("#empty-day")).toContain("No appointments on Sat 28 Nov 2026. The practice is closed that day.");
    expect(text("#fetch-weekday")).toBe("Get Mon 30 Nov 2026 from Epic");
  });

  it("shows the agent's own start-up update and the day when it lands", async () => {
    backend.st = status({ syncing: true, days: [] });
    backend.days = {};
    await startApp();
    expect(text("#day-missing")).toContain("It is being fetched from Epic now");
    expect(root.querySelector("#sync-progress")).not.toBeNull();
    backend.days[today] = dayList();
    backend.st = status();
    backend.emit({ phase: "done", date: today, appointments: 3 });
    await settle();
    expect(rows()).toHaveLength(3);
  });
});

describe("start-up", () => {
  afterEach(() => vi.useRealTimers());

  it("asks for this computer's date together with the status, once", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2026, 10, 24, 7, 55));
    await startApp();
    expect(backend.calls.slice(0, 2)).toEqual([`day:${today}`, "status"]);
    expect(backend.calls.filter((c) => c.startsWith("day:"))).toHaveLength(1);
    expect(rows()).toHaveLength(3);
  });

  it("uses the practice's today when this computer's date differs", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2026, 10, 25, 0, 30)); // the practice is still on the 24th
    await startApp();
    expect(backend.calls.filter((c) => c.startsWith("day:"))).toEqual(["day:2026-11-25", `day:${today}`]);
    expect(rows()).toHaveLength(3);
    expect(root.querySelector("#day-missing")).toBeNull();
  });
});

describe("first run and demo", () => {
  it("an unconfigured install opens the setup wizard", async () => {
    backend.st = status({ mode: "unconfigured", practice: undefined, signedIn: undefined, days: [] });
    await startApp();
    expect(root.querySelector("#client-id")).not.toBeNull();
    expect(text("#try-demo")).toBe("Try the demo");
  });

  it("the demo offers 'Set up your practice', and 'Back to the demo' returns", async () => {
    await startApp();
    expect(text("#demo-banner")).toContain("made-up practice");
    expect(root.querySelector("#preset-banner")).toBeNull();
    click("#demo-setup");
    expect(root.querySelector<HTMLInputElement>("#client-id")!.value).toBe("");
    expect(root.querySelector("#wizard-preset")).toBeNull();
    click("#try-demo");
    await settle(10);
    expect(backend.calls).not.toContain("demo"); // already the demo: nothing to start
    expect(rows()).toHaveLength(3);
  });

  it("a practice that needs a sign-in shows the prompt and signs in from Today", async () => {
    backend.st = status({ mode: "practice", needsSignIn: true, signedIn: undefined });
    const wait = new Deferred<import("../api/types").SignInState>();
    backend.signInAnswers = [wait];
    await startApp();
    expect(text("#needs-signin")).toContain("Epic needs someone to sign in");
    click("#resignin-start");
    await settle();
    expect(text("#resignin-waiting")).toContain("Waiting for you to sign in in the browser");
    wait.resolve({ state: "done", user: "Pat Manager", accessMode: "device" });
    await settle(10);
    expect(root.querySelector("#needs-signin")).toBeNull();
    expect(text("#user")).toBe("Signed in: Pat Manager");
    expect(text("#banner")).toContain("Signed in to Epic as Pat Manager.");
    // Later Epic wants a sign-in again: the prompt starts afresh.
    backend.st = { ...backend.st, needsSignIn: true };
    await running!.refreshStatus();
    expect(root.querySelector("#resignin-start")).not.toBeNull();
  });
});

describe("a practice preset the agent could not apply", () => {
  const value = (sel: string) => root.querySelector<HTMLInputElement>(sel)!.value;
  const type = (sel: string, v: string) => {
    const el = root.querySelector<HTMLInputElement>(sel)!;
    el.value = v;
    el.dispatchEvent(new Event("input"));
  };

  it("says which practice and why in place of the demo banner, and opens the wizard filled in with the problem under its field", async () => {
    backend.st = status({ preset: preset() });
    backend.setupAnswer = (base, id) => ({
      fhirBase: base,
      clientId: id,
      problems: base.startsWith("https://") ? [] : [{ field: "fhirBase", message: "The FHIR address must start with https://" }],
    });
    await startApp();
    expect(root.querySelector("#demo-banner")).toBeNull();
    expect(root.querySelector("#demo-badge")).not.toBeNull(); // still the demo until it is set up
    const banner = root.querySelector("#preset-banner")!;
    expect(banner.getAttribute("role")).toBe("status");
    expect(text("#preset-title")).toBe("This computer was prepared for Riverside Family Medicine, but its setup could not finish.");
    expect(text("#preset-reason")).toBe("Some of its Epic details need fixing:FHIR base URL: The FHIR address must start with https://");
    expect(banner.textContent).toContain("you are looking at the demo");
    expect(text("#preset-banner-details pre")).toBe("Practice preset: /etc/healthprep/practice.json");
    expect(text("#preset-setup")).toBe("Finish setting up Riverside Family Medicine");
    expect(rows()).toHaveLength(3); // the demo's day is still there to look at

    click("#preset-setup");
    expect(value("#practice-name")).toBe("Riverside Family Medicine");
    expect(value("#fhir-base")).toBe("http://fhir.riverside.example/api/FHIR/R4");
    expect(value("#client-id")).toBe("0a1b2c3d");
    expect(text("#fhir-base-msg")).toBe("The FHIR address must start with https://");
    expect(root.querySelector("#fhir-base")!.getAttribute("aria-invalid")).toBe("true");
    expect(text("#client-id-msg")).toBe("");
    expect(root.querySelector("#client-id")!.getAttribute("aria-invalid")).toBeNull();
    expect(text("#wizard-preset")).toContain("practice preset this computer was given for Riverside Family Medicine");
    expect(text("#try-demo")).toBe("Back to the demo");

    // Saving as it is marks the field and saves nothing.
    click("#sign-in");
    await settle();
    expect(backend.calls.some((c) => c.startsWith("setup:"))).toBe(false);
    expect(text("#wizard-result")).toBe("Fix the fields marked above, then try again.");
    // Fixed, it is saved like a typed setup; the banner is gone with the preset.
    type("#fhir-base", "https://fhir.riverside.example/api/FHIR/R4");
    await running!.wizard!.validate(false);
    expect(text("#fhir-base-msg")).toBe("");
    click("#sign-in");
    await settle(10);
    expect(backend.calls).toContain("setup:https://fhir.riverside.example/api/FHIR/R4:0a1b2c3d:Riverside Family Medicine");
    expect(text("#wizard-signin-user")).toBe("Signed in as Pat Manager.");
    click("#wizard-next");
    await settle();
    type("#provider-ids", "E1001");
    click("#wizard-next");
    await settle();
    click("#wizard-finish");
    await settle(10);
    expect(text("#header-practice")).toBe("Riverside Family Medicine");
    expect(root.querySelector("#preset-banner")).toBeNull();
    expect(root.querySelector("#demo-banner")).toBeNull();
  });

  it("says in words when Epic could not be reached, and the wizard repeats it", async () => {
    backend.st = status({
      preset: preset({
        fhirBase: "https://fhir.riverside.example/api/FHIR/R4",
        problems: [],
        error: "Epic cannot be reached at fhir.riverside.example: the computer is offline",
      }),
    });
    await startApp();
    expect(text("#preset-reason")).toBe("Epic cannot be reached at fhir.riverside.example: the computer is offline");
    click("#preset-setup");
    expect(value("#fhir-base")).toBe("https://fhir.riverside.example/api/FHIR/R4");
    expect(text("#fhir-base-msg")).toBe("");
    expect(text("#wizard-preset-error")).toBe("Setup did not finish at start: Epic cannot be reached at fhir.riverside.example: the computer is offline");
  });

  it("a preset that could not be read says so and leaves the fields to type", async () => {
    backend.st = status({
      preset: { path: "/etc/healthprep/practice.json", name: "", fhirBase: "", clientId: "", problems: [], error: "the file /etc/healthprep/practice.json is not a HealthPrep practice preset" },
    });
    await startApp();
    expect(text("#preset-title")).toBe("This computer was prepared for a practice, but its setup could not finish.");
    expect(text("#preset-reason")).toBe("The file /etc/healthprep/practice.json is not a HealthPrep practice preset");
    expect(text("#preset-setup")).toBe("Finish setting up your practice");
    click("#preset-setup");
    expect(value("#client-id")).toBe("");
    expect(text("#client-id-msg")).toBe("");
    expect(text("#wizard-preset")).toContain("could not be used. Type your practice's details below.");
  });

  it("a problem with no field in the wizard is listed above the fields", async () => {
    backend.st = status({
      preset: preset({ problems: [{ field: "redirectPort", message: "The sign-in port must be between 1024 and 65535." }] }),
    });
    await startApp();
    expect(text("#preset-reason li")).toBe("Sign-in port: The sign-in port must be between 1024 and 65535.");
    click("#preset-setup");
    expect(text("#wizard-preset-problems li")).toBe("Sign-in port: The sign-in port must be between 1024 and 65535.");
    expect(text("#fhir-base-msg")).toBe("");
  });
});

describe("the agent's notice", () => {
  it("shows while the status has it, can be dismissed for the session, and shows again when it changes", async () => {
    backend.st = status({ notice: setAsideNotice });
    const app = await startApp();
    const n = root.querySelector("#agent-notice")!;
    expect(n.getAttribute("role")).toBe("status");
    expect(n.classList.contains("info")).toBe(true);
    expect(text("#agent-notice-text")).toBe(setAsideNotice);
    expect(rows()).toHaveLength(3); // nothing is blocked
    // It stays on other screens too.
    click("#nav-about");
    await settle();
    expect(text("#agent-notice-text")).toBe(setAsideNotice);
    click("#nav-today");
    await settle();

    root.querySelector<HTMLElement>("#agent-notice-dismiss")!.focus();
    click("#agent-notice-dismiss");
    expect(root.querySelector("#agent-notice")).toBeNull();
    expect(document.activeElement?.id).toBe("main");
    await app.refreshStatus();
    expect(root.querySelector("#agent-notice")).toBeNull(); // dismissed stays dismissed

    backend.st = status({ notice: "Something else the front desk should know." });
    await app.refreshStatus();
    expect(text("#agent-notice-text")).toBe("Something else the front desk should know.");

    backend.st = status();
    await app.refreshStatus();
    expect(root.querySelector("#agent-notice")).toBeNull();
  });

  it("is gone once the status no longer has it, without being dismissed", async () => {
    backend.st = status({ notice: setAsideNotice });
    const app = await startApp();
    expect(root.querySelector("#agent-notice")).not.toBeNull();
    backend.st = status();
    await app.refreshStatus();
    expect(root.querySelector("#agent-notice")).toBeNull();
  });
});

describe("About", () => {
  it("shows the versions", async () => {
    await startApp();
    click("#nav-about");
    await settle();
    expect(text("#about-facts")).toContain("App versionv1.2.3");
    expect(text("#about-facts")).toContain("Commitabc1234");
    expect(text("#about-facts")).toContain("Built2026-11-24T06:00:00Z");
    expect(text("#about-facts")).toContain("Screening catalogue2026.11-1 (3 screenings)");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    expect(rows()).toHaveLength(3);
  });
});

describe("agent unreachable", () => {
  it("says so instead of a blank window, and carries on when the agent answers", async () => {
    timing.agentRetryMs = 30;
    let fail = true;
    const real = backend.status.bind(backend);
    backend.status = async () => {
      if (fail) throw wire("internal", "the HealthPrep agent did not start within 15 seconds", "dial unix agent.sock: no such file");
      return real();
    };
    const app = new DeskApp(backend, root, (html) => printed.push(html));
    running = app;
    const started = app.start();
    await settle();
    expect(text("#agent-error .error-message")).toBe("The HealthPrep agent is not answering: The HealthPrep agent did not start within 15 seconds");
    expect(text("#agent-error-details pre")).toContain("no such file");
    fail = false;
    await new Promise((r) => setTimeout(r, timing.agentRetryMs + 20));
    await started;
    await settle();
    expect(rows()).toHaveLength(3);
  });
});

describe("state on screen is true", () => {
  it("an agent that stopped: one message, the header not Online, and Try again starts it", async () => {
    await startApp();
    let down = true;
    const real = backend.status.bind(backend);
    backend.status = async () => {
      if (down) throw wire("agent_down", "the HealthPrep agent is not answering", "dial unix agent.sock: connect: connection refused");
      return real();
    };
    await running!.refreshStatus();
    expect(text("#agent-error .error-message")).toBe("The HealthPrep agent is not answering.");
    expect(root.querySelectorAll("#agent-error")).toHaveLength(1);
    expect(text("#net")).toBe("Agent not answering");
    backend.restart = () => (down = false);
    click("#agent-retry");
    await settle(10);
    expect(backend.calls).toContain("restart-agent");
    expect(root.querySelector("#agent-error")).toBeNull();
    expect(text("#net")).toBe("Online");
    expect(rows()).toHaveLength(3);
  });

  it("Try again says when the agent could not be started", async () => {
    await startApp();
    backend.status = async () => {
      throw wire("agent_down", "the HealthPrep agent is not answering");
    };
    backend.restartAgent = async () => {
      throw wire("agent_down", "the HealthPrep agent could not be started", "cannot find healthprep-agent next to the app");
    };
    await running!.refreshStatus();
    click("#agent-retry");
    await settle(10);
    expect(text("#agent-error .error-message")).toBe("The HealthPrep agent is not answering.");
    expect(text("#net")).toBe("Agent not answering");
  });

  it("Epic away: the header and one banner, the update's failure folded into it", async () => {
    backend.syncError = wire("offline", "Epic cannot be reached", "dial tcp 10.0.0.1:443: connect: connection refused");
    await startApp();
    backend.st = status({ online: false, offlineReason: "Epic cannot be reached", offlineSince: "2026-11-24T07:00:00Z" });
    click("#sync");
    await settle(10);
    expect(text("#net")).toMatch(/^Epic unreachable since \d\d:\d\d$/);
    expect(text("#offline-banner")).toMatch(/^Epic cannot be reached since \d\d:\d\d\. Showing saved prep/);
    expect(root.querySelector("#banner")).toBeNull();
    expect(text("#offline-details pre")).toContain("connection refused");
    expect(rows()).toHaveLength(3);
  });

  it("'as of' has the date when the day was not fetched today", async () => {
    backend.days["2026-11-23"] = { ...dayList("2026-11-23"), asOf: "2026-11-23T12:00:00Z" };
    await startApp();
    expect(text("#as-of")).toMatch(/^as of \d\d:\d\d$/);
    choose("#day-picker", "2026-11-23");
    await settle();
    expect(text("#as-of")).toMatch(/^as of Mon 23 Nov, \d\d:\d\d$/);
  });
});

describe("schedule file (practices whose schedule is exported from Epic)", () => {
  const fileStatus = (over: Partial<import("../api/types").Status> = {}) =>
    status({ mode: "practice", signedIn: { user: "Front Desk", accessMode: "device" }, schedule: { kind: "file" }, ...over });
  const csv = "Appt Time,Provider,Visit Type,MRN\n08:00,Dr. Ada Park,Annual physical,1001\n08:20,Dr. Ada Park,Follow-up,\n";
  const pick = (name: string, body: BlobPart) => {
    const picker = root.querySelector<HTMLInputElement>("#schedule-file")!;
    Object.defineProperty(picker, "files", { value: [new File([body], name, { type: "text/csv" })], configurable: true });
    picker.dispatchEvent(new Event("change"));
  };

  it("imports the chosen file for the shown day, says what was read, lists the bad rows by line, then updates", async () => {
    backend.st = fileStatus();
    backend.scheduleAnswer = (date) => ({
      date,
      rows: 54,
      problems: [
        { line: 7, problem: "the appointment time “8 o'clock” is not a time" },
        { line: 31, problem: "no MRN, and no name with a date of birth" },
      ],
    });
    backend.syncGate = new Deferred();
    await startApp();
    const button = root.querySelector<HTMLButtonElement>("#import-schedule")!;
    expect(button.textContent).toBe("Import schedule file…");
    expect(text(`#${button.getAttribute("aria-describedby")}`)).toBe("The appointments of Tue 24 Nov 2026, exported from Epic as a CSV or tab-separated file.");
    const picker = root.querySelector<HTMLInputElement>("#schedule-file")!;
    expect(picker.getAttribute("accept")).toBe(".csv,.tsv,.txt");
    let opened = 0;
    picker.addEventListener("click", () => opened++);
    button.focus();
    button.click();
    expect(opened).toBe(1);

    pick("tuesday.csv", csv);
    await settle(10);
    expect(backend.calls).toContain(`import-schedule:${today}`);
    expect(backend.scheduleCSV).toBe(csv);
    expect(text("#schedule-import-summary")).toBe("54 appointments read for Tue 24 Nov 2026; 2 rows could not be read. From tuesday.csv.");
    expect(root.querySelector("#schedule-import-summary")!.getAttribute("role")).toBe("status");
    expect(root.querySelector("#schedule-import")!.classList.contains("warn")).toBe(true);
    const items = [...root.querySelectorAll("#schedule-import-problems li")].map((li) => li.textContent);
    expect(items).toEqual(["Line 7: the appointment time “8 o'clock” is not a time", "Line 31: no MRN, and no name with a date of birth"]);
    // The keyboard is taken to the next step, whose description is the summary.
    expect(document.activeElement?.id).toBe("import-sync");
    expect(document.activeElement?.getAttribute("aria-describedby")).toBe("schedule-import-summary");

    click("#import-sync");
    await settle();
    expect(backend.calls).toContain(`sync:${today}`);
    expect(text(".progress-text")).toBe("Reading the imported schedule file…");
    expect(root.querySelector<HTMLButtonElement>("#import-sync")!.disabled).toBe(true);
    expect(root.querySelector<HTMLButtonElement>("#import-schedule")!.disabled).toBe(true);
    backend.syncGate.resolve();
    await settle(10);
    expect(root.querySelector("#import-sync")).toBeNull();
    expect(text("#schedule-import-synced")).toContain("have been fetched from Epic");
    expect(items).toHaveLength(2); // the bad rows stay listed to fix
    click("#import-dismiss");
    expect(root.querySelector("#schedule-import")).toBeNull();
    expect(document.activeElement?.id).toBe("import-schedule");
  });

  it("a refused file shows the agent's words with details for support, and changes nothing", async () => {
    backend.st = fileStatus();
    backend.scheduleError = wire("bad_request", `the schedule file has no column for the visit type ("Visit Type")`, "header: Appt Time, Provider, MRN");
    await startApp();
    root.querySelector<HTMLElement>("#import-schedule")!.focus();
    pick("tuesday.csv", "Appt Time,Provider,MRN\n08:00,Dr. Ada Park,1001\n");
    await settle(10);
    expect(text("#schedule-import-error .error-message")).toBe(`tuesday.csv was not imported. The schedule file has no column for the visit type ("Visit Type")`);
    expect(root.querySelector("#schedule-import-error")!.getAttribute("role")).toBe("alert");
    expect(text("#schedule-import-error .error-advice")).toContain("Nothing was changed.");
    expect(text("#schedule-import-error-details summary")).toBe("Details for support");
    expect(text("#schedule-import-error-details pre")).toBe("Kind: bad_request\nheader: Appt Time, Provider, MRN");
    expect(root.querySelector("#import-sync")).toBeNull();
    expect(document.activeElement?.id).toBe("import-schedule");
    expect(rows()).toHaveLength(3); // the saved day is still shown
    // A corrected file goes through.
    backend.scheduleError = undefined;
    pick("tuesday.csv", csv);
    await settle(10);
    expect(root.querySelector("#schedule-import-error")).toBeNull();
    expect(text("#schedule-import-summary")).toBe("2 appointments read for Tue 24 Nov 2026. From tuesday.csv.");
    expect(root.querySelector("#schedule-import")!.classList.contains("ok")).toBe(true);
  });

  it("refuses a file over the agent's 16 MB limit without sending it", async () => {
    backend.st = fileStatus();
    await startApp();
    pick("year.csv", new Uint8Array((16 << 20) + 1));
    await settle(10);
    expect(backend.calls.some((c) => c.startsWith("import-schedule"))).toBe(false);
    expect(text("#schedule-import-error .error-message")).toBe("year.csv was not imported. It is larger than 16 MB: export one day's schedule (or one week's) at a time.");
  });

  it("sends a UTF-16 (Excel “Unicode text”) file as text the agent can read", async () => {
    backend.st = fileStatus();
    await startApp();
    const tsv = "Appt Time\tProvider\tVisit Type\tPatient Name\tDOB\n08:00\tDr. Ada Park\tAnnual physical\tMuñoz, José\t1974-03-02\n";
    const utf16 = new Uint8Array(2 + tsv.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < tsv.length; i++) utf16[2 + 2 * i] = tsv.charCodeAt(i);
    pick("tuesday.txt", utf16);
    await settle(10);
    expect(backend.scheduleCSV).toBe(tsv);
  });

  it("says when the file has no appointments on the shown day, and offers no update", async () => {
    backend.st = fileStatus();
    backend.scheduleAnswer = (date) => ({ date, rows: 120, first: "2026-11-30", last: "2026-12-04", problems: [] });
    await startApp();
    await running!.importSchedule("next-week.csv", csv);
    expect(text("#schedule-import-summary")).toBe("120 appointments read for Mon 30 Nov 2026 to Fri 4 Dec 2026. From next-week.csv.");
    expect(text("#schedule-import-off-day")).toContain("None of them is on Tue 24 Nov 2026");
    expect(root.querySelector("#import-sync")).toBeNull();
    // Another day: the import was for the 24th and is not shown there.
    choose("#day-picker", "2026-11-23");
    await settle();
    expect(root.querySelector("#schedule-import")).toBeNull();
  });

  it("on a day with nothing saved, says to import the day's schedule file first", async () => {
    backend.st = fileStatus({ days: [], lastSync: undefined });
    backend.days = {};
    await startApp();
    expect(text("#day-missing")).toContain("Nothing is saved for Tue 24 Nov 2026 yet.");
    expect(text("#import-first")).toBe(
      "This practice's schedule comes from a file exported from Epic: import Tue 24 Nov 2026's schedule file first, then update from Epic.",
    );
    expect(text("#empty-import")).toBe("Import schedule file…");
    expect(root.querySelector("#empty-import")!.classList.contains("primary")).toBe(true);
    expect(root.querySelector("#fetch-day")!.classList.contains("primary")).toBe(false);
    let opened = 0;
    root.querySelector("#schedule-file")!.addEventListener("click", () => opened++);
    root.querySelector<HTMLElement>("#empty-import")!.focus();
    click("#empty-import");
    expect(opened).toBe(1);
    pick("tuesday.csv", csv);
    await settle(10);
    // Imported: the empty state now points at the update.
    expect(root.querySelector("#import-first")).toBeNull();
    expect(text("#import-done")).toBe("Its schedule file is imported (above): “Update from Epic” fetches the charts.");
    expect(text("#schedule-import-summary")).toBe("2 appointments read for Tue 24 Nov 2026. From tuesday.csv.");
    expect(document.activeElement?.id).toBe("import-sync");
    backend.days[today] = dayList();
    backend.st = fileStatus();
    click("#import-sync");
    await settle(10);
    expect(backend.calls).toContain(`sync:${today}`);
    expect(rows()).toHaveLength(3);
  });

  it("finishing setup does not start an update that could only fail for want of the file", async () => {
    for (const [schedule, syncs] of [[{ kind: "file" }, 0], [{ kind: "provider-service" }, 1]] as const) {
      backend = new Scripted();
      backend.st = fileStatus({ schedule, days: [] });
      backend.days = {};
      running?.stop();
      root.replaceChildren();
      const app = await startApp();
      await (app as unknown as { afterSetup(): Promise<void> }).afterSetup();
      await settle();
      expect(backend.calls.filter((c) => c.startsWith("sync:"))).toHaveLength(syncs);
      expect(root.querySelector("#import-first") !== null).toBe(schedule.kind === "file");
    }
  });

  it("a saved day with no appointments suggests importing its file", async () => {
    backend.st = fileStatus();
    backend.days = { [today]: { ...dayList(), rows: [] } };
    await startApp();
    expect(text("#empty-day")).toContain("If the day does have appointments, import its schedule file from Epic, then update again.");
    let opened = 0;
    root.querySelector("#schedule-file")!.addEventListener("click", () => opened++);
    click("#empty-day-import");
    expect(opened).toBe(1);
  });

  it("other schedule sources have no import button and fetch a missing day straight from Epic", async () => {
    for (const schedule of [undefined, { kind: "provider-service" }, { kind: "fhir-appointments" }]) {
      backend = new Scripted();
      backend.st = status({ mode: "practice", schedule, days: [] });
      backend.days = {};
      running?.stop();
      root.replaceChildren();
      await startApp();
      expect(root.querySelector("#day-missing")).not.toBeNull();
      expect(root.querySelector("#import-schedule")).toBeNull();
      expect(root.querySelector("#schedule-file")).toBeNull();
      expect(root.querySelector("#import-first")).toBeNull();
      expect(root.querySelector("#fetch-day")!.classList.contains("primary")).toBe(true);
    }
  });
});

describe("what the agent knows and does not", () => {
  it("a patient never fetched says so on the row and the sheet, with no counts or screenings as if known", async () => {
    const d = dayList();
    d.rows[2] = { ...d.rows[2], counts: { due: 0, dueSoon: 0, needsReview: 0, complete: 0, excluded: 0, attention: 0 }, stale: true, notFetched: true };
    backend.days[today] = d;
    backend.sheets.a3 = { ...sheet("a3"), stale: true, notFetched: true, results: [] };
    await startApp();
    const row = root.querySelector("#row-a3")!;
    expect(row.querySelector(".chip.not-fetched")?.textContent).toBe("could not be fetched");
    expect(row.querySelector(".chip.ok")).toBeNull();
    expect(row.querySelector(".chip.stale:not(.not-fetched)")).toBeNull();
    click("#row-a3");
    await settle();
    expect(text("#not-fetched")).toContain("Nothing is known about this patient's screenings");
    expect(text(".sheet")).not.toContain("earlier data");
  });

  it("shows a result that needs attention, the sheet's notes once, and support detail behind a click", async () => {
    const s = sheet("a1");
    s.notes = ["No birth date is recorded in Epic, so age-based screenings cannot be decided."];
    s.results[1] = { ...s.results[1], id: "diabetes_a1c", title: "Diabetes: HbA1c", attention: "poor control: 9.8 % on 2026-03-02", details: "value set 2.16.840.1.113883.3.464.1003.198.12.1013" };
    backend.sheets.a1 = s;
    const d = dayList();
    d.rows[0] = { ...d.rows[0], counts: { ...d.rows[0].counts, attention: 1 } };
    backend.days[today] = d;
    await startApp();
    expect(root.querySelector("#row-a1 .chip.attention")?.textContent).toBe("1 needs attention");
    click("#row-a1");
    await settle();
    expect(root.querySelectorAll("#sheet-notes li")).toHaveLength(1);
    const a1c = root.querySelector("[data-screening=diabetes_a1c]")!;
    expect(a1c.querySelector(".attention")?.textContent).toBe("needs attention poor control: 9.8 % on 2026-03-02");
    const support = a1c.querySelector("details.support")!;
    expect(support.querySelector("summary")?.textContent).toBe("Details for support");
    expect(support.hasAttribute("open")).toBe(false);
  });

  it("an update that could not fetch some patients says which kept earlier data and which have none", () => {
    const base = { date: today, appointments: 10, patients: 10, requests: 80, partial: true, duration: 0, incremental: 0, fresh: 0, skipped: 0 };
    expect(staleWords({ ...base, stale: 3, unfetched: 1 })).toBe(
      "Updated, but 2 patients could not be fetched from Epic and show earlier data; 1 patient could not be fetched at all (nothing is shown for this patient yet).",
    );
    expect(staleWords({ ...base, stale: 1, unfetched: 0 })).toBe("Updated, but 1 patient could not be fetched from Epic and shows earlier data.");
    expect(staleWords({ ...base, stale: 2, unfetched: 2 })).toBe("Updated, but 2 patients could not be fetched at all (nothing is shown for them yet).");
  });
});
