import type { BuildInfo, Status } from "../api/types";
import { dayLabel, h, hhmm } from "./dom";

/** renderAbout shows what support asks for first: the builds, the
 *  catalogue in use, the last update and where secrets are kept. */
export function renderAbout(status: Status | undefined, build: BuildInfo | undefined, onBack: () => void): HTMLElement {
  const rows: [string, string][] = [
    ["App version", build?.version ?? "…"],
    ["Commit", build?.commit ?? "…"],
    ["Built", build?.date ?? "…"],
    ["Go", build?.goVersion ?? "…"],
    ["Agent version", status?.version ?? "…"],
    ["Mode", status ? { demo: "demo practice", practice: "practice", unconfigured: "not set up" }[status.mode] : "…"],
    ["Screening catalogue", status?.catalogue ? `${status.catalogue.version} (${status.catalogue.count} screenings)` : ""],
    [
      "Last update",
      status?.lastSync
        ? `${dayLabel(status.lastSync.date)}, at ${hhmm(status.lastSync.at)}${status.lastSync.partial ? " (partial)" : ""}${status.lastSync.error ? ` — ${status.lastSync.error}` : ""}`
        : "",
    ],
    ["Requests to Epic", status?.requests ? `${status.requests.total} (${status.requests.errors} errors, ${status.requests.retries} retries)` : ""],
    ["Next planned update", status?.nextSync ? `${dayLabel(status.nextSync.slice(0, 10))} at ${hhmm(status.nextSync)}` : ""],
    ["Secrets kept in", status?.keychain ?? ""],
  ];
  return h(
    "section",
    { class: "about", "aria-labelledby": "about-title" },
    h("div", { class: "toolbar" }, h("button", { id: "about-back", onclick: onBack }, "← Back")),
    h("h2", { id: "about-title" }, "About HealthPrep Desk"),
    h("p", {}, "Screening prep for the day's patients, from your practice's Epic, kept in an encrypted store on this computer."),
    h("dl", { class: "facts", id: "about-facts" }, rows.filter(([, v]) => v).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
  );
}
