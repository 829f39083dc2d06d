import type { Backend } from "../api/backend";
import { failure } from "../api/backend";
import type { DayRow, Failure, Result, Sheet } from "../api/types";
import { type Child, dayLabel, h, hhmm, shortDate } from "./dom";
import { errorBox } from "./errors";
import { statusLabel, visitStatusLabel } from "./labels";

// Printing the day. The app lays the pages out itself, in a hidden frame,
// rather than leaving page breaks to the print engine: the count of pages is
// then known (and said) before the print dialog, every page carries its own
// header and footer (practice, day, provider, page x of y) in any web view,
// WebKitGTK included, which prints no CSS page-margin boxes, and what is
// printed is what Today shows (the provider and the other filters).

/** What "Print day" prints: a prep sheet per patient, or the day's list. */
export type PrintKind = "sheets" | "list";

export const printKindLabel: Record<PrintKind, string> = {
  sheets: "One page per patient (prep sheets)",
  list: "Day list (one line per visit, with what is due)",
};

/** What is printed, as Today shows it. */
export interface PrintScope {
  practice: string;
  date: string;
  /** The provider filter ("" for every provider). */
  provider: string;
  /** Today's other filters in words ("Something due"), "" for none. */
  filter: string;
}

/** A block of the print flow: its measured height and how it may be placed. */
export interface Block {
  height: number;
  /** Starts a new page (a patient's sheet). */
  breakBefore?: boolean;
  /** Stays on the page of the block after it (a heading). */
  keepWithNext?: boolean;
  /** The block shown at the top of a page this block continues onto (a
   *  continued sheet's name line, the list's column headings). */
  repeat?: number;
  /** Placed only as a repeat, never in the flow. */
  repeatOnly?: boolean;
}

export interface Placed {
  block: number;
  repeated?: boolean;
}

/** paginate places blocks on pages of the given height, in order: a page
 *  ends before a block that does not fit (with the one after it, for a
 *  heading), and before each breakBefore block. A block taller than a page
 *  gets a page of its own. */
export function paginate(blocks: Block[], capacity: number): Placed[][] {
  const pages: Placed[][] = [];
  let page: Placed[] = [];
  let used = 0;
  let content = false; // the page holds more than a repeat
  const newPage = (continuing?: number) => {
    if (page.length) pages.push(page);
    page = [];
    used = 0;
    content = false;
    if (continuing !== undefined) {
      page.push({ block: continuing, repeated: true });
      used = blocks[continuing].height;
    }
  };
  blocks.forEach((b, i) => {
    if (b.repeatOnly) return;
    if (b.breakBefore) {
      if (content) newPage();
    } else {
      const next = b.keepWithNext ? blocks.slice(i + 1).find((x) => !x.repeatOnly) : undefined;
      const need = b.height + (next && !next.breakBefore ? next.height : 0);
      if (content && used + need > capacity) newPage(b.repeat);
    }
    // A page's first block brings its repeat (the list's column headings).
    if (page.length === 0 && b.repeat !== undefined && !b.breakBefore) {
      page.push({ block: b.repeat, repeated: true });
      used += blocks[b.repeat].height;
    }
    page.push({ block: i });
    used += b.height;
    content = true;
  });
  if (page.length) pages.push(page);
  return pages;
}

/** The short name of a screening for the day list. */
const shortTitle = (r: Result) => r.title.replace(/ screening$/i, "").replace(/ \(.*\)$/, "");

/** dueWords says what is due for a visit, in a line: "Mammogram · A1C ·
 *  Flu; 1 due soon, 1 to review". */
export function dueWords(results: Result[]): string {
  const due = results.filter((r) => r.status === "due").map(shortTitle);
  const soon = results.filter((r) => r.status === "due_soon").length;
  const review = results.filter((r) => r.status === "needs_review").length;
  const rest = [soon && `${soon} due soon`, review && `${review} to review`].filter(Boolean).join(", ");
  if (!due.length) return rest ? `Nothing due; ${rest}` : "Nothing due";
  return rest ? `${due.join(" · ")}; ${rest}` : due.join(" · ");
}

