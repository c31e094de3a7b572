// identity.js against the expected values of fixtures/x509.json, which
// fixtures/make_x509.py made with Python's cryptography through verifier/identity.py (the
// second implementation), and against the repo's statement vectors (tests/vectors/statement).

import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, test } from "node:test";

import * as der from "../src/der.js";
import { fromHex, parseJson } from "../src/encoding.js";
import { CheckFailed, ParseError } from "../src/errors.js";
import * as identity from "../src/identity.js";
import { parseSigned } from "../src/records.js";

const FIXTURE = JSON.parse(fs.readFileSync(new URL("./fixtures/x509.json", import.meta.url), "utf8"));
const VECTORS = new URL("../../tests/vectors/", import.meta.url);
const parseError = (re) => (e) => e instanceof ParseError && re.test(e.message);
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** "valid", or "<ErrorClass>: <message>" as make_x509.py's outcome() writes it. */
async function outcome(f) {
  try {
    await f();
  } catch (e) {
    if (e instanceof ParseError || e instanceof CheckFailed) return `${e.constructor.name}: ${e.message}`;
    throw e;
  }
  return "valid";
}

describe("subjectOf is cryptography's Name.rfc4514_string()", () => {
  for (const [name, party] of Object.entries(FIXTURE.demo_parties)) {
    test(`demo CA party ${name}`, () => {
      assert.equal(identity.subjectOf(b64(party.certificate)), party.rfc4514);
    });
  }
  for (const c of FIXTURE.names) {
    test(JSON.stringify(c.rfc4514), () => {
      assert.equal(identity.subjectOf(b64(c.certificate)), c.rfc4514);
    });
  }
});

describe("validateChain as verifier/identity.validate_chain", () => {
  for (const c of FIXTURE.chains) {
    test(c.name, async () => {
      const got = await outcome(() =>
        identity.validateChain(b64(c.leaf), c.chain.map(b64), c.anchors.map(b64), c.at_ms, { profile: c.profile }),
      );
      assert.equal(got, c.expect);
    });
  }
});

describe("revocation as verifier/identity.check_revocation", () => {
  const r = FIXTURE.revocation;
  for (const c of r.cases) {
    test(`${c.name} (DER)`, async () => {
      const crls = c.crls.map((x, i) => identity.loadCrl(b64(x), `crl${i}`));
      const got = await outcome(() => identity.validateChain(b64(r.leaf), [], [b64(r.anchor)], r.at_ms, { crls }));
      assert.equal(got, c.expect);
    });
    test(`${c.name} (PEM)`, async () => {
      const crls = c.pem.map((x, i) => identity.loadCrl(new TextEncoder().encode(x), `crl${i}`));
      assert.deepEqual(crls, c.crls.map(b64));
    });
  }
  test("a CRL file that is neither DER nor PEM", () => {
    assert.throws(() => identity.loadCrl(new Uint8Array([1, 2, 3]), "x.crl"), parseError(/^x\.crl: not a DER or PEM X\.509 CRL: /));
  });
});

describe("checkAnchor as verifier/identity.check_anchor", () => {
  for (const c of FIXTURE.anchors) {
    test(c.name, async () => {
      assert.equal(await outcome(() => identity.checkAnchor(b64(c.certificate))), c.expect);
    });
  }
});

describe("load validates the public key as cryptography's public_key() does", () => {
  for (const c of FIXTURE.public_keys) {
    test(c.name, async () => {
      assert.equal(await outcome(() => identity.load(b64(c.certificate))), c.load);
      assert.equal(await outcome(() => identity.checkAnchor(b64(c.certificate))), c.anchor);
    });
  }
});

describe("load refuses what cryptography's load_der_x509_certificate and its getters refuse", () => {
  for (const c of FIXTURE.loads) {
    test(c.name, async () => {
      const got = await outcome(() => identity.load(b64(c.certificate)));
      // After "not a DER X.509 certificate: " cryptography's ASN.1 parser speaks its own words.
      if (c.expect.includes(": error parsing asn1 value: ")) {
        assert.ok(got.startsWith("ParseError: certificate: not a DER X.509 certificate: "), got);
      } else {
        assert.equal(got, c.expect);
      }
    });
  }
});

