import { beforeEach, describe, expect, it } from "vitest";
import type { SetupCheck, SignInState } from "../api/types";
import { rerender } from "./dom";
import { SetupWizard, checkDelayMs } from "./setup";
import { Deferred, Scripted, settle, wire } from "../test/scripted";

let root: HTMLElement;
let backend: Scripted;
let wizard: SetupWizard;
let finished: number;
let demos: number;

function draw() {
  rerender(root, wizard.render());
}

const text = (sel: string) => root.querySelector(sel)?.textContent ?? "";
const click = (sel: string) => root.querySelector<HTMLElement>(sel)!.click();
function type(sel: string, value: string) {
  const el = root.querySelector<HTMLInputElement>(sel)!;
  el.value = value;
  el.dispatchEvent(new Event("input"));
}

const epic = { authorize: "https://fhir.example.org/oauth2/authorize", token: "https://fhir.example.org/oauth2/token", issuer: "https://fhir.example.org/oauth2", pkceS256: true, register: "https://fhir.example.org/oauth2/register" };

function cleaning(base: string, id: string, discover: boolean): SetupCheck {
  const problems: SetupCheck["problems"] = [];
  const cid = id.trim().replace(/^"|"$/g, "");
  if (cid === "") problems.push({ field: "clientId", message: "Paste the client ID from Epic's app page." });
  else if (/\s/.test(cid)) problems.push({ field: "clientId", message: "The client ID has a space inside it." });
  if (base.trim() === "") problems.push({ field: "fhirBase", message: "Paste the FHIR base URL." });
  else if (!base.startsWith("https://")) problems.push({ field: "fhirBase", message: "The FHIR address must start with https://" });
  return { fhirBase: base.trim().replace(/\/metadata$/, ""), clientId: cid, problems, discovery: discover && problems.length === 0 ? epic : undefined };
}

beforeEach(() => {
  document.body.innerHTML = "";
  root = document.createElement("div");
  document.body.appendChild(root);
  backend = new Scripted();
  backend.setupAnswer = cleaning;
  finished = 0;
  demos = 0;
  wizard = new SetupWizard(backend, draw, {
    demo: async () => {
      demos++;
    },
    finished: () => finished++,
  });
  draw();
});

describe("setup wizard, step 1", () => {
  it("checks the fields as the manager types, only the fields they have typed in", async () => {
    type("#client-id", "abc def");
    await new Promise((r) => setTimeout(r, checkDelayMs + 20));
    await settle();
    expect(text("#client-id-msg")).toBe("The client ID has a space inside it.");
    expect(root.querySelector("#client-id")!.getAttribute("aria-invalid")).toBe("true");
    expect(text("#fhir-base-msg")).toBe(""); // not typed in yet
    expect(root.querySelector<HTMLInputElement>("#client-id")!.value).toBe("abc def");
  });

  it("checks once typing pauses, not on every key", async () => {
    for (const v of ["a", "ab", "abc"]) type("#client-id", v);
    await new Promise((r) => setTimeout(r, checkDelayMs + 20));
    expect(backend.calls.filter((c) => c === "check:false")).toHaveLength(1);
  });

  it("keeps what is typed, and the caret, when a check redraws the form", async () => {
    const input = root.querySelector<HTMLInputElement>("#fhir-base")!;
    input.focus();
    type("#fhir-base", "http://x");
    input.setSelectionRange(3, 3);
    await wizard.validate(false);
    const now = root.querySelector<HTMLInputElement>("#fhir-base")!;
    expect(now).not.toBe(input);
    expect(now.value).toBe("http://x");
    expect(document.activeElement).toBe(now);
    expect(now.selectionStart).toBe(3);
    expect(text("#fhir-base-msg")).toBe("The FHIR address must start with https://");
  });

  it("Test connection reports what Epic said, in plain words", async () => {
    type("#client-id", "cid");
    type("#fhir-base", "https://fhir.example.org/api/FHIR/R4");
    click("#test-connection");
    await settle();
    expect(backend.calls).toContain("check:true");
    expect(text("#wizard-result")).toContain("Epic answered at this FHIR address.");
    expect(text("#wizard-result")).toContain("Its sign-in page is at fhir.example.org.");
    expect(text("#wizard-result")).toContain("Checked: it supports the secure sign-in");
    expect(text("#wizard-result")).toContain("register its own key");
    // A green answer must not pass for a checked client ID: Epic checks it only at sign-in.
    expect(text("#wizard-not-checked")).toBe("Not checked yet: the client ID. Epic checks it only when you sign in, the next step.");
  });

  it("shows what a messy paste became, before anything is saved", async () => {
    type("#client-id", ' "0a1b2c" ');
    type("#fhir-base", "https://fhir.example.org/api/FHIR/R4/metadata");
    await new Promise((r) => setTimeout(r, checkDelayMs + 20));
    await settle();
    expect(text("#client-id-clean")).toBe("Will be saved as 0a1b2c");
    expect(text("#fhir-base-clean")).toBe("Will be saved as https://fhir.example.org/api/FHIR/R4");
    expect(root.querySelector("#fhir-base")!.getAttribute("aria-describedby")).toContain("fhir-base-clean");
    // A clean value says nothing more.
    type("#client-id", "0a1b2c");
    await new Promise((r) => setTimeout(r, checkDelayMs + 20));
    await settle();
    expect(text("#client-id-clean")).toBe("");
  });

  it("Test connection with empty fields marks every field", async () => {
    click("#test-connection");
    await settle();
    expect(text("#client-id-msg")).toBe("Paste the client ID from Epic's app page.");
    expect(text("#fhir-base-msg")).toBe("Paste the FHIR base URL.");
    expect(text("#wizard-result")).toBe("Fix the fields marked above, then try again.");
  });

  it("Test connection that cannot reach Epic says so, with details", async () => {
    backend.setupAnswer = (b, i, discover) => {
      if (discover) throw wire("offline", "Epic did not answer at that address", "GET https://fhir.example.org/.well-known/smart-configuration: 404");
      return cleaning(b, i, discover);
    };
    type("#client-id", "cid");
    type("#fhir-base", "https://fhir.example.org/api/FHIR/R4");
    click("#test-connection");
    await settle();
    expect(text("#wizard-test-error .error-message")).toBe("Epic did not answer at that address");
    expect(text("#wizard-test-error-details pre")).toContain("404");
  });
});

