// Mirrors verifier/draw/ (one Python module per step): the verification procedure of a
// draw's proof bundle (PROTOCOL.md §14), step by step, with the receipts a party holds (§14.3b).

import * as enc from "./encoding.js";
import * as envelope from "./envelope.js";
import { CheckFailed, ParseError, VerifyError } from "./errors.js";
import * as identity from "./identity.js";
import * as merkle from "./merkle.js";
import { TreeHead } from "./merkle.js";
import * as openingKeys from "./opening_keys.js";
import * as pulse from "./pulse.js";
import { Pulse } from "./pulse.js";
import * as records from "./records.js";
import { verifyReceipt } from "./receipt.js";
import { Report } from "./report.js";
import * as scope from "./scope.js";
import { Logged, TimePoint } from "./scope.js";
import * as selection from "./selection.js";
import * as vdf from "./vdf.js";

export const FORMAT = "tender-beacon/v2/proof-bundle";
// What the certificates were checked against without --anchors (report.unanchored).
export const OWN_ANCHORS = "the bundle's own trust anchors";
export const KIND_ROLES = {
  // §6.3: who makes each kind
  "tender.register": ["beacon", "centre"],
  "draw.publish": ["agent"],
  "draw.countersign": ["centre"],
  "draw.opening_key": ["agent", "centre"],
  "draw.commit": ["agent", "centre"],
  "envelope.submit": ["bidder"],
  "draw.freeze": ["beacon"],
  "draw.snapshot": ["agent"],
  "draw.reveal": ["agent", "centre"],
  "draw.key_release": ["agent", "centre"],
  "draw.result": ["beacon"],
  "draw.objection": ["bidder"],
  "draw.confirm": ["supervisor"],
  "draw.void": ["supervisor"],
};
export const PARTIES = ["centre", "agent"]; // §10.1: the centre first, then the agent
export const MAX_SKEW_MS = 300000; // §6.5: S_max, the most any deployment accepts between clocks
export const TIME_POINTS = ["commit", "snapshot", "reveal", "seed_open", "result", "dispute_end"];
const EMPTY = new Uint8Array(0);
const b = (s) => enc.utf8Bytes(s);

/** A party's seed commitment (§4). */
export function commitment(drawId, role, fingerprint, seed) {
  return enc.labelled("sha256", enc.COMMITMENT, b(drawId), b(role), fingerprint, seed);
}

/** §10.1: the hash of the snapshot's sorted bid ids. */
export function snapshotHash(bidIds) {
  return enc.labelled("sha256", enc.SNAPSHOT_HASH, enc.items(bidIds.map(b)));
}

/** §10.1 over the [role, fingerprint, status, seed] entries, in their given order. */
export async function combinedSeed(defHash, freeze, entries, snapshot) {
  // §10.1, §6.4: the centre and the agent each have an entry, or the draw is blocked.
  const missing = PARTIES.filter((p) => !entries.some(([r]) => r === p));
  if (missing.length) {
    throw new CheckFailed(
      `no seed entry of the ${missing.join(" and the ")}: a draw frozen without both ` +
        "parties' commitments cannot be computed (§6.4)",
      { code: "missing-party" },
    );
  }
  const included = entries.filter(([, , status]) => status === "included");
  if (!included.length) {
    throw new CheckFailed("no seed is included; the draw cannot be computed (§10.2)", { code: "no-seed" });
  }
  // The triples are not framed one by one (§10.1).
  const items = enc.concat(
    enc.field(enc.uint(included.length, 32)),
    ...included.map(([r, fp, , seed]) => enc.fields(b(r), fp, seed)),
  );
  return enc.labelled("sha512", enc.DRAW_SEED, defHash, enc.uint(freeze.treeSize, 64), freeze.rootHash, items, snapshot);
}

/** Every selection's pick from ``R`` (§12), the snapshot's bid ids for ``from_snapshot`` ones. */
export async function picks(definition, r, bidIds = []) {
  const out = [];
  for (const [i, sel] of definition.selections.entries()) {
    const cands = sel.from_snapshot ? [...bidIds] : sel.candidates;
    const k = { pick_one: 1, pick_k: sel.k, permutation: cands.length }[sel.kind];
    check(k <= cands.length, `${sel.code}: k = ${k} exceeds ${cands.length} candidates (§12.3)`);
    const [idx] = await selection.pick(r, i, cands.length, Number(k));
    out.push({ code: sel.code, indexes: idx, values: idx.map((j) => cands[j]) });
  }
  return out;
}

/** The derived values (§5.1), computed exactly from the drawn ones. */
export function derived(definition, drawn) {
  const byCode = Object.fromEntries(drawn.map((p) => [p.code, p.values[0]]));
  return definition.derived.map((d) => {
    const [a, op, c] = records.derivedOperands(d.formula, definition.selections, "formula");
    const value = records.compute(byCode[a] ?? a, op, byCode[c] ?? c);
    return { code: d.code, label: d.label, unit: d.unit, formula: d.formula, value };
  });
}

function check(ok, message) {
  if (!ok) throw new CheckFailed(message);
}

function short(bytes) {
  return enc.toHex(bytes).slice(0, 12) + "…";
}

/** Python's == between the values the verifier compares: ints of either type, bytes, lists, dicts. */
function same(x, y) {
  if (enc.isInt(x) && enc.isInt(y)) return BigInt(x) === BigInt(y);
  if (x instanceof Uint8Array && y instanceof Uint8Array) return enc.bytesEqual(x, y);
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => same(v, y[i]));
  if (x && y && typeof x === "object" && typeof y === "object" && !Array.isArray(x) && !Array.isArray(y)) {
    const kx = Object.keys(x);
    return kx.length === Object.keys(y).length && kx.every((k) => Object.hasOwn(y, k) && same(x[k], y[k]));
  }
  return x === y;
}

