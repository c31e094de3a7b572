// envelope.js and hpke.js on the repo's envelope vectors (tests/vectors/envelope: every
// §9.7 outcome, keys, shares, file key and plaintext recorded by tests/vectors/gen_envelope.py),
// the RFC 9180 Appendix A.3.1 vector, and an AES-256-GCM ciphertext made by Python's
// cryptography HPKE (fixtures/x509.json, fixtures/make_x509.py: second implementation).

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { describe, test } from "node:test";

import { concat, fromHex, toHex } from "../src/encoding.js";
import * as envelope from "../src/envelope.js";
import { CheckFailed, ParseError } from "../src/errors.js";
import * as hpke from "../src/hpke.js";

const DIR = new URL("../../tests/vectors/envelope/", import.meta.url);
const VECTORS = fs
  .readdirSync(DIR)
  .sort()
  .map((f) => [f.replace(/\.json$/, ""), JSON.parse(fs.readFileSync(new URL(f, DIR), "utf8"))]);
const FIXTURE = JSON.parse(fs.readFileSync(new URL("./fixtures/x509.json", import.meta.url), "utf8"));

async function keysOf(v) {
  const out = {};
  for (const [role, name] of Object.entries(v.open_with)) {
    out[role] = name === null ? null : await envelope.loadPrivate(fromHex(v.keys[name].private_key_pkcs8), name);
  }
  return out;
}

describe("openEnvelope on every envelope vector (§9.7 outcome = the file's expect)", () => {
  for (const [name, v] of VECTORS) {
    test(name, async () => {
      const data = fromHex(v.envelope);
      assert.equal(toHex(await envelope.envelopeHash(data)), v.envelope_hash);
      assert.equal(data.length, v.size);
      let got = "valid";
      try {
        const [h, plaintext] = await envelope.openEnvelope(data, await keysOf(v));
        assert.equal(createHash("sha256").update(plaintext).digest("hex"), v.plaintext_sha256);
        if (v.plaintext !== null) assert.equal(toHex(plaintext), v.plaintext);
        assert.deepEqual(
          [h.tenderId, h.envelopeId, h.purpose, h.drawId, toHex(h.bidder)],
          [v.header.tender_id, v.header.envelope_id, v.header.purpose, v.header.draw_id, v.header.bidder],
        );
        assert.equal(envelope.payloadSize(plaintext.length) + 8 + h.raw.length + 32, data.length);
      } catch (e) {
        if (!(e instanceof CheckFailed)) throw e;
        assert.match(e.message, /^envelope could not be opened: /);
        got = e.code;
      }
      assert.equal(got, v.expect);
    });
  }
});

describe("keys, shares and the header MAC", () => {
  for (const [name, v] of VECTORS) {
    test(`key ids and public keys of ${name}`, async () => {
      for (const [kname, k] of Object.entries(v.keys)) {
        const key = await envelope.loadPrivate(fromHex(k.private_key_pkcs8), kname);
        assert.equal(toHex(envelope.publicBytes(key)), k.public_key);
        assert.equal(toHex(await envelope.keyId(fromHex(k.public_key))), k.key_id);
      }
    });
  }
  const valid = Object.fromEntries(VECTORS)["valid-bid-backup-keys"];
  test("roleShare unwraps each role's share from every backup stanza (§9.9 step 6)", async () => {
    const h = envelope.parseHeader(fromHex(valid.envelope));
    for (const role of envelope.ROLES) {
      const keys = [];
      for (const k of Object.values(valid.keys).filter((k) => k.role === role)) {
        keys.push(await envelope.loadPrivate(fromHex(k.private_key_pkcs8), role));
      }
      assert.equal(toHex(await envelope.roleShare(h, role, keys)), valid.shares[role]);
    }
    await assert.rejects(envelope.roleShare(h, "agent", []), (e) => e instanceof CheckFailed && e.code === "share-missing");
  });
  test("macMatches with the shares, and not with a changed share", async () => {
    const data = fromHex(valid.envelope);
    const h = envelope.parseHeader(data);
    const mac = data.subarray(8 + h.raw.length, 8 + h.raw.length + 32);
    const [a, c] = [fromHex(valid.shares.agent), fromHex(valid.shares.centre)];
    assert.equal(await envelope.macMatches(h, mac, a, c), true);
    c[0] ^= 1;
    assert.equal(await envelope.macMatches(h, mac, a, c), false);
  });
  test("parsePrefix and headerHash", async () => {
    const data = fromHex(valid.envelope);
    const h = envelope.parseHeader(data);
    const mac = data.subarray(8 + h.raw.length, 8 + h.raw.length + 32);
    assert.deepEqual(envelope.parsePrefix(h.raw, mac), h);
    // §9.9: SHA-256(F(label) ‖ F(header) ‖ F(mac)), by node:crypto.
    const f = (b) => concat(new Uint8Array([0, 0, b.length >> 8, b.length & 0xff]), b);
    const expect = createHash("sha256")
      .update(concat(f(new TextEncoder().encode("tender-beacon/v1/envelope-header")), f(h.raw), f(mac)))
      .digest("hex");
    assert.equal(toHex(await envelope.headerHash(h.raw, mac)), expect);
    assert.throws(() => envelope.parsePrefix(h.raw, mac.subarray(1)), (e) => e instanceof ParseError && e.message === "header: header longer than 16384 bytes or MAC not 32 bytes");
  });
  test("a key that is not P-256 PKCS#8", async () => {
    const bad = [
      [new Uint8Array([0x30, 0x00]), "k: not an unencrypted PKCS#8 key: "],
      [fromHex(FIXTURE.hpke_aes256.private_key_pkcs8).subarray(1), "k: not an unencrypted PKCS#8 key: "],
    ];
    for (const [der, prefix] of bad) {
      await assert.rejects(envelope.loadPrivate(der, "k"), (e) => e instanceof ParseError && e.message.startsWith(prefix));
    }
  });
});