/** rowDueWords is dueWords from a day row's short labels and counts. */
export function rowDueWords(r: DayRow): string {
  const c = r.counts;
  const rest = [c.dueSoon && `${c.dueSoon} due soon`, c.needsReview && `${c.needsReview} to review`].filter(Boolean).join(", ");
  const due = r.due ?? [];
  if (!due.length) return rest ? `Nothing due; ${rest}` : "Nothing due";
  return rest ? `${due.join(" · ")}; ${rest}` : due.join(" · ");
}

const blk = (attrs: Record<string, string | number | boolean | undefined>, ...c: Child[]) => h("div", { ...attrs, class: `blk ${attrs.class ?? ""}`.trim() }, ...c);

// A section of history on a sheet shows its newest lines only: the sheet is
// for the desk, the chart has the rest.
const linesShown = 3;

function sheetBlocks(s: Sheet): HTMLElement[] {
  const pt = s.patient;
  const name = pt.name || "(name not given)";
  const cont = blk({ class: "cont", "data-repeat-only": true }, `${name}, continued`);
  const head = blk(
    { class: "sheet-head", "data-break": true, "data-keep": true, "data-appointment": s.appointmentId, "data-provider": s.provider },
    h("h1", {}, name),
    h(
      "div",
      { class: "sub" },
      [pt.mrn ? `MRN ${pt.mrn}` : "", pt.age !== undefined ? `${pt.age} years` : "age unknown", pt.sex || "", pt.birthDate ? `born ${shortDate(pt.birthDate)}` : ""].filter(Boolean).join(" · "),
    ),
    h("div", { class: "sub" }, `${hhmm(s.time)} · ${s.visitType} · ${s.provider}`, s.status && visitStatusLabel[s.status] ? ` · ${visitStatusLabel[s.status]}` : ""),
  );
  if (s.notFetched) {
    return [cont, head, blk({ class: "note" }, "Could not be fetched: Epic did not give this patient's chart at the last update, and no earlier update did. Nothing is known about this patient's screenings.")];
  }
  const out = [cont, head];
  if (s.stale) out.push(blk({ class: "note" }, "Older data: Epic could not be reached for this patient at the last update."));
  for (const n of s.notes ?? []) out.push(blk({ class: "note" }, n));
  out.push(
    blk(
      { class: "res res-head", "data-keep": true },
      ["Screening", "Status", "Last done", "Next due", "Why"].map((t) => h("span", {}, t)),
    ),
  );
  if (s.results.length === 0) out.push(blk({ class: "note" }, "No screenings apply to this patient."));
  // What needs doing gets a row with its reason; what is done or excluded
  // is one line each, so a patient fits a page.
  const open = s.results.filter((r) => r.status === "due" || r.status === "due_soon" || r.status === "needs_review" || r.attention);
  const rest = (status: Result["status"]) => s.results.filter((r) => r.status === status && !open.includes(r));
  for (const r of open) {
    out.push(
      blk(
        { class: `res ${r.status.replace("_", "-")}` },
        h("span", { class: "title" }, r.title, r.review ? h("em", { class: "check" }, " (check)") : null),
        h("span", { class: "st" }, statusLabel[r.status] ?? r.status),
        h("span", {}, shortDate(r.lastDone)),
        h("span", {}, shortDate(r.nextDue)),
        h(
          "span",
          { class: "why" },
          r.reason,
          r.attention ? h("strong", {}, ` Needs attention: ${r.attention}`) : null,
          // "(check)" marks it; what to check is on the sheet in the app, one click from Today.
        ),
      ),
    );
  }
  const done = rest("complete");
  if (done.length) {
    out.push(blk({ class: "done-line" }, h("strong", {}, "Complete: "), done.map((r) => `${shortTitle(r)}${r.lastDone ? ` (${shortDate(r.lastDone)}${r.review ? ", check" : ""})` : ""}`).join(" · ")));
  }
  const excluded = rest("excluded");
  if (excluded.length) out.push(blk({ class: "done-line" }, h("strong", {}, "Excluded: "), excluded.map((r) => `${shortTitle(r)}${r.rule ? ` (${r.rule.replace(/^exclusion: /, "")})` : ""}`).join(" · ")));
  const sections: [string, Sheet["labs"]][] = [
    ["Active conditions", s.conditions],
    ["Recent labs", s.labs],
    ["Recent imaging", s.imaging],
    ["Consults and documents", s.consults],
    ["Hospital visits", s.hospital],
    ["Immunizations", s.immunizations],
  ];
  out.push(
    blk(
      { class: "sections" },
      sections.map(([title, lines]) => {
        const shown = (lines ?? []).slice(0, linesShown);
        const more = (lines ?? []).length - shown.length;
        return h(
          "section",
          {},
          h("h2", {}, title),
          shown.length ? shown.map((l) => h("div", { class: "line" }, l.date ? `${shortDate(l.date)} ` : "", l.title, l.detail ? ` — ${l.detail}` : "")) : h("div", { class: "none" }, "None on record."),
          more > 0 ? h("div", { class: "none" }, `and ${more} more (in the app)`) : null,
        );
      }),
    ),
  );
  return out;
}

