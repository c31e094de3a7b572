// Mirrors verifier/opening_keys.py: announced opening keys (PROTOCOL.md §9.3), proof of
// possession and one announcement per key.
//
// checkAnnouncements is the one check for draw.opening_key and tender.opening_key
// statements alike: each carries a P-256 point and an ECDSA P-256/SHA-256 signature by that
// key over the possession message, which names the statement's tender, subject, role and
// actor; and no key is announced twice among them. Pure: statements in, key ids out,
// CheckFailed on the first failure.

import * as der from "./der.js";
import * as enc from "./encoding.js";
import { keyId } from "./envelope.js";
import { CheckFailed } from "./errors.js";
import { ecdsaRaw } from "./identity.js";

export const POSSESSION_MAX = 72; // DER SEQUENCE of two INTEGERs of at most 33 bytes (§6.3)

/** ``F(label) ‖ F(tender_id) ‖ F(subject) ‖ F(role) ‖ F(announcer) ‖ F(public_key)`` (§9.3). */
export function possessionMessage({ tenderId, subject, role, announcer, publicKey }) {
  return enc.fields(
    enc.utf8Bytes(enc.OPENING_KEY_POSSESSION),
    enc.text(tenderId),
    enc.text(subject),
    enc.text(role),
    announcer,
    publicKey,
  );
}

/** decode_dss_signature then encode_dss_signature gives the same bytes: a strict DER (r, s). */
function strictDer(proof) {
  try {
    const seq = der.single(proof, 0x30, "signature");
    const parts = der.children(seq.content);
    // Two minimal INTEGERs of any sign, nothing after them: what round-trips in cryptography.
    return parts.length === 2 && parts.every((t) => typeof der.integer(t) === "bigint");
  } catch {
    return false;
  }
}

/** §9.3 for one announcement ``s``: its point, then its proof of possession; the key id. */
export async function checkPossession(s, { what }) {
  const point = s.body.public_key;
  const proof = s.body.possession;
  if (point.length !== 65 || point[0] !== 4) {
    throw new CheckFailed(`${what}: the opening key is not an uncompressed P-256 point`);
  }
  let key;
  try {
    key = await globalThis.crypto.subtle.importKey("raw", point, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  } catch {
    throw new CheckFailed(`${what}: the opening key is not a P-256 point`);
  }
  if (!(strictDer(proof) && proof.length <= POSSESSION_MAX)) {
    throw new CheckFailed(
      `${what}: the proof of possession is missing or not a DER ECDSA signature (${proof.length} bytes)`,
      { code: "bad-possession" },
    );
  }
  const message = possessionMessage({
    tenderId: s.tenderId,
    subject: s.subject,
    role: s.role,
    announcer: s.actor,
    publicKey: point,
  });
  const raw = ecdsaRaw(proof, 32);
  const ok =
    raw !== null &&
    (await globalThis.crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, message).catch(() => false));
  if (!ok) {
    throw new CheckFailed(
      `${what}: the proof of possession does not verify for tender ${enc.pyRepr(s.tenderId)}, ` +
        `subject ${enc.pyRepr(s.subject)}, role ${s.role}, announcer ${enc.toHex(s.actor).slice(0, 16)}…`,
      { code: "bad-possession" },
    );
  }
  return keyId(point);
}

/**
 * Every ``[leaf, statement]`` announcement proves possession, and no key comes twice.
 * Returns a Map from each key id (hex) to the leaf that announced it. Within one proof
 * bundle this is all a verifier can see; the service refuses reuse across draws and tenders.
 */
export async function checkAnnouncements(announcements) {
  const seen = new Map();
  for (const [leaf, s] of announcements) {
    const kid = enc.toHex(await checkPossession(s, { what: `leaf ${leaf} (${s.kind} by the ${s.role})` }));
    if (seen.has(kid)) {
      throw new CheckFailed(
        `leaf ${leaf} (${s.kind} by the ${s.role}): key ${kid.slice(0, 16)}… was already ` +
          `announced at leaf ${seen.get(kid)}; a key opens one role's shares (§9.3)`,
      );
    }
    seen.set(kid, leaf);
  }
  return seen;
}
