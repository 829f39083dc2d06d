import type { Backend } from "../api/backend";
import { errorText } from "../api/backend";
import type { SetupCheck } from "../api/types";
import { h, replace } from "./dom";

/** renderSetup is the practice manager's first-run wizard. It owns its own
 *  small state because nothing else needs it. */
export function renderSetup(backend: Backend, done: () => void): HTMLElement {
  let check: SetupCheck | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clientId = h("input", { id: "client-id", autocomplete: "off", spellcheck: "false", placeholder: "e.g. 0a1b2c3d-…" });
  const fhirBase = h("input", { id: "fhir-base", autocomplete: "off", spellcheck: "false", placeholder: "https://…/api/FHIR/R4" });
  const name = h("input", { id: "practice-name", autocomplete: "off", placeholder: "e.g. Riverside Family Medicine" });
  const clientMsg = h("div", { class: "field-msg", id: "client-id-msg", "aria-live": "polite" });
  const baseMsg = h("div", { class: "field-msg", id: "fhir-base-msg", "aria-live": "polite" });
  const result = h("div", { class: "wizard-result", id: "wizard-result", "aria-live": "polite" });

  function show(c: SetupCheck) {
    check = c;
    replace(clientMsg, c.problems.find((p) => p.field === "clientId")?.message ?? "");
    replace(baseMsg, c.problems.find((p) => p.field === "fhirBase")?.message ?? "");
  }

  async function validate(discover: boolean): Promise<SetupCheck | undefined> {
    try {
      const c = await backend.checkSetup(fhirBase.value, clientId.value, discover);
      show(c);
      return c;
    } catch (e) {
      replace(result, h("div", { class: "notice error", role: "alert" }, errorText(e)));
      return undefined;
    }
  }

  const onInput = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void validate(false), 250);
  };
  clientId.addEventListener("input", onInput);
  fhirBase.addEventListener("input", onInput);

  async function test() {
    replace(result, h("div", { class: "notice" }, "Contacting Epic…"));
    const c = await validate(true);
    if (!c) return;
    if (c.problems.length > 0) {
      replace(result, h("div", { class: "notice error", role: "alert" }, "Fix the fields marked above, then try again."));
    } else if (c.discovery) {
      replace(
        result,
        h(
          "div",
          { class: "notice ok" },
          h("strong", {}, "Epic answered. "),
          `Sign-in page: ${c.discovery.authorize}. Secure sign-in (PKCE) ${c.discovery.pkceS256 ? "is supported" : "is NOT supported"}. Issuer: ${c.discovery.issuer}.`,
        ),
      );
    }
  }

  async function signIn() {
    const c = check?.discovery ? check : await validate(true);
    if (!c || c.problems.length > 0) {
      replace(result, h("div", { class: "notice error", role: "alert" }, "Fix the fields marked above, then try again."));
      return;
    }
    try {
      await backend.setup(c.fhirBase, c.clientId, name.value.trim());
      replace(result, h("div", { class: "notice" }, "Your browser has opened Epic's sign-in page. Sign in there, then come back here."));
      const who = await backend.signIn();
      replace(result, h("div", { class: "notice ok" }, `Signed in as ${who.user}.`));
      done();
    } catch (e) {
      replace(result, h("div", { class: "notice error", role: "alert" }, errorText(e)));
    }
  }

  async function demo() {
    try {
      replace(result, h("div", { class: "notice" }, "Starting the demo practice…"));
      await backend.startDemo();
      done();
    } catch (e) {
      replace(result, h("div", { class: "notice error", role: "alert" }, errorText(e)));
    }
  }

  return h(
    "section",
    { class: "wizard", "aria-label": "Set up your practice" },
    h("h2", {}, "Set up HealthPrep Desk for your practice"),
    h("p", {}, "You need the Epic client ID your practice registered for HealthPrep Desk and your organisation's FHIR address. Your Epic analyst can give you both."),
    h("label", { for: "practice-name" }, "Practice name"),
    name,
    h("label", { for: "client-id" }, "Epic client ID"),
    clientId,
    clientMsg,
    h("label", { for: "fhir-base" }, "FHIR base URL"),
    fhirBase,
    baseMsg,
    h(
      "div",
      { class: "toolbar" },
      h("button", { id: "test-connection", onclick: () => void test() }, "Test connection"),
      h("button", { id: "sign-in", class: "primary", onclick: () => void signIn() }, "Sign in with Epic"),
      h("span", { class: "spacer" }),
      h("button", { id: "try-demo", onclick: () => void demo() }, "Try the demo"),
    ),
    result,
  );
}