/** draw._json: one value as canonical JSON (non-ASCII kept), cut at ``limit`` code points. */
function shownJson(x, limit = 200) {
  const text = [...enc.canonicalJson(x)];
  return text.length <= limit ? text.join("") : text.slice(0, limit - 1).join("") + "…";
}

// Python's ``...``: the side of a comparison that lacks a member.
const NONE = Symbol("none");

/**
 * draw.differences: where two JSON values differ, [path, expected, got] at the deepest member
 * that does. Compared as canonical JSON, so that 3.0 or true cannot stand for 3 or 1; a
 * member one side lacks is NONE on that side, a list of another length differs whole.
 */
export function differences(expected, got, path) {
  const isDict = (v) => v !== NONE && enc.typeName(v) === "dict";
  if (isDict(expected) && isDict(got)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(got)])].sort(enc.codePointCompare);
    return keys.flatMap((k) =>
      differences(
        Object.hasOwn(expected, k) ? expected[k] : NONE,
        Object.hasOwn(got, k) ? got[k] : NONE,
        `${path}.${k}`,
      ),
    );
  }
  if (Array.isArray(expected) && Array.isArray(got) && expected.length === got.length) {
    return expected.flatMap((e, i) => differences(e, got[i], `${path}[${i}]`));
  }
  if (expected !== NONE && got !== NONE && enc.canonicalJson(expected) === enc.canonicalJson(got)) return [];
  return [[path, expected, got]];
}

const sortedStrings = (xs) => [...xs].sort(enc.codePointCompare);
const sortedInts = (xs) => [...xs].sort((a, c) => (a < c ? -1 : a > c ? 1 : 0));

function each(doc, key, members, make) {
  if (!Array.isArray(doc[key])) throw new ParseError(key, "expected a list");
  return doc[key].map((x, i) => make(enc.members(x, `${key}[${i}]`, members), `${key}[${i}]`));
}

function unique(pairs, key) {
  const out = new Map(pairs);
  if (out.size !== pairs.length) throw new ParseError(key, "a name appears twice");
  return out;
}

class Witness {
  constructor(pulse_, head, consistency) {
    Object.assign(this, { pulse: pulse_, head, consistency });
  }
}

/**
 * One bundle under verification: parsed strictly (§14.1), then each ``check*`` is a §14
 * step. ``state`` holds what a step establishes for later ones; a step whose input failed
 * reports that it depends on it, so the report never passes a step it could not run.
 */
export class DrawCheck {
  /** Parse ``doc``; ``anchors`` are DER CA certificates, or null for the bundle's own. */
  static async create(doc, anchors, crls = []) {
    const c = new DrawCheck();
    c.crls = [...crls];
    doc = enc.members(doc, "bundle", [
      "format", "draw_id", "definition", "trust_anchors", "beacon_certificates", "statements",
      "seed_envelopes", "log", "time_points", "witnesses", "summary",
    ]);
    [c.definition, c.encoded] = records.parseDefinition(doc.definition, "definition");
    c.defHash = await records.definitionHash(c.encoded);
    c.drawId = c.definition.draw_id;
    if (doc.draw_id !== c.drawId) {
      throw new ParseError(
        "definition.draw_id",
        `${enc.pyRepr(c.drawId)} is not the bundle's draw_id ${enc.pyRepr(doc.draw_id)}`,
      );
    }
    if (!Array.isArray(doc.trust_anchors)) throw new ParseError("trust_anchors", "expected a list");
    const own = doc.trust_anchors.map((a, i) => enc.b64(a, `trust_anchors[${i}]`));
    if (new Set(own.map(enc.toHex)).size !== own.length) {
      throw new ParseError("trust_anchors", "a certificate appears twice");
    }
    [c.anchors, c.anchorSource] = anchors === null ? [own, "bundle"] : [[...anchors], "given"];
    if (!Array.isArray(doc.beacon_certificates) || !doc.beacon_certificates.length) {
      throw new ParseError("beacon_certificates", "expected a non-empty list");
    }
    const ders = doc.beacon_certificates.map((x, i) => enc.b64(x, `beacon_certificates[${i}]`));
    if (new Set(ders.map(enc.toHex)).size !== ders.length) {
      throw new ParseError("beacon_certificates", "a certificate appears twice");
    }
    // §13: one certificate per beacon key the bundle uses (more than one after a rotation).
    c.certs = new Map();
    for (const der of ders) c.certs.set(enc.toHex(await enc.sha512(der)), der);
    c.statements = each(doc, "statements", ["leaf_index", "chain", "signed", "inclusion"], Logged.parse);
    c.statements.forEach((x, i) => {
      if (!Object.hasOwn(KIND_ROLES, x.s.kind)) {
        throw new ParseError(`statements[${i}]`, `a ${x.s.kind} does not belong in a draw bundle`);
      }
    });
    c.envelopes = unique(
      each(doc, "seed_envelopes", ["envelope_id", "data"], (x, n) => [
        enc.string(x.envelope_id, `${n}.envelope_id`),
        enc.b64(x.data, `${n}.data`),
      ]),
      "seed_envelopes",
    );
    const log = enc.members(doc.log, "log", ["tree_head", "pulse"]);
    c.head = TreeHead.fromJson(log.tree_head, "log.tree_head");
    c.pulse = Pulse.fromJson(log.pulse, "log.pulse");
    c.timePoints = unique(
      each(doc, "time_points", ["name", "deadline", "pulse", "previous", "tree_head", "consistency"], (x, n) =>
        TimePoint.parse(x, n, TIME_POINTS),
      ),
      "time_points",
    );
    c.witnesses = each(
      doc,
      "witnesses",
      ["pulse", "tree_head", "consistency"],
      (x, n) =>
        new Witness(
          Pulse.fromJson(x.pulse, `${n}.pulse`),
          TreeHead.fromJson(x.tree_head, `${n}.tree_head`),
          merkle.proof(x.consistency, `${n}.consistency`),
        ),
    );
    // One canonical order, so that no two bundles say the same: envelopes in log order,
    // time points by deadline.
    const names = [...c.timePoints.keys()];
    const byDeadline = [...names].sort((x, y) => TIME_POINTS.indexOf(x) - TIME_POINTS.indexOf(y));
    if (!same(names, byDeadline)) throw new ParseError("time_points", `not in deadline order: ${enc.pyRepr(names)}`);
    const submitted = c.statements.filter((x) => x.s.kind === "envelope.submit").map((x) => x.s.body.envelope_id);
    const held = [...c.envelopes.keys()];
    if (!same(held.filter((e) => submitted.includes(e)), submitted.filter((e) => c.envelopes.has(e)))) {
      throw new ParseError("seed_envelopes", "not in the log order of their envelope.submit statements");
    }
    c.summary = doc.summary;
    c.kinds = {};
    for (const k of Object.keys(KIND_ROLES)) c.kinds[k] = c.statements.filter((x) => x.s.kind === k);
    c.state = new Map();
    return c;
  }

