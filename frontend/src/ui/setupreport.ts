import { sentence } from "../api/backend";
import type { Failure, PresetInfo, Problem, ScheduleCheck, SetupCheck, SetupProblem } from "../api/types";
import { dayLabel, h } from "./dom";
import { errorBox } from "./errors";

// What the setup wizard reports about the details it checks: the practice
// preset it was filled in from, the connection test and the schedule test.
// Pure: from the checks' results to what the manager reads.

/** Where Test connection stands. */
export type TestResult = { state: "running" } | { state: "ok"; check: SetupCheck } | { state: "fix" } | { state: "error"; failure: Failure };

/** Where Test schedule stands. */
export type ScheduleTestResult = { state: "running" } | { state: "done"; check: ScheduleCheck } | { state: "error"; failure: Failure };

/** presetNote says where the filled-in details came from and why they
 *  were not used at start; problems that have no field here are listed. */
export function presetNote(p?: PresetInfo): HTMLElement | null {
  if (!p) return null;
  const blank = !p.name && !p.fhirBase && !p.clientId;
  const others = p.problems.filter((x) => !inline(x));
  return h(
    "div",
    { class: "notice info", id: "wizard-preset", role: "note" },
    h(
      "p",
      {},
      blank
        ? "This computer was given a practice preset, but it could not be used. Type your practice's details below."
        : `These details come from the practice preset this computer was given${p.name ? ` for ${p.name}` : ""}. Check them, fix anything marked, then press Test connection.`,
    ),
    p.error ? h("p", { id: "wizard-preset-error" }, `Setup did not finish at start: ${sentence(p.error)}`) : null,
    others.length ? h("ul", { id: "wizard-preset-problems" }, others.map((x) => h("li", {}, `${fieldLabel(x.field)}: ${x.message}`))) : null,
  );
}

/** connectionResult says what Test connection found. */
export function connectionResult(t?: TestResult): HTMLElement | null {
  if (!t) return null;
  switch (t.state) {
    case "running":
      return h("div", { class: "notice", id: "wizard-result", role: "status" }, "Contacting Epic…");
    case "fix":
      return h("div", { class: "notice error", id: "wizard-result", role: "alert" }, "Fix the fields marked above, then try again.");
    case "error":
      return h("div", { id: "wizard-result" }, errorBox(t.failure, "wizard-test-error"));
    case "ok": {
      const d = t.check.discovery;
      if (!d) return h("div", { class: "notice ok", id: "wizard-result", role: "status" }, "The details look right.");
      return h(
        "div",
        { class: `notice ${d.pkceS256 ? "ok" : "warn"}`, id: "wizard-result", role: "status" },
        h("p", {}, h("strong", {}, "Epic answered at this FHIR address. "), `Its sign-in page is at ${host(d.authorize)}.`),
        h(
          "ul",
          { id: "wizard-checked" },
          h("li", {}, "Checked: the FHIR address is right: Epic sent its sign-in settings."),
          h(
            "li",
            {},
            d.pkceS256
              ? "Checked: it supports the secure sign-in (PKCE) this app uses."
              : "Problem: it does not say it supports the secure sign-in (PKCE) this app needs. Ask your Epic analyst before going on.",
          ),
          h(
            "li",
            {},
            d.register
              ? "Checked: it lets this computer register its own key, for unattended morning updates."
              : "It does not offer device registration, so someone may need to sign in again from time to time.",
          ),
          h("li", { id: "wizard-not-checked" }, h("strong", {}, "Not checked yet: the client ID. "), "Epic checks it only when you sign in, the next step."),
        ),
      );
    }
  }
}

/** scheduleResult says what the test fetched, per provider ID, and what it did not check. */
export function scheduleResult(t?: ScheduleTestResult): HTMLElement | null {
  if (!t) return null;
  if (t.state === "running") return h("div", { class: "notice", id: "schedule-result", role: "status" }, "Reading today's schedule from Epic…");
  if (t.state === "error") return h("div", { id: "schedule-result" }, errorBox(t.failure, "schedule-test-error"));
  const c = t.check;
  if (!c.tested) return h("div", { class: "notice info", id: "schedule-result", role: "status" }, c.note || "The schedule could not be tested yet.");
  const day = c.date ? dayLabel(c.date) : "today";
  const n = c.appointments;
  const unknown = (c.byProvider ?? []).filter((p) => p.unknown);
  const headline =
    n > 0
      ? `Found ${n} appointment${n === 1 ? "" : "s"} for today, ${day}.`
      : c.nextDate
        ? `No appointments today, ${day}. The next clinic day, ${dayLabel(c.nextDate)}, has ${c.nextAppointments}.`
        : `No appointments today, ${day}, nor in the next two weeks of clinic days: check the provider IDs with your Epic analyst.`;
  return h(
    "div",
    { class: `notice ${n > 0 || c.nextDate ? (unknown.length ? "warn" : "ok") : "warn"}`, id: "schedule-result", role: "status" },
    h("p", {}, h("strong", { id: "schedule-found" }, headline)),
    c.byProvider?.length
      ? h(
          "ul",
          { id: "schedule-by-provider" },
          c.byProvider.map((p) =>
            h(
              "li",
              {},
              p.unknown
                ? `${p.id}: Epic does not know this provider ID. Check it, or remove it.`
                : `${p.id}${p.name ? ` (${p.name})` : ""}: ${p.appointments} appointment${p.appointments === 1 ? "" : "s"} today`,
            ),
          ),
        )
      : null,
    h("p", { class: "help" }, "This read the schedule only; nothing was saved. The patients' charts are fetched when you finish setup."),
  );
}

/** inline says whether a problem shows under a field of step 1. */
export function inline(p: Problem): p is SetupProblem {
  return p.field === "fhirBase" || p.field === "clientId";
}

/** fieldLabel names an Epic detail as the wizard labels it. */
export function fieldLabel(field: string): string {
  switch (field) {
    case "fhirBase":
      return "FHIR base URL";
    case "clientId":
      return "Epic client ID";
    case "redirectPort":
      return "Sign-in port";
    case "name":
      return "Practice name";
    default:
      return field;
  }
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
