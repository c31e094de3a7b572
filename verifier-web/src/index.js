// The browser verifier's entry point: what verifier/cli.py does for ``beacon-verify draw
// BUNDLE.json --anchors CA.pem [--crl FILE] [--json]`` (PROTOCOL.md §14), without files.
//
//   verifyBundle(bundleText, { anchorsPem, crls }) -> the report as `--json` prints it
//   formatReport(report, { lang, utc, source })     -> the lines beacon-verify prints
//
// An unusable input (not JSON, not a proof bundle, an unreadable CA or CRL file) throws
// ParseError, as beacon-verify exits 2 with "beacon-verify: unusable input: ...".

import { FORMAT, OWN_ANCHORS, verifyBundle as verifyDoc } from "./draw.js";
import * as enc from "./encoding.js";
import { ParseError } from "./errors.js";
import * as identity from "./identity.js";
import * as messages from "./messages.js";
import { EN } from "./messages.js";

export { FORMAT };
export { ParseError, CheckFailed, VerifyError } from "./errors.js";

const utf8 = new TextDecoder("utf-8");

/** A file as given: a string, bytes, or { name, text | data }. */
function named(item, fallback) {
  if (typeof item === "string" || item instanceof Uint8Array || item instanceof ArrayBuffer) {
    return { name: fallback, data: item };
  }
  return { name: item.name ?? fallback, data: item.text ?? item.data };
}