describe("payload sizes (§9.5)", () => {
  // s bytes give max(1, ceil(s / 65536)) chunks and 16 + s + 16·n bytes (PROTOCOL.md §9.5).
  for (const [s, expected] of [[0, 32], [1, 33], [65536, 65568], [65537, 65585], [131072, 131120]]) {
    test(`${s} bytes`, () => assert.equal(envelope.payloadSize(s), expected));
  }
});

describe("HPKE (RFC 9180)", () => {
  test("Appendix A.3.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, sequence 0", async () => {
    const skRm = "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2";
    const pkRm =
      "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a82" +
      "6a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0";
    const url = (h) => Buffer.from(fromHex(h)).toString("base64url");
    const skR = await crypto.subtle.importKey(
      "jwk",
      { kty: "EC", crv: "P-256", d: url(skRm), x: url(pkRm.slice(2, 66)), y: url(pkRm.slice(66)) },
      { name: "ECDH", namedCurve: "P-256" },
      false,
      ["deriveBits"],
    );
    const pt = await hpke.open({
      enc: fromHex(
        "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac9" +
          "8536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
      ),
      skR,
      pkR: fromHex(pkRm),
      info: fromHex("4f6465206f6e2061204772656369616e2055726e"),
      aad: fromHex("436f756e742d30"),
      ct: fromHex("5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f9076ac232e3ab2523f39513434"),
      aead: hpke.AEAD_AES_128_GCM,
    });
    assert.equal(toHex(pt), "4265617574792069732074727574682c20747275746820626561757479");
  });
  test("AES-256-GCM (§9.3's suite) from Python's cryptography HPKE", async () => {
    const v = FIXTURE.hpke_aes256;
    const key = await envelope.loadPrivate(fromHex(v.private_key_pkcs8), "k");
    assert.equal(toHex(envelope.publicBytes(key)), v.public_key);
    const ct = fromHex(v.ciphertext);
    const args = { enc: ct.subarray(0, 65), ct: ct.subarray(65), skR: key.privateKey, pkR: key.publicBytes, info: fromHex(v.info) };
    assert.equal(toHex(await hpke.open(args)), v.plaintext);
    assert.equal(await hpke.open({ ...args, info: fromHex(v.info + "00") }), null);
    assert.equal(await hpke.open({ ...args, enc: new Uint8Array(65) }), null);
  });
});

describe("loadPrivate as verifier/envelope.load_private", () => {
  for (const c of FIXTURE.private_keys) {
    test(c.name, async () => {
      let got = "valid";
      try {
        await envelope.loadPrivate(fromHex(c.der), "k");
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        got = `ParseError: ${e.message}`;
      }
      assert.equal(got, c.expect);
    });
  }
});