function listBlocks(rows: DayRow[], sheets: Map<string, Sheet>, byProvider: boolean): HTMLElement[] {
  const out: HTMLElement[] = [blk({ class: "li li-head", "data-repeat-only": true }, ["Time", "Patient", "Visit", "Provider", "What is due"].map((t) => h("span", {}, t)))];
  let group = "";
  for (const r of rows) {
    if (byProvider && r.provider !== group) {
      group = r.provider;
      const n = rows.filter((x) => x.provider === group).length;
      out.push(blk({ class: "group", "data-keep": true }, `${group} · ${n} visit${n === 1 ? "" : "s"}`));
    }
    const s = sheets.get(r.appointmentId);
    const due = r.notFetched || s?.notFetched ? "Could not be fetched" : r.due ? rowDueWords(r) : s ? dueWords(s.results) : "";
    out.push(
      blk(
        { class: "li", "data-appointment": r.appointmentId },
        h("span", { class: "t" }, hhmm(r.time)),
        h("span", {}, h("strong", {}, r.patientName || "(name not given)"), h("span", { class: "sub" }, [r.mrn ? ` MRN ${r.mrn}` : "", r.age !== undefined ? `${r.age} y` : ""].filter(Boolean).join(" · "))),
        h("span", {}, r.visitType),
        h("span", {}, r.provider),
        h("span", { class: r.counts.due ? "what-due due" : "what-due" }, due),
      ),
    );
  }
  const withDue = rows.filter((r) => r.counts.due > 0).length;
  out.push(blk({ class: "total" }, `${rows.length} visit${rows.length === 1 ? "" : "s"} · ${withDue} with something due`));
  return out;
}

/** The print document's own styles: a page is a fixed box that fits both
 *  Letter and A4 paper, laid out by paginate, so the browser's page breaks
 *  fall exactly between the boxes. */
export const printCSS = `
@page { size: letter; margin: 0; }
html, body { margin: 0; padding: 0; background: #fff; }
body { font: 10pt/1.3 system-ui, "Segoe UI", Roboto, Ubuntu, Cantarell, sans-serif; color: #111; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.page { box-sizing: border-box; width: 8.2in; height: 10.9in; margin: 0 auto; padding: 0.45in 0.5in 0.4in; display: flex; flex-direction: column; overflow: hidden; break-after: page; page-break-after: always; }
.page:last-child { break-after: auto; page-break-after: auto; }
.page-head { display: flex; gap: 1em; align-items: baseline; border-bottom: 1.5px solid #222; padding-bottom: 1.5mm; font-size: 9pt; }
.page-head .practice { font-weight: 700; }
.page-head .what { flex: 1; text-align: center; }
.page-body { flex: 1; min-height: 0; overflow: hidden; padding-top: 2.5mm; }
.page-foot { display: flex; gap: 1em; border-top: 1px solid #888; padding-top: 1.2mm; font-size: 8pt; color: #333; }
.page-foot .spacer { flex: 1; }
.flow { position: absolute; left: 0; top: 0; visibility: hidden; }
.blk { display: flow-root; margin: 0; }
.sheet-head { padding-bottom: 1.5mm; }
.sheet-head h1 { font-size: 14pt; margin: 0; }
.sub { color: #333; font-size: 9pt; }
.cont { font-weight: 700; font-size: 9pt; padding-bottom: 1mm; color: #333; }
.note { font-size: 9pt; color: #6b3d00; padding: 0.6mm 0; }
.res, .li { display: grid; column-gap: 2mm; padding: 0.9mm 0; border-bottom: 0.5px solid #bbb; font-size: 9pt; }
.res { grid-template-columns: 24% 9% 10.5% 10.5% 1fr; }
.res-head, .li-head { font-weight: 700; font-size: 8pt; color: #333; border-bottom: 1px solid #555; }
.res.due .st { font-weight: 700; }
.why { font-size: 8pt; }
.check { color: #6b3d00; font-style: normal; }
.sections { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 2mm 4mm; padding-top: 3mm; font-size: 8.5pt; }
.sections h2 { font-size: 9pt; margin: 0 0 0.5mm; }
.sections .none { color: #555; }
.li { grid-template-columns: 0.55in 27% 16% 15% 1fr; }
.li .t { font-variant-numeric: tabular-nums; font-weight: 700; }
.li .due { font-weight: 700; }
.group { font-weight: 700; font-size: 9.5pt; padding: 2mm 0 0.8mm; }
.total { padding-top: 2mm; font-size: 9pt; }
.done-line { font-size: 8.5pt; padding: 1mm 0 0.5mm; color: #222; }
`;

