type Attrs = Record<string, string | number | boolean | ((e: Event) => void) | undefined>;
export type Child = Node | string | number | null | undefined | false | Child[];

/** h builds an element: attributes (on* are listeners) and children. Text
 *  is always set as text, never parsed as HTML, so record data cannot
 *  inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (tag === "select" && k === "value") continue; // set below, once the options are in
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  // A select's value is a property: set it after its options exist.
  if (el instanceof HTMLSelectElement && attrs.value !== undefined) el.value = String(attrs.value);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** replace swaps a container's content. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** rerender swaps a container's content and puts the keyboard focus (and a
 *  text field's caret) back on the element with the same id, so a full
 *  re-render while someone types or tabs through rows loses nothing.
 *  Every focusable element the UI draws has a stable id for this. */
export function rerender(root: Element, ...children: Child[]): void {
  const active = document.activeElement as HTMLElement | null;
  const id = active && active !== document.body && root.contains(active) ? active.id : "";
  let caret: [number | null, number | null] | undefined;
  if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) {
    try {
      caret = [active.selectionStart, active.selectionEnd];
    } catch {
      // inputs like checkboxes have no caret
    }
  }
  replace(root, ...children);
  if (!id) return;
  const next = document.getElementById(id);
  if (!next || !root.contains(next)) return;
  next.focus({ preventScroll: true });
  if (caret && (next instanceof HTMLInputElement || next instanceof HTMLTextAreaElement)) {
    try {
      next.setSelectionRange(caret[0], caret[1]);
    } catch {
      // not a text field after all
    }
  }
}

// Disclosures stay open across re-renders.
const openDisclosures = new Set<string>();

/** disclosure is a <details> whose open state survives re-renders. */
export function disclosure(id: string, summary: string, ...content: Child[]): HTMLDetailsElement {
  const d = h(
    "details",
    { id, open: openDisclosures.has(id) },
    h("summary", { id: `${id}-summary` }, summary),
    ...content,
  );
  d.addEventListener("toggle", () => {
    if (d.open) openDisclosures.add(id);
    else openDisclosures.delete(id);
  });
  return d;
}

/** hhmm formats an RFC 3339 time as local HH:MM. */
export function hhmm(iso?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** shortDate formats YYYY-MM-DD (or RFC 3339) as e.g. 2025-03-14. */
export function shortDate(s?: string): string {
  if (!s) return "";
  return s.slice(0, 10);
}

const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** parseDate reads YYYY-MM-DD as a local calendar day (noon, so no clock
 *  change moves it to another day). */
export function parseDate(date: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
}

export function formatDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** dayLabel formats YYYY-MM-DD as e.g. "Tue 24 Nov 2026". */
export function dayLabel(date: string): string {
  const d = parseDate(date);
  if (!d) return date;
  return `${weekdays[d.getDay()]} ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()}`;
}

/** isWeekend says whether YYYY-MM-DD is a Saturday or Sunday. */
export function isWeekend(date: string): boolean {
  const d = parseDate(date);
  return d !== undefined && (d.getDay() === 0 || d.getDay() === 6);
}

/** lastWeekday is the latest Monday–Friday on or before date. */
export function lastWeekday(date: string): string {
  const d = parseDate(date);
  if (!d) return date;
  while (d.getDay() === 0 || d.getDay() === 6) d.setDate(d.getDate() - 1);
  return formatDate(d);
}