  need(key) {
    if (!this.state.has(key)) throw new CheckFailed(`not checked: it depends on ${key}, which failed`);
    return this.state.get(key);
  }

  one(kind, { optional = false } = {}) {
    const found = this.kinds[kind];
    check(found.length === 1 || (optional && !found.length), `expected exactly one ${kind}, found ${found.length}`);
    return found.length ? found[0] : null;
  }

  deadline(name) {
    if (name === "dispute_end") {
      // §13.2: the result's time of record plus the dispute window
      const recorded = this.need("recorded").get(String(this.one("draw.result").leaf));
      return Number(BigInt(recorded) + BigInt(this.definition.dispute_window_ms));
    }
    return this.definition.deadlines[name];
  }

  /**
   * Logged before deadline ``name`` (§13.2): below its time point's tree size, or every
   * statement is, when the bundle's last pulse precedes the deadline.
   */
  before(x, name) {
    const tp = this.timePoints.get(name);
    return tp ? x.leaf < tp.head.treeSize : this.pulse.timeMs < this.deadline(name);
  }

  after(x, name) {
    const tp = this.timePoints.get(name);
    return tp !== undefined && x.leaf >= tp.head.treeSize;
  }

  /** Both the centre and the agent made ``kind`` before ``x``. */
  bothBefore(kind, x) {
    const roles = new Set(this.kinds[kind].filter((y) => y.leaf < x.leaf).map((y) => y.s.role));
    return PARTIES.every((p) => roles.has(p));
  }

  // -- §14.2–4: the beacon, the log, the time points ---------------------------------------

  checkBeacon() {
    const pulses = [
      this.pulse,
      ...[...this.timePoints.values()].flatMap((tp) => [tp.previous, tp.pulse]),
      ...this.witnesses.map((w) => w.pulse),
    ];
    return scope.checkBeacon(this.certs, pulses, this.statements, this.anchors, this.crls);
  }

  checkLog() {
    return scope.checkLog(this.statements, this.pulse, this.certs, this.head);
  }

  /** §14.3a: the bundle holds the draw's whole scope chain (§7.6), from its publication. */
  async checkCompleteness() {
    const chain = this.statements.filter((x) => x.s.subject === this.drawId);
    const shown = await scope.checkChain(chain, { scope: "draw", firstKind: "draw.publish" });
    this.state.set("chain", chain);
    return shown;
  }

  /** §14.4, §13.3: every statement's issued_at against the pulses either side of its leaf. */
  async checkTimeOfRecord() {
    const ws = this.witnesses;
    const increasing = ws.every((w, i) => {
      if (!i) return true;
      const p = ws[i - 1].pulse;
      return p.chain < w.pulse.chain || (p.chain === w.pulse.chain && p.index < w.pulse.index);
    });
    check(increasing, "witnesses are not in increasing (chainIndex, pulseIndex) order, each once");
    const sizes = ws.map((w) => w.head.treeSize);
    check(same(sizes, sortedInts(sizes)), `witness tree sizes ${enc.pyRepr(sizes)} decrease`);
    const emptyRoot = await enc.sha256(EMPTY); // §7.1: MTH of the empty tree
    for (const w of ws) {
      await pulse.verifySegment([w.pulse], this.certs, [w.head]);
      if (w.head.treeSize == 0) {
        // §7.4 has no proof from the empty tree; its head is fixed
        check(
          enc.bytesEqual(w.head.rootHash, emptyRoot) && !w.consistency.length,
          `witness ${w.pulse.name()}: not the empty tree's head with an empty proof`,
        );
      } else {
        await merkle.verifyConsistency(w.head, this.head, w.consistency);
      }
    }
    const used = new Set();
    const recorded = new Map();
    for (const x of this.statements) {
      const what = `leaf ${x.leaf} (${x.s.kind} by ${x.s.role})`;
      const i = ws.findIndex((w) => w.head.treeSize > x.leaf);
      check(i >= 0, `${what}: no witness pulse covers it`);
      const [after, before] = [ws[i].pulse, i ? ws[i - 1].pulse : null];
      if (after.index !== 1n) {
        // its predecessor in the chain is the pulse before the leaf
        check(before !== null, `${what}: the pulse before ${after.name()} is missing`);
        await pulse.checkLink(before, after);
      } else {
        // a chain start: the last pulse of the previous chain, if there is one
        check(
          before !== null || after.chain === 1n,
          `${what}: ${after.name()} starts chain ${after.chain}, but no earlier pulse is given`,
        );
        check(before === null || before.timeMs < after.timeMs, `${what}: ${after.name()} is not later than the pulse before it`);
      }
      // §13.3: S = 0 for the beacon, whose clock is the pulses'; S_max for every party.
      const s = x.s.role === "beacon" ? 0 : MAX_SKEW_MS;
      const at = x.s.issuedAt;
      if (before !== null) {
        check(
          at >= before.timeMs - s,
          `${what}: issued_at ${enc.formatTime(at)} is more than ${s} ms before ` +
            `${before.name()} of ${enc.formatTime(before.timeMs)}, which was made ` +
            "before the leaf was logged",
        );
      }
      const end = after.timeMs + after.period + s;
      check(
        at < end,
        `${what}: issued_at ${enc.formatTime(at)} is not before ${enc.formatTime(end)}, ` +
          `${s} ms after the period of ${after.name()}, which was made after the leaf was logged`,
      );
      used.add(i);
      if (before !== null) used.add(i - 1);
      recorded.set(String(x.leaf), after.timeMs);
    }
    const unused = ws.filter((_, i) => !used.has(i)).map((w) => w.pulse.name());
    check(!unused.length, `witnesses ${enc.pyRepr(unused)} are on neither side of any statement`);
    this.state.set("recorded", recorded);
    return (
      `${this.statements.length} issued_at within their time of record, from ${ws.length} ` +
      `witness pulses (S = 0 for the beacon, ${MAX_SKEW_MS} ms for parties)`
    );
  }

