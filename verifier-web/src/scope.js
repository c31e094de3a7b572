// Mirrors verifier/scope.py: what draw and tender bundles hold and check alike: their
// statements and time points, the scope chain (PROTOCOL.md §7.6), the beacon, the log,
// certificates and roles.

import * as enc from "./encoding.js";
import { CheckFailed } from "./errors.js";
import * as identity from "./identity.js";
import * as merkle from "./merkle.js";
import { TreeHead } from "./merkle.js";
import * as pulse from "./pulse.js";
import { Pulse } from "./pulse.js";
import * as records from "./records.js";

/**
 * A bundle statement (§13): its leaf, its chain link (§7.6), its signed statement and its
 * inclusion proof in the bundle's final tree head.
 */
export class Logged {
  constructor(leaf, link, s, inclusion) {
    Object.assign(this, { leaf, link, s, inclusion });
  }

  get entry() {
    return records.logEntry(this.link, this.s);
  }

  static parse(doc, name) {
    const x = enc.members(doc, name, ["leaf_index", "chain", "signed", "inclusion"]);
    return new Logged(
      enc.integer(x.leaf_index, `${name}.leaf_index`),
      records.parseLink(x.chain, `${name}.chain`),
      records.parseSigned(x.signed, `${name}.signed`),
      merkle.proof(x.inclusion, `${name}.inclusion`),
    );
  }
}

/** A deadline's pulse, the pulse before it and the head it commits (§13.2). */
export class TimePoint {
  constructor(deadline, pulse_, previous, head, consistency) {
    Object.assign(this, { deadline, pulse: pulse_, previous, head, consistency });
  }

  /** [name, time point] of one member of ``time_points``, its name one of ``names``. */
  static parse(doc, name, names) {
    const x = enc.members(doc, name, ["name", "deadline", "pulse", "previous", "tree_head", "consistency"]);
    const tpName = enc.string(x.name, `${name}.name`, names.join("|"));
    return [
      tpName,
      new TimePoint(
        enc.timestamp(x.deadline, `${name}.deadline`),
        Pulse.fromJson(x.pulse, `${name}.pulse`),
        Pulse.fromJson(x.previous, `${name}.previous`),
        TreeHead.fromJson(x.tree_head, `${name}.tree_head`),
        merkle.proof(x.consistency, `${name}.consistency`),
      ),
    ];
  }
}

/**
 * §7.6: ``chain`` (one scope's statements, in log order) is its whole chain from seq 0,
 * each naming the one before by leaf index and leaf hash; ``firstKind``, if given, opens it.
 */
export async function checkChain(chain, { scope, firstKind = null }) {
  if (!chain.length) throw new CheckFailed(`the bundle holds no statement of the ${scope}`);
  const first = chain[0];
  if (first.link.seq != 0 || (firstKind !== null && first.s.kind !== firstKind)) {
    const opener = firstKind ? `its ${firstKind} ` : "";
    throw new CheckFailed(
      `leaf ${first.leaf} (${first.s.kind}): the ${scope}'s chain must start with ${opener}at ` +
        `seq 0, found seq ${first.link.seq}`,
    );
  }
  for (let i = 1; i < chain.length; i++) {
    const [before, x] = [chain[i - 1], chain[i]];
    const what = `leaf ${x.leaf} (${x.s.kind})`;
    if (BigInt(x.link.seq) !== BigInt(before.link.seq) + 1n) {
      throw new CheckFailed(
        `${what}: seq ${x.link.seq} follows seq ${before.link.seq}: ` +
          `${BigInt(x.link.seq) - BigInt(before.link.seq) - 1n} statement(s) of the ${scope} are missing`,
      );
    }
    if (
      x.link.previousLeaf != before.leaf ||
      !enc.constantTimeEqual(x.link.previousHash, await merkle.leafHash(before.entry))
    ) {
      throw new CheckFailed(
        `${what}: names leaf ${x.link.previousLeaf} as the ${scope}'s previous statement, ` +
          `but the bundle's is leaf ${before.leaf}`,
      );
    }
  }
  return `${chain.length} statements of the ${scope}, seq 0–${chain.length - 1}, none left out`;
}

/**
 * §3.2 at each statement's issued_at, with the profile of its role (§3.1), and §3.3: a
 * registration's certificate is the one its fingerprint names, valid as a party's.
 */
