// Mirrors verifier/envelope.py: two-party envelopes (PROTOCOL.md §9): the header (§9.2),
// HPKE share stanzas (§9.3, hpke.js), age's header MAC (§9.4) and STREAM payload (§9.5,
// ChaCha20-Poly1305 from @noble/ciphers: WebCrypto has no ChaCha20), the envelope hash
// (§9.6) and header hash (§9.9).
//
// openEnvelope throws CheckFailed whose ``code`` is §9.7's reason, checked in the order of
// §9.7's table. A private key here is what loadPrivate returns: { privateKey, publicBytes }.

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

import * as der from "./der.js";
import * as enc from "./encoding.js";
import { CheckFailed, ParseError } from "./errors.js";
import * as hpke from "./hpke.js";
import { ID, ID_VALUE } from "./records.js";

export const CHUNK = 65536;
export const ROLES = ["agent", "centre"];

const subtle = () => globalThis.crypto.subtle;
const EMPTY = new Uint8Array(0);

/** §9.6: the label field, then the whole envelope, not length-framed. */
export function envelopeHash(data) {
  return enc.sha256(enc.concat(enc.field(enc.utf8Bytes(enc.ENVELOPE_HASH)), data));
}

export function keyId(publicKey) {
  return enc.labelled("sha256", enc.ENVELOPE_KEY_ID, publicKey);
}

/** The SEC1 uncompressed point of ``key``'s public half (§9.3). */
export function publicBytes(key) {
  return key.publicBytes;
}

// -- loading a released key (§6.3 draw.key_release) -------------------------------------------

const EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const P256 = "1.2.840.10045.3.1.7";
// The P-256 base point, SEC1: ECDH with it gives the x coordinate of the private key's point.
const G =
  "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296" +
  "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

const unb64url = (s) => Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));

/** The algorithm OID and curve of a PKCS#8 PrivateKeyInfo (RFC 5958), strictly. */
function pkcs8Algorithm(bytes) {
  const top = der.single(bytes, 0x30, "PrivateKeyInfo");
  const [version, alg, key, ...rest] = der.children(top.content);
  const v = der.integer(version, "version");
  if (v !== 0n && v !== 1n) throw new der.DerError("PrivateKeyInfo: unknown version");
  der.single(alg.raw, 0x30, "privateKeyAlgorithm");
  const [oidT, params] = der.children(alg.content);
  der.single(key.raw, 0x04, "privateKey");
  if (rest.some((t) => t.tag !== 0xa0 && t.tag !== 0x81 && t.tag !== 0xa1)) {
    throw new der.DerError("PrivateKeyInfo: unexpected fields");
  }
  return { oid: der.oid(oidT), curve: params?.tag === 0x06 ? der.oid(params) : null };
}

