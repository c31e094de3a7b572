// RFC 9180 (HPKE) base-mode Open for DHKEM(P-256, HKDF-SHA256) and HKDF-SHA256 with
// AES-128-GCM or AES-256-GCM, on WebCrypto: what verifier/envelope.py gets from
// cryptography's hazmat.primitives.hpke for the share stanzas of PROTOCOL.md §9.3
// (suite 0x0010, 0x0001, 0x0002). Also the HKDF-SHA256 of §9.4–§9.5, from the same two
// functions (RFC 5869 Extract and Expand over WebCrypto HMAC).

import { concat, utf8Bytes } from "./encoding.js";

const subtle = () => globalThis.crypto.subtle;
const HASH_LEN = 32;

export const KEM_P256_HKDF_SHA256 = 0x0010;
export const KDF_HKDF_SHA256 = 0x0001;
export const AEAD_AES_128_GCM = 0x0001;
export const AEAD_AES_256_GCM = 0x0002;
const KEY_SIZE = { [AEAD_AES_128_GCM]: 16, [AEAD_AES_256_GCM]: 32 };
const NONCE_SIZE = 12;

const u16 = (n) => new Uint8Array([n >> 8, n & 0xff]);

async function hmac(key, data) {
  // An empty HMAC key is the same key as HashLen zero bytes (both are zero-padded to the
  // block size, RFC 2104), and WebCrypto refuses empty HMAC keys: RFC 5869's default salt.
  const k = await subtle().importKey("raw", key.length ? key : new Uint8Array(HASH_LEN), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", k, data));
}

/** RFC 5869 HKDF-Extract with SHA-256. */
export function extract(salt, ikm) {
  return hmac(salt, ikm);
}

/** RFC 5869 HKDF-Expand with SHA-256. */
export async function expand(prk, info, length) {
  const out = new Uint8Array(length);
  let t = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    t = await hmac(prk, concat(t, info, new Uint8Array([i])));
    out.set(t.subarray(0, Math.min(t.length, length - at)), at);
    at += t.length;
  }
  return out;
}

/** HKDF-SHA256(ikm, salt, info) of ``length`` bytes. */
export async function hkdf(ikm, salt, info, length = 32) {
  return expand(await extract(salt, ikm), info, length);
}

const VERSION = utf8Bytes("HPKE-v1");

// RFC 9180 §4: LabeledExtract and LabeledExpand, with the suite_id of the KEM or of HPKE.
function labeledExtract(suiteId, salt, label, ikm) {
  return extract(salt, concat(VERSION, suiteId, utf8Bytes(label), ikm));
}

function labeledExpand(suiteId, prk, label, info, length) {
  return expand(prk, concat(u16(length), VERSION, suiteId, utf8Bytes(label), info), length);
}

/** RFC 9180 §4.1 Decap of DHKEM(P-256, HKDF-SHA256): the shared secret, or a throw. */
async function decap(enc, skR, pkR) {
  const suiteId = concat(utf8Bytes("KEM"), u16(KEM_P256_HKDF_SHA256));
  // importKey validates the point (on the curve, not the identity): DeserializePublicKey.
  const pkE = await subtle().importKey("raw", enc, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const dh = new Uint8Array(await subtle().deriveBits({ name: "ECDH", public: pkE }, skR, 256));
  const eaePrk = await labeledExtract(suiteId, new Uint8Array(0), "eae_prk", dh);
  return labeledExpand(suiteId, eaePrk, "shared_secret", concat(enc, pkR), 32);
}

/**
 * RFC 9180 §5.1.1 SetupBaseR then §5.2 Open of sequence number ``seq``: the plaintext, or
 * null when the ciphertext does not open (bad point, wrong key, wrong info or aad, bad tag).
 * ``skR`` is an ECDH P-256 CryptoKey with "deriveBits", ``pkR`` its 65-byte public point.
 */
export async function open({ enc, skR, pkR, info, aad = new Uint8Array(0), ct, aead = AEAD_AES_256_GCM, seq = 0 }) {
  try {
    const suiteId = concat(utf8Bytes("HPKE"), u16(KEM_P256_HKDF_SHA256), u16(KDF_HKDF_SHA256), u16(aead));
    const sharedSecret = await decap(enc, skR, pkR);
    const empty = new Uint8Array(0);
    const pskIdHash = await labeledExtract(suiteId, empty, "psk_id_hash", empty);
    const infoHash = await labeledExtract(suiteId, empty, "info_hash", info);
    const context = concat(new Uint8Array([0]), pskIdHash, infoHash); // mode_base = 0
    const secret = await labeledExtract(suiteId, sharedSecret, "secret", empty);
    const key = await labeledExpand(suiteId, secret, "key", context, KEY_SIZE[aead]);
    const nonce = await labeledExpand(suiteId, secret, "base_nonce", context, NONCE_SIZE);
    for (let i = 0, s = seq; i < 8; i++, s = Math.floor(s / 256)) nonce[NONCE_SIZE - 1 - i] ^= s % 256;
    const k = await subtle().importKey("raw", key, "AES-GCM", false, ["decrypt"]);
    return new Uint8Array(await subtle().decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, k, ct));
  } catch {
    return null;
  }
}
