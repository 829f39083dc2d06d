import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { Failure, SignInState } from "../api/types";
import { h } from "./dom";
import { errorBox } from "./errors";
import { accessModeLabel } from "./labels";

export type SignInPhase = "idle" | "starting" | "waiting" | "done" | "failed";

/** How long each status call waits for the browser sign-in to finish. */
export const pollSeconds = 25;

/** SignInFlow drives a browser sign-in: start it (the agent opens the
 *  system browser at Epic), long-poll its status, cancel it. It keeps its
 *  own state and calls changed() on every step. */
export class SignInFlow {
  phase: SignInPhase = "idle";
  url?: string;
  user?: string;
  accessMode?: string;
  accessNote?: string;
  problem?: Failure;
  copied?: boolean;
  /** Why "Open in browser" did not work, if it did not. */
  openProblem?: Failure;
  private run = 0; // a newer run or a cancel makes older polls stop

  constructor(
    private backend: Backend,
    private changed: () => void,
    private onDone: (user: string) => void = () => {},
    private idPrefix = "signin",
  ) {}

  async start(): Promise<void> {
    const run = ++this.run;
    this.phase = "starting";
    this.problem = undefined;
    this.url = undefined;
    this.copied = false;
    this.changed();
    let st: SignInState;
    try {
      st = await this.backend.startSignIn();
    } catch (e) {
      if (run !== this.run) return;
      this.fail(failure(e));
      return;
    }
    if (run !== this.run) return;
    await this.apply(st, run);
  }

  /** cancel gives up on the sign-in; the agent closes its listener. */
  async cancel(): Promise<void> {
    this.run++;
    this.phase = "idle";
    this.url = undefined;
    this.changed();
    try {
      await this.backend.cancelSignIn();
    } catch {
      // nothing to cancel, or the agent is gone: either way it is over
    }
  }

  private async apply(st: SignInState, run: number): Promise<void> {
    switch (st.state) {
      case "waiting":
        this.phase = "waiting";
        if (st.url) this.url = st.url;
        this.changed();
        await this.poll(run);
        return;
      case "done":
        this.phase = "done";
        this.user = st.user ?? "";
        this.accessMode = st.accessMode;
        this.accessNote = st.accessNote;
        this.changed();
        this.onDone(this.user);
        return;
      case "failed":
        this.fail({ message: st.error || "The sign-in did not finish." });
        return;
      default:
        // idle: the agent has no sign-in running (it restarted, or it was cancelled elsewhere)
        this.fail({ message: "The sign-in was stopped before it finished." });
    }
  }

  private async poll(run: number): Promise<void> {
    let misses = 0;
    while (run === this.run) {
      let st: SignInState;
      try {
        st = await this.backend.signInStatus(pollSeconds);
      } catch (e) {
        if (run !== this.run) return;
        // A slow agent or a dropped call: try a few more times before giving up.
        if (++misses >= 3) {
          this.fail(failure(e));
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (run !== this.run) return;
      misses = 0;
      if (st.state !== "waiting") {
        await this.apply(st, run);
        return;
      }
      if (st.url && st.url !== this.url) {
        this.url = st.url;
        this.changed();
      }
    }
  }

  private fail(f: Failure): void {
    this.phase = "failed";
    this.problem = f;
    this.changed();
  }

  private async open(): Promise<void> {
    if (!this.url) return;
    this.openProblem = undefined;
    try {
      await this.backend.openURL(this.url);
    } catch (e) {
      this.openProblem = failure(e);
    }
    this.changed();
  }

  private async copy(): Promise<void> {
    if (!this.url) return;
    this.copied = await this.backend.copyText(this.url);
    this.changed();
  }

  /** render draws where the sign-in stands. */
  render(): HTMLElement {
    const p = this.idPrefix;
    switch (this.phase) {
      case "idle":
        return h(
          "div",
          { class: "signin", id: `${p}-panel` },
          h("button", { id: `${p}-start`, class: "primary", onclick: () => void this.start() }, "Sign in with Epic"),
        );
      case "starting":
        return h("div", { class: "signin notice", id: `${p}-panel`, role: "status" }, "Opening Epic's sign-in page in your browser…");
      case "waiting":
        return h(
          "div",
          { class: "signin notice", id: `${p}-panel`, role: "status", "aria-live": "polite" },
          h("p", { class: "waiting", id: `${p}-waiting` }, h("span", { class: "spinner", "aria-hidden": "true" }), "Waiting for you to sign in in the browser…"),
          h("p", {}, "HealthPrep Desk asked your web browser to open Epic's sign-in page. Sign in there with your Epic user name and password, then come back here: this page updates by itself."),
          this.url
            ? h(
                "div",
                { class: "fallback" },
                h("label", { for: `${p}-url` }, "No sign-in page in your browser? Open this address:"),
                h(
                  "div",
                  { class: "url-row" },
                  h("input", { id: `${p}-url`, readonly: true, value: this.url, onfocus: (e: Event) => (e.target as HTMLInputElement).select() }),
                  h("button", { id: `${p}-open`, onclick: () => void this.open() }, "Open in browser"),
                  h("button", { id: `${p}-copy`, onclick: () => void this.copy() }, this.copied ? "Copied" : "Copy"),
                ),
                h("div", { class: "field-msg", id: `${p}-open-msg`, role: "alert" }, this.openProblem?.message ?? ""),
              )
            : null,
          h("div", { class: "toolbar" }, h("button", { id: `${p}-cancel`, onclick: () => void this.cancel() }, "Cancel sign-in")),
        );
      case "done":
        return h(
          "div",
          { class: "signin notice ok", id: `${p}-panel`, role: "status" },
          h("strong", { id: `${p}-user` }, `Signed in as ${this.user || "your Epic user"}.`),
          this.accessMode && accessModeLabel[this.accessMode] ? ` Updates will use ${accessModeLabel[this.accessMode]}.` : "",
          this.accessNote ? h("p", { id: `${p}-access-note` }, this.accessNote) : null,
        );
      case "failed":
        return h(
          "div",
          { class: "signin", id: `${p}-panel` },
          errorBox(
            this.problem ?? { message: "The sign-in did not finish." },
            `${p}-error`,
            h(
              "div",
              { class: "error-advice" },
              "Check that you used the Epic account your practice gave you and finished in the browser. If the browser did not open, use “Try again” and then the address shown.",
            ),
          ),
          h("div", { class: "toolbar" }, h("button", { id: `${p}-retry`, class: "primary", onclick: () => void this.start() }, "Try again")),
        );
    }
  }
}