  async checkTimePoints() {
    const names = TIME_POINTS.slice(0, 5).filter((n) => n !== "snapshot" || this.definition.deadlines[n]);
    if (this.kinds["draw.result"].length) names.push("dispute_end");
    const extra = [...this.timePoints.keys()].filter((n) => !names.includes(n));
    check(!extra.length, `time points ${enc.pyRepr(sortedStrings(extra))} do not belong`);
    const shown = [];
    for (const name of names) {
      const d = this.deadline(name);
      const tp = this.timePoints.get(name);
      // §13: the service adds dispute_end only once confirmed; without it, an objection
      // after the window cannot be told from one in it, and checkAfterResult fails closed.
      const optional = name === "dispute_end" && !this.kinds["draw.confirm"].length;
      if (tp === undefined) {
        check(optional || this.pulse.timeMs < d, `time point ${name} is missing, though ${this.pulse.name()} is later`);
        continue;
      }
      check(
        tp.deadline === d,
        `time point ${name}: deadline ${enc.formatTime(tp.deadline)}, not ${enc.formatTime(d)}`,
      );
      await pulse.verifySegment([tp.previous, tp.pulse], this.certs, [null, tp.head]);
      check(
        tp.previous.timeMs < d && d <= tp.pulse.timeMs,
        `time point ${name}: its pulses do not straddle the deadline`,
      );
      await merkle.verifyConsistency(tp.head, this.head, tp.consistency);
      shown.push(`${name} ${enc.formatTime(d)} → ${tp.pulse.name()}, tree ${tp.head.treeSize}`);
    }
    return shown.join("; ") || "no deadline has passed";
  }

  // -- §14.5: signatures, chains and roles ---------------------------------------------------

  async checkSignatures() {
    for (const x of this.statements) {
      try {
        await identity.verifyStatement(x.s);
      } catch (e) {
        if (!(e instanceof CheckFailed)) throw e;
        throw new CheckFailed(`leaf ${x.leaf} (${x.s.kind}): ${e.message}`);
      }
    }
    return `${this.statements.length} signatures verify, each by its certificate's key`;
  }

  async checkCertificates() {
    await scope.checkCertificates(this.statements, this.anchors, this.crls);
    return (
      `every certificate chains to the ${this.anchors.length} anchor(s) at its statement's ` +
      "issued_at, with the profile of its role; every registered certificate too"
    );
  }

  checkRoles() {
    const registered = new Map();
    for (const x of this.statements) {
      const s = x.s;
      const what = `leaf ${x.leaf} (${s.kind} by ${s.role})`;
      check(s.tenderId === this.definition.tender_id, `${what}: tender ${s.tenderId}`);
      // Registrations name no draw: their subject is empty (§6.1).
      check(
        s.subject === (s.kind === "tender.register" ? "" : this.drawId),
        `${what}: subject ${enc.pyRepr(s.subject)}`,
      );
      scope.checkRole(s, what, registered, KIND_ROLES, this.certs.values());
    }
    return `${registered.size} registered parties; every statement is by a registered role`;
  }

  // -- §14.6–10: publication, commitments, snapshot, reveals, seed envelopes ---------------

  checkPublication() {
    const [pub, cs] = [this.one("draw.publish"), this.one("draw.countersign")];
    check(enc.bytesEqual(pub.s.body.definition, this.encoded), "the published definition is not the bundle's");
    check(
      cs.leaf > pub.leaf && enc.bytesEqual(cs.s.body.definition_hash, this.defHash),
      "no countersignature of it follows",
    );
    check(this.before(cs, "commit"), "published or countersigned after the commit time point");
    return `definition ${short(this.defHash)} published and countersigned`;
  }

