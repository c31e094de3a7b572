// verifier-web/src/{merkle,selection,pulse,draw}.js against tests/vectors/{merkle,selection,
// pulse,commitment,draw}: each file's expect, and its recorded bytes, indexes and values.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as draw from "../src/draw.js";
import * as enc from "../src/encoding.js";
import { CheckFailed, ParseError } from "../src/errors.js";
import * as identity from "../src/identity.js";
import * as merkle from "../src/merkle.js";
import * as pulse from "../src/pulse.js";
import * as records from "../src/records.js";
import * as selection from "../src/selection.js";
import * as vdf from "../src/vdf.js";
import { vectors } from "./vectors.js";

async function merkleOutcome(v) {
  if (v.kind === "tree-head") {
    const head = merkle.TreeHead.fromJson(v.tree_head, "tree_head");
    assert.equal(enc.toHex(head.encode()), v.encoding);
    assert.equal(enc.toHex(await head.commitment()), v.commitment);
    assert.deepEqual(await merkle.root(v.entries.map(enc.utf8Bytes)), head.rootHash);
    return "valid";
  }
  try {
    if (v.kind === "inclusion") {
      const head = merkle.TreeHead.fromJson(v.tree_head, "tree_head");
      const leaf = await merkle.leafHash(enc.utf8Bytes(v.entry));
      await merkle.verifyInclusion(v.leaf_index, leaf, merkle.proof(v.proof, "proof"), head);
    } else {
      const [first, second] = ["tree_head_1", "tree_head_2"].map((k) => merkle.TreeHead.fromJson(v[k], k));
      await merkle.verifyConsistency(first, second, merkle.proof(v.proof, "proof"));
    }
  } catch (e) {
    if (e instanceof CheckFailed) return "invalid";
    throw e;
  }
  return "valid";
}

for (const [name, v] of vectors("merkle")) {
  test(`merkle vector ${name}: ${v.expect}`, async () => {
    assert.equal(await merkleOutcome(v), v.expect);
  });
}

test("merkle: the inclusion and consistency proofs fail when one hash changes", async () => {
  for (const [name, v] of vectors("merkle")) {
    if (v.kind === "tree-head" || v.expect !== "valid" || !v.proof.length) continue;
    const bad = structuredClone(v);
    bad.proof[0] = bad.proof[0].slice(0, -1) + (bad.proof[0].endsWith("0") ? "1" : "0");
    assert.equal(await merkleOutcome(bad), "invalid", name);
  }
});

/** One attempt's ``m`` bits, then zeros: tests/verifier/test_vectors.py's _Once. */
class Once {
  constructor(value) {
    this.value = value;
    this.used = 0;
  }
  async take(m) {
    this.used += m;
    return this.used === m ? this.value : 0;
  }
}

for (const [name, v] of vectors("selection")) {
  test(`selection vector ${name}: ${v.expect}`, async () => {
    if (v.expect === "exhaustive") {
      assert.equal((v.r - 1).toString(2).replace(/^0$/, "").length, v.m);
      for (const [value, expected] of v.outcomes.entries()) {
        const bits = new Once(value);
        const c = await selection.below(v.r, bits);
        assert.equal(bits.used === v.m ? c : null, expected, `value ${value}`);
      }
      return;
    }
    const n = v.candidates.length;
    const k = { pick_one: 1, pick_k: v.k, permutation: n }[v.kind];
    const [indexes, bits] = await selection.pick(enc.fromHex(v.R), v.selection_index, n, k);
    assert.deepEqual(indexes, v.indexes);
    assert.deepEqual(
      indexes.map((i) => v.candidates[i]),
      v.values,
    );
    assert.deepEqual([bits.used, bits.blocks], [v.bits_used, v.blocks_used]);
  });
}

for (const [name, v] of vectors("commitment")) {
  test(`commitment vector ${name}: ${v.expect}`, async () => {
    const got = await draw.commitment(v.draw_id, v.role, enc.fromHex(v.fingerprint), enc.fromHex(v.seed));
    assert.equal(enc.constantTimeEqual(got, enc.fromHex(v.commitment)) ? "valid" : "mismatch", v.expect);
  });
}

for (const [name, v] of vectors("pulse")) {
  test(`pulse vector ${name}: ${v.expect}`, async () => {
    const certificates = new Map(Object.entries(v.certificates).map(([k, pem]) => [k, identity.loadPem(pem, k)[0]]));
    const heads = v.tree_heads.map((h) => (h === null ? null : merkle.TreeHead.fromJson(h, "tree_head")));
    let outcome = "valid";
    try {
      const pulses = v.pulses.map((p, i) => pulse.Pulse.fromJson(p, `pulses[${i}]`));
      await pulse.verifySegment(pulses, certificates, heads);
    } catch (e) {
      if (e instanceof ParseError) outcome = "parse-error";
      else if (e instanceof CheckFailed) outcome = e.code;
      else throw e;
    }
    assert.equal(outcome, v.expect);
  });
}

for (const [name, v] of vectors("draw")) {
  test(`draw vector ${name}: the whole computation (§10–§12), ${v.expect}`, async () => {
    const [definition, encoded] = records.parseDefinition(v.definition);
    const defHash = await records.definitionHash(encoded);
    const freeze = new merkle.TreeHead(v.freeze.tree_size, enc.fromHex(v.freeze.root_hash));
    const entries = v.seeds.map((e) => [e.role, enc.fromHex(e.fingerprint), e.status, enc.fromHex(e.seed)]);
    const snapshot = v.snapshot !== null ? await draw.snapshotHash(v.snapshot) : new Uint8Array(0);
    let seed;
    try {
      seed = await draw.combinedSeed(defHash, freeze, entries, snapshot);
    } catch (e) {
      assert.ok(e instanceof CheckFailed && ["no-seed", "missing-party"].includes(e.code));
      assert.equal(e.code, v.expect);
      return;
    }
    assert.equal(v.expect, "valid");
    assert.equal(enc.toHex(defHash), v.definition_hash);
    assert.equal(enc.toHex(snapshot) || null, v.snapshot_hash);
    assert.equal(enc.toHex(seed), v.combined_seed);
    const x = await vdf.hashToGroup(seed);
    assert.equal(enc.toHex(vdf.encode(x)), v.x);
    const y = vdf.element(enc.fromHex(v.y), "y");
    const pi = vdf.element(enc.fromHex(v.pi), "pi", { identity: true });
    await vdf.verify(x, y, pi, definition.vdf_t);
    const r = await vdf.output(y);
    assert.equal(enc.toHex(r), v.R);
    const drawn = await draw.picks(definition, r, v.snapshot ?? []);
    assert.deepEqual(drawn, v.picks);
    const derived = Object.fromEntries(draw.derived(definition, drawn).map((d) => [d.code, d.value]));
    assert.deepEqual(derived, v.derived);
  });
}