export async function checkCertificates(statements, anchors, crls) {
  for (const x of statements) {
    const s = x.s;
    try {
      await identity.validateChain(s.certificate, s.chain, anchors, s.issuedAt, {
        profile: s.role === "beacon" ? "beacon" : "party",
        crls,
      });
      if (s.kind === "tender.register") {
        if (!enc.bytesEqual(await identity.fingerprint(s.body.certificate), s.body.fingerprint)) {
          throw new CheckFailed("the registered certificate is not the one its fingerprint names");
        }
        await identity.validateChain(s.body.certificate, s.chain, anchors, s.issuedAt, { crls });
      }
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      throw new CheckFailed(`leaf ${x.leaf} (${s.kind} by ${s.role}): ${e.message}`);
    }
  }
}

/**
 * §6.3, §3.3 for one statement in log order: made by a role its kind allows, by a beacon
 * certificate of the bundle or a party registered in that role before it; a registration
 * grants a role its registrar may grant, once per certificate. ``registered`` is a Map of
 * hex fingerprint → role.
 */
export function checkRole(s, what, registered, kindRoles, beaconCertificates) {
  if (!kindRoles[s.kind].includes(s.role)) throw new CheckFailed(`${what}: not made by a ${s.role}`);
  if (s.role === "beacon") {
    if (![...beaconCertificates].some((c) => enc.bytesEqual(c, s.certificate))) {
      throw new CheckFailed(`${what}: not a beacon certificate of the bundle`);
    }
  } else if (registered.get(enc.toHex(s.actor)) !== s.role) {
    throw new CheckFailed(`${what}: ${enc.toHex(s.actor).slice(0, 12)}… is not registered as ${s.role}`);
  }
  if (s.kind === "tender.register") {
    const [grant, fp] = [s.body.role, enc.toHex(s.body.fingerprint)];
    const allowed = s.role === "beacon" ? ["centre", "supervisor"] : ["agent", "bidder"];
    if (!allowed.includes(grant)) throw new CheckFailed(`${what}: a ${s.role} does not register a ${grant} (§3.3)`);
    if (!registered.has(fp)) registered.set(fp, grant);
    if (registered.get(fp) !== grant) throw new CheckFailed(`${what}: ${fp.slice(0, 12)}… already has another role`);
  }
}

/**
 * §14 step 2: every beacon certificate of the bundle (a Map: hex certificateId → DER) is
 * used by one of its pulses or beacon statements, is of the beacon profile (§3.1), and
 * passes §3.2 at every pulse it signed (statements are checked at their own issued_at).
 */
export async function checkBeacon(certs, pulses, statements, anchors, crls) {
  for (const anchor of anchors) await identity.checkAnchor(anchor);
  const used = statements.filter((x) => x.s.role === "beacon").map((x) => x.s.certificate);
  const names = [];
  for (const [cid, der] of certs) {
    const times = [...new Set(pulses.filter((p) => enc.toHex(p.certificateId) === cid).map((p) => p.timeMs))].sort(
      (a, b) => a - b,
    );
    if (!times.length && !used.some((c) => enc.bytesEqual(c, der))) {
      throw new CheckFailed(`beacon certificate ${cid.slice(0, 12)}… is used by no pulse or statement`);
    }
    await identity.checkProfile(der, "beacon");
    for (const at of times) await identity.validateChain(der, [], anchors, at, { profile: "beacon", crls });
    names.push(await identity.subjectOf(der));
  }
  return `${names.join(", ")} of the beacon profile, chain(s) to the anchors at each pulse`;
}

/**
 * §14 step 3: the final pulse commits the head, and every entry, re-encoded from its chain
 * link and signed statement (§7.6), is included in it at its leaf, in log order.
 */
export async function checkLog(statements, pulse_, certs, head) {
  await pulse.verifySegment([pulse_], certs, [head]);
  const leaves = statements.map((x) => x.leaf);
  if (leaves.some((l, i) => i > 0 && !(leaves[i - 1] < l))) {
    throw new CheckFailed("leaf indexes are not distinct and increasing");
  }
  for (const x of statements) {
    await merkle.verifyInclusion(x.leaf, await merkle.leafHash(x.entry), x.inclusion, head);
  }
  return `${leaves.length} statements in tree ${head.treeSize}, committed by ${pulse_.name()}`;
}
