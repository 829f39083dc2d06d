import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { CatalogueChange, CatalogueEdit, CatalogueProblem, CatalogueScreening, CatalogueView, Failure } from "../api/types";
import { type Draft, type FieldProblem, type Unit, editsFor, fieldInputIds, formProblem, inWords, parseDuration, special, unitWords } from "./cataloguedraft";
import { disclosure, h } from "./dom";
import { errorBox } from "./errors";

export { type Draft, durationText, editsFor, parseDuration, validDuration } from "./cataloguedraft";

function markRow(id: string): void {
  for (const tr of document.querySelectorAll<HTMLElement>("#catalogue-table tbody tr")) {
    if (tr.dataset.screening === id) tr.classList.add("changed");
  }
}

/** download saves text as a file through the web view's download. */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/yaml" }));
  const a = h("a", { href: url, download: name, class: "hidden" });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

type Outcome =
  | { kind: "problems"; from: "import"; name?: string; problems: CatalogueProblem[] }
  // An edit's problems: those at a field, and any the form has no place for (in words, no line).
  | { kind: "problems"; from: "edit"; fields: FieldProblem[]; other: string[] }
  | { kind: "saved"; text: string };

/** CatalogueEditor is Settings' screening catalogue: turn screenings on and
 *  off, change ages, due-soon windows and intervals, import and export the
 *  YAML. The agent validates; its problems show here and nothing is saved. */
export class CatalogueEditor {
  view?: CatalogueView;
  loadProblem?: Failure;
  problem?: Failure;
  drafts = new Map<string, Draft>();
  outcome?: Outcome;
  find = "";
  busy = false;
  confirmReset = false;

  constructor(
    private backend: Backend,
    private changed: () => void,
    private download: (name: string, text: string) => void = downloadText,
  ) {}

  async load(): Promise<void> {
    try {
      this.view = await this.backend.catalogue();
      this.loadProblem = undefined;
    } catch (e) {
      this.loadProblem = failure(e);
    }
    this.changed();
  }

  draft(id: string): Draft {
    let d = this.drafts.get(id);
    if (!d) {
      d = { intervals: {} };
      this.drafts.set(id, d);
    }
    return d;
  }

  /** set records a change. Text fields do not redraw the window (the
   *  field already shows it, and a redraw as focus moves on would swallow
   *  the click that moved it); their row is marked changed in place. */
  set(id: string, patch: Partial<Omit<Draft, "intervals">>, redraw = false): void {
    Object.assign(this.draft(id), patch);
    if (redraw) this.changed();
    else markRow(id);
  }

  setInterval(id: string, modality: string, iso: string): void {
    this.draft(id).intervals[modality] = iso;
    markRow(id);
  }

  pending(): CatalogueEdit[] {
    return this.view ? editsFor(this.view, this.drafts).edits : [];
  }

  discard(): void {
    this.drafts.clear();
    this.outcome = undefined;
    this.changed();
  }

  async save(): Promise<void> {
    if (!this.view) return;
    const { edits, problems } = editsFor(this.view, this.drafts);
    if (problems.length > 0) {
      this.outcome = { kind: "problems", from: "edit", fields: problems, other: [] };
      this.changed();
      return;
    }
    if (edits.length === 0) {
      this.outcome = { kind: "saved", text: "Nothing to save: no screening was changed." };
      this.changed();
      return;
    }
    await this.apply(() => this.backend.editCatalogue(edits), "edit", undefined, `Saved ${edits.length} change${edits.length === 1 ? "" : "s"}. Prep sheets use them from now on.`);
  }

  async importText(name: string, yaml: string): Promise<void> {
    await this.apply(() => this.backend.importCatalogue(yaml), "import", name, `Imported ${name}. Prep sheets use it from now on.`);
  }

  private async apply(run: () => Promise<CatalogueChange>, from: "edit" | "import", name: string | undefined, ok: string): Promise<void> {
    this.busy = true;
    this.problem = undefined;
    this.changed();
    try {
      const c = await run();
      if (c.problems?.length || !c.catalogue) {
        const problems = c.problems ?? [];
        if (from === "import") this.outcome = { kind: "problems", from, name, problems };
        else {
          const view = this.view!;
          const placed = problems.map((p) => formProblem(p, view));
          this.outcome = {
            kind: "problems",
            from,
            fields: placed.filter((p): p is FieldProblem => p !== undefined),
            other: problems.filter((_, i) => !placed[i]).map((p) => inWords(p.message.replace(/^Line \d+: /, ""))),
          };
        }
      } else {
        this.view = c.catalogue;
        this.drafts.clear();
        this.outcome = { kind: "saved", text: ok };
      }
    } catch (e) {
      this.problem = failure(e);
      this.outcome = undefined;
    } finally {
      this.busy = false;
      this.changed();
    }
  }

