import { sentence } from "../api/backend";
import type { DayList, Failure, PresetInfo, Status } from "../api/types";
import { dayLabel, disclosure, formatDate, h, hhmm } from "./dom";
import { errorBox } from "./errors";
import { fieldLabel } from "./setupreport";
import type { SignInFlow } from "./signin";

// The window's chrome: the header, the skip link and the banners above the
// screen. They are drawn from the controller's state (DeskApp) and call
// back into it; they hold no state of their own.

export type View = "today" | "sheet" | "settings" | "setup" | "about";

/** A banner the window shows above the screen until dismissed. */
export interface Notice {
  tone: "error" | "warn" | "info" | "ok";
  failure: Failure;
}

/** What the chrome shows: the controller's state. */
export interface ChromeState {
  status?: Status;
  agentProblem?: Failure;
  /** "Try again" is starting the agent. */
  restarting: boolean;
  /** The agent answered once and the first screen is chosen. */
  ready: boolean;
  view: View;
  day?: DayList;
  notice?: Notice;
  /** The agent's notice (status.notice) the front desk dismissed. */
  dismissedNotice?: string;
  signIn: SignInFlow;
}

/** What the chrome's buttons do. */
export interface ChromeActions {
  go(view: View): void;
  restartAgent(): void;
  setUp(): void;
  dismissAgentNotice(text: string): void;
  dismiss(): void;
}

export function renderHeader(c: ChromeState, act: ChromeActions): HTMLElement {
  const s = c.status;
  const demo = s?.mode === "demo";
  const name = s?.practice?.name ?? "HealthPrep Desk";
  const asOf = (c.view === "today" || c.view === "sheet") && c.day?.asOf ? `as of ${asOfLabel(c.day.asOf, s?.today)}` : "";
  const nav = (view: View, label: string) => h("button", { id: `nav-${view}`, "aria-current": c.view === view ? "page" : undefined, onclick: () => act.go(view) }, label);
  return h(
    "header",
    { class: "app-header" },
    h("h1", { id: "header-practice" }, name, demo ? h("span", { class: "badge", id: "demo-badge" }, "DEMO") : null),
    h("span", { class: "spacer" }),
    s?.signedIn ? h("span", { class: "user", id: "user" }, `Signed in: ${s.signedIn.user}`) : null,
    c.agentProblem
      ? h("span", { class: "net offline", id: "net" }, "Agent not answering")
      : s && s.mode !== "unconfigured"
        ? h(
            "span",
            { class: `net ${s.online ? "online" : "offline"}`, id: "net", title: s.offlineReason ?? "" },
            s.online ? "Online" : `Epic unreachable${s.offlineSince ? ` since ${hhmm(s.offlineSince)}` : ""}`,
          )
        : null,
    asOf ? h("span", { class: "as-of", id: "as-of" }, asOf) : null,
    s && c.ready
      ? h(
          "nav",
          { "aria-label": "Main" },
          s.mode !== "unconfigured" ? nav("today", "Today") : null,
          s.mode !== "unconfigured" ? nav("settings", "Settings") : null,
          nav("about", "About"),
        )
      : null,
  );
}

/** agentDown is the one message for an agent that does not answer, and
 *  "Try again", which starts it again. */
export function agentDown(p: Failure, restarting: boolean, act: Pick<ChromeActions, "restartAgent">): HTMLElement {
  const same = /agent is not answering/i.test(p.message);
  return errorBox(
    { ...p, message: same ? "The HealthPrep agent is not answering." : `The HealthPrep agent is not answering: ${p.message}` },
    "agent-error",
    h(
      "div",
      { class: "toolbar" },
      h("button", { id: "agent-retry", onclick: () => void act.restartAgent(), disabled: restarting }, restarting ? "Starting the agent…" : "Try again"),
      h("span", { class: "error-advice" }, "Try again starts the agent. The app also keeps trying every few seconds."),
    ),
  );
}

