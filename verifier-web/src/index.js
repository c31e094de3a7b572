// The browser verifier's entry point: what verifier/cli.py does for ``beacon-verify draw
// BUNDLE.json --anchors CA.pem [--crl FILE] [--json]`` (PROTOCOL.md §14), without files.
//
//   verifyBundle(bundleText, { anchorsPem, crls }) -> the report as `--json` prints it
//   formatReport(report)                            -> the lines beacon-verify prints
//
// An unusable input (not JSON, not a proof bundle, an unreadable CA or CRL file) throws
// ParseError, as beacon-verify exits 2 with "beacon-verify: unusable input: ...".

import { FORMAT, verifyBundle as verifyDoc } from "./draw.js";
import * as enc from "./encoding.js";
import { ParseError } from "./errors.js";
import * as identity from "./identity.js";

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
  report.values.note = anchorsPem.length
    ? "trust anchors: those given with --anchors"
    : "trust anchors: the bundle's own (pass --anchors CA.pem to use anchors you trust)";
  return report.toJson();
}

const UNANCHORED =
  "VALID against the bundle's own trust anchors only, which anyone can write: " +
  "not a verdict (pass --anchors CA.pem with the CA certificate you trust)";

/** cli._values for a draw: the recomputed result, one line per value. */
function valueLines(v) {
  const out = [`draw ${v.draw_id}: final state ${v.state ?? "None"}, R = ${v.output ?? "None"}`];
  for (const x of v.values ?? []) {
    out.push(`  ${x.code} ${x.label}: ${x.values.join(", ")}${x.unit} (index ${enc.pyRepr(x.indexes)})`);
  }
  for (const x of v.derived ?? []) out.push(`  ${x.code} = ${x.formula}: ${x.value}${x.unit}`);
  for (const x of v.seeds ?? []) out.push(`  seed of ${x.role} ${x.fingerprint.slice(0, 16)}…: ${x.status}`);
  return out;
}

/**
 * The text beacon-verify prints for a draw report (the result of verifyBundle): the note
 * on the anchors, a ✓/✗ line per check, the values, and the verdict.
 * Only English: the report's texts are verifier/'s, which are English.
 */
export function formatReport(report, { lang = "en" } = {}) {
  if (lang !== "en") throw new RangeError(`no messages in ${JSON.stringify(lang)}; only "en"`);
  const checks = report.checks.map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
  let verdict = report.valid ? (report.anchored ? "VALID" : UNANCHORED) : "INVALID";
  if (report.valid && report.values.complete === false) {
    verdict += ` (incomplete: no result yet, the draw is ${report.values.state ?? "None"})`;
  }
  const values = "draw_id" in report.values ? valueLines(report.values) : [];
  return [report.values.note ?? "", ...checks, ...values, verdict].join("\n").replace(/^\n+/, "");
}