describe("setup wizard, filled in from a practice preset", () => {
  it("shows the preset's problems under their fields, even an empty one, until the manager types", async () => {
    wizard.fromPreset({
      path: "/etc/healthprep/practice.json",
      name: "Riverside Family Medicine",
      fhirBase: "https://fhir.example.org/api/FHIR/R4",
      clientId: "",
      problems: [{ field: "clientId", message: "Paste the client ID from Epic's app page." }],
    });
    draw();
    expect(root.querySelector<HTMLInputElement>("#practice-name")!.value).toBe("Riverside Family Medicine");
    expect(root.querySelector<HTMLInputElement>("#fhir-base")!.value).toBe("https://fhir.example.org/api/FHIR/R4");
    expect(text("#client-id-msg")).toBe("Paste the client ID from Epic's app page.");
    expect(root.querySelector("#client-id")!.getAttribute("aria-invalid")).toBe("true");
    expect(text("#fhir-base-msg")).toBe("");
    expect(root.querySelector("#wizard-preset")!.getAttribute("role")).toBe("note");
    type("#client-id", "0a1b2c");
    await new Promise((r) => setTimeout(r, checkDelayMs + 20));
    await settle();
    expect(text("#client-id-msg")).toBe("");
    click("#sign-in");
    await settle();
    expect(backend.calls).toContain("setup:https://fhir.example.org/api/FHIR/R4:0a1b2c:Riverside Family Medicine");
  });
});

