import type { Evidence, TextEvidence } from "../api/types";
import { h, shortDate } from "./dom";
import { type LoadText, openDocumentText } from "./doctext";

/** splitAt cuts a sentence around its phrase. The agent's offsets count
 *  UTF-8 bytes (Go strings); JavaScript strings count UTF-16 units. */
export function splitAt(t: TextEvidence): [string, string, string] {
  const bytes = new TextEncoder().encode(t.sentence);
  const dec = new TextDecoder();
  const start = Math.max(0, Math.min(t.start, bytes.length));
  const end = Math.max(start, Math.min(t.end, bytes.length));
  return [dec.decode(bytes.slice(0, start)), dec.decode(bytes.slice(start, end)), dec.decode(bytes.slice(end))];
}

/** textEvidence shows where a text-derived result came from: the sentence,
 *  its phrase marked, and the document (title, organisation, date). Such a
 *  result is always "check": text is never taken as a coded result. With
 *  load, a button opens the document's whole text; key (the result's id)
 *  keeps the button's id stable and unique across re-renders. */
export function textEvidence(e: Evidence, load?: LoadText, key = ""): HTMLElement | null {
  const t = e.text;
  if (!t) return null;
  const [before, phrase, after] = splitAt(t);
  const doc = [e.display, t.org, t.docDate ? `filed ${shortDate(t.docDate)}` : ""].filter((s) => s).join(" · ");
  return h(
    "figure",
    { class: "doc-evidence" },
    h("blockquote", {}, "“", before, h("mark", {}, phrase), after, "”"),
    h("figcaption", { class: "ev-meta" }, `From the document: ${doc}`),
    load
      ? h(
          "button",
          {
            type: "button",
            class: "link show-doc-text",
            id: `show-text-${key}-${e.id}`,
            "aria-haspopup": "dialog",
            onclick: (ev: Event) => openDocumentText(load, e, ev.currentTarget as HTMLElement),
          },
          "Show the document's text",
        )
      : null,
  );
}
