import type { DocumentText, Evidence } from "../api/types";
import { failure } from "../api/backend";
import { h, shortDate } from "./dom";
import { errorBox } from "./errors";

/** LoadText fetches a cited document's extracted text (from the agent's
 *  encrypted cache; it never goes to Epic). */
export type LoadText = (docId: string) => Promise<DocumentText>;

const words = (s: string) =>
  s
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("\\s+");

/** locate finds the cited sentence in the text, and its phrase inside it,
 *  whatever the line breaks (the matcher reads sentences across them).
 *  Returns [before, sentence up to the phrase, phrase, rest of the
 *  sentence, after], or null when the sentence is not found. */
export function locate(text: string, sentence: string, phrase: string): [string, string, string, string, string] | null {
  const w = words(sentence);
  if (!w) return null;
  const m = new RegExp(w).exec(text);
  if (!m) return null;
  const seg = m[0];
  const before = text.slice(0, m.index);
  const after = text.slice(m.index + seg.length);
  const pw = words(phrase);
  const p = pw ? new RegExp(pw).exec(seg) : null;
  if (!p) return [before, seg, "", "", after];
  return [before, seg.slice(0, p.index), p[0], seg.slice(p.index + p[0].length), after];
}

const methodLabel: Record<string, string> = {
  text: "plain text",
  html: "a web page (HTML)",
  rtf: "a word-processor file (RTF)",
  pdf: "a PDF's text",
  ocr: "a scan, by OCR: check odd words against the original",
  "pdf+ocr": "a scanned PDF, by OCR: check odd words against the original",
};

/** body shows the text with the cited sentence and its phrase marked. */
function body(dt: DocumentText, sentence: string, phrase: string): HTMLElement {
  const parts = locate(dt.text, sentence, phrase);
  const pre = h("pre", { class: "doc-text-body" });
  if (!parts) {
    pre.append(dt.text);
  } else {
    const [before, s1, ph, s2, after] = parts;
    pre.append(before, h("span", { class: "cited", id: "doc-text-cited" }, s1, ph ? h("mark", {}, ph) : null, s2), after);
  }
  return pre;
}

/** openDocumentText shows a cited document's text in a modal dialog over
 *  the sheet. Escape or Close shuts it and puts the focus back on the
 *  button that opened it (or, if the sheet was redrawn meanwhile, on the
 *  button with the same id). */
export function openDocumentText(load: LoadText, e: Evidence, opener: HTMLElement): HTMLDialogElement {
  document.getElementById("doc-text-dialog")?.remove();
  const t = e.text;
  const sentence = t?.sentence ?? "";
  const bytes = new TextEncoder().encode(sentence);
  const phrase = t ? new TextDecoder().decode(bytes.slice(Math.max(0, t.start), Math.max(t.start, t.end))) : "";
  const status = h("div", { class: "notice", role: "status" }, "Loading the document's text…");
  const content = h("div", { class: "doc-text-content", tabindex: 0, "aria-label": "The document's text" }, status);
  const meta = h("p", { class: "sub", id: "doc-text-meta" }, [e.display, t?.org].filter(Boolean).join(" · "));
  const closeBtn = h("button", { type: "button", id: "doc-text-close", autofocus: true }, "Close");
  const dlg = h(
    "dialog",
    { id: "doc-text-dialog", class: "doc-text", "aria-labelledby": "doc-text-title", "aria-describedby": "doc-text-meta" },
    h("header", { class: "toolbar" }, h("h2", { id: "doc-text-title" }, e.display || "Document"), h("span", { class: "spacer" }), h("span", { class: "hint" }, "Esc"), closeBtn),
    meta,
    content,
  );
  const restore = () => {
    const back = opener.isConnected ? opener : opener.id ? document.getElementById(opener.id) : null;
    back?.focus();
  };
  const close = () => {
    if (dlg.open) dlg.close();
    else dlg.dispatchEvent(new Event("close"));
  };
  closeBtn.addEventListener("click", close);
  // Escape closes the dialog only: the sheet's own Escape (back to the day)
  // sees the event handled.
  dlg.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    ev.preventDefault();
    ev.stopPropagation();
    close();
  });
  dlg.addEventListener("cancel", (ev) => {
    ev.preventDefault();
    close();
  });
  dlg.addEventListener("close", () => {
    dlg.remove();
    restore();
  });
  document.body.append(dlg);
  if (typeof dlg.showModal === "function") dlg.showModal();
  else dlg.setAttribute("open", "");
  closeBtn.focus();
  load(e.id).then(
    (dt) => {
      if (!dlg.isConnected) return;
      meta.textContent = [dt.title || e.display, dt.org, dt.date ? shortDate(dt.date) : "", dt.method ? `read from ${methodLabel[dt.method] ?? dt.method}` : "", dt.pages && dt.pages > 1 ? `${dt.pages} pages` : ""]
        .filter(Boolean)
        .join(" · ");
      content.replaceChildren(body(dt, sentence, phrase));
      const cited = content.querySelector("#doc-text-cited") as HTMLElement | null;
      cited?.scrollIntoView?.({ block: "center" });
    },
    (err) => {
      if (dlg.isConnected) content.replaceChildren(errorBox(failure(err), "doc-text-error"));
    },
  );
  return dlg;
}