/** flowElement is the document's content, unpaged: every block in order. */
export function flowElement(kind: PrintKind, rows: DayRow[], sheets: Map<string, Sheet>, byProvider: boolean): HTMLElement {
  const blocks = kind === "sheets" ? rows.flatMap((r) => (sheets.has(r.appointmentId) ? sheetBlocks(sheets.get(r.appointmentId)!) : [])) : listBlocks(rows, sheets, byProvider);
  return h("div", { class: "flow" }, blocks);
}

function pageShell(doc: Document, scope: PrintScope, kind: PrintKind): HTMLElement {
  const el = (tag: string, cls: string, text = "") => {
    const e = doc.createElement(tag);
    e.className = cls;
    e.textContent = text;
    return e;
  };
  const page = el("div", "page");
  const head = el("header", "page-head");
  const what = `${kind === "sheets" ? "Prep sheets" : "Day list"} · ${dayLabel(scope.date)}${scope.filter ? ` · ${scope.filter}` : ""}`;
  head.append(el("span", "practice", scope.practice), el("span", "what", what), el("span", "provider", scope.provider || "All providers"));
  const foot = el("footer", "page-foot");
  foot.append(el("span", "", "Patient information: keep it at the desk and shred it after the day."), el("span", "spacer"), el("span", "page-no"));
  page.append(head, el("div", "page-body"), foot);
  return page;
}

/** layOut turns the flow in doc's body into pages: it measures the blocks,
 *  places them with paginate and numbers the pages. It returns the count. */
export function layOut(doc: Document, scope: PrintScope, kind: PrintKind): number {
  const flow = doc.querySelector<HTMLElement>(".flow")!;
  const probe = pageShell(doc, scope, kind);
  doc.body.append(probe);
  const body = probe.querySelector<HTMLElement>(".page-body")!;
  const style = doc.defaultView!.getComputedStyle(body);
  const capacity = Math.floor(body.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)) - 1;
  flow.style.width = `${body.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)}px`;
  probe.remove();
  const els = [...flow.children] as HTMLElement[];
  const blocks: Block[] = [];
  let repeat: number | undefined;
  els.forEach((e, i) => {
    const repeatOnly = e.hasAttribute("data-repeat-only");
    if (repeatOnly) repeat = i;
    const breakBefore = e.hasAttribute("data-break");
    blocks.push({ height: e.getBoundingClientRect().height, breakBefore, keepWithNext: e.hasAttribute("data-keep"), repeat: breakBefore || repeatOnly ? undefined : repeat, repeatOnly });
  });
  const pages = paginate(blocks, capacity);
  pages.forEach((placed, n) => {
    const page = pageShell(doc, scope, kind);
    page.querySelector(".page-no")!.textContent = `Page ${n + 1} of ${pages.length}`;
    // A sheet's page names its visit's provider when every provider is printed.
    if (!scope.provider && kind === "sheets") {
      const who = [...new Set(placed.map((p) => els[p.block].getAttribute("data-provider")).filter(Boolean))];
      if (who.length) page.querySelector(".provider")!.textContent = who.join(", ");
    }
    page.querySelector(".page-body")!.append(...placed.map((p) => (p.repeated ? els[p.block].cloneNode(true) : els[p.block])));
    doc.body.append(page);
  });
  flow.remove();
  return pages.length;
}

