// Mirrors verifier/codecs.py, verifier/definition.py and verifier/records.py: definitions
// (PROTOCOL.md §5) and signed statements (§6) from their JSON, re-encoded to canonical
// bytes; log entries and their scope-chain links (§7.6).
//
// Each codec takes a JSON value and its field path and returns [typed value, field bytes];
// a record is a table of codecs, so the field order is the spec's table.

import * as enc from "./encoding.js";
import { ParseError } from "./errors.js";

export const ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"; // §5.1 draw and tender ids
export const ID_VALUE = "[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"; // §5.1 id candidates, §6.1 tender_id, §9.2
export const CODE = "[A-Z][A-Z0-9_]{0,15}";
export const DECIMAL = "(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?"; // §5.2
export const ROLES = ["centre", "agent", "bidder", "supervisor", "beacon"];
export const ALGORITHMS = [
  "ed25519",
  "ecdsa-p256-sha256",
  "ecdsa-p384-sha384",
  "rsa-pkcs1v15-sha256",
  "rsa-pss-sha256",
];

const EMPTY = new Uint8Array(0);
const b = (s) => enc.utf8Bytes(s);

function path(name, key) {
  return name ? `${name}.${key}` : key;
}

function parseFields(spec, doc, name) {
  enc.members(doc, name || "document", spec.map(([k]) => k));
  const value = {};
  const raw = [];
  for (const [key, codec] of spec) {
    const [v, bytes] = codec(doc[key], path(name, key));
    value[key] = v;
    raw.push(bytes);
  }
  return [value, enc.concat(...raw)];
}

/** A nested record: its fields (after its tag, if tagged), framed as one field (§2.1). */
export function record(spec, tag = "") {
  const head = tag ? enc.field(b(tag)) : EMPTY;
  return (doc, name) => {
    const [value, content] = parseFields(spec, doc, name);
    return [value, enc.field(enc.concat(head, content))];
  };
}

export function listof(codec, { limit = 2 ** 32 } = {}) {
  return (doc, name) => {
    if (!Array.isArray(doc) || doc.length > limit) {
      throw new ParseError(name, `expected a list of at most ${limit} items`);
    }
    const pairs = doc.map((v, i) => codec(v, `${name}[${i}]`));
    return [
      pairs.map(([v]) => v),
      enc.field(enc.concat(enc.field(enc.uint(pairs.length, 32)), ...pairs.map(([, x]) => x))),
    ];
  };
}

export function raw(size = null) {
  return (v, n) => {
    const bytes = enc.hexbytes(v, n, size);
    return [bytes, enc.field(bytes)];
  };
}

export function maybe32(v, n) {
  const bytes = enc.hexbytes(v, n);
  if (bytes.length !== 0 && bytes.length !== 32) {
    throw new ParseError(n, `expected 32 bytes or none, got ${bytes.length}`);
  }
  return [bytes, enc.field(bytes)];
}

export function uint(bits) {
  return (v, n) => {
    const x = enc.integer(v, n, bits);
    return [x, enc.field(enc.uint(x, bits))];
  };
}

export function text(pattern = null, maxBytes = 2 ** 32) {
  return (v, n) => {
    const bytes = enc.text(enc.string(v, n, pattern));
    if (bytes.length > maxBytes) throw new ParseError(n, `longer than ${maxBytes} bytes`);
    return [v, enc.field(bytes)];
  };
}

export function boolean(v, n) {
  if (typeof v !== "boolean") throw new ParseError(n, `expected true or false, got ${enc.pyRepr(v)}`);
  return [v, enc.field(Uint8Array.of(v ? 1 : 0))];
}

export function time(v, n) {
  const ms = enc.timestamp(v, n);
  return [ms, enc.field(enc.uint(ms, 64))];
}

// -- §5.1 definitions ----------------------------------------------------------------------

const SELECTION = [
  ["code", text(CODE)],
  ["label", text()],
  ["kind", text("pick_one|pick_k|permutation")],
  ["k", uint(32)],
  ["value_type", text("decimal|id")],
  ["unit", text()],
  ["from_snapshot", boolean],
  ["candidates", listof(text(), { limit: 10000 })],
];
const DERIVED = [
  ["code", text(CODE)],
  ["label", text()],
  ["formula", text()],
  ["unit", text()],
];

