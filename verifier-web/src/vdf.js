// Mirrors verifier/vdf.py: Wesolowski VDF verification over Z_N*/{±1} (PROTOCOL.md §11),
// with BigInt arithmetic: a square-and-multiply modPow and Baillie–PSW primality (§11.4),
// both written here, the same steps as verifier/vdf.py's pure-Python path.

import * as enc from "./encoding.js";
import { CheckFailed, ParseError } from "./errors.js";

// §11.1: the RSA-2048 challenge number and its pin.
export const N = BigInt(
  "25195908475657893494027183240048398571429282126204032027777137836043662020707" +
    "59555626401852588078440691829064124951508218929855914917618450280848912007284" +
    "49926873928072877767359714183472702618963750149718246911650776133798590957000" +
    "97330459748808428401797429100642458691817195118746121515172654632282216869987" +
    "54918242243363725908514186546204357679842338718477444792073993423658482382428" +
    "11981638150106748104516603773060562016196762561338441436038339044149526344321" +
    "90114657544454178424020924616515723350778707749817125772467962926386356373289" +
    "91215483143816789988504044536402352738195137863656439121201039712282212072035" +
    "7",
);
export const MODULUS_SHA256 = enc.fromHex("6ae9d033c1d76c4f535b5ad5c0073933a0b375b4120a75fbb66be814eab1a9ce");
export const HALF = (N - 1n) / 2n;

// §11.1: refuse to run on a copy of N that does not match its pin.
let pinned = null;
async function checkPin() {
  pinned ??= enc.sha256(encode(N)).then((h) => {
    if (!enc.bytesEqual(h, MODULUS_SHA256)) {
      throw new Error("the copy of the RSA-2048 modulus does not match its pin");
    }
  });
  return pinned;
}

export const SMALL_PRIMES = [];
for (let p = 3; p < 1000; p += 2) {
  let prime = true;
  for (let q = 3; q * q <= p; q += 2) if (p % q === 0) prime = false;
  if (prime) SMALL_PRIMES.push(p);
}

/** The arithmetic in use, shown in the check's detail (verifier/vdf.py: gmpy2 or python). */
export function backend() {
  return "bigint";
}

function mod(a, n) {
  const r = a % n;
  return r < 0n ? r + n : r;
}

/** ``base^exponent mod modulus`` by left-to-right square-and-multiply; exponent >= 0. */
export function modPow(base, exponent, modulus) {
  if (modulus === 1n) return 0n;
  base = mod(base, modulus);
  let result = 1n;
  for (const bit of exponent.toString(2)) {
    result = (result * result) % modulus;
    if (bit === "1") result = (result * base) % modulus;
  }
  return result;
}