test("WebCrypto's importKey takes exactly the EC points load takes (a second check of the curve arithmetic)", async () => {
  const curves = { "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521" };
  const cases = FIXTURE.public_keys.filter((c) => c.name.startsWith("secp"));
  assert.equal(cases.length, 27);
  for (const c of cases) {
    const { publicKey } = der.certificate(b64(c.certificate));
    const namedCurve = curves[der.oid(publicKey.algorithm.params)];
    const imported = await globalThis.crypto.subtle
      .importKey("spki", publicKey.raw, { name: "ECDSA", namedCurve }, false, ["verify"])
      .then(() => "valid", (e) => e.name);
    assert.equal(imported === "valid", c.load === "valid", `${c.name}: importKey ${imported}, load ${c.load}`);
  }
});

describe("verifyStatement as verifier/identity.verify_statement", () => {
  for (const c of FIXTURE.statements) {
    test(c.name, async () => {
      const s = {
        actor: fromHex(c.actor),
        certificate: b64(c.certificate),
        statement: fromHex(c.statement),
        algorithm: c.algorithm,
        signature: fromHex(c.signature),
      };
      let got = { code: "valid", message: "" };
      try {
        await identity.verifyStatement(s);
      } catch (e) {
        if (!(e instanceof CheckFailed)) throw e;
        got = { code: e.code, message: e.message };
      }
      assert.deepEqual(got, { code: c.code, message: c.message });
    });
  }
  // The repo's statement vectors: the signature outcomes (bad-possession is opening_keys').
  for (const f of fs.readdirSync(new URL("statement/", VECTORS)).sort()) {
    const v = parseJson(fs.readFileSync(new URL(`statement/${f}`, VECTORS), "utf8"));
    test(`vector ${f}`, async () => {
      const s = parseSigned(v.signed_statement);
      const expect = v.expect === "bad-possession" ? "valid" : v.expect;
      let got = "valid";
      try {
        await identity.verifyStatement(s);
      } catch (e) {
        if (!(e instanceof CheckFailed)) throw e;
        got = e.code;
      }
      assert.equal(got, expect);
    });
  }
});

describe("loadPem and checkProfile", () => {
  test("every certificate of a PEM file, as DER", () => {
    const ders = [FIXTURE.demo_anchor, FIXTURE.demo_parties.agent.certificate];
    const pem = ders.map((d) => `-----BEGIN CERTIFICATE-----\n${d.match(/.{1,64}/g).join("\n")}\n-----END CERTIFICATE-----\n`).join("");
    assert.deepEqual(identity.loadPem(pem, "ca.pem"), ders.map(b64));
  });
  test("a file without a certificate", () => {
    assert.throws(() => identity.loadPem("hello", "ca.pem"), parseError(/^ca\.pem: no PEM certificate: /));
  });
  test("a truncated certificate", () => {
    assert.throws(() => identity.load(b64(FIXTURE.demo_anchor).subarray(0, 100)), parseError(/^certificate: not a DER X\.509 certificate: /));
  });
  test("the beacon signer is no party, and a party is no beacon (§3.1)", () => {
    const beacon = b64(FIXTURE.demo_parties["beacon-signer"].certificate);
    const bidder = b64(FIXTURE.demo_parties["bidder-1"].certificate);
    assert.doesNotThrow(() => identity.checkProfile(beacon, "beacon"));
    assert.throws(() => identity.checkProfile(beacon, "party"), { message: /carries the beacon signer EKU .*: it cannot act as a party/ });
    assert.throws(() => identity.checkProfile(bidder, "beacon"), { message: /lacks the beacon signer EKU .*: it is not the beacon's/ });
  });
  test("fingerprint is SHA-256 of the DER", async () => {
    // The manifest of `beacon ca init` lists it; here against node:crypto's SHA-256.
    const { createHash } = await import("node:crypto");
    const der = b64(FIXTURE.demo_anchor);
    assert.equal(Buffer.from(await identity.fingerprint(der)).toString("hex"), createHash("sha256").update(der).digest("hex"));
  });
});