export const DEADLINES = ["commit", "snapshot", "reveal", "seed_open", "result"];

function deadlines(v, n) {
  const doc = enc.members(v, n, DEADLINES);
  const out = {};
  for (const k of Object.keys(doc)) {
    out[k] = k === "snapshot" && doc[k] === null ? 0 : enc.timestamp(doc[k], `${n}.${k}`);
  }
  // §5.1 fields 10–14 sit inline in the definition record, not as a nested record.
  return [out, enc.concat(...DEADLINES.map((k) => enc.field(enc.uint(out[k], 64))))];
}

function redrawOf(v, n) {
  const s = v === null ? "" : enc.string(v, n, ID); // the JSON form of the empty text is null
  return [s, enc.field(b(s))];
}

const DEFINITION = [
  ["suite", uint(16)],
  ["draw_id", text(ID)],
  ["tender_id", text(ID)],
  ["section", text()],
  ["title", text()],
  ["regime", text("before_opening|after_opening")],
  ["selections", listof(record(SELECTION, "tender-beacon/v1/selection"), { limit: 32 })],
  ["derived", listof(record(DERIVED, "tender-beacon/v1/derived"), { limit: 32 })],
  ["deadlines", deadlines],
  ["dispute_window_ms", uint(64)],
  ["vdf_t", uint(64)],
  ["vdf_rate", uint(64)],
  ["vdf_advantage", uint(32)],
  ["redraw_of", redrawOf],
];

const codePoints = (s) => [...s].length;

function printable(s, name) {
  // str.isprintable(): no character of the categories Other or Separator but the space.
  if (!(codePoints(s) >= 1 && codePoints(s) <= 200) || /[[\p{C}\p{Z}]--[\x20]]/v.test(s)) {
    throw new ParseError(name, "expected 1–200 printable characters");
  }
}

function unit(s, name) {
  // str.isalpha(): every character a letter (Lu, Ll, Lt, Lm, Lo), and at least one.
  if (!["", "%", "‰"].includes(s) && !(codePoints(s) <= 8 && /^\p{L}+$/u.test(s))) {
    throw new ParseError(name, `unit ${enc.pyRepr(s)} is not empty, up to 8 letters, % or ‰`);
  }
}

/**
 * Validate a definition's JSON (§5) and return [definition, canonical bytes].
 * Errors name the field by its path below ``name`` (``selections[0].candidates[1]``).
 */
export function parseDefinition(doc, name = "") {
  try {
    return definition(doc);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    const message = e.message.slice(e.message.indexOf(": ") + 2);
    throw new ParseError(path(name, e.field), message);
  }
}

function definition(doc) {
  const [d, body] = parseFields(DEFINITION, doc, "");
  if (d.suite !== 1) throw new ParseError("suite", `unknown suite ${d.suite} (§2.5: only 1)`);
  printable(d.section, "section");
  printable(d.title, "title");
  if (!d.selections.length) throw new ParseError("selections", "at least one selection");
  const codes = new Set();
  const all = [...d.selections, ...d.derived];
  all.forEach((s, i) => {
    const name = i < d.selections.length ? `selections[${i}]` : `derived[${i - d.selections.length}]`;
    if (codes.has(s.code)) throw new ParseError(`${name}.code`, `code ${s.code} appears twice`);
    codes.add(s.code);
    unit(s.unit, `${name}.unit`);
    if ("kind" in s) selection(s, name, d.regime);
  });
  d.derived.forEach((x, i) => derivedOperands(x.formula, d.selections, `derived[${i}].formula`));
  const dl = d.deadlines;
  let order = [...DEADLINES];
  if (!d.selections.some((s) => s.from_snapshot)) {
    if (dl.snapshot) throw new ParseError("deadlines.snapshot", "must be null without a snapshot selection");
    order = order.filter((k) => k !== "snapshot");
  }
  for (let i = 1; i < order.length; i++) {
    const [a, c] = [order[i - 1], order[i]];
    if (dl[c] <= dl[a]) throw new ParseError(`deadlines.${c}`, `must be after the ${a} deadline (§5.4)`);
  }
  const big = (x) => BigInt(x);
  if (big(d.dispute_window_ms) === 0n) throw new ParseError("dispute_window_ms", "must be positive");
  const within = (x, e) => big(x) >= 1n && big(x) <= 1n << e;
  if (!within(d.vdf_t, 40n)) throw new ParseError("vdf_t", `${d.vdf_t} is outside [1, 2^40]`);
  if (!within(d.vdf_rate, 40n)) throw new ParseError("vdf_rate", `${d.vdf_rate} is outside [1, 2^40]`);
  if (!within(d.vdf_advantage, 20n)) {
    throw new ParseError("vdf_advantage", `${d.vdf_advantage} is outside [1, 2^20]`);
  }
  delay(d);
  return [d, enc.concat(enc.field(b("tender-beacon/v2/definition")), body)];
}