export function gcd(a, b) {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function isqrt(n) {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function jacobi(a, n) {
  a = mod(a, n);
  let result = 1;
  while (a) {
    while (a % 2n === 0n) {
      a /= 2n;
      const r = n % 8n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if (a % 4n === 3n && n % 4n === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}

/** Baillie–PSW, the four steps of §11.4. */
export function bpsw(n) {
  if (n < 2n || n % 2n === 0n) return n === 2n;
  for (const p of SMALL_PRIMES) {
    if (n % BigInt(p) === 0n) return n === BigInt(p);
  }
  // 1. Miller–Rabin to base 2.
  let d = n - 1n;
  let s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s += 1;
  }
  let x = modPow(2n, d, n);
  if (x !== 1n && x !== n - 1n) {
    let witness = true;
    for (let i = 0; i < s - 1; i++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        witness = false;
        break;
      }
    }
    if (witness) return false;
  }
  // 2. No perfect square (Selfridge's search would never end).
  const r = isqrt(n);
  if (r * r === n) return false;
  // 3. Selfridge's method A: 5, -7, 9, -11, ...
  let D = 5n;
  for (;;) {
    const j = jacobi(D, n);
    if (j === -1) break;
    if (j === 0 && (D < 0n ? -D : D) !== n) return false;
    D = D > 0n ? -D - 2n : -D + 2n;
  }
  // 4. The strong Lucas test with P = 1, Q = (1 - D) / 4.
  const Q = (1n - D) / 4n; // exact: D ≡ 1 (mod 4)
  const half = (n + 1n) / 2n;
  d = n + 1n;
  s = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    s += 1;
  }
  let U = 1n;
  let V = 1n;
  let Qk = mod(Q, n); // U_1, V_1 with P = 1
  for (const bit of d.toString(2).slice(1)) {
    [U, V, Qk] = [(U * V) % n, mod(V * V - 2n * Qk, n), (Qk * Qk) % n];
    if (bit === "1") {
      [U, V, Qk] = [mod((U + V) * half, n), mod((D * U + V) * half, n), mod(Qk * Q, n)];
    }
  }
  if (U === 0n || V === 0n) return true;
  for (let i = 0; i < s - 1; i++) {
    [V, Qk] = [mod(V * V - 2n * Qk, n), (Qk * Qk) % n];
    if (V === 0n) return true;
  }
  return false;
}

export const isPrime = bpsw;

export function encode(v) {
  return enc.bigIntToBytes(v, 256);
}

/** §11.3. */
export async function hashToGroup(seed) {
  await checkPin();
  for (let c = 0; c < 2 ** 32; c++) {
    const parts = [];
    for (let i = 0; i < 5; i++) {
      parts.push(enc.labelled("sha512", enc.VDF_HASH_TO_GROUP, seed, enc.uint(c, 32), Uint8Array.of(i)));
    }
    const v = enc.bytesToBigInt(enc.concat(...(await Promise.all(parts)))) % N;
    const x = v < N - v ? v : N - v;
    if (x >= 2n && gcd(x, N) === 1n) return x;
  }
  throw new CheckFailed("hash_to_group found no element"); // probability 2^-(2^32)
}

/** §11.4: the first prime candidate; never a challenge supplied with the proof. */
export async function hashToPrime(x, y, t) {
  await checkPin();
  const prefix = enc.fields(enc.utf8Bytes(enc.VDF_CHALLENGE), encode(N), encode(x), encode(y), enc.uint(t, 64));
  const top = 1n << 255n;
  for (let c = 0; c < 2 ** 32; c++) {
    const h = await enc.sha256(enc.concat(prefix, enc.field(enc.uint(c, 32))));
    const candidate = enc.bytesToBigInt(h) | top | 1n;
    if (isPrime(candidate)) return candidate;
  }
  throw new CheckFailed("hash_to_prime found no prime");
}

/** Decode ``Enc(v)`` strictly (§11.2): 256 bytes, canonical, a unit. */
export function element(raw, name, { identity = false } = {}) {
  if (raw.length !== 256) {
    throw new CheckFailed(`${name} is ${raw.length} bytes, not 256`, { code: "malformed" });
  }
  const v = enc.bytesToBigInt(raw);
  if (v === 0n || v > HALF || (v === 1n && !identity)) {
    throw new CheckFailed(`${name} is not a canonical element of Z_N*/{±1}`, { code: "non-canonical" });
  }
  if (gcd(v, N) !== 1n) throw new CheckFailed(`${name} is not a unit modulo N`, { code: "not-a-unit" });
  return v;
}

/** §11.7 steps 1–4 for decoded elements; ``t`` a Number or BigInt. */
export async function verify(x, y, pi, t) {
  const T = BigInt(t);
  if (!(T >= 1n && T < 1n << 64n)) {
    throw new CheckFailed(`T = ${t} is outside [1, 2^64 - 1]`, { code: "bad-T" });
  }
  const ell = await hashToPrime(x, y, T);
  const v = (modPow(pi, ell, N) * modPow(x, modPow(2n, T, ell), N)) % N;
  if ((v < N - v ? v : N - v) !== y) {
    throw new CheckFailed("the VDF proof does not verify: π^ℓ · x^(2^T mod ℓ) ≠ y", { code: "bad-proof" });
  }
}

/** ``R`` (§11.8). */
export function output(y) {
  return enc.labelled("sha512", enc.VDF_OUTPUT, encode(y));
}

/** A VDF statement as tests/vectors/vdf presents it, checked in §11.9's order; the outcome. */
export async function checkStatement(doc) {
  try {
    if (!enc.bytesEqual(enc.hexbytes(doc.modulus_sha256, "modulus_sha256"), MODULUS_SHA256)) {
      return "wrong-modulus";
    }
    const raw = {};
    for (const k of ["x", "y", "pi"]) {
      try {
        raw[k] = enc.hexbytes(doc[k], k, 256);
      } catch (e) {
        if (e instanceof ParseError) return "malformed";
        throw e;
      }
    }
    const x = element(raw.x, "x");
    const y = element(raw.y, "y");
    const pi = element(raw.pi, "pi", { identity: true });
    if (x !== (await hashToGroup(enc.hexbytes(doc.seed, "seed")))) return "x-mismatch";
    await verify(x, y, pi, doc.T);
    const r = doc.R;
    if (r !== null && !enc.constantTimeEqual(enc.hexbytes(r, "R", 64), await output(y))) {
      return "bad-output";
    }
  } catch (e) {
    if (e instanceof CheckFailed) return e.code;
    throw e;
  }
  return "valid";
}
