// verifier-web/src/vdf.js against tests/vectors/vdf (the outcome of §11.9 and ℓ of each
// file) and BPSW against published tables of primes and pseudoprimes.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as enc from "../src/encoding.js";
import * as vdf from "../src/vdf.js";
import { vectors } from "./vectors.js";

for (const [name, v] of vectors("vdf")) {
  test(`vdf vector ${name}: ${v.expect}`, async () => {
    assert.equal(await vdf.checkStatement(v), v.expect);
  });
  if (v.expect === "valid") {
    test(`vdf vector ${name}: x from the seed and ℓ = hash_to_prime(x, y, T)`, async () => {
      const x = await vdf.hashToGroup(enc.fromHex(v.seed));
      assert.equal(enc.toHex(vdf.encode(x)), v.x);
      const ell = await vdf.hashToPrime(x, enc.bytesToBigInt(enc.fromHex(v.y)), v.T);
      assert.equal(ell.toString(16), v.l);
    });
  }
}

// OEIS A001262 (strong pseudoprimes to base 2), A217255 (strong Lucas pseudoprimes),
// A002997 (Carmichael numbers): composites each BPSW step alone may pass, never both.
const COMPOSITES = [
  [2047n, "A001262"], [3277n, "A001262"], [4033n, "A001262"], [4681n, "A001262"],
  [8321n, "A001262"], [15841n, "A001262"], [29341n, "A001262"], [42799n, "A001262"],
  [5459n, "A217255"], [5777n, "A217255"], [10877n, "A217255"], [16109n, "A217255"],
  [18971n, "A217255"], [22499n, "A217255"], [24569n, "A217255"], [25199n, "A217255"],
  [561n, "A002997"], [1105n, "A002997"], [1729n, "A002997"], [2465n, "A002997"],
  [1n, "one"], [0n, "zero"], [1000003n * 1000033n, "product of two primes"],
  [(2n ** 127n - 1n) * (2n ** 61n - 1n), "product of two Mersenne primes"],
  [1009n * 1009n, "square of a prime above the trial divisors"],
];
// Mersenne exponents (OEIS A000043), 2^255 - 19 (RFC 7748), small primes.
const PRIMES = [
  [2n, "two"], [3n, "three"], [997n, "the last trial divisor"], [1009n, "first above them"],
  [1000003n, "small"], [2n ** 61n - 1n, "M61"], [2n ** 89n - 1n, "M89"],
  [2n ** 127n - 1n, "M127"], [2n ** 255n - 19n, "RFC 7748"], [2n ** 521n - 1n, "M521"],
];

test("BPSW: the composites of the published tables are composite", () => {
  for (const [n, source] of COMPOSITES) assert.equal(vdf.bpsw(n), false, `${n} (${source})`);
});

test("BPSW: the published primes are prime", () => {
  for (const [n, source] of PRIMES) assert.equal(vdf.bpsw(n), true, `${n} (${source})`);
});

test("BPSW agrees with trial division on every n below 20000", () => {
  for (let n = 0; n < 20000; n++) {
    let prime = n >= 2;
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false;
    assert.equal(vdf.bpsw(BigInt(n)), prime, String(n));
  }
});

test("modPow matches repeated multiplication", () => {
  const m = 1000000007n;
  for (const [b, e] of [[2n, 0n], [2n, 1n], [3n, 100n], [123456789n, 977n]]) {
    let want = 1n;
    for (let i = 0n; i < e; i++) want = (want * b) % m;
    assert.equal(vdf.modPow(b, e, m), want);
  }
});