  async resetToDefault(): Promise<void> {
    this.busy = true;
    this.changed();
    try {
      this.view = await this.backend.resetCatalogue();
      this.drafts.clear();
      this.outcome = { kind: "saved", text: "Back to the default screening catalogue." };
      this.problem = undefined;
    } catch (e) {
      this.problem = failure(e);
    } finally {
      this.busy = false;
      this.confirmReset = false;
      this.changed();
    }
  }

  /** exportFile saves the YAML through the desktop's save dialog, or as a
   *  download where there is none (a plain browser). */
  async exportFile(): Promise<void> {
    if (!this.view) return;
    try {
      const path = await this.backend.exportCatalogue();
      if (path) this.outcome = { kind: "saved", text: `Exported to ${path}.` };
    } catch (e) {
      if (!(e instanceof TypeError)) {
        this.problem = failure(e);
        this.changed();
        return;
      }
      const name = `healthprep-screenings-${this.view.version.replace(/[^\w.-]+/g, "_")}.yaml`;
      this.download(name, this.view.yaml);
      this.outcome = { kind: "saved", text: `Exported as ${name} (look in your Downloads folder).` };
    }
    this.changed();
  }

  private async copyYAML(): Promise<void> {
    if (!this.view) return;
    const ok = await this.backend.copyText(this.view.yaml);
    this.outcome = { kind: "saved", text: ok ? "The catalogue's YAML is on the clipboard." : "Copying did not work: select the text and press Ctrl+C." };
    this.changed();
  }

  private outcomeBox(): HTMLElement | null {
    const o = this.outcome;
    if (!o) return null;
    if (o.kind === "saved") return h("div", { class: "notice ok", id: "catalogue-msg", role: "status" }, o.text);
    if (o.from === "edit") {
      const title = (id: string) => this.view?.screenings.find((s) => s.id === id)?.title ?? id;
      const n = o.fields.length + o.other.length;
      return h(
        "div",
        { class: "notice error", id: "catalogue-problems", role: "alert" },
        h("strong", {}, `The changes were not saved: fix ${n === 1 ? "the value" : `the ${n} values`} marked below and try again. Nothing was changed.`),
        h("ul", {}, o.fields.map((p) => h("li", {}, `${title(p.screening)}: ${p.message}`)), o.other.map((t) => h("li", {}, t))),
      );
    }
    const where = `${o.name ?? "The file"} was not imported`;
    const syntax = o.problems.some((p) => /did not find expected|could not find expected|cannot start any token|mapping values are not allowed|found unexpected end|found a tab/i.test(p.message));
    return h(
      "div",
      { class: "notice error", id: "catalogue-problems", role: "alert" },
      h("strong", {}, `${where}: fix ${o.problems.length === 1 ? "this problem" : `these ${o.problems.length} problems`} and try again. Nothing was changed.`),
      h(
        "ul",
        {},
        o.problems.map((p) => h("li", {}, p.line > 0 ? h("span", { class: "line" }, `Line ${p.line}: `) : null, p.message)),
      ),
      syntax
        ? h("p", { id: "catalogue-syntax-hint" }, "The file is not written as YAML should be at that line: check its indentation (spaces, not tabs) and that every quote and bracket opened there is closed.")
        : null,
    );
  }

