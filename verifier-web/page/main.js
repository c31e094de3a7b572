// Entry point of the page bundle (build.mjs): mounts the page on #verifier and exposes the
// verification to scripts as window.tenderBeaconVerifier, which the Chromium tests and the
// benchmark drive (tests/verifier/test_browser_verifier.py, bench/bench_web_verifier.py).

import * as draw from "../src/draw.js";
import * as enc from "../src/encoding.js";
import { formatReport, verifyBundle } from "../src/index.js";
import * as merkle from "../src/merkle.js";
import * as records from "../src/records.js";
import * as vdf from "../src/vdf.js";
import { mount, reportLanguage } from "./ui.js";
import { outcomeLines, verifyFiles } from "./verify.js";

function base64Bytes(b64) {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/**
 * Verify `bundle` (base64) and each edit of it, as beacon-verify would each file:
 * edits are [id, start, end, replacement base64]: bytes [start, end) replaced. Returns, per
 * edit, {id, kind, verdict, checks: [[name, ok, detail]], message, lines, ms}. Errors call the
 * bundle `name` (default: the edit's id), as beacon-verify calls it by its file name. The
 * lines are beacon-verify's with --lang (`lang`: a page or report language), --utc if `utc`
 * (else Beijing time), --from `source` if given.
 */
async function verifyEdits(bundle, edits, { anchors = [], crls = [], lang = "en", utc = false, source = null, name = null } = {}) {
  const base = base64Bytes(bundle);
  const files = (list) => list.map(([name, b64]) => ({ name, bytes: base64Bytes(b64) }));
  const options = { anchors: files(anchors), crls: files(crls) };
  const out = [];
  for (const [id, start, end, replacement] of edits) {
    const middle = base64Bytes(replacement);
    const bytes = new Uint8Array(start + middle.length + base.length - end);
    bytes.set(base.subarray(0, start), 0);
    bytes.set(middle, start);
    bytes.set(base.subarray(end), start + middle.length);
    const outcome = await verifyFiles({ bundle: { name: name ?? id, bytes }, ...options });
    const report = outcome.kind === "report" ? outcome.report : null;
    out.push({
      id,
      kind: outcome.kind,
      verdict: report ? report.verdict : null,
      checks: report ? report.checks.map((c) => [c.name, c.ok, c.detail]) : [],
      message: outcome.message ?? null,
      lines: outcomeLines(outcome, reportLanguage(lang), { utc, source }),
      ms: outcome.ms,
    });
  }
  return out;
}

// `internals`: the modules the draw vectors' whole computation (§10–§12) runs through in the
// Chromium tests, as tests/verifier/test_vectors.py runs verifier/'s.
window.tenderBeaconVerifier = {
  verifyBundle,
  formatReport,
  verifyEdits,
  internals: { draw, enc, merkle, records, vdf },
};

const root = document.getElementById("verifier");
if (root) mount(root);