describe("setup wizard, sign-in", () => {
  async function toSignIn() {
    type("#practice-name", "Riverside Family Medicine");
    type("#client-id", ' "0a1b2c" ');
    type("#fhir-base", "https://fhir.example.org/api/FHIR/R4");
    click("#sign-in");
    await settle();
  }

  it("saves the cleaned details, then waits for the browser with the address as a fallback", async () => {
    const wait = new Deferred<SignInState>();
    backend.signInAnswers = [wait];
    await toSignIn();
    expect(backend.calls).toContain("setup:https://fhir.example.org/api/FHIR/R4:0a1b2c:Riverside Family Medicine");
    expect(wizard.step).toBe(2);
    expect(text("#wizard-signin-waiting")).toBe("Waiting for you to sign in in the browser…");
    expect(root.querySelector<HTMLInputElement>("#wizard-signin-url")!.value).toBe("https://epic.example/oauth2/authorize?client_id=x");
    click("#wizard-signin-copy");
    await settle();
    expect(backend.copied).toEqual(["https://epic.example/oauth2/authorize?client_id=x"]);
    expect(text("#wizard-signin-copy")).toBe("Copied");
    click("#wizard-signin-open");
    await settle();
    expect(backend.opened).toEqual(["https://epic.example/oauth2/authorize?client_id=x"]);
    expect(text("#wizard-signin-open-msg")).toBe("");
    // It never claims a browser window opened: none may have.
    expect(text("#wizard-signin-panel")).not.toContain("window that opened");
    wait.resolve({ state: "done", user: "Pat Manager", accessMode: "device" });
    await settle();
    expect(text("#wizard-signin-user")).toBe("Signed in as Pat Manager.");
    expect(text("#wizard-signin-panel")).toContain("this computer's Epic key");
    click("#wizard-next");
    await settle();
    expect(wizard.step).toBe(3);
  });

  it("Open in browser says why when no browser could be opened", async () => {
    backend.signInAnswers = [new Deferred<SignInState>()];
    backend.openError = wire("not_found", "no web browser could be opened on this computer: copy the address and paste it into a browser");
    await toSignIn();
    click("#wizard-signin-open");
    await settle();
    expect(text("#wizard-signin-open-msg")).toBe("No web browser could be opened on this computer: copy the address and paste it into a browser");
  });

  it("keeps polling while the browser sign-in is still going", async () => {
    backend.signInAnswers = [{ state: "waiting", url: "https://epic.example/a" }, { state: "waiting", url: "https://epic.example/a" }, { state: "done", user: "Pat" }];
    await toSignIn();
    await settle(10);
    expect(backend.calls.filter((c) => c === "signin-status:25")).toHaveLength(3);
    expect(text("#wizard-signin-user")).toBe("Signed in as Pat.");
  });

  it("shows a failed sign-in and what to do, and tries again", async () => {
    backend.signInAnswers = [{ state: "failed", error: "Epic said the client ID is not registered for this organisation." }];
    await toSignIn();
    await settle();
    expect(text("#wizard-signin-error .error-message")).toBe("Epic said the client ID is not registered for this organisation.");
    expect(text("#wizard-signin-error")).toContain("If the browser did not open");
    backend.signInAnswers = [{ state: "done", user: "Pat" }];
    click("#wizard-signin-retry");
    await settle();
    expect(text("#wizard-signin-user")).toBe("Signed in as Pat.");
  });

  it("Cancel stops waiting and tells the agent", async () => {
    const wait = new Deferred<SignInState>();
    backend.signInAnswers = [wait];
    await toSignIn();
    click("#wizard-signin-cancel");
    await settle();
    expect(backend.calls).toContain("signin-cancel");
    expect(root.querySelector("#wizard-signin-start")).not.toBeNull();
    // The agent's answer to the abandoned poll changes nothing.
    wait.resolve({ state: "done", user: "Late" });
    await settle();
    expect(root.querySelector("#wizard-signin-user")).toBeNull();
  });

  it("a sign-in that cannot start shows the agent's words", async () => {
    backend.startSignIn = async () => {
      throw wire("not_configured", "connecting a practice's own Epic is not available in this version yet");
    };
    await toSignIn();
    expect(text("#wizard-signin-error .error-message")).toBe("Connecting a practice's own Epic is not available in this version yet");
  });

  it("does not save fields with problems", async () => {
    type("#client-id", "a b");
    type("#fhir-base", "https://fhir.example.org/api/FHIR/R4");
    click("#sign-in");
    await settle();
    expect(backend.calls.some((c) => c.startsWith("setup:"))).toBe(false);
    expect(text("#client-id-msg")).toBe("The client ID has a space inside it.");
    expect(wizard.step).toBe(1);
  });
});