/** Python's ``f"{x:g}"`` for the seconds of a window (6 significant digits). */
function formatG(x) {
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(x)));
  const p = 6;
  if (exp < -4 || exp >= p) {
    let [m, e] = x.toExponential(p - 1).split("e");
    m = m.replace(/\.?0+$/, "");
    const n = Number(e);
    return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const s = x.toFixed(Math.max(0, p - 1 - exp));
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** Python's ``-(-a // c)`` for c > 0: the quotient rounded up. */
function ceilDiv(a, c) {
  return a / c + (a % c > 0n ? 1n : 0n);
}

/**
 * §11.5: T covers the exposure W = seed_open − commit at A_max times the published speed
 * s, and the result deadline leaves the honest evaluator 5/4 of T/s.
 */
function delay(d) {
  const dl = d.deadlines;
  const [t, s, a] = [BigInt(d.vdf_t), BigInt(d.vdf_rate), BigInt(d.vdf_advantage)];
  const wMs = BigInt(dl.seed_open) - BigInt(dl.commit);
  const needed = ceilDiv(a * s * wMs, 1000n);
  if (t < needed) {
    throw new ParseError(
      "vdf_t",
      `T = ${t} is below A_max · s · W = ${a} · ${s}/s · ${formatG(Number(wMs) / 1000)} s = ${needed} (§11.5)`,
    );
  }
  const evaluation = ceilDiv(t * 1000n * 5n, s * 4n);
  if (BigInt(dl.result) < BigInt(dl.seed_open) + evaluation) {
    throw new ParseError(
      "deadlines.result",
      `${enc.formatTime(dl.result)} is earlier than seed_open + 5/4 · T/s = ` +
        `${enc.formatTime(Number(BigInt(dl.seed_open) + evaluation))} (§11.5)`,
    );
  }
}

function selection(s, name, regime) {
  const [n, k, cands] = [s.candidates.length, s.k, s.candidates];
  if (s.from_snapshot) {
    if (cands.length || s.value_type !== "id" || regime !== "after_opening") {
      throw new ParseError(`${name}.candidates`, "a snapshot selection has no candidates, ids, after_opening");
    }
  } else if (!cands.length) {
    throw new ParseError(`${name}.candidates`, "expected 1–10,000 candidates");
  }
  const pattern = s.value_type === "decimal" ? DECIMAL : ID_VALUE;
  const seen = new Map();
  cands.forEach((c, i) => {
    enc.string(c, `${name}.candidates[${i}]`, pattern);
    // §5.1: decimals are distinct by value, so "0.65" and "0.650" cannot both appear.
    const key = s.value_type === "decimal" ? decimalValue(c) : c;
    if (seen.has(key)) {
      const j = seen.get(key);
      throw new ParseError(
        `${name}.candidates[${i}]`,
        c === cands[j]
          ? `${enc.pyRepr(c)} appears twice`
          : `${enc.pyRepr(c)} has the value of candidates[${j}] ${enc.pyRepr(cands[j])} (§5.1: equal values)`,
      );
    }
    seen.set(key, i);
  });
  const kind = s.kind;
  const K = BigInt(k);
  const fits = K <= BigInt(n) || s.from_snapshot;
  if (!((kind === "pick_one" && K === 1n) || (kind === "pick_k" && K >= 1n && fits) || (kind === "permutation" && K === 0n))) {
    throw new ParseError(`${name}.k`, `k = ${k} does not fit ${s.kind} over ${n} candidates`);
  }
}

/** The number an exact decimal string stands for, as one canonical string: "0.650" → "0.65". */
function decimalValue(s) {
  const [whole, frac = ""] = s.split(".");
  const f = frac.replace(/0+$/, "");
  return f ? `${whole}.${f}` : whole;
}

/** An exact decimal string as [integer, scale]: "0.950" is [950n, 3]. */
function decimal(s) {
  const sign = s.startsWith("-") ? -1n : 1n;
  const [whole, frac = ""] = s.replace(/^-+/, "").split(".");
  return [sign * BigInt(whole + frac), frac.length];
}

/** [a, op, b] of a derived formula, one a pick_one decimal code, one a constant (§5.1). */
export function derivedOperands(formula, selections, name) {
  const parts = formula.split(" ");
  const codes = new Set(
    selections
      .filter((s) => s.kind === "pick_one" && s.value_type === "decimal" && !s.from_snapshot)
      .map((s) => s.code),
  );
  if (parts.length !== 3 || !"+-*".includes(parts[1]) || parts[1].length !== 1) {
    throw new ParseError(name, `${enc.pyRepr(formula)} is not '<a> <op> <b>' with op + - *`);
  }
  const [a, op, c] = parts;
  if (!((codes.has(a) && enc.fullmatch(DECIMAL, c)) || (codes.has(c) && enc.fullmatch(DECIMAL, a)))) {
    throw new ParseError(name, `${enc.pyRepr(formula)} needs one pick_one decimal code and one decimal constant`);
  }
  return [a, op, c];
}

/** Exact decimal arithmetic at the scale it gives (§5.2): ``1 - 0.65`` is ``0.35``. */
export function compute(a, op, c) {
  let [[x, sx], [y, sy]] = [decimal(a), decimal(c)];
  let v;
  let scale;
  if (op === "*") {
    [v, scale] = [x * y, sx + sy];
  } else {
    scale = Math.max(sx, sy);
    x *= 10n ** BigInt(scale - sx);
    y *= 10n ** BigInt(scale - sy);
    v = op === "+" ? x + y : x - y;
  }
  const digits = String(v < 0n ? -v : v).padStart(scale + 1, "0");
  const body = digits.slice(0, digits.length - scale) + (scale ? "." + digits.slice(digits.length - scale) : "");
  return (v < 0n ? "-" : "") + body;
}

export function definitionHash(encoded) {
  return enc.labelled("sha256", enc.DEFINITION_HASH, encoded);
}

// -- §6 statements -------------------------------------------------------------------------

const SEED_ENTRY = [
  ["role", text("centre|agent|bidder")],
  ["fingerprint", raw(32)],
  ["status", text("included|not-revealed|envelope-invalid|key-not-released")],
  ["seed", maybe32],
];
const PICK = [
  ["code", text(CODE)],
  ["indexes", listof(uint(32))],
  ["values", listof(text())],
];
const OPENING_STATUSES = "opened|bidder-fault|agent-key-missing|centre-key-missing|both-keys-missing";
const OPENING_ENTRY = [
  // §6.3 OpeningEntry
  ["envelope_id", text(ID_VALUE)],
  ["bidder", raw(32)],
  ["header_hash", raw(32)],
  ["status", text(OPENING_STATUSES)],
  ["reason", text(null, 64)],
  ["plaintext_sha256", maybe32],
  ["size", uint(64)],
];
export const BODIES = {
  "tender.register": [
    ["role", text("centre|agent|bidder|supervisor")],
    ["fingerprint", raw(32)],
    ["certificate", raw()], // DER of the registered certificate (§3.3)
  ],
  "draw.publish": [["definition", raw()]],
  "draw.countersign": [["definition_hash", raw(32)]],
  "draw.opening_key": [
    ["public_key", raw()],
    ["possession", raw()],
  ],
  "draw.commit": [["commitment", raw(32)]],
  "envelope.submit": [
    ["envelope_id", text(ID_VALUE)],
    ["purpose", text("bid|seed")],
    ["envelope_hash", raw(32)],
    ["size", uint(64)],
  ],
  // §9.9 step 3a: a bidder replaces or withdraws its standing bid (bids only).
  "envelope.replace": [
    ["replaces", text(ID_VALUE)],
    ["envelope_id", text(ID_VALUE)],
    ["envelope_hash", raw(32)],
    ["size", uint(64)],
  ],
  "envelope.withdraw": [["envelope_id", text(ID_VALUE)]],
  "draw.freeze": [
    ["tree_size", uint(64)],
    ["root_hash", raw(32)],
    ["pulse_chain", uint(64)],
    ["pulse_index", uint(64)],
    ["commitments", listof(uint(64))],
  ],
  "draw.snapshot": [["bid_ids", listof(text(ID_VALUE))]],
  "draw.reveal": [["seed", raw(32)]],
  "draw.key_release": [["private_key", raw()]],
  "draw.result": [
    ["definition_hash", raw(32)],
    ["freeze_tree_size", uint(64)],
    ["freeze_root_hash", raw(32)],
    ["snapshot_hash", maybe32],
    ["seeds", listof(record(SEED_ENTRY))],
    ["combined_seed", raw(64)],
    ["vdf_t", uint(64)],
    ["y", raw(256)],
    ["pi", raw(256)],
    ["output", raw(64)],
    ["picks", listof(record(PICK))],
    ["inputs", listof(uint(64))],
  ],
  "draw.objection": [["reason", text(null, 4000)]],
  "draw.confirm": [["result", raw(32)]],
  "draw.void": [["reason", text(null, 4000)]],
  "tender.publish": [
    ["title", text(null, 400)],
    ["bid_deadline", uint(64)],
    ["release_deadline", uint(64)],
  ],
  "tender.opening_key": [
    ["public_key", raw()],
    ["possession", raw()],
  ],
  "tender.key_release": [["private_keys", listof(raw(), { limit: 2 })]],
  "tender.opening": [
    ["tree_size", uint(64)],
    ["root_hash", raw(32)],
    ["releases", listof(uint(64), { limit: 2 })],
    ["openings", listof(record(OPENING_ENTRY))],
  ],
};

/** A signed statement (§6.2) with its canonical bytes; the fields of verifier/records.Signed. */
export class Signed {
  constructor(kind, tenderId, subject, role, actor, issuedAt, body, statement, algorithm, signature, certificate, chain) {
    Object.assign(this, { kind, tenderId, subject, role, actor, issuedAt, body, statement, algorithm, signature, certificate, chain });
  }

  /** The signed statement's canonical bytes: the log entry (§6.2, §13.1). */
  get entry() {
    const head = enc.fields(b("tender-beacon/v1/signed-statement"), this.statement, b(this.algorithm), this.signature, this.certificate);
    return enc.concat(head, enc.field(enc.items(this.chain)));
  }

  /** Promise of the statement hash (§6.2). */
  hash() {
    return enc.labelled("sha256", enc.STATEMENT_HASH, this.statement);
  }
}

function certificate(v, n) {
  return [enc.b64(v, n), EMPTY];
}

function chain(v, n) {
  if (!Array.isArray(v) || v.length > 4) throw new ParseError(n, "expected a list of at most 4 certificates");
  return [v.map((c, i) => enc.b64(c, `${n}[${i}]`)), EMPTY];
}

const KIND_PATTERN = Object.keys(BODIES).join("|").replaceAll(".", "\\.");

/** Parse a signed statement's JSON (§6.3) strictly and re-encode it. */
export function parseSigned(doc, name = "signed_statement") {
  const [outer] = parseFields(
    [
      ["statement", (v) => [v, EMPTY]],
      ["algorithm", text(ALGORITHMS.join("|"))],
      ["signature", raw()],
      ["certificate", certificate],
      ["chain", chain],
    ],
    doc,
    name,
  );
  const n = `${name}.statement`;
  const st = enc.members(outer.statement, n, [
    "suite", "kind", "tender_id", "subject", "role", "actor", "issued_at", "nonce", "body",
  ]);
  const kind = enc.string(st.kind, `${n}.kind`, KIND_PATTERN);
  const [body, bodyRaw] = parseFields(BODIES[kind], st.body, `${n}.body`);
  const rest = {};
  for (const k of Object.keys(st)) if (k !== "body") rest[k] = st[k];
  const [head, headRaw] = parseFields(
    [
      ["suite", uint(16)],
      ["kind", text()],
      ["tender_id", text(ID_VALUE)],
      ["subject", text(`(${ID_VALUE})?`)],
      ["role", text(ROLES.join("|"))],
      ["actor", raw(32)],
      ["issued_at", time],
      ["nonce", raw(16)],
    ],
    rest,
    n,
  );
  if (head.suite !== 1) throw new ParseError(`${n}.suite`, `unknown suite ${head.suite} (§2.5: only 1)`);
  const statement = enc.concat(enc.field(b("tender-beacon/v1/statement")), headRaw, enc.field(bodyRaw));
  return new Signed(
    kind, head.tender_id, head.subject, head.role, head.actor, head.issued_at, body, statement,
    outer.algorithm, outer.signature, outer.certificate, outer.chain,
  );
}

// -- §7.6 log entries: each statement in its scope chain -----------------------------------

export const LOG_ENTRY = "tender-beacon/v2/log-entry";

/** An entry's place in its scope chain: ``seq`` and the leaf and leaf hash before it. */
export class Link {
  constructor(seq, previousLeaf, previousHash) {
    Object.assign(this, { seq, previousLeaf, previousHash });
  }

  check(name) {
    const first = BigInt(this.seq) === 0n;
    const zero = this.previousHash.length === 32 && this.previousHash.every((x) => x === 0);
    if (first !== zero || (first && BigInt(this.previousLeaf) !== 0n)) {
      throw new ParseError(name, "exactly the first entry of a scope (seq 0) names no previous entry");
    }
  }
}

export function parseLink(doc, name) {
  const d = enc.members(doc, name, ["seq", "previous_leaf", "previous_hash"]);
  // Not link.check(): a bundle's link is proven by the entry's inclusion (§14.3) and its
  // place in the draw's chain (§14.3a), which name the failure better than a parse error.
  return new Link(
    enc.integer(d.seq, `${name}.seq`),
    enc.integer(d.previous_leaf, `${name}.previous_leaf`),
    enc.hexbytes(d.previous_hash, `${name}.previous_hash`, 32),
  );
}

/** The leaf entry of a statement (§7.6): the link around the signed statement's bytes. */
export function logEntry(link, signed) {
  return enc.fields(
    b(LOG_ENTRY),
    enc.uint(link.seq, 64),
    enc.uint(link.previousLeaf, 64),
    link.previousHash,
    signed.entry,
  );
}

/** A log entry (§7.6) decoded: [its link, its signed statement]. */
export function decodeLogEntry(entry) {
  const r = new enc.Reader(entry, "entry");
  if (r.text("tag") !== LOG_ENTRY) throw new ParseError("entry.tag", `not a ${LOG_ENTRY} record`);
  const link = new Link(r.uint("seq", 64), r.uint("previous_leaf", 64), r.field("previous_hash"));
  if (link.previousHash.length !== 32) throw new ParseError("entry.previous_hash", "expected 32 bytes");
  const signed = decodeEntry(r.field("statement"));
  r.end();
  link.check("entry");
  return [link, signed];
}

/** A signed statement's bytes (§6.2) decoded; the body stays undecoded bytes. */
export function decodeEntry(entry) {
  const r = new enc.Reader(entry, "entry");
  if (r.text("tag") !== "tender-beacon/v1/signed-statement") {
    throw new ParseError("entry.tag", "not a tender-beacon/v1/signed-statement");
  }
  const statement = r.field("statement");
  const algorithm = r.text("algorithm");
  const [signature, certificate, chainItems] = [r.field("signature"), r.field("certificate"), r.items("chain")];
  r.end();
  const s = new enc.Reader(statement, "entry.statement");
  if (s.text("tag") !== "tender-beacon/v1/statement" || s.uint("suite", 16) !== 1) {
    throw new ParseError("entry.statement", "not a tender-beacon/v1/statement of suite 1");
  }
  const [kind, tender, subject, role] = ["kind", "tender_id", "subject", "role"].map((k) => s.text(k));
  const [actor, issuedAt, nonce, body] = [s.field("actor"), s.uint("issued_at", 64), s.field("nonce"), s.field("body")];
  s.end();
  if (actor.length !== 32 || nonce.length !== 16 || chainItems.length > 4) {
    throw new ParseError("entry.statement", "actor, nonce or chain of the wrong size");
  }
  // §6.3, §3.1: the beacon logs no statement of another kind or role than these.
  if (!Object.hasOwn(BODIES, kind) || !ROLES.includes(role)) {
    throw new ParseError("entry.statement", `unknown kind ${enc.pyRepr(kind)} or role ${enc.pyRepr(role)}`);
  }
  return new Signed(kind, tender, subject, role, actor, issuedAt, { bytes: body }, statement, algorithm, signature, certificate, chainItems);
}
