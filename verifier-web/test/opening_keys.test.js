// opening_keys.js on the repo's statement vectors (tests/vectors/statement: the
// possession_message and the bad-possession outcomes recorded by gen_statement.py), and
// with proofs changed here the way tests/verifier/test_opening_keys.py changes them.

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import { parseJson, toHex } from "../src/encoding.js";
import { CheckFailed } from "../src/errors.js";
import * as openingKeys from "../src/opening_keys.js";
import { parseSigned } from "../src/records.js";

const DIR = new URL("../../tests/vectors/statement/", import.meta.url);
const ANNOUNCEMENTS = fs
  .readdirSync(DIR)
  .sort()
  .map((f) => [f.replace(/\.json$/, ""), parseJson(fs.readFileSync(new URL(f, DIR), "utf8"))])
  .filter(([, v]) => v.possession_message !== undefined);

async function outcome(announcements) {
  try {
    await openingKeys.checkAnnouncements(announcements);
  } catch (e) {
    if (!(e instanceof CheckFailed)) throw e;
    return e;
  }
  return null;
}

describe("the announcement vectors", () => {
  for (const [name, v] of ANNOUNCEMENTS) {
    test(name, async () => {
      const s = parseSigned(v.signed_statement);
      const message = openingKeys.possessionMessage({
        tenderId: s.tenderId,
        subject: s.subject,
        role: s.role,
        announcer: s.actor,
        publicKey: s.body.public_key,
      });
      assert.equal(toHex(message), v.possession_message);
      const e = await outcome([[3, s]]);
      assert.equal(e === null ? "valid" : e.code, v.expect);
      if (e) assert.match(e.message, /^leaf 3 \(.* by the .*\): the proof of possession does not verify for tender '/);
    });
  }
});

describe("proofs and keys that fail", () => {
  const valid = parseSigned(Object.fromEntries(ANNOUNCEMENTS)["opening-key-valid"].signed_statement);
  const withBody = (change) => Object.assign(Object.create(Object.getPrototypeOf(valid)), valid, { body: { ...valid.body, ...change } });
  const proof = valid.body.possession;
  const cases = [
    ["empty proof", { possession: new Uint8Array(0) }, "bad-possession", /proof of possession is missing or not a DER ECDSA signature \(0 bytes\)$/],
    ["proof with a trailing byte", { possession: Uint8Array.of(...proof, 0) }, "bad-possession", /not a DER ECDSA signature/],
    ["proof with a flipped last byte", { possession: Uint8Array.of(...proof.subarray(0, -1), proof.at(-1) ^ 1) }, "bad-possession", /does not verify/],
    ["compressed point", { public_key: Uint8Array.of(2, ...valid.body.public_key.subarray(1, 33)) }, "invalid", /not an uncompressed P-256 point$/],
    ["point off the curve", { public_key: Uint8Array.of(4, ...new Uint8Array(64).fill(1)) }, "invalid", /the opening key is not a P-256 point$/],
  ];
  for (const [name, change, code, message] of cases) {
    test(name, async () => {
      const e = await outcome([[5, withBody(change)]]);
      assert.ok(e, "accepted");
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }
  test("one key announced twice", async () => {
    const e = await outcome([[5, valid], [9, valid]]);
    assert.match(e.message, /^leaf 9 \(draw\.opening_key by the centre\): key [0-9a-f]{16}… was already announced at leaf 5; a key opens one role's shares \(§9\.3\)$/);
  });
  test("returns each key id with its leaf", async () => {
    const seen = await openingKeys.checkAnnouncements([[5, valid]]);
    assert.deepEqual([...seen.values()], [5]);
  });
});
