// Mirrors verifier/messages.py: beacon-verify's words in English and Chinese (``--lang``), and
// the times it shows (``--utc``). The words themselves are generated from verifier/messages.py
// into catalogue.js (verifier-web/catalogue.py), so the two verifiers cannot drift apart.
//
// The English text is the key: say() formats it as it is, or its Chinese. Failure reasons are
// made where the checks are, in English; reason() turns the common ones into Chinese by
// matching them against the REASONS templates, and leaves any other as it is (a Chinese
// reader then still gets the English, never nothing). The JSON report is never translated.

import { EN, OFFSET_MS, REASONS, SPANNING, STEPS, TERMS, TIME_LABEL, ZH } from "./catalogue.js";
import * as enc from "./encoding.js";

export { EN };
export const LANGUAGES = ["en", "zh"];

const zhOf = (en) => {
  if (!Object.hasOwn(ZH, en)) throw new RangeError(`no Chinese for ${JSON.stringify(en)}`);
  return ZH[en];
};

/** str(value) as Python's str.format shows it: strings as they are, the rest as repr(). */
function pyStr(v) {
  return typeof v === "string" ? v : enc.pyRepr(v);
}

/** str.format with named fields only (the catalogue's templates have no other kind). */
function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    if (!Object.hasOwn(values, name)) throw new RangeError(`no value for {${name}} in ${JSON.stringify(template)}`);
    return pyStr(values[name]);
  });
}

/** ``template`` (an English text of EN) in ``lang``, formatted with ``values``. */
export function say(lang, template, values = {}) {
  return format(lang === "zh" ? zhOf(template) : template, values);
}

/** A state, role, status or trust source in ``lang``. */
export function term(lang, word) {
  return lang === "zh" && Object.hasOwn(TERMS, word) ? TERMS[word] : word;
}

/** A check's name: in Chinese with the English one after it, so that either can be searched. */
export function step(lang, name) {
  if (lang !== "zh") return name;
  const prefix = name.startsWith("newer ") ? "newer " : "";
  const rest = name.slice(prefix.length);
  const space = rest.indexOf(" ");
  const base = space < 0 ? rest : rest.slice(0, space);
  const number = space < 0 ? "" : rest.slice(space + 1);
  if (base === "chain" && number) return `链 ${number}（${name}）`;
  const zh = Object.hasOwn(STEPS, base) ? STEPS[base] : null;
  return zh ? `${prefix ? "较新" : ""}${zh}（${name}）` : name;
}

// messages._pattern: a template as a regular expression with a named group per placeholder.
// A SPANNING placeholder may hold a ": " (a nested reason, a JSON value); any other stops
// before one. Python's "." is any character but "\n", as [^\n] is here.
const escape = (s) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
function pattern(template) {
  const parts = template.split(/\{(\w+)\}/);
  const source = parts
    .map((p, i) => (i % 2 === 0 ? escape(p) : SPANNING.includes(p) ? `(?<${p}>[^\\n]+?)` : `(?<${p}>(?:(?!: )[^\\n])+?)`))
    .join("");
  return new RegExp(`^(?:${source})$`, "u");
}
const PATTERNS = REASONS.map(([en, zh]) => [pattern(en), zh]);

/** A failure reason in ``lang``: a REASONS template's Chinese, else ``text`` as it is. */
export function reason(lang, text) {
  if (lang !== "zh") return text;
  for (const [re, zh] of PATTERNS) {
    const m = re.exec(text);
    if (m === null) continue;
    const values = {};
    for (const [name, value] of Object.entries(m.groups ?? {})) {
      if (name === "reasons") values[name] = value.split("; ").map((part) => reason(lang, part)).join("；");
      else if (name === "reason") values[name] = reason(lang, value);
      else if (["role", "state", "status", "scope"].includes(name)) values[name] = term(lang, value);
      else values[name] = value;
    }
    return format(zh, values);
  }
  return text;
}

// Python's \b before a digit: not after a letter, a digit or "_" (its \w is Unicode's).
const TIME = /(?<![\p{L}\p{N}_])([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z/gu;
const pad = (n, width = 2) => String(n).padStart(width, "0");

/** Every canonical UTC time in ``text`` (``2026-11-18T11:16:40.000Z``) in Beijing time. */
export function times(text, lang) {
  return text.replace(TIME, (all, y, mo, d, h, mi, s, ms) => {
    const back = new Date(0); // not Date.UTC, which reads the years 0-99 as 1900-1999
    back.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    back.setUTCHours(Number(h), Number(mi), Number(s), 0);
    const utc = back.getTime();
    // Not a calendar time (month 13, 24:00): left as it is (Python's fromisoformat refuses it).
    if (
      back.getUTCFullYear() !== Number(y) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d) ||
      back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(mi) || back.getUTCSeconds() !== Number(s)
    ) {
      return all;
    }
    const t = new Date(utc + OFFSET_MS);
    const local =
      `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
      `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
    return `${local}.${ms} ${TIME_LABEL[lang]}`;
  });
}
