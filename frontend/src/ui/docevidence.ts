import type { Evidence, TextEvidence } from "../api/types";
import { h, shortDate } from "./dom";

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
 *  result is always "check": text is never taken as a coded result. */
export function textEvidence(e: Evidence): HTMLElement | null {
  const t = e.text;
  if (!t) return null;
  const [before, phrase, after] = splitAt(t);
  const doc = [e.display, t.org, t.docDate ? `filed ${shortDate(t.docDate)}` : ""].filter((s) => s).join(" · ");
  return h(
    "figure",
    { class: "doc-evidence" },
    h("blockquote", {}, "“", before, h("mark", {}, phrase), after, "”"),
    h("figcaption", { class: "ev-meta" }, `From the document: ${doc}`),
  );
}