const asBytes = (data) =>
  typeof data === "string" ? enc.utf8Bytes(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
const asText = (data) => (typeof data === "string" ? data : utf8.decode(asBytes(data)));
const jsonText = (data) => (typeof data === "string" ? data : enc.decodeJsonBytes(asBytes(data)));

/** cli.load_json: a JSON document, or ParseError(name, "not JSON: ..."). */
function loadJson(data, name) {
  try {
    return enc.parseJson(jsonText(data));
  } catch (e) {
    if (!(e instanceof enc.JSONDecodeError)) throw e;
    throw new ParseError(name, `not JSON: ${e.message}`);
  }
}

/** cli.anchors: the certificates of every PEM file, each once (by SHA-512), or null for none. */
async function loadAnchors(files) {
  const byId = new Map();
  for (const [i, item] of files.entries()) {
    const { name, data } = named(item, `anchors[${i}]`);
    for (const der of await identity.loadPem(asText(data), name)) {
      const id = enc.toHex(await enc.sha512(der));
      if (!byId.has(id)) byId.set(id, der);
    }
  }
  return byId.size ? [...byId.values()] : null;
}

/**
 * Verify a draw's proof bundle (JSON text, or its bytes as read from the file: then they are
 * decoded as json.loads decodes them) as ``beacon-verify draw --json``.
 * ``anchorsPem``: the CA certificates you trust (PEM texts, or { name, text }); without
 * them the bundle's own are used and the verdict is at most VALID-UNANCHORED.
 * ``crls``: CRLs (DER bytes or PEM text, or { name, data }), applied to every chain (§3.2).
 * ``receipts``: receipts you hold (JSON text or bytes, or { name, text | data }), each of
 * whose statements of this draw the bundle must contain (§14.3b, ``--receipt``).
 * ``name``: what errors call the bundle (beacon-verify names the file).
 * Returns { valid, verdict, anchored, checks: [{ name, ok, detail }], values }.
 */
export async function verifyBundle(bundleText, { anchorsPem = [], crls = [], receipts = [], name = "bundle" } = {}) {
  const doc = loadJson(bundleText, name);
  if (enc.typeName(doc) !== "dict" || !Object.hasOwn(doc, "format")) {
    throw new ParseError(name, "not a document with 'format'");
  }
  const anchors = await loadAnchors(anchorsPem);
  const revoked = [];
  for (const [i, item] of crls.entries()) {
    const { name: crlName, data } = named(item, `crl[${i}]`);
    revoked.push(await identity.loadCrl(asBytes(data), crlName));
  }
  const held = receipts.map((item, i) => {
    const { name: receiptName, data } = named(item, `receipt[${i}]`);
    return loadJson(data, receiptName);
  });
  const report = await verifyDoc(doc, anchors, { crls: revoked, receipts: held });
  report.values.note = anchorsPem.length ? EN.NOTE_GIVEN : EN.NOTE_OWN;
  return report.toJson();
}

/** str(value) as an f-string shows it: strings as they are, the rest as repr(). */
const pyStr = (v) => (typeof v === "string" ? v : enc.pyRepr(v));

/** cli._values for a draw: the recomputed result, one line per value, in ``lang``. */
function valueLines(v, lang) {
  const say = (template, values) => messages.say(lang, template, values);
  const term = (word) => messages.term(lang, word);
  if (!Object.hasOwn(v, "draw_id")) {
    return Object.entries(v).filter(([k]) => k !== "note").map(([k, x]) => `${k}: ${pyStr(x)}`);
  }
  const out = [say(EN.DRAW, { draw_id: v.draw_id, state: term(pyStr(v.state ?? null)), output: v.output ?? null })];
  for (const x of v.values ?? []) {
    out.push(say(EN.PICKED, { code: x.code, label: x.label, values: x.values.join(", "), unit: x.unit, indexes: x.indexes }));
  }
  for (const x of v.derived ?? []) {
    out.push(say(EN.DERIVED, { code: x.code, formula: x.formula, value: x.value, unit: x.unit }));
  }
  for (const x of v.seeds ?? []) {
    out.push(say(EN.SEED, { role: term(x.role), fingerprint: x.fingerprint.slice(0, 16), status: term(x.status) }));
  }
  const kinds = { objection: EN.OBJECTION, confirm: EN.CONFIRM, void: EN.VOID };
  for (const x of v.after_result ?? []) {
    out.push(
      say(kinds[x.kind], { role: term(x.role), actor: x.actor.slice(0, 16), at: x.issued_at, leaf: x.leaf, reason: x.reason }),
    );
  }
  return out;
}

/**
 * The text beacon-verify prints for a draw report (the result of verifyBundle), as cli.render
 * and cli.main make it: the note on the anchors, a ✓/✗ line per check, the values, the
 * guidance when the bundle's own anchors were used, and the verdict.
 * ``lang``: "en" or "zh" (``--lang``); ``utc``: canonical UTC times (``--utc``), else Beijing
 * time; ``source``: the beacon the bundle came from (``--from``), whose /ca.pem the guidance
 * names.
 */
export function formatReport(report, { lang = "en", utc = false, source = null } = {}) {
  if (!messages.LANGUAGES.includes(lang)) {
    throw new RangeError(`no messages in ${JSON.stringify(lang)}; only ${messages.LANGUAGES.join(", ")}`);
  }
  const say = (template, values) => messages.say(lang, template, values);
  const term = (word) => messages.term(lang, word);
  const note = report.values.note ?? "";
  const out = note ? [say(note)] : [];
  for (const c of report.checks) {
    out.push(
      say(EN.CHECK, { mark: c.ok ? "✓" : "✗", name: messages.step(lang, c.name), detail: messages.reason(lang, c.detail) }),
    );
  }
  out.push(...valueLines(report.values, lang));
  if (!report.valid) {
    out.push(say(EN.INVALID));
  } else {
    let verdict = say(EN.VALID);
    if (!report.anchored) {
      // §14: not a verdict; say so, and where the CA certificate is
      const what = term(OWN_ANCHORS);
      const url = source ? `${source.replace(/\/+$/, "")}/ca.pem` : say(EN.BOARD_CA);
      out.push(say(EN.OWN_ANCHORS, { what }), say(EN.GET_CA, { url }));
      verdict = say(EN.UNANCHORED, { what });
    }
    if (report.values.complete === false) {
      verdict += say(EN.INCOMPLETE_DRAW, { state: term(pyStr(report.values.state ?? null)) });
    }
    out.push(verdict);
  }
  return (utc ? out : out.map((x) => messages.times(x, lang))).join("\n");
}

/** What beacon-verify prints to stderr for unusable input (exit status 2), in ``lang``. */
export function formatUnusable(message, { lang = "en", utc = false } = {}) {
  const line = messages.say(lang, EN.UNUSABLE, { error: messages.reason(lang, message) });
  return utc ? line : messages.times(line, lang);
}