  private durationField(id: string, value: string, onChange: (iso: string) => void, label: string): HTMLElement {
    if (special[value]) return h("span", { class: "fixed", id, title: "Change this in the YAML file" }, special[value]);
    const d = parseDuration(value);
    if (!d) {
      return h("input", {
        id,
        class: "duration-text",
        value,
        "aria-label": `${label} (ISO 8601, e.g. P1Y)`,
        oninput: (e: Event) => onChange((e.target as HTMLInputElement).value.trim()),
      });
    }
    let n = String(d.n);
    let unit = d.unit;
    // Whatever is typed goes into the draft; editsFor says what is wrong with it.
    const update = () => onChange(`P${n.trim()}${unit}`);
    return h(
      "span",
      { class: "duration" },
      h("input", {
        id: `${id}-n`,
        type: "number",
        min: 1,
        max: 999,
        value: d.n,
        "aria-label": `${label}: number`,
        oninput: (e: Event) => {
          n = (e.target as HTMLInputElement).value;
          update();
        },
      }),
      h(
        "select",
        {
          id: `${id}-u`,
          "aria-label": `${label}: unit`,
          value: unit,
          onchange: (e: Event) => {
            unit = (e.target as HTMLSelectElement).value as Unit;
            update();
            this.changed();
          },
        },
        (Object.keys(unitWords) as Unit[]).map((u) => h("option", { value: u, selected: u === unit }, unitWords[u])),
      ),
    );
  }

  private row(s: CatalogueScreening): HTMLElement {
    const d = this.drafts.get(s.id);
    const enabled = d?.enabled ?? s.enabled;
    const changed = this.view ? editsFor({ ...this.view, screenings: [s] }, this.drafts).edits.length > 0 : false;
    const id = `cat-${s.id}`;
    return this.markProblems(s, h(
      "tr",
      { class: `${enabled ? "" : "off"}${changed ? " changed" : ""}`, "data-screening": s.id },
      h(
        "td",
        {},
        h("input", {
          type: "checkbox",
          id: `${id}-on`,
          checked: enabled,
          "aria-label": `Use ${s.title}`,
          onchange: (e: Event) => this.set(s.id, { enabled: (e.target as HTMLInputElement).checked }, true),
        }),
      ),
      h(
        "th",
        { scope: "row" },
        h(
          "div",
          {},
          s.title,
          s.review
            ? h(
                "span",
                {
                  class: "chip check",
                  title: `Flagged for review${s.reviewGroups?.length ? `: codes in ${s.reviewGroups.join(", ")} are in no value set examined` : ""}. Check before relying on it.`,
                },
                "check",
              )
            : null,
        ),
        h("div", { class: "sub" }, s.sexes.length === 0 || s.sexes.length >= 2 ? "everyone" : s.sexes.join(", ")),
        s.manualReview ? h("div", { class: "sub" }, s.manualReview) : null,
      ),
      h(
        "td",
        { class: "ages" },
        h("input", {
          id: `${id}-min`,
          class: "age",
          inputmode: "numeric",
          value: d?.minAge ?? String(s.minAge),
          "aria-label": `${s.title}: lowest age`,
          oninput: (e: Event) => this.set(s.id, { minAge: (e.target as HTMLInputElement).value }),
        }),
        " to ",
        h("input", {
          id: `${id}-max`,
          class: "age",
          inputmode: "numeric",
          placeholder: "any",
          value: d?.maxAge ?? (s.maxAge === undefined ? "" : String(s.maxAge)),
          "aria-label": `${s.title}: highest age (empty for no limit)`,
          oninput: (e: Event) => this.set(s.id, { maxAge: (e.target as HTMLInputElement).value }),
        }),
      ),
      h("td", {}, this.durationField(`${id}-soon`, d?.dueSoon ?? s.dueSoon, (v) => this.set(s.id, { dueSoon: v }), `${s.title}: due soon window`)),
      h(
        "td",
        { class: "intervals" },
        s.modalities.map((m) =>
          h(
            "div",
            { class: "modality" },
            h(
              "span",
              { class: "mod-title" },
              m.title || m.id,
              m.doses ? h("span", { class: "sub" }, ` (${m.doses} doses)`) : null,
              m.intervalReview ? h("span", { class: "chip check", title: "No guideline fixes this interval: the practice decides" }, "your choice") : null,
            ),
            this.durationField(`${id}-${m.id}`, d?.intervals[m.id] ?? m.interval, (v) => this.setInterval(s.id, m.id, v), `${s.title}, ${m.title || m.id}: interval`),
          ),
        ),
      ),
    ));
  }

