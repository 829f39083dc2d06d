import type { Failure } from "../api/types";
import { type Child, disclosure, h } from "./dom";

/** What the reader can do about each kind of failure, in front-desk words. */
const advice: Record<string, string> = {
  offline: "The saved prep is still shown. The app keeps trying; you can also press “Update from Epic” later.",
  needs_sign_in: "A practice manager needs to sign in to Epic again.",
  busy: "",
  not_found: "",
  bad_request: "",
  forbidden: "Epic refused this request. Your Epic analyst can check what the app is allowed to read.",
  not_configured: "",
  internal: "If this keeps happening, call support and read them the details below.",
};

/** errorBox shows a failure: the words first, what to do, and the agent's
 *  detail behind a "Details for support" disclosure. id keeps the
 *  disclosure's open state across re-renders. */
export function errorBox(f: Failure, id: string, ...extra: Child[]): HTMLElement {
  const tip = f.kind ? advice[f.kind] : "";
  const support = [f.kind ? `Kind: ${f.kind}` : "", f.detail ?? ""].filter(Boolean).join("\n");
  return h(
    "div",
    { class: "notice error", role: "alert", id },
    h("div", { class: "error-message" }, f.message),
    tip ? h("div", { class: "error-advice" }, tip) : null,
    ...extra,
    f.detail ? disclosure(`${id}-details`, "Details for support", h("pre", { class: "support-detail" }, support)) : null,
  );
}
