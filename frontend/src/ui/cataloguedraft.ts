import type { CatalogueEdit, CatalogueProblem, CatalogueScreening, CatalogueView } from "../api/types";

// The catalogue editor's model, apart from drawing it: durations in words,
// the drafts of edited screenings and the edits they make, and where the
// agent's problems with an edit belong in the form.

// Durations in the catalogue are ISO 8601 (P60D, P10Y). The editor shows
// the common single-unit ones as a number and a unit; anything else stays
// as typed text, and the agent's validation has the last word.

export type Unit = "D" | "W" | "M" | "Y";
export const unitWords: Record<Unit, string> = { D: "days", W: "weeks", M: "months", Y: "years" };

export function parseDuration(iso: string): { n: number; unit: Unit } | undefined {
  const m = /^P(\d+)([DWMY])$/.exec(iso.trim().toUpperCase());
  return m ? { n: Number(m[1]), unit: m[2] as Unit } : undefined;
}

export function formatDuration(n: number, unit: Unit): string {
  return `P${n}${unit}`;
}

export const special: Record<string, string> = { once: "once in a lifetime", season: "every season", series: "a vaccine series" };

/** durationText says an interval in words: "10 years", "every season". */
export function durationText(iso: string): string {
  if (special[iso]) return special[iso];
  const d = parseDuration(iso);
  if (!d) return iso;
  const word = unitWords[d.unit];
  return `${d.n} ${d.n === 1 ? word.slice(0, -1) : word}`;
}

/** A refused value, at its place in the form: a screening's lowest or
 *  highest age, due-soon window, a modality's interval ("iv:<modality>"),
 *  or the screening as a whole ("row"). The message is in words, with no
 *  YAML line number or internal id. */
export interface FieldProblem {
  screening: string;
  field: string;
  message: string;
}

const fieldWords: [RegExp, string][] = [
  [/\bmin_age\b/g, "lowest age"],
  [/\bmax_age\b/g, "highest age"],
  [/\bdue_soon\b/g, "due-soon window"],
  [/\binterval\b/g, "how often"],
];

/** inWords says an engine message without its YAML names: fields and
 *  durations in words, a modality by its title. */
export function inWords(text: string, s?: CatalogueScreening): string {
  let t = text;
  for (const [re, w] of fieldWords) t = t.replace(re, w);
  t = t.replace(/\bP\d+[DWMY]\b/g, (iso) => durationText(iso));
  for (const m of s?.modalities ?? []) t = t.replaceAll(`"${m.id}"`, m.title || m.id);
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** formProblem places one of the engine's problems with an edit at its
 *  field, in words; undefined when it names no screening on the form. */
export function formProblem(p: CatalogueProblem, view: CatalogueView): FieldProblem | undefined {
  const m = /^(?:Line \d+: )?(?:screening\s+)?"?([\w-]+)"?(?:\s+modality\s+"([^"]+)")?:\s*(.*)$/.exec(p.message);
  const s = m ? view.screenings.find((x) => x.id === m[1]) : undefined;
  if (!m || !s) return undefined;
  const mod = m[2] ? s.modalities.find((x) => x.id === m[2]) : undefined;
  const rest = m[3];
  const at = (field: string, message: string): FieldProblem => ({ screening: s.id, field, message });
  let r: RegExpExecArray | null;
  if ((r = /^min_age (-?\d+) is (?:greater than|above) max_age (\d+)/.exec(rest))) return at("min", `The lowest age (${r[1]}) is above the highest age (${r[2]}).`);
  if (!mod && (r = /^(min|max)_age (-?\d+) is not an age/.exec(rest))) return at(r[1], `${r[2]} is not an age in years (0 to 130).`);
  if (mod && (r = /^due_soon (\w+) is not shorter than the interval (\w+)/.exec(rest))) {
    return at("soon", `The due-soon window (${durationText(r[1])}) must be shorter than how often ${mod.title || "it"} is done (${durationText(r[2])}).`);
  }
  if (!mod && /^due_soon\b/.test(rest)) return at("soon", "The due-soon window must be a whole number of days, weeks, months or years.");
  if (mod && /^interval\b/.test(rest)) return at(`iv:${mod.id}`, `How often ${mod.title || "it"} is done must be a whole number of days, weeks, months or years, above zero.`);
  return at("row", inWords(rest, s));
}