/** PrintJob prepares the day (or one sheet) for printing: it fetches the
 *  sheets, lays the pages out in a hidden frame, says how many pages, and
 *  prints the frame when asked. */
export class PrintJob {
  kind: PrintKind;
  /** Sheets fetched so far, by appointment. */
  private sheets = new Map<string, Sheet>();
  fetched = 0;
  pages?: number;
  error?: Failure;
  building = false;
  private frame?: HTMLIFrameElement;
  private run = 0;
  closed = false;

  constructor(
    private backend: Backend,
    readonly scope: PrintScope,
    readonly rows: DayRow[],
    private byProvider: boolean,
    kind: PrintKind,
    private changed: () => void,
  ) {
    this.kind = kind;
  }

  /** build fetches what the kind needs and lays out the pages; a newer
   *  build (another kind chosen) overtakes it. */
  async build(kind = this.kind): Promise<void> {
    const n = ++this.run;
    this.kind = kind;
    this.pages = undefined;
    this.error = undefined;
    this.building = true;
    this.changed();
    try {
      await this.fetchSheets(n);
      if (n !== this.run || this.closed) return;
      const frame = await this.newFrame();
      if (n !== this.run || this.closed) return;
      const doc = frame.contentDocument!;
      doc.body.append(doc.importNode(flowElement(kind, this.rows, this.sheets, this.byProvider), true));
      this.pages = layOut(doc, this.scope, kind);
    } catch (e) {
      if (n === this.run) this.error = failure(e);
    } finally {
      if (n === this.run) {
        this.building = false;
        this.changed();
      }
    }
  }

  private async fetchSheets(n: number): Promise<void> {
    const todo = this.rows.filter((r) => !this.sheets.has(r.appointmentId) && !r.notFetched);
    this.fetched = this.rows.length - todo.length;
    // A few at a time: the agent reads them from its cache.
    const next = async () => {
      for (let r = todo.shift(); r; r = todo.shift()) {
        if (n !== this.run || this.closed) return;
        this.sheets.set(r.appointmentId, await this.backend.sheet(this.scope.date, r.appointmentId));
        this.fetched++;
        this.changed();
      }
    };
    await Promise.all([next(), next(), next(), next()]);
    // A patient Epic never gave still gets its page, saying so.
    for (const r of this.rows) if (r.notFetched && !this.sheets.has(r.appointmentId)) this.sheets.set(r.appointmentId, notFetchedSheet(this.scope.date, r));
  }