  async checkCommitments() {
    const keys = new Map();
    const commits = new Map();
    for (const [kind, table] of [
      ["draw.opening_key", keys],
      ["draw.commit", commits],
    ]) {
      for (const x of this.kinds[kind]) {
        check(!table.has(x.s.role) && this.before(x, "commit"), `leaf ${x.leaf}: a second or late ${kind}`);
        table.set(x.s.role, x);
      }
    }
    // §9.3: each key a P-256 point with its proof of possession; no key in both roles.
    await openingKeys.checkAnnouncements([...keys.values()].map((x) => [x.leaf, x.s]));
    const envs = new Map(); // hex fingerprint → Logged
    for (const x of this.kinds["envelope.submit"]) {
      check(
        x.s.body.purpose === "seed" && !envs.has(enc.toHex(x.s.actor)),
        `leaf ${x.leaf}: not one seed envelope per bidder`,
      );
      check(this.bothBefore("draw.opening_key", x) && this.before(x, "commit"), `leaf ${x.leaf}: outside its window`);
      envs.set(enc.toHex(x.s.actor), x);
    }
    this.state.set("keys", keys).set("commits", commits).set("envelopes", envs);
    const later = () =>
      ["draw.snapshot", "draw.reveal", "draw.key_release", "draw.result"].filter((k) => this.kinds[k].length);
    const freeze = this.one("draw.freeze", { optional: true });
    if (freeze === null) {
      check(!this.timePoints.has("commit") && !later().length, "the draw.freeze is missing");
      this.state.set("freeze", null).set("result", null).set("missing", []);
      return "not frozen: the commit deadline had not passed";
    }
    const tp = this.timePoints.get("commit");
    const body = freeze.s.body;
    check(tp !== undefined, "a freeze without the commit time point");
    check(body.pulse_chain == tp.pulse.chain && body.pulse_index == tp.pulse.index, "the freeze names another pulse");
    check(
      body.tree_size == tp.head.treeSize && enc.bytesEqual(body.root_hash, tp.head.rootHash),
      "the freeze names another tree head",
    );
    check(freeze.leaf >= tp.head.treeSize, "the freeze precedes its pulse");
    const frozen = sortedInts([...commits.values(), ...envs.values()].map((x) => x.leaf));
    check(
      same(body.commitments, frozen),
      `the freeze lists leaves ${enc.pyRepr(body.commitments)}, the bundle has ${enc.pyRepr(frozen)}`,
    );
    this.state.set("freeze", freeze);
    const done = `${commits.size} commitments and ${envs.size} seed envelopes frozen by ${tp.pulse.name()}`;
    // §6.4: without both parties' opening key and commitment in the frozen set, the draw
    // is blocked at the freeze; nothing but a void may follow.
    const missing = PARTIES.filter((r) => !keys.has(r) || !commits.has(r));
    this.state.set("missing", missing);
    if (!missing.length) return done;
    const who = missing.join(" and the ");
    check(
      !later().length,
      `the draw is blocked at the freeze (no opening key or commitment of the ${who}, ` +
        `§6.4), yet the bundle has ${later().join(", ")}`,
    );
    return `${done}; blocked: no opening key or commitment of the ${who} (at fault)`;
  }

  async checkSnapshot() {
    const freeze = this.need("freeze");
    const snap = this.one("draw.snapshot", { optional: true });
    const uses = this.definition.selections.some((s) => s.from_snapshot);
    if (freeze === null || !uses) {
      check(snap === null, "a snapshot in a draw that is not frozen or does not use one");
      this.state.set("snapshot", null).set("snapshot_hash", EMPTY);
      return uses ? "not frozen yet" : "no selection draws from a snapshot";
    }
    if (snap === null) {
      // §6.4: without a snapshot the draw stays frozen (blocked once the snapshot time
      // point is out); no reveal, key release or result may follow.
      const later = ["draw.reveal", "draw.key_release", "draw.result"].filter((k) => this.kinds[k].length);
      check(!later.length, `no draw.snapshot, yet the bundle has ${later.join(", ")}`);
      this.state.set("snapshot", null).set("snapshot_hash", EMPTY);
      return this.timePoints.has("snapshot") ? "blocked: no snapshot was signed before its deadline" : "not signed yet";
    }
    const ids = snap.s.body.bid_ids;
    check(snap.leaf > freeze.leaf && this.before(snap, "snapshot"), "the snapshot is outside its window");
    // sorted(set(ids), key=str.encode): UTF-8 byte order, which is code point order
    check(same(ids, sortedStrings(new Set(ids))), "bid ids are not sorted and unique");
    const digest = await snapshotHash(ids);
    this.state.set("snapshot", snap).set("snapshot_hash", digest);
    return `${ids.length} valid bids, snapshot hash ${short(digest)}`;
  }

  async checkReveals() {
    const [freeze, commits, snap] = [this.need("freeze"), this.need("commits"), this.need("snapshot")];
    const seeds = new Map();
    if (freeze === null) {
      // checkCommitments saw no reveal without a freeze
      this.state.set("seeds", seeds);
      return "not frozen yet";
    }
    for (const x of this.kinds["draw.reveal"]) {
      const c = commits.get(x.s.role);
      check(
        c && enc.bytesEqual(c.s.actor, x.s.actor) && !seeds.has(x.s.role),
        `leaf ${x.leaf}: no frozen commitment to reveal`,
      );
      check(x.leaf > (snap ?? freeze).leaf && this.before(x, "reveal"), `leaf ${x.leaf}: reveal outside its window`);
      const digest = await commitment(this.drawId, x.s.role, x.s.actor, x.s.body.seed);
      check(
        enc.constantTimeEqual(digest, c.s.body.commitment),
        `the ${x.s.role}'s seed does not open its commitment`,
      );
      seeds.set(x.s.role, x.s.body.seed);
    }
    this.state.set("seeds", seeds);
    const missing = [...commits.keys()].filter((r) => !seeds.has(r));
    const revealed = sortedStrings(seeds.keys());
    return (
      `revealed: ${revealed.length ? enc.pyRepr(revealed) : "none"}` +
      (missing.length ? `; not revealed: ${enc.pyRepr(missing)}` : "")
    );
  }