export function renderBanners(s: Status, c: ChromeState, act: ChromeActions): (HTMLElement | null)[] {
  const n = c.notice;
  // Epic away: the offline banner says it once; an update's failure for
  // the same reason adds nothing but its details.
  const offlineFailure = n?.tone === "error" && n.failure.kind === "offline" && !s.online;
  const reason = s.offlineReason && !/cannot be reached/i.test(s.offlineReason) ? ` (${s.offlineReason})` : "";
  return [
    c.agentProblem ? agentDown(c.agentProblem, c.restarting, act) : null,
    s.mode !== "practice" && s.preset && c.view === "today" ? presetBanner(s.preset, act) : null,
    s.mode === "demo" && !s.preset && c.view === "today"
      ? h(
          "div",
          { class: "notice demo-banner", id: "demo-banner", role: "note" },
          h("span", {}, "You are looking at the demo: a made-up practice on a simulated Epic."),
          h("span", { class: "spacer" }),
          h("button", { id: "demo-setup", class: "primary", onclick: () => act.setUp() }, "Set up your practice"),
        )
      : null,
    s.notice && s.notice !== c.dismissedNotice
      ? h(
          "div",
          { class: "notice info agent-notice", id: "agent-notice", role: "status" },
          h("span", { id: "agent-notice-text" }, s.notice),
          h("span", { class: "spacer" }),
          h("button", { id: "agent-notice-dismiss", "aria-describedby": "agent-notice-text", onclick: () => act.dismissAgentNotice(s.notice ?? "") }, "Dismiss"),
        )
      : null,
    s.mode !== "unconfigured" && !s.online
      ? h(
          "div",
          { class: "notice warn offline-banner", id: "offline-banner", role: "status" },
          `Epic cannot be reached${reason}${s.offlineSince ? ` since ${hhmm(s.offlineSince)}` : ""}. Showing saved prep${s.lastSync ? ` from ${hhmm(s.lastSync.at)}` : ""}; the app keeps trying.`,
          offlineFailure && n.failure.detail ? disclosure("offline-details", "Details for support", h("pre", {}, n.failure.detail)) : null,
        )
      : null,
    s.mode === "practice" && s.needsSignIn && c.view !== "setup"
      ? h(
          "div",
          { class: "notice warn", id: "needs-signin", role: "status" },
          h("p", {}, "Epic needs someone to sign in before the next update. The saved prep is still shown."),
          c.signIn.render(),
        )
      : null,
    n && !offlineFailure
      ? n.tone === "error"
        ? errorBox(n.failure, "banner", h("button", { id: "banner-dismiss", onclick: () => act.dismiss() }, "Dismiss"))
        : h(
            "div",
            { class: `notice ${n.tone}`, role: "status", id: "banner" },
            n.failure.message,
            " ",
            h("button", { id: "banner-dismiss", onclick: () => act.dismiss() }, "Dismiss"),
          )
      : null,
  ];
}

/** presetBanner stands in for the demo banner when an installer prepared
 *  this computer for a practice but the agent could not finish its setup
 *  at start: it says why, and opens the wizard filled in with the preset. */
function presetBanner(p: PresetInfo, act: Pick<ChromeActions, "setUp">): HTMLElement {
  const who = p.name || "your practice";
  const reason = p.error
    ? h("p", { id: "preset-reason" }, sentence(p.error))
    : p.problems.length
      ? h(
          "div",
          { id: "preset-reason" },
          h("p", {}, `Some of its Epic details need fixing:`),
          h("ul", {}, p.problems.map((x) => h("li", {}, `${fieldLabel(x.field)}: ${x.message}`))),
        )
      : null;
  return h(
    "div",
    { class: "notice warn preset-banner", id: "preset-banner", role: "status" },
    h(
      "div",
      { class: "preset-text" },
      h("p", {}, h("strong", { id: "preset-title" }, `This computer was prepared for ${p.name || "a practice"}, but its setup could not finish.`)),
      reason,
      h("p", {}, "Until then you are looking at the demo: a made-up practice on a simulated Epic."),
      p.path ? disclosure("preset-banner-details", "Details for support", h("pre", { class: "support-detail" }, `Practice preset: ${p.path}`)) : null,
    ),
    h("span", { class: "spacer" }),
    h("button", { id: "preset-setup", class: "primary", "aria-describedby": "preset-title", onclick: () => act.setUp() }, `Finish setting up ${who}`),
  );
}

/** skipLink lets keyboard users jump past the header to the screen. */
export function skipLink(): HTMLElement {
  return h(
    "a",
    {
      class: "skip-link",
      id: "skip",
      href: "#main",
      onclick: (e: Event) => {
        e.preventDefault();
        const first = document.querySelector<HTMLElement>("#main button, #main select, #main input, #main tr.row, #main [tabindex='0']");
        (first ?? document.getElementById("main"))?.focus();
      },
    },
    "Skip to the screen",
  );
}

/** asOfLabel is when a day was fetched: the time, with the date when that
 *  was not today (a day fetched earlier, or another day on view). */
export function asOfLabel(iso: string, today?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return hhmm(iso);
  const date = formatDate(d);
  return date === today ? hhmm(iso) : `${dayLabel(date).replace(/ \d{4}$/, "")}, ${hhmm(iso)}`;
}
