// verifier-web/src/records.js against tests/vectors/definition (canonical bytes, hash, or
// the field an invalid one names), tests/vectors/statement (the entry bytes and statement
// hash) and the draw vectors' derived values (§5.2 exact decimals).

import assert from "node:assert/strict";
import { test } from "node:test";
import * as enc from "../src/encoding.js";
import { ParseError } from "../src/errors.js";
import * as records from "../src/records.js";
import { vectors } from "./vectors.js";

for (const [name, v] of vectors("definition")) {
  test(`definition vector ${name}: ${v.expect}`, async () => {
    if (v.expect === "invalid") {
      assert.throws(
        () => records.parseDefinition(v.definition),
        (e) => e instanceof ParseError && e.message.startsWith(`${v.error_field}:`),
      );
      return;
    }
    const [, encoded] = records.parseDefinition(v.definition);
    assert.equal(enc.toHex(encoded), v.encoded);
    assert.equal(enc.toHex(await records.definitionHash(encoded)), v.definition_hash);
  });
}

for (const [name, v] of vectors("statement")) {
  test(`statement vector ${name}: entry bytes and hash`, async () => {
    const signed = records.parseSigned(v.signed_statement);
    assert.equal(enc.toHex(signed.entry), v.encoded);
    assert.equal(enc.toHex(await signed.hash()), v.statement_hash);
    // Decoding the entry (as for a receipt, §6.6) gives back the same statement.
    const back = records.decodeEntry(signed.entry);
    for (const k of ["kind", "tenderId", "subject", "role", "issuedAt", "algorithm"]) {
      assert.equal(back[k], signed[k], k);
    }
    for (const k of ["actor", "statement", "signature", "certificate"]) {
      assert.deepEqual(back[k], signed[k], k);
    }
  });
}

// As tests/verifier/test_vocabulary.py: §6.3, a kind outside the table is no statement, so
// its entry is refused with beacon-verify's words (a receipt or log entry, §6.6, §14.3b).
test("a log entry of an unknown kind or role does not decode", () => {
  const [, v] = vectors("statement").find(([name]) => name === "commit-valid");
  const entry = records.parseSigned(v.signed_statement).entry;
  const swap = (from, to) => {
    const hex = enc.toHex(entry).replace(enc.toHex(enc.utf8Bytes(from)), enc.toHex(enc.utf8Bytes(to)));
    return enc.fromHex(hex); // same length: the framing stays intact
  };
  assert.equal(records.decodeEntry(entry).kind, "draw.commit");
  for (const [forged, message] of [
    [swap("draw.commit", "draw.commix"), "entry.statement: unknown kind 'draw.commix' or role 'agent'"],
    [swap("agent", "agenz"), "entry.statement: unknown kind 'draw.commit' or role 'agenz'"],
  ]) {
    assert.throws(
      () => records.decodeEntry(forged),
      (e) => e instanceof ParseError && e.message === message,
    );
  }
});

for (const [name, v] of vectors("draw")) {
  test(`draw vector ${name}: derived values by exact decimal arithmetic`, () => {
    const [definition] = records.parseDefinition(v.definition);
    if (v.expect !== "valid") return;
    const drawn = Object.fromEntries(v.picks.map((p) => [p.code, p.values[0]]));
    const got = {};
    for (const d of definition.derived) {
      const [a, op, b] = records.derivedOperands(d.formula, definition.selections, "formula");
      got[d.code] = records.compute(drawn[a] ?? a, op, drawn[b] ?? b);
    }
    assert.deepEqual(got, v.derived);
  });
}

const ERRORS = [
  // [what, mutate the jiangsu definition, expected message] — texts from verifier/definition.py
  ["a float k", (d) => (d.selections[0].k = new enc.PyFloat(1)), "selections[0].k: expected an integer in [0, 2^32), got 1.0"],
  ["an unknown member", (d) => (d.extra = 1), "document: unknown member(s) ['extra']"],
  ["a missing member", (d) => delete d.title, "document: missing member(s) ['title']"],
  ["a bad deadline", (d) => (d.deadlines.commit = "2026-02-30T00:00:00.000Z"), "deadlines.commit: not a valid UTC time: '2026-02-30T00:00:00.000Z'"],
  ["equal decimals", (d) => (d.selections[1].candidates[1] = "0.650"), "selections[1].candidates[1]: '0.650' has the value of candidates[0] '0.65' (§5.1: equal values)"],
  ["a bad formula", (d) => (d.derived[0].formula = "1 / Q1"), "derived[0].formula: '1 / Q1' is not '<a> <op> <b>' with op + - *"],
  ["an unprintable title", (d) => (d.title = "a\u3000b"), "title: expected 1–200 printable characters"],
  ["a bad unit", (d) => (d.selections[0].unit = "m2"), "selections[0].unit: unit 'm2' is not empty, up to 8 letters, % or ‰"],
];

test("definition errors name the field and read as verifier/definition.py's", () => {
  const [[, base]] = vectors("definition").filter(([n]) => n === "jiangsu-method-2");
  for (const [what, mutate, message] of ERRORS) {
    const doc = structuredClone(base.definition);
    mutate(doc);
    assert.throws(() => records.parseDefinition(doc), { message }, what);
  }
});