  async checkSeedEnvelopes() {
    const [keys, envs] = [this.need("keys"), this.need("envelopes")];
    this.need("seeds");
    const released = new Map();
    if (this.need("freeze") === null) {
      this.state.set("released", released).set("bidder_seeds", new Map());
      return "not frozen yet";
    }
    for (const x of this.kinds["draw.key_release"]) {
      const role = x.s.role;
      const k = keys.get(role);
      check(
        k && enc.bytesEqual(k.s.actor, x.s.actor) && !released.has(role),
        `leaf ${x.leaf}: no announced key to release`,
      );
      check(
        (this.bothBefore("draw.reveal", x) || this.after(x, "reveal")) && this.before(x, "seed_open"),
        `leaf ${x.leaf}: release outside its window`,
      );
      released.set(role, await envelope.loadPrivate(x.s.body.private_key, `leaf ${x.leaf}.private_key`));
      check(
        enc.bytesEqual(await envelope.publicBytes(released.get(role)), k.s.body.public_key),
        `the ${role}'s key is not its announced one`,
      );
    }
    const frozenIds = new Set([...envs.values()].map((x) => x.s.body.envelope_id));
    check(
      this.envelopes.size === frozenIds.size && [...this.envelopes.keys()].every((e) => frozenIds.has(e)),
      "seed_envelopes are not the frozen ones",
    );
    const status = new Map(); // hex fingerprint → [status, seed]
    const notes = [];
    for (const fp of sortedStrings(envs.keys())) {
      const x = envs.get(fp);
      const body = x.s.body;
      const data = this.envelopes.get(body.envelope_id);
      check(
        enc.bytesEqual(await envelope.envelopeHash(data), body.envelope_hash) && data.length == body.size,
        `envelope ${body.envelope_id} does not match its envelope_hash and size`,
      );
      if (released.size < 2) {
        // §10.2: key-not-released
        status.set(fp, ["key-not-released", EMPTY]);
        continue;
      }
      try {
        const opened = await envelope.openEnvelope(data, Object.fromEntries(released));
        const [h, seed] = Array.isArray(opened) ? opened : [opened.header, opened.plaintext];
        check(
          h.tenderId === this.definition.tender_id &&
            h.envelopeId === body.envelope_id &&
            h.purpose === "seed" &&
            h.drawId === this.drawId &&
            enc.toHex(h.bidder) === fp,
          "its header names another tender, envelope, draw or bidder",
        );
        status.set(fp, ["included", seed]);
      } catch (e) {
        if (!(e instanceof CheckFailed)) throw e;
        status.set(fp, ["envelope-invalid", EMPTY]);
        notes.push(`; ${fp.slice(0, 12)}… envelope-invalid (${e.code}): ${e.message}`);
      }
    }
    this.state.set("released", released).set("bidder_seeds", status);
    const all = [...status.values()].map(([s]) => s);
    const counts = {};
    for (const s of sortedStrings(new Set(all))) counts[s] = all.filter((v) => v === s).length;
    const roles = sortedStrings(released.keys());
    return (
      `keys released: ${roles.length ? enc.pyRepr(roles) : "none"}; ` +
      `bidder seeds: ${Object.keys(counts).length ? enc.pyRepr(counts) : "none"}` +
      notes.join("")
    );
  }

  // -- §14.11: the result ------------------------------------------------------------------

  /** Seed entries [role, fingerprint, status, seed] in canonical order (§10.1) with their §10.2 status. */
  expectedSeeds() {
    const [commits, seeds] = [this.need("commits"), this.need("seeds")];
    const out = PARTIES.filter((r) => commits.has(r)).map((r) => [
      r,
      commits.get(r).s.actor,
      seeds.has(r) ? "included" : "not-revealed",
      seeds.get(r) ?? EMPTY,
    ]);
    const bidders = this.need("bidder_seeds");
    return [...out, ...sortedStrings(bidders.keys()).map((fp) => ["bidder", enc.fromHex(fp), ...bidders.get(fp)])];
  }

  async checkResult() {
    const result = this.one("draw.result", { optional: true });
    if (result === null) {
      this.state.set("result", null);
      const missing = this.need("missing");
      if (this.kinds["draw.void"].length) return "no result: the draw was voided";
      if (missing.length) {
        return `no result: blocked at the freeze by the ${missing.join(" and the ")}, awaiting a supervisor's void`;
      }
      return `no result yet: ${this.phase()}`;
    }
    const [freeze, envs, body] = [this.need("freeze"), this.need("envelopes"), result.s.body];
    // §6.4: after the result time point the draw has failed; a later result would be a
    // second chance to compute (and the beacon's choice of the moment).
    check(
      this.before(result, "result"),
      `the result (leaf ${result.leaf}) was logged after the result deadline ${enc.formatTime(this.deadline("result"))}`,
    );
    // §6.4: computing starts with both releases, the seed_open time point, or, without seed
    // envelopes, with the opening phase (both reveals or the reveal time point).
    const opening = () => this.after(result, "reveal") || this.bothBefore("draw.reveal", result);
    check(
      this.after(result, "seed_open") || this.bothBefore("draw.key_release", result) || (!envs.size && opening()),
      "the result precedes the computing phase",
    );
    check(enc.bytesEqual(body.definition_hash, this.defHash), "the result names another definition");
    check(
      body.freeze_tree_size == freeze.s.body.tree_size && enc.bytesEqual(body.freeze_root_hash, freeze.s.body.root_hash),
      "the result names another freeze tree head",
    );
    check(enc.bytesEqual(body.snapshot_hash, this.need("snapshot_hash")), "the result names another snapshot");
    check(body.vdf_t == this.definition.vdf_t, `vdf_t ${body.vdf_t} is not the definition's`);
    const used = sortedInts(
      ["draw.snapshot", "draw.reveal", "draw.key_release"].flatMap((k) => this.kinds[k].map((x) => x.leaf)),
    );
    check(
      same(body.inputs, used),
      `the result's inputs ${enc.pyRepr(body.inputs)} are not the leaves of the bundle's ` +
        `snapshot, reveals and key releases ${enc.pyRepr(used)}`,
    );
    const entries = body.seeds.map((e) => [e.role, e.fingerprint, e.status, e.seed]);
    check(same(entries, this.expectedSeeds()), "the seed entries are not those the statements give (§10)");
    const combined = await combinedSeed(
      this.defHash,
      new TreeHead(body.freeze_tree_size, body.freeze_root_hash),
      entries,
      body.snapshot_hash,
    );
    check(enc.bytesEqual(combined, body.combined_seed), "combined_seed is not the §10.1 hash of the included seeds");
    this.state.set("result", result);
    const included = entries.filter((e) => e[2] === "included").length;
    return `${included} of ${entries.length} seeds included; combined seed ${short(combined)}`;
  }