  /** markProblems puts each refused value's words under its field, marks
   *  the field invalid and ties the words to it for screen readers. */
  private markProblems(s: CatalogueScreening, tr: HTMLElement): HTMLElement {
    const o = this.outcome;
    if (o?.kind !== "problems" || o.from !== "edit") return tr;
    for (const p of o.fields.filter((x) => x.screening === s.id)) {
      const msgId = `cat-${s.id}-${p.field.replace(":", "-")}-msg`;
      const input = fieldInputIds(s.id, p.field)
        .map((i) => tr.querySelector<HTMLElement>(`[id="${i}"]`))
        .find((x) => x);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", msgId);
      }
      (input?.closest("td, th") ?? tr.querySelector("th"))?.append(h("div", { class: "field-msg", id: msgId }, p.message));
    }
    return tr;
  }

  render(): HTMLElement {
    if (this.loadProblem) return h("section", { class: "catalogue" }, errorBox(this.loadProblem, "catalogue-load-error"), h("button", { id: "catalogue-retry", onclick: () => void this.load() }, "Try again"));
    const v = this.view;
    if (!v) return h("section", { class: "catalogue" }, h("div", { class: "notice", role: "status" }, "Loading the screening catalogue…"));
    const needle = this.find.trim().toLowerCase();
    const shown = v.screenings.filter((s) => !needle || s.title.toLowerCase().includes(needle) || s.id.includes(needle));
    const fileInput = h("input", {
      type: "file",
      id: "catalogue-file",
      accept: ".yaml,.yml,text/yaml,application/yaml",
      class: "visually-hidden",
      tabindex: -1, // the Import button opens it
      "aria-label": "Screening catalogue file to import (YAML)",
      onchange: (e: Event) => {
        const input = e.target as HTMLInputElement;
        const f = input.files?.[0];
        input.value = "";
        if (f) void f.text().then((t) => this.importText(f.name, t));
      },
    });
    return h(
      "section",
      { class: "catalogue", "aria-labelledby": "catalogue-title" },
      h("h3", { id: "catalogue-title" }, "Screening catalogue"),
      h(
        "p",
        { class: "sub", id: "catalogue-version" },
        `Version ${v.version} · ${v.custom ? "your practice's own copy" : "the default that comes with HealthPrep Desk"} · ${v.screenings.filter((s) => s.enabled).length} of ${v.screenings.length} screenings in use`,
      ),
      h(
        "div",
        { class: "toolbar" },
        h("label", { class: "inline" }, "Find ", h("input", { id: "catalogue-find", type: "search", value: this.find, oninput: (e: Event) => ((this.find = (e.target as HTMLInputElement).value), this.changed()) })),
        h("span", { class: "spacer" }),
        fileInput,
        h("button", { id: "catalogue-import", onclick: () => fileInput.click(), disabled: this.busy }, "Import YAML file…"),
        h("button", { id: "catalogue-export", onclick: () => void this.exportFile() }, "Export YAML file"),
        v.custom ? h("button", { id: "catalogue-reset", onclick: () => ((this.confirmReset = true), this.changed()), disabled: this.busy }, "Go back to the default") : null,
      ),
      this.confirmReset
        ? h(
            "div",
            { class: "notice warn", role: "alert", id: "catalogue-reset-confirm" },
            "This replaces your practice's screening changes with the default catalogue. ",
            h("button", { id: "catalogue-reset-yes", class: "danger", onclick: () => void this.resetToDefault() }, "Yes, go back to the default"),
            " ",
            h("button", { id: "catalogue-reset-no", onclick: () => ((this.confirmReset = false), this.changed()) }, "Keep ours"),
          )
        : null,
      this.outcomeBox(),
      this.problem ? errorBox(this.problem, "catalogue-error") : null,
      h(
        "table",
        { class: "catalogue-table", id: "catalogue-table" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, "Use"), h("th", { scope: "col" }, "Screening"), h("th", { scope: "col" }, "Ages"), h("th", { scope: "col" }, "Due soon"), h("th", { scope: "col" }, "How often")),
        ),
        h("tbody", {}, shown.map((s) => this.row(s))),
      ),
      h(
        "div",
        { class: "toolbar sticky-save" },
        h("button", { id: "catalogue-save", class: "primary", onclick: () => void this.save(), disabled: this.busy }, "Save screening changes"),
        h("button", { id: "catalogue-discard", onclick: () => this.discard(), disabled: this.busy }, "Discard changes"),
      ),
      disclosure(
        "catalogue-yaml",
        "Show the catalogue as YAML",
        h("div", { class: "toolbar" }, h("button", { id: "catalogue-copy", onclick: () => void this.copyYAML() }, "Copy")),
        h("textarea", { id: "catalogue-yaml-text", readonly: true, rows: 16, spellcheck: "false", "aria-label": "Catalogue YAML" }, v.yaml),
      ),
    );
  }
}