  private newFrame(): Promise<HTMLIFrameElement> {
    this.removeFrame();
    document.querySelectorAll("iframe.print-frame").forEach((f) => f.remove());
    const frame = h("iframe", { class: "print-frame", title: "Print view", "aria-hidden": "true", tabindex: -1 });
    this.frame = frame;
    return new Promise((resolve) => {
      frame.addEventListener("load", () => resolve(frame), { once: true });
      frame.srcdoc = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Prep ${this.scope.date}</title><style>${printCSS}</style></head><body></body></html>`;
      document.body.appendChild(frame);
    });
  }

  /** print opens the print dialog for the pages laid out. The frame stays a
   *  minute: some web views return from print() before the dialog has read it. */
  print(): void {
    const frame = this.frame;
    const w = frame?.contentWindow;
    if (!frame || !w || this.pages === undefined) return;
    this.frame = undefined;
    w.focus();
    w.print();
    setTimeout(() => frame.remove(), 60_000);
  }

  close(): void {
    this.closed = true;
    this.run++;
    this.removeFrame();
  }

  private removeFrame(): void {
    this.frame?.remove();
    this.frame = undefined;
  }
}

function notFetchedSheet(date: string, r: DayRow): Sheet {
  return {
    date,
    appointmentId: r.appointmentId,
    patient: { id: r.patientId, name: r.patientName, mrn: r.mrn, age: r.age, sex: r.sex },
    time: r.time,
    provider: r.provider,
    visitType: r.visitType,
    status: r.status,
    notFetched: true,
    notes: [],
    results: [],
    measures: [],
    conditions: [],
    labs: [],
    imaging: [],
    consults: [],
    hospital: [],
    immunizations: [],
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** renderPrintPanel is Today's "Print day" panel: what will be printed, the
 *  choice of sheets or list, progress while it builds, then the page count
 *  and the button that opens the print dialog. */
export function renderPrintPanel(job: PrintJob, onKind: (k: PrintKind) => void, onPrint: () => void, onClose: () => void): HTMLElement {
  const sc = job.scope;
  const who = sc.provider || "all providers";
  const filter = sc.filter ? `, ${sc.filter.toLowerCase()}` : "";
  const status: Child = job.error
    ? null
    : job.building
      ? h("span", {}, h("span", { class: "spinner", "aria-hidden": "true" }), job.kind === "sheets" || job.fetched < job.rows.length ? `Preparing the prep sheets: ${job.fetched} of ${job.rows.length}…` : "Laying out the pages…")
      : job.pages !== undefined
        ? h("strong", { id: "print-pages" }, `${plural(job.pages, "page")} to print`, job.kind === "sheets" ? ` for ${plural(job.rows.length, "patient")}.` : ".")
        : null;
  return h(
    "section",
    { class: "notice print-panel", id: "print-panel", "aria-labelledby": "print-title" },
    h("h2", { id: "print-title", tabindex: -1 }, `Print ${dayLabel(sc.date)}: ${plural(job.rows.length, "visit")}, ${who}${filter}`),
    h("p", { class: "help" }, "What Today shows is printed (cancelled visits and no-shows are left out). Each page names the practice, the day, the provider and its page number."),
    h(
      "fieldset",
      { class: "choices print-kind" },
      h("legend", {}, "What to print"),
      (["sheets", "list"] as const).map((k) =>
        h(
          "div",
          { class: "choice" },
          h("input", { type: "radio", name: "print-kind", id: `print-kind-${k}`, value: k, checked: job.kind === k, onchange: () => onKind(k) }),
          h("label", { for: `print-kind-${k}` }, printKindLabel[k]),
        ),
      ),
    ),
    h("p", { id: "print-status", role: "status", "aria-live": "polite" }, status),
    job.error ? errorBox({ ...job.error, message: `The pages could not be prepared. ${job.error.message}` }, "print-error") : null,
    h(
      "p",
      { class: "print-actions" },
      h("button", { id: "print-go", class: "primary", onclick: onPrint, disabled: job.building || job.pages === undefined, "aria-describedby": "print-status" }, "Print…"),
      " ",
      h("button", { id: "print-close", onclick: onClose }, "Cancel"),
    ),
  );
}

/** DayPrint is Today's "Print day" panel: the job being prepared, if any,
 *  and the kind last chosen, kept for the next. */
export class DayPrint {
  job?: PrintJob;
  kind: PrintKind = "sheets";

  constructor(
    private backend: Backend,
    private changed: () => void,
  ) {}

  /** open starts preparing rows for printing, in place of an open job. */
  open(scope: PrintScope, rows: DayRow[], byProvider: boolean, focus: boolean): void {
    this.job?.close();
    const job = new PrintJob(this.backend, scope, rows, byProvider, this.kind, this.changed);
    this.job = job;
    this.changed();
    if (focus) document.getElementById("print-title")?.focus();
    void job.build();
  }

  /** close closes the panel; the keyboard goes back to "Print day". */
  close(): void {
    const had = this.job !== undefined;
    this.job?.close();
    this.job = undefined;
    this.changed();
    if (had) document.getElementById("print-day")?.focus();
  }

  /** drop closes any job without drawing (nothing to print). */
  drop(): void {
    this.job?.close();
    this.job = undefined;
  }

  /** panel draws the open job for date, if it is for that day. */
  panel(date: string): HTMLElement | null {
    const job = this.job;
    if (!job || job.scope.date !== date) return null;
    return renderPrintPanel(
      job,
      (k) => {
        this.kind = k;
        void job.build(k);
      },
      () => {
        job.print();
        this.close();
      },
      () => this.close(),
    );
  }
}