/** A released opening key: PKCS#8 DER of a P-256 key (§6.3 ``draw.key_release``). */
export async function loadPrivate(bytes, name) {
  let alg;
  try {
    alg = pkcs8Algorithm(bytes);
  } catch (e) {
    if (e instanceof der.DerError) throw new ParseError(name, `not an unencrypted PKCS#8 key: ${e.message}`);
    throw e;
  }
  if (alg.oid !== EC_PUBLIC_KEY || alg.curve !== P256) throw new ParseError(name, "not a P-256 key");
  let jwk;
  let privateKey;
  try {
    const extractable = await subtle().importKey("pkcs8", bytes, { name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    jwk = await subtle().exportKey("jwk", extractable);
    privateKey = await subtle().importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
  } catch {
    // The key data does not make a valid P-256 key: cryptography says "Invalid key".
    throw new ParseError(name, "not an unencrypted PKCS#8 key: Invalid key");
  }
  // cryptography refuses a key whose embedded public point is not d·G; so do we (by x).
  const base = await subtle().importKey("raw", enc.fromHex(G), { name: "ECDH", namedCurve: "P-256" }, false, []);
  const x = new Uint8Array(await subtle().deriveBits({ name: "ECDH", public: base }, privateKey, 256));
  if (!enc.bytesEqual(x, unb64url(jwk.x))) throw new ParseError(name, "not an unencrypted PKCS#8 key: Invalid key");
  return { privateKey, publicBytes: enc.concat(new Uint8Array([4]), unb64url(jwk.x), unb64url(jwk.y)) };
}

// -- header (§9.2) -----------------------------------------------------------------------------

function header(data) {
  const r = new enc.Reader(data, "envelope");
  const raw = r.field("header");
  const mac = r.field("mac");
  const h = new enc.Reader(raw, "header");
  if (h.text("tag") !== "tender-beacon/v1/envelope" || h.uint("suite", 16) !== 1) {
    throw new ParseError("header", "not a tender-beacon/v1/envelope header of suite 1");
  }
  const tenderId = h.text("tender_id");
  const envelopeId = h.text("envelope_id");
  const purpose = h.text("purpose");
  const drawId = h.text("draw_id");
  const bidder = h.field("bidder");
  const stanzas = h.items("stanzas").map((item, i) => {
    const s = new enc.Reader(item, `header.stanzas[${i}]`);
    const stanza = [s.text("role"), s.field("key_id"), s.field("wrapped_share")];
    s.end();
    return stanza;
  });
  h.end();
  const counts = ROLES.map((role) => stanzas.filter((st) => st[0] === role).length);
  const checks = [
    [raw.length <= 16384 && mac.length === 32, "header longer than 16384 bytes or MAC not 32 bytes"],
    [Boolean(enc.fullmatch(ID_VALUE, tenderId) && enc.fullmatch(ID_VALUE, envelopeId)), "bad tender or envelope id"],
    [
      (purpose === "bid" && drawId === "") || Boolean(purpose === "seed" && enc.fullmatch(ID, drawId)),
      "bad purpose or draw id",
    ],
    [bidder.length === 32 && stanzas.length >= 2 && stanzas.length <= 16, "bidder not 32 bytes, or not 2–16 stanzas"],
    [stanzas.every((st) => ROLES.includes(st[0]) && st[1].length === 32 && st[2].length === 97), "a stanza's role or sizes"],
    [counts.every((c) => c >= 1 && c <= (purpose === "seed" ? 1 : 8)), "stanzas per role"],
    [new Set(stanzas.map((st) => enc.toHex(st[1]))).size === stanzas.length, "a key_id appears twice"],
  ];
  for (const [ok, why] of checks) if (!ok) throw new ParseError("header", why);
  return [{ tenderId, envelopeId, purpose, drawId, bidder, stanzas, raw }, mac, data.subarray(r.pos)];
}

/** The header of an envelope file, or ``header-malformed`` (§9.2). */
export function parseHeader(data) {
  try {
    return header(data)[0];
  } catch (e) {
    if (e instanceof ParseError) throw new CheckFailed(e.message, { code: "header-malformed" });
    throw e;
  }
}

/** A header record and its MAC as a tender bundle carries them (§9.2, §13.4). */
export function parsePrefix(headerBytes, mac) {
  return header(enc.concat(enc.field(headerBytes), enc.field(mac)))[0];
}

/** §9.9: what the opening record commits for each envelope. */
export function headerHash(headerBytes, mac) {
  return enc.labelled("sha256", enc.ENVELOPE_HEADER, headerBytes, mac);
}

// -- shares (§9.3) and the header MAC (§9.4) ---------------------------------------------------

function info(h, role) {
  return enc.fields(
    enc.utf8Bytes(enc.ENVELOPE_SHARE),
    enc.utf8Bytes(h.tenderId),
    enc.utf8Bytes(h.envelopeId),
    enc.utf8Bytes(h.purpose),
    enc.utf8Bytes(h.drawId),
    h.bidder,
    enc.utf8Bytes(role),
  );
}

/** HPKE Open of a 97-byte wrapped share with ``key`` for ``role``; null if it does not open. */
function unwrap(h, role, wrapped, key) {
  return hpke.open({
    enc: wrapped.subarray(0, 65),
    ct: wrapped.subarray(65),
    skR: key.privateKey,
    pkR: key.publicBytes,
    info: info(h, role),
  });
}

function xor(a, b) {
  if (a.length !== b.length) throw new RangeError("shares of different lengths");
  return a.map((x, i) => x ^ b[i]);
}

async function headerMac(fileKey, raw) {
  const k = await hpke.hkdf(fileKey, EMPTY, enc.utf8Bytes("header"));
  const key = await subtle().importKey("raw", k, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", key, raw));
}

/** §9.4 with ``K = K_A ⊕ K_C``, compared in constant time. */
export async function macMatches(h, mac, shareAgent, shareCentre) {
  return enc.constantTimeEqual(await headerMac(xor(shareAgent, shareCentre), h.raw), mac);
}

/**
 * Open with the agent's and the centre's keys (§9.1, §9.3–§9.5): ``[header, plaintext]``.
 * ``keys`` maps each role to a loadPrivate key or null (not released).
 */
export async function openEnvelope(data, keys) {
  const fail = (code, why) => new CheckFailed(`envelope could not be opened: ${why}`, { code });
  let h, mac, payload;
  try {
    [h, mac, payload] = header(data);
  } catch (e) {
    if (e instanceof ParseError) throw fail("header-malformed", e.message);
    throw e;
  }
  const given = Object.entries(keys).filter(([, k]) => k !== null && k !== undefined);
  const stanza = [];
  for (const [role, k] of given) {
    const kid = await keyId(publicBytes(k));
    stanza.push([role, h.stanzas.find((s) => enc.bytesEqual(s[1], kid)) ?? null]);
  }
  for (const [role, s] of stanza) if (s === null) throw fail("not-a-recipient", `the ${role} key is not a recipient`);
  for (const [role, s] of stanza) {
    if (s[0] !== role) throw fail("wrong-role-key", `the key given for ${role} is a recipient of the ${s[0]} role`);
  }
  const shares = [];
  for (const [i, [role, s]] of stanza.entries()) {
    const share = await unwrap(h, role, s[2], given[i][1]);
    if (share === null) throw fail("share-unwrap-failed", `the ${role} share does not unwrap`);
    shares.push(share);
  }
  if (shares.length !== 2 || shares.some((s) => s.length !== 16)) throw fail("share-missing", "a share is missing");
  const fileKey = xor(shares[0], shares[1]);
  if (!enc.constantTimeEqual(await headerMac(fileKey, h.raw), mac)) {
    throw fail("header-mac-mismatch", "the header MAC does not match");
  }
  const plaintext = await streamOpen(fileKey, payload);
  if (h.purpose === "seed" && plaintext.length !== 32) {
    throw fail("seed-size-mismatch", `a seed of ${plaintext.length} bytes`);
  }
  return [h, plaintext];
}

/**
 * §9.9 step 6: the role's share from the stanza of every key, which must agree.
 * Throws CheckFailed with code ``not-a-recipient``, ``share-unwrap-failed``,
 * ``share-missing`` or ``backup-share-mismatch``.
 */
export async function roleShare(h, role, keys) {
  const shares = [];
  for (const k of keys) {
    const kid = await keyId(publicBytes(k));
    const short = enc.toHex(kid).slice(0, 12);
    const stanza = h.stanzas.find((s) => s[0] === role && enc.bytesEqual(s[1], kid));
    if (stanza === undefined) {
      throw new CheckFailed(`no ${role} stanza for key ${short}…`, { code: "not-a-recipient" });
    }
    const share = await unwrap(h, role, stanza[2], k);
    if (share === null) {
      throw new CheckFailed(`the ${role} stanza for key ${short}… does not decrypt`, { code: "share-unwrap-failed" });
    }
    shares.push(share);
  }
  if (!shares.length) throw new CheckFailed(`no ${role} key to unwrap with`, { code: "share-missing" });
  if (shares.slice(1).some((x) => !enc.constantTimeEqual(x, shares[0]))) {
    throw new CheckFailed(`the ${role} stanzas wrap different shares`, { code: "backup-share-mismatch" });
  }
  return shares[0];
}

// -- payload (§9.5) ------------------------------------------------------------------------------

/** §9.5: the payload bytes of a plaintext of ``plaintextSize`` bytes. */
export function payloadSize(plaintextSize) {
  return 16 + plaintextSize + 16 * Math.max(1, Math.ceil(plaintextSize / CHUNK));
}

/** The age v1 STREAM payload (§9.5) with its exact failure reasons. */
export async function streamOpen(fileKey, payload) {
  const fail = (code, why) => new CheckFailed(`envelope could not be opened: ${why}`, { code });
  if (payload.length < 16) throw fail("nonce-truncated", "nonce truncated");
  const key = await hpke.hkdf(fileKey, payload.subarray(0, 16), enc.utf8Bytes("payload"));
  const out = [];
  const pieceSize = CHUNK + 16;
  let pos = 16;
  let i = 0;
  const attempt = (piece, last) => {
    const nonce = new Uint8Array(12);
    for (let j = 0, n = i; j < 11; j++, n = Math.floor(n / 256)) nonce[10 - j] = n % 256;
    nonce[11] = last;
    try {
      return chacha20poly1305(key, nonce).decrypt(piece);
    } catch {
      return null;
    }
  };
  for (;;) {
    const piece = payload.subarray(pos, pos + pieceSize);
    if (!piece.length) throw fail("payload-truncated", "payload truncated");
    if (piece.length < pieceSize) {
      if (piece.length === 16 && i > 0) throw fail("payload-empty-final-chunk", "empty final chunk");
      const plain = attempt(piece, 1);
      if (plain === null) throw fail("payload-auth-failed", "payload authentication");
      return enc.concat(...out, plain);
    }
    let plain = attempt(piece, 0);
    if (plain === null) {
      plain = attempt(piece, 1);
      if (plain === null) throw fail("payload-auth-failed", "payload authentication");
      if (pos + pieceSize !== payload.length) throw fail("payload-trailing-data", "trailing data");
      return enc.concat(...out, plain);
    }
    out.push(plain);
    pos += pieceSize;
    i += 1;
  }
}
