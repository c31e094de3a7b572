// verifyBundle and formatReport (index.js) on real proof bundles made by the service, and on
// test_tamper.py's edit of the first field each check guards, against what beacon-verify
// printed for each in English and Chinese, in UTC and Beijing time (bundles/reports.json,
// written by bundles/dump_bundles.py with verifier/).
//
// One difference is deliberate: the vdf check names its arithmetic ("verified with gmpy2"
// or "python" in beacon-verify; "bigint" here), so that detail is compared with the name
// replaced.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatReport, verifyBundle } from "../src/index.js";
import { backend } from "../src/vdf.js";
import { REPO } from "./vectors.js";

const DIR = join(REPO, "verifier-web", "test", "bundles");
const CASES = JSON.parse(readFileSync(join(DIR, "reports.json"), "utf8"));
// dump_bundles.py's OUTPUTS: beacon-verify's options, and formatReport's for the same text.
const OUTPUTS = {
  "--lang en --utc": { lang: "en", utc: true },
  "--lang en": { lang: "en" },
  "--lang zh": { lang: "zh" },
  "--lang zh --utc": { lang: "zh", utc: true },
};
const ours = (s) => s.replace(/verified with (gmpy2|python);/, `verified with ${backend()};`);

for (const c of CASES) {
  const edit = c.edit === null ? "" : c.edit.drop !== undefined ? ` without statements[${c.edit.drop}]` : ` with ${c.edit[0].join(".")} edited`;
  const what = `${c.bundle}${edit}, ${c.anchors ? "--anchors" : "own anchors"}${c.receipt ? ", --receipt" : ""}`;
  test(`bundle ${what}: ${c.report.verdict ?? "unusable"} as beacon-verify`, async () => {
    let text = readFileSync(join(DIR, `${c.bundle}.json`), "utf8");
    if (c.edit?.drop !== undefined) {
      // test_omission.py's _without: the statement and, for an envelope.submit, its envelope
      const doc = JSON.parse(text);
      const [gone] = doc.statements.splice(c.edit.drop, 1);
      const st = gone.signed.statement;
      if (st.kind === "envelope.submit") {
        doc.seed_envelopes = doc.seed_envelopes.filter((e) => e.envelope_id !== st.body.envelope_id);
      }
      text = JSON.stringify(doc);
    } else if (c.edit) {
      const doc = JSON.parse(text);
      const [path, value] = c.edit;
      let target = doc;
      for (const p of path.slice(0, -1)) target = target[p];
      target[path.at(-1)] = value;
      text = JSON.stringify(doc);
    }
    const anchorsPem = c.anchors ? [{ name: "CA.pem", text: readFileSync(join(DIR, `${c.bundle}-ca.pem`), "utf8") }] : [];
    const receipts = c.receipt ? [readFileSync(join(DIR, `${c.bundle}-receipt.json`), "utf8")] : [];
    const report = await verifyBundle(text, { anchorsPem, receipts });
    const expected = structuredClone(c.report);
    for (const check of expected.checks) check.detail = ours(check.detail);
    assert.deepEqual(report, expected);
    assert.deepEqual(Object.keys(c.texts), Object.keys(OUTPUTS));
    for (const [args, options] of Object.entries(OUTPUTS)) {
      assert.equal(formatReport(report, options), ours(c.texts[args]).replace(/\n$/, ""), args);
    }
  });
}

test("a document that is not JSON, or not a bundle, is unusable with beacon-verify's words", async () => {
  await assert.rejects(verifyBundle("{", { name: "b.json" }), {
    message: "b.json: not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
  });
  await assert.rejects(verifyBundle("[]", { name: "b.json" }), { message: "b.json: not a document with 'format'" });
  await assert.rejects(verifyBundle('{"format": "x"}'), {
    message: "format: not a tender-beacon/v2/proof-bundle document",
  });
});