  async checkVdf() {
    const result = this.need("result");
    if (result === null) return "no result";
    const body = result.s.body;
    const y = vdf.element(body.y, "y");
    const pi = vdf.element(body.pi, "pi", { identity: true });
    await vdf.verify(await vdf.hashToGroup(body.combined_seed), y, pi, body.vdf_t);
    const r = await vdf.output(y);
    check(enc.constantTimeEqual(r, body.output), "output is not R = SHA-512(… Enc(y)) (§11.8)");
    this.state.set("R", r);
    return `T = ${body.vdf_t}, verified with ${vdf.backend()}; R = ${short(r)}`;
  }

  async checkPicks() {
    const result = this.need("result");
    if (result === null) return "no result";
    const snap = this.need("snapshot");
    const expected = await picks(this.definition, this.need("R"), snap ? snap.s.body.bid_ids : []);
    check(same(result.s.body.picks, expected), `the picks are not those R gives: ${enc.pyRepr(expected)}`);
    this.state.set("picks", expected);
    return expected.map((p) => `${p.code} = ${p.values.join(", ")}`).join("; ");
  }

  // -- §14.12–13: after the result, the summary ----------------------------------------------

  /** The §6.4 phase a draw without result or void has reached: its bundle is incomplete. */
  phase() {
    if (this.need("freeze") === null) return this.need("keys").size === 2 ? "committing" : "published";
    if (this.need("missing").length) return "frozen"; // blocked at the freeze (§6.4)
    if (this.definition.selections.some((s) => s.from_snapshot) && this.need("snapshot") === null) return "frozen";
    const seeds = this.need("seeds");
    if (!(PARTIES.every((p) => seeds.has(p)) || this.timePoints.has("reveal"))) return "revealing";
    if (this.need("envelopes").size && !(this.need("released").size === 2 || this.timePoints.has("seed_open"))) {
      return "opening";
    }
    if (this.timePoints.has("result")) return "failed"; // §6.4: no result by the result deadline, the beacon's fault
    return "computing";
  }

  async checkAfterResult() {
    const result = this.need("result");
    const [objections, confirms, voids] = ["draw.objection", "draw.confirm", "draw.void"].map((k) => this.kinds[k]);
    check(confirms.length + voids.length <= 1, "more than one confirmation or void");
    if (confirms.length || voids.length) {
      // nothing is accepted after the final statement but registrations
      const end = [...confirms, ...voids][0].leaf;
      check(
        this.statements.every((x) => !(x.leaf > end) || x.s.kind === "tender.register"),
        "statements after the end",
      );
    }
    if (result === null) {
      check(!objections.length && !confirms.length, "objections or a confirmation without a result");
      const final = voids.length ? "voided" : this.phase();
      this.state.set("final", final);
      return final;
    }
    for (const x of objections) {
      check(x.leaf > result.leaf && this.before(x, "dispute_end"), `leaf ${x.leaf}: objection outside the window`);
    }
    for (const x of confirms) {
      check(
        enc.bytesEqual(x.s.body.result, await result.s.hash()) && x.leaf > result.leaf,
        "the confirmation names another result",
      );
      check(objections.length || this.after(x, "dispute_end"), "confirmed before the dispute window ended");
    }
    const final = voids.length
      ? "voided"
      : confirms.length
        ? objections.length
          ? "resolved"
          : "confirmed"
        : objections.length
          ? "disputed"
          : "drawn";
    this.state.set("final", final);
    return final;
  }

  checkSummary() {
    const final = this.need("final");
    const drawn = this.state.get("picks") ?? [];
    const byCode = Object.fromEntries(drawn.map((p) => [p.code, p]));
    const values = this.definition.selections
      .filter((s) => Object.hasOwn(byCode, s.code))
      .map((s) => ({
        code: s.code,
        label: s.label,
        unit: s.unit,
        indexes: byCode[s.code].indexes,
        values: byCode[s.code].values,
      }));
    const seeds = (this.state.get("result") ? this.expectedSeeds() : []).map(([role, fp, status]) => ({
      role,
      fingerprint: enc.toHex(fp),
      status,
    }));
    const r = this.state.get("R");
    const expected = {
      state: final,
      output: r ? enc.toHex(r) : null,
      values,
      derived: drawn.length ? derived(this.definition, drawn) : [],
      seeds,
    };
    this.state.set("summary", expected);
    const found = differences(expected, this.summary, "summary");
    if (found.length) {
      const side = (v) => (v === NONE ? "none" : shownJson(v));
      const shown = found.slice(0, 3).map(([p, e, g]) => `${p}: expected ${side(e)}, the bundle has ${side(g)}`);
      const more = found.length > 3 ? `; and ${found.length - 3} more` : "";
      throw new CheckFailed(`the summary is not what the statements give: ${shown.join("; ")}${more}`);
    }
    return `state ${final}`;
  }