/** The form's input for a field problem (its id), if it has one. */
export function fieldInputIds(screening: string, field: string): string[] {
  const base = `cat-${screening}`;
  if (field === "min" || field === "max") return [`${base}-${field}`];
  if (field === "soon") return [`${base}-soon-n`, `${base}-soon`];
  if (field.startsWith("iv:")) return [`${base}-${field.slice(3)}-n`, `${base}-${field.slice(3)}`];
  return [];
}

/** A manager's unsaved changes to one screening; strings as typed. */
export interface Draft {
  enabled?: boolean;
  minAge?: string;
  maxAge?: string; // "" removes the upper age limit
  dueSoon?: string;
  intervals: Record<string, string>; // modality id -> ISO duration
}

/** editsFor turns drafts into the agent's edits, leaving out fields that
 *  did not change; typing mistakes it can see (an age that is not a whole
 *  number) come back as problems and nothing is sent. */
export function editsFor(view: CatalogueView, drafts: Map<string, Draft>): { edits: CatalogueEdit[]; problems: FieldProblem[] } {
  const edits: CatalogueEdit[] = [];
  const problems: FieldProblem[] = [];
  for (const s of view.screenings) {
    const d = drafts.get(s.id);
    if (!d) continue;
    const e: CatalogueEdit = { screening: s.id };
    let changed = false;
    if (d.enabled !== undefined && d.enabled !== s.enabled) {
      e.enabled = d.enabled;
      changed = true;
    }
    if (d.minAge !== undefined && d.minAge.trim() !== String(s.minAge)) {
      const n = wholeNumber(d.minAge);
      if (n === undefined) problems.push({ screening: s.id, field: "min", message: "The lowest age must be a whole number of years." });
      else {
        e.minAge = n;
        changed = true;
      }
    }
    if (d.maxAge !== undefined && d.maxAge.trim() !== (s.maxAge === undefined ? "" : String(s.maxAge))) {
      if (d.maxAge.trim() === "") {
        e.clearMaxAge = true;
        changed = true;
      } else {
        const n = wholeNumber(d.maxAge);
        if (n === undefined) problems.push({ screening: s.id, field: "max", message: "The highest age must be a whole number of years, or empty for no limit." });
        else {
          e.maxAge = n;
          changed = true;
        }
      }
    }
    if (d.dueSoon !== undefined && d.dueSoon !== s.dueSoon) {
      if (!validDuration(d.dueSoon)) problems.push({ screening: s.id, field: "soon", message: "The due-soon window must be a whole number of days, weeks, months or years." });
      else {
        e.dueSoon = d.dueSoon;
        changed = true;
      }
    }
    if (changed) edits.push(e);
    for (const m of s.modalities) {
      const iv = d.intervals[m.id];
      if (iv === undefined || iv === m.interval) continue;
      if (!validDuration(iv) && !special[iv]) problems.push({ screening: s.id, field: `iv:${m.id}`, message: `How often ${m.title || "it"} is done must be a whole number of days, weeks, months or years.` });
      else edits.push({ screening: s.id, modality: m.id, interval: iv });
    }
  }
  return { edits, problems };
}

/** validDuration accepts ISO 8601 date durations of whole units above zero (P60D, P1Y6M). */
export function validDuration(iso: string): boolean {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(iso);
  return m !== null && m.slice(1).some((x) => x !== undefined && Number(x) > 0);
}

function wholeNumber(s: string): number | undefined {
  const t = s.trim();
  return /^\d{1,3}$/.test(t) ? Number(t) : undefined;
}