describe("setup wizard, schedule", () => {
  it("asks for the provider IDs the provider schedule needs, at the field, and saves nothing without them", async () => {
    await wizard.toSchedule();
    expect(wizard.step).toBe(3);
    expect(root.querySelector<HTMLInputElement>("#schedule-kind-provider-service")!.checked).toBe(true);
    click("#wizard-next");
    await settle();
    expect(text("#provider-ids-msg")).toBe("Add the Epic provider IDs of the practice's providers.");
    expect(root.querySelector("#provider-ids")!.getAttribute("aria-invalid")).toBe("true");
    expect(backend.savedSchedules).toEqual([]);
    expect(wizard.step).toBe(3);
  });

  it("fills in what is saved", async () => {
    backend.st = { ...backend.st, schedule: { kind: "fhir-appointments", providerIds: ["E1", "E2"] } };
    await wizard.toSchedule();
    await settle();
    expect(root.querySelector<HTMLInputElement>("#schedule-kind-fhir-appointments")!.checked).toBe(true);
    expect(root.querySelector<HTMLInputElement>("#provider-ids")!.value).toBe("E1, E2");
  });

  it("Test schedule fetches today with the IDs as pasted and says how many appointments, per provider", async () => {
    await wizard.toSchedule();
    type("#provider-ids", ' "E1001"; E1002\tE1001 ');
    expect(text("#provider-ids-read")).toBe("Read as 2 IDs: E1001, E1002");
    click("#test-schedule");
    await settle();
    expect(backend.calls).toContain("test-schedule:provider-service:E1001,E1002:");
    expect(text("#schedule-found")).toBe("Found 3 appointments for today, Tue 24 Nov 2026.");
    expect(text("#schedule-by-provider")).toContain("E1001 (Provider 1): 3 appointments today");
    expect(text("#schedule-by-provider")).toContain("E1002 (Provider 2): 0 appointments today");
    expect(text("#schedule-result")).toContain("nothing was saved");
    expect(backend.savedSchedules).toEqual([]);
  });

  it("on a closed day names the next clinic day, and an ID Epic does not know", async () => {
    backend.scheduleTestAnswer = (kind, ids) => ({
      source: { kind, providerIds: ids },
      problems: [],
      tested: true,
      date: "2026-11-29",
      appointments: 0,
      byProvider: [
        { id: "E1001", name: "Ada Park, MD", appointments: 0 },
        { id: "E9999", appointments: 0, unknown: true },
      ],
      nextDate: "2026-11-30",
      nextAppointments: 24,
    });
    await wizard.toSchedule();
    type("#provider-ids", "E1001, E9999");
    click("#test-schedule");
    await settle();
    expect(text("#schedule-found")).toBe("No appointments today, Sun 29 Nov 2026. The next clinic day, Mon 30 Nov 2026, has 24.");
    expect(text("#schedule-by-provider")).toContain("E9999: Epic does not know this provider ID. Check it, or remove it.");
    expect(root.querySelector("#schedule-result")!.className).toContain("warn");
  });

  it("shows why a test failed, in the agent's words", async () => {
    backend.scheduleTestError = wire("forbidden", "Epic refused to give the schedule to this app", "403 from GetProviderAppointments");
    await wizard.toSchedule();
    type("#provider-ids", "E1001");
    click("#test-schedule");
    await settle();
    expect(text("#schedule-test-error .error-message")).toBe("Epic refused to give the schedule to this app");
  });

  it("the file route needs no IDs and says where the file is imported", async () => {
    await wizard.toSchedule();
    const file = root.querySelector<HTMLInputElement>("#schedule-kind-file")!;
    file.checked = true;
    file.dispatchEvent(new Event("change"));
    expect(root.querySelector("#provider-ids")).toBeNull();
    expect(text("#schedule-kind-file-help")).toContain("imports it on Today");
    click("#wizard-next");
    await settle();
    expect(backend.savedSchedules).toEqual([{ kind: "file", providerIds: [] }]);
    expect(wizard.step).toBe(4);
  });

  it("saves the source, then goes on to clinic hours; Back returns to it", async () => {
    await wizard.toSchedule();
    type("#provider-ids", "E1001,E1002");
    click("#wizard-next");
    await settle();
    expect(backend.savedSchedules).toEqual([{ kind: "provider-service", providerIds: ["E1001", "E1002"] }]);
    expect(wizard.step).toBe(4);
    expect(root.querySelector("#wizard-sync-at")).not.toBeNull();
    click("#wizard-back");
    expect(wizard.step).toBe(3);
    expect(root.querySelector<HTMLInputElement>("#provider-ids")!.value).toBe("E1001,E1002");
  });
});

describe("setup wizard, clinic hours", () => {
  it("saves the hours and days, then finishes", async () => {
    await wizard.toHours();
    expect(root.querySelector<HTMLInputElement>("#wizard-sync-at")!.value).toBe("06:30");
    type("#wizard-sync-at", "07:00");
    type("#wizard-clinic-end", "17:30");
    const sat = root.querySelector<HTMLInputElement>("#wizard-day-Sat")!;
    sat.checked = true;
    sat.dispatchEvent(new Event("change"));
    click("#wizard-finish");
    await settle();
    expect(backend.savedSettings).toMatchObject({ syncAt: "07:00", clinicEnd: "17:30", clinicDays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] });
    expect(finished).toBe(1);
  });

  it("reads 0700 as 07:00, and says which time is not one", async () => {
    await wizard.toHours();
    type("#wizard-sync-at", "0700");
    type("#wizard-clinic-end", "25:00");
    click("#wizard-finish");
    await settle();
    expect(text("#hours-error .error-message")).toBe("Enter the closing time like 06:30.");
    expect(finished).toBe(0);
    type("#wizard-clinic-end", "5:30 pm");
    click("#wizard-finish");
    await settle();
    expect(backend.savedSettings).toMatchObject({ syncAt: "07:00", clinicEnd: "17:30" });
    expect(finished).toBe(1);
  });

  it("shows the agent's refusal and stays", async () => {
    backend.saveSettingsError = wire("bad_request", "the clinic must close after the morning update");
    await wizard.toHours();
    click("#wizard-finish");
    await settle();
    expect(text("#hours-error .error-message")).toBe("The clinic must close after the morning update");
    expect(finished).toBe(0);
  });
});

describe("setup wizard, demo", () => {
  it("Try the demo hands over to the app", async () => {
    click("#try-demo");
    await settle();
    expect(demos).toBe(1);
  });
});