  async run(report) {
    for (const [name, step] of [
      ["beacon-certificate", this.checkBeacon],
      ["log", this.checkLog],
      ["completeness", this.checkCompleteness],
      ["time-of-record", this.checkTimeOfRecord],
      ["time-points", this.checkTimePoints],
      ["signatures", this.checkSignatures],
      ["certificates", this.checkCertificates],
      ["roles", this.checkRoles],
      ["publication", this.checkPublication],
      ["commitments", this.checkCommitments],
      ["snapshot", this.checkSnapshot],
      ["reveals", this.checkReveals],
      ["seed-envelopes", this.checkSeedEnvelopes],
      ["result", this.checkResult],
      ["vdf", this.checkVdf],
      ["picks", this.checkPicks],
      ["after-result", this.checkAfterResult],
      ["summary", this.checkSummary],
    ]) {
      await report.run(name, () => step.call(this));
    }
  }
}

/**
 * §14.3b: every statement a party holds a receipt for is in the bundle, as receipted.
 *
 * A receipt's entry names its place in its scope's chain (§7.6). If it is a statement of
 * this draw below the bundle's tree size, the bundle must hold that very entry at that
 * leaf; a different entry at the same place of the chain is a fork of the log, which the
 * receipt's pulse-signed tree head and the bundle's prove together.
 */
export async function checkReceipts(c, receipts, anchors, crls = []) {
  const byLeaf = new Map(c.statements.map((x) => [String(x.leaf), x]));
  const bySeq = new Map((c.state.get("chain") ?? []).map((x) => [String(x.link.seq), x]));
  const shown = [];
  for (const [i, doc] of receipts.entries()) {
    const report = await verifyReceipt(doc, { anchors, crls });
    const bad = report.checks.filter((x) => !x.ok && x.name !== "pulse");
    check(!bad.length, `receipt ${i + 1} does not verify: ${bad.length ? bad[0].detail : ""}`);
    const leaf = enc.integer(doc.leaf_index, "receipt.leaf_index");
    const entry = enc.hexbytes(doc.entry, "receipt.entry");
    const [link, s] = records.decodeLogEntry(entry);
    const what = `receipt ${i + 1} (${s.kind} by ${s.role} ${short(s.actor)}, leaf ${leaf}, seq ${link.seq})`;
    if (s.tenderId !== c.definition.tender_id || s.subject !== c.drawId) {
      shown.push(`${what}: another scope`);
      continue;
    }
    check(
      leaf < c.head.treeSize,
      `${what}: the bundle's tree (size ${c.head.treeSize}) predates it; fetch a newer bundle`,
    );
    const held = byLeaf.get(String(leaf));
    if (held === undefined || !enc.bytesEqual(held.entry, entry)) {
      const other = bySeq.get(String(link.seq));
      const fork =
        other !== undefined && other.leaf != leaf
          ? `; the bundle's seq ${link.seq} is leaf ${other.leaf} (${other.s.kind}): the beacon ` +
            "logged two entries at one place of the draw's chain"
          : "";
      throw new CheckFailed(`${what}: the bundle leaves this statement out${fork}`);
    }
    shown.push(`${what}: in the bundle`);
  }
  return shown.join("; ");
}

/**
 * Verify a proof bundle (§14), a parsed JSON document (encoding.parseJson). ``anchors`` are
 * DER CA certificates; null uses the bundle's own, and then the report is at most VALID
 * against those (``report.unanchored``). ``crls`` are DER CRLs applied to every chain (§3.2).
 * ``receipts`` are parsed receipts (§6.6) the caller holds: each statement of this draw
 * they prove logged must be in the bundle (§14.3b).
 *
 * Throws ParseError only when ``doc`` is not a proof bundle at all; everything else, a
 * malformed member included, is a failed check of the report.
 */
export async function verifyBundle(doc, anchors = null, { crls = [], receipts = [] } = {}) {
  if (enc.typeName(doc) !== "dict" || doc.format !== FORMAT) {
    throw new ParseError("format", `not a ${FORMAT} document`);
  }
  const report = new Report({ unanchored: anchors !== null ? "" : OWN_ANCHORS });
  let c;
  try {
    c = await DrawCheck.create(doc, anchors, crls);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    report.fail("format", e.message);
    return report;
  }
  await report.run("format", () => `draw ${c.drawId}, ${c.statements.length} statements`);
  report.values.anchors = { source: c.anchorSource, count: c.anchors.length };
  await c.run(report);
  if (receipts.length) await report.run("receipts", () => checkReceipts(c, receipts, anchors, crls));
  // The values shown are the ones recomputed here, never the bundle's own summary.
  report.values.draw_id = c.drawId;
  Object.assign(report.values, c.state.get("summary") ?? { state: c.state.get("final") ?? null });
  report.values.complete = Boolean(c.state.get("result") || c.kinds["draw.void"].length);
  // §13: the objections, confirmation and void as signed, each with its maker's reason.
  report.values.after_result = c.statements
    .filter((x) => ["draw.objection", "draw.confirm", "draw.void"].includes(x.s.kind))
    .map((x) => ({
      kind: x.s.kind.slice("draw.".length),
      role: x.s.role,
      actor: enc.toHex(x.s.actor),
      issued_at: enc.formatTime(x.s.issuedAt),
      leaf: x.leaf,
      reason: Object.hasOwn(x.s.body, "reason") ? x.s.body.reason : "",
    }));
  return report;
}
