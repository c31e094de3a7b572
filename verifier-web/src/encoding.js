// Mirrors verifier/encoding.py: canonical fields (PROTOCOL.md §2.1–2.2), the domain labels
// (§2.3) and the strict JSON readers (§2.4). Also what Python gives the verifier for free
// and the browser does not: a JSON reader that keeps 1 and 1.0 apart and integers beyond
// 2^53 exact (Python's json.loads), Python's repr() for the messages that quote values,
// and SHA-2 through WebCrypto.

import { ParseError } from "./errors.js";

// PROTOCOL.md §2.3: every hash input starts with one of these labels, as a field.
export const COMMITMENT = "tender-beacon/v1/commitment";
export const DEFINITION_HASH = "tender-beacon/v1/definition-hash";
export const SNAPSHOT_HASH = "tender-beacon/v1/snapshot-hash";
export const STATEMENT_HASH = "tender-beacon/v1/statement-hash";
export const STATEMENT_SIGNATURE = "tender-beacon/v1/statement-signature";
export const TREE_HEAD = "tender-beacon/v1/tree-head";
export const EXTERNAL_SOURCE = "tender-beacon/v1/external-source";
export const DRAW_SEED = "tender-beacon/v1/draw-seed";
export const VDF_HASH_TO_GROUP = "tender-beacon/v1/vdf-hash-to-group";
export const VDF_CHALLENGE = "tender-beacon/v1/vdf-challenge";
export const VDF_OUTPUT = "tender-beacon/v1/vdf-output";
export const SELECTION_STREAM = "tender-beacon/v1/selection-stream";
export const ENVELOPE_KEY_ID = "tender-beacon/v1/envelope-key-id";
export const ENVELOPE_SHARE = "tender-beacon/v1/envelope-share";
export const ENVELOPE_HASH = "tender-beacon/v1/envelope-hash";
export const OPENING_KEY_POSSESSION = "tender-beacon/v1/opening-key-possession";
export const ENVELOPE_HEADER = "tender-beacon/v1/envelope-header";

const utf8 = new TextEncoder();
const utf8strict = new TextDecoder("utf-8", { fatal: true });

// -- bytes ---------------------------------------------------------------------------------

/** Concatenation of byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of an even-length hex string (either case; callers check the shape first). */
export function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Plain equality, for values that are not secrets. */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** hmac.compare_digest: no early exit on the first differing byte. */
export function constantTimeEqual(a, b) {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function bytesToBigInt(bytes) {
  return bytes.length ? BigInt("0x" + toHex(bytes)) : 0n;
}

export function bigIntToBytes(value, size) {
  const hex = value.toString(16);
  if (hex.length > 2 * size) throw new RangeError(`${value} does not fit ${size} bytes`);
  return fromHex(hex.padStart(2 * size, "0"));
}

export function utf8Bytes(s) {
  return utf8.encode(s);
}

// -- hashes (WebCrypto) --------------------------------------------------------------------

const DIGESTS = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/** hashlib.new(name, data).digest() */
export async function digest(name, data) {
  return new Uint8Array(await globalThis.crypto.subtle.digest(DIGESTS[name], data));
}

export const sha256 = (data) => digest("sha256", data);
export const sha512 = (data) => digest("sha512", data);

// -- §2.1 fields ---------------------------------------------------------------------------

/** ``u32(len) ‖ value`` (§2.1). */
export function field(value) {
  return concat(uint(value.length, 32), value);
}

/** ``value`` big-endian in ``bits / 8`` bytes; Number or BigInt. */
export function uint(value, bits) {
  return bigIntToBytes(BigInt(value), bits / 8);
}

export function text(value) {
  // A lone surrogate has no UTF-8 form (§2.1).
  const bad = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(value);
  if (bad) {
    const position = [...value.slice(0, bad.index)].length;
    const esc = "\\u" + bad[0].charCodeAt(0).toString(16).padStart(4, "0");
    throw new ParseError(
      "text",
      `not encodable as UTF-8: 'utf-8' codec can't encode character '${esc}' in position ` +
        `${position}: surrogates not allowed`,
    );
  }
  return utf8.encode(value);
}

export function fields(...values) {
  return concat(...values.map(field));
}

/** The content of a list field: ``F(u32(n)) ‖ F(item_1) ‖ …`` (§2.1). */
export function items(values) {
  return concat(field(uint(values.length, 32)), fields(...values));
}

/** ``H(F(label) ‖ F(p_1) ‖ …)`` (§2.3). */
export function labelled(hashName, label, ...parts) {
  return digest(hashName, fields(utf8.encode(label), ...parts));
}

/** Strict decoder of a field sequence (§2.2): every error names the field. */
export class Reader {
  constructor(data, name) {
    this.data = data;
    this.pos = 0;
    this.name = name;
  }

  field(what) {
    if (this.data.length - this.pos < 4) {
      throw new ParseError(`${this.name}.${what}`, "the input ends before the field's length");
    }
    const d = this.data;
    const size = ((d[this.pos] << 24) >>> 0) + (d[this.pos + 1] << 16) + (d[this.pos + 2] << 8) + d[this.pos + 3];
    const start = this.pos + 4;
    this.pos = start + size;
    if (this.pos > d.length) {
      throw new ParseError(`${this.name}.${what}`, `length ${size} runs past the end`);
    }
    return d.subarray(start, this.pos);
  }

  text(what) {
    const raw = this.field(what);
    try {
      return utf8strict.decode(raw);
    } catch {
      throw new ParseError(`${this.name}.${what}`, "not valid UTF-8");
    }
  }

  /** The integer as a Number when below 2^53, else as a BigInt. */
  uint(what, bits) {
    const raw = this.field(what);
    if (raw.length !== bits / 8) {
      throw new ParseError(`${this.name}.${what}`, `expected ${bits / 8} bytes, got ${raw.length}`);
    }
    return smallest(bytesToBigInt(raw));
  }

  items(what) {
    const sub = new Reader(this.field(what), `${this.name}.${what}`);
    const count = sub.uint("count", 32);
    const out = [];
    for (let i = 0; i < count; i++) out.push(sub.field(`[${i}]`));
    sub.end();
    return out;
  }

  end() {
    if (this.pos !== this.data.length) {
      throw new ParseError(this.name, `${this.data.length - this.pos} byte(s) after the last field`);
    }
  }
}

/** A BigInt as a Number when it is exact as one. */
export function smallest(big) {
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

// -- Python's json.loads -------------------------------------------------------------------

/** A JSON number with a fraction or an exponent: Python's float, never equal to an int. */
export class PyFloat {
  constructor(value) {
    this.value = value;
  }
}

/** A JSON document parse error, worded as Python's json.JSONDecodeError. */
export class JSONDecodeError extends Error {
  constructor(msg, text = null, pos = 0) {
    if (text === null) {
      super(msg);
      return;
    }
    const before = text.slice(0, pos);
    const lineno = before.split("\n").length;
    const colno = pos - before.lastIndexOf("\n");
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
  }
}

/**
 * json.loads: objects (keys in order, a repeated key keeps its last value), lists, str,
 * true/false/null; integers as Number when exact, else BigInt; other numbers as PyFloat.
 */
export function parseJson(src) {
  let i = 0;
  const ws = () => {
    while (i < src.length && " \t\n\r".includes(src[i])) i++;
  };
  const fail = (msg, at = i) => {
    throw new JSONDecodeError(msg, src, at);
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
  const STRING_CHUNK = /[^"\\\x00-\x1f]*/y;
  function string() {
    const start = i;
    i++; // the opening quote
    let out = "";
    for (;;) {
      STRING_CHUNK.lastIndex = i;
      const m = STRING_CHUNK.exec(src);
      out += m[0];
      i += m[0].length;
      const c = src[i];
      if (c === '"') {
        i++;
        return out;
      }
      if (c === undefined) fail("Unterminated string starting at", start);
      if (c !== "\\") fail("Invalid control character at");
      const e = src[i + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) {
        out += simple[e];
        i += 2;
      } else if (e === "u") {
        const hex = src.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\uXXXX escape", i + 1);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else {
        fail("Invalid \\escape", i);
      }
    }
  }
  function value(depth) {
    if (depth > 900) throw new JSONDecodeError("maximum recursion depth exceeded", src, i);
    ws();
    const c = src[i];
    if (c === "{") {
      i++;
      const obj = {};
      ws();
      if (src[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (src[i] !== '"') fail("Expecting property name enclosed in double quotes");
        const key = string();
        ws();
        if (src[i] !== ":") fail("Expecting ':' delimiter");
        i++;
        const v = value(depth + 1);
        // A repeated key keeps its first position and takes the last value, as in Python.
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        ws();
        if (src[i] === ",") {
          i++;
          continue;
        }
        if (src[i] === "}") {
          i++;
          return obj;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (src[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (src[i] === ",") {
          i++;
          continue;
        }
        if (src[i] === "]") {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["null", null],
      ["true", true],
      ["false", false],
      ["NaN", new PyFloat(NaN)],
      ["Infinity", new PyFloat(Infinity)],
      ["-Infinity", new PyFloat(-Infinity)],
    ]) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(src);
    if (!m) fail("Expecting value");
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) return smallest(BigInt(m[0]));
    return new PyFloat(Number(m[0]));
  }
  const out = value(0);
  ws();
  if (i !== src.length) fail("Extra data");
  return out;
}

/**
 * The text json.loads reads from bytes: UTF-8 (after a BOM, if any) with "surrogatepass",
 * or a UnicodeDecodeError worded as CPython's. (json.loads also detects UTF-16 and UTF-32
 * by their NUL bytes; a proof bundle is never either, and such bytes fail here.)
 */
export function decodeJsonBytes(bytes) {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const start0 = i;
  const fail = (start, end, why) => {
    const where =
      end - start > 1
        ? `bytes in position ${start}-${end - 1}`
        : `byte 0x${bytes[start].toString(16).padStart(2, "0")} in position ${start}`;
    throw new JSONDecodeError(`'utf-8' codec can't decode ${where}: ${why}`);
  };
  while (i < bytes.length) {
    const c = bytes[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // ED A0–BF (a surrogate) passes: "surrogatepass"
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else fail(i, i + 1, "invalid start byte");
    for (let k = 1; k <= n; k++) {
      if (i + k >= bytes.length) fail(i, bytes.length, "unexpected end of data");
      const x = bytes[i + k];
      const [a, b] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (x < a || x > b) fail(i, i + k, "invalid continuation byte");
    }
    i += n + 1;
  }
  // Valid UTF-8 but for encoded surrogates, which TextDecoder would replace: decode by hand.
  let out = "";
  for (let j = start0; j < bytes.length; ) {
    const c = bytes[j];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      j++;
    } else if (c < 0xe0) {
      out += String.fromCharCode(((c & 0x1f) << 6) | (bytes[j + 1] & 0x3f));
      j += 2;
    } else if (c < 0xf0) {
      out += String.fromCharCode(((c & 0x0f) << 12) | ((bytes[j + 1] & 0x3f) << 6) | (bytes[j + 2] & 0x3f));
      j += 3;
    } else {
      const cp = ((c & 0x07) << 18) | ((bytes[j + 1] & 0x3f) << 12) | ((bytes[j + 2] & 0x3f) << 6) | (bytes[j + 3] & 0x3f);
      out += String.fromCodePoint(cp);
      j += 4;
    }
  }
  return out;
}

// One difference from Python's dict remains: JavaScript lists integer-like keys ("0",
// "12") first. The verifier only lists members sorted or in the spec's order, so it cannot
// show.

// -- Python's type names and repr(), for messages that quote a value ----------------------

export function isInt(v) {
  return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
}

/** type(v).__name__ of a json.loads value. */
export function typeName(v) {
  if (v === null) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (isInt(v)) return "int";
  if (v instanceof PyFloat || typeof v === "number") return "float";
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return "bytes";
  return "dict";
}

function floatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // repr(float): the shortest digits, positional for 1e-4 <= |x| < 1e16, else d.ddde±XX.
  const [mant, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") ? s : s + ".0";
}

function isPrintable(cp) {
  const ch = String.fromCodePoint(cp);
  return cp === 0x20 || !/[\p{C}\p{Z}]/u.test(ch);
}

/** repr(str) */
export function strRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\u" + cp.toString(16).padStart(4, "0");
    else if (isPrintable(cp)) out += ch;
    else if (cp < 0x100) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + quote;
}

/** repr() of a json.loads value, or of the lists and dicts the verifier builds. */
export function pyRepr(v) {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return strRepr(v);
  if (isInt(v)) return String(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (typeof v === "number") return floatRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof Uint8Array) return `b'${[...v].map((b) => "\\x" + b.toString(16).padStart(2, "0")).join("")}'`;
  return `{${Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}

/** Python's sort order of str: by code point (JavaScript's default sorts UTF-16 units). */
export function codePointCompare(a, b) {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
}

/** json.dumps(v, sort_keys=True): canonical, so 3.0 or true cannot stand for 3 or 1. */
export function canonicalJson(v) {
  if (v === null || v === undefined) return "null";
  if (v === true || v === false) return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (isInt(v)) return String(v);
  if (v instanceof PyFloat || typeof v === "number") {
    return floatRepr(v instanceof PyFloat ? v.value : v).replace(/^(-?)inf$/, "$1Infinity").replace("nan", "NaN");
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(", ")}]`;
  const keys = Object.keys(v).sort(codePointCompare);
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${canonicalJson(v[k])}`).join(", ")}}`;
}

/** fullmatch(pattern, value) with Python's re semantics for the patterns the verifier uses. */
export function fullmatch(pattern, value) {
  return new RegExp(`^(?:${pattern})$`, "u").exec(value);
}

// -- §2.4 JSON presentation: exact members, lower-case hex, integers, timestamps ----------

// ASCII digits only: Python's \d and int() also take full-width and other Unicode digits.
const TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;

function isObject(doc) {
  return typeName(doc) === "dict";
}

/** ``doc`` as an object with exactly ``keys`` (unknown members are rejected). */
export function members(doc, name, keys) {
  if (!isObject(doc)) throw new ParseError(name, `expected an object, got ${typeName(doc)}`);
  const missing = keys.filter((k) => !Object.hasOwn(doc, k));
  if (missing.length) throw new ParseError(name, `missing member(s) ${pyRepr(missing)}`);
  const unknown = Object.keys(doc)
    .filter((k) => !keys.includes(k))
    .sort(codePointCompare);
  if (unknown.length) throw new ParseError(name, `unknown member(s) ${pyRepr(unknown)}`);
  return doc;
}

export function hexbytes(value, name, size = null) {
  if (typeof value !== "string" || !/^(?:[0-9a-f]{2})*$/.test(value)) {
    throw new ParseError(name, "expected lower-case hex");
  }
  if (size !== null && value.length !== 2 * size) {
    throw new ParseError(name, `expected ${size} bytes, got ${Math.floor(value.length / 2)}`);
  }
  return fromHex(value);
}

/** An integer in [0, 2^bits): a Number when exact, else a BigInt. */
export function integer(value, name, bits = 64) {
  if (!isInt(value) || !(BigInt(value) >= 0n && BigInt(value) < 1n << BigInt(bits))) {
    throw new ParseError(name, `expected an integer in [0, 2^${bits}), got ${pyRepr(value)}`);
  }
  return value;
}

export function string(value, name, pattern = null) {
  if (typeof value !== "string") {
    throw new ParseError(name, `expected a string, got ${typeName(value)}`);
  }
  if (pattern !== null && !fullmatch(pattern, value)) {
    throw new ParseError(name, `${pyRepr(value)} does not match ${pattern}`);
  }
  return value;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function b64encode(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return out;
}

/**
 * base64.b64decode(validate=True): binascii's strict a2b_base64, with its messages, then
 * the canonical check.
 */
export function b64(value, name) {
  string(value, name);
  const err = (why) => new ParseError(name, `not base64: ${why}`);
  if (value.startsWith("=")) throw err("Leading padding not allowed");
  const out = [];
  let quad = 0;
  let pads = 0;
  let padding = false;
  let acc = 0;
  let done = false;
  for (let i = 0; i < value.length && !done; i++) {
    const c = value[i];
    if (c === "=") {
      padding = true;
      if (quad >= 2 && quad + ++pads >= 4) {
        if (i + 1 < value.length) throw err("Excess data after padding");
        done = true;
      }
      continue;
    }
    const v = B64.indexOf(c);
    if (v < 0) throw err("Only base64 data is allowed");
    if (padding) throw err("Discontinuous padding not allowed");
    pads = 0;
    acc = (acc << 6) | v;
    if (quad > 0) out.push((acc >> (6 - 2 * quad)) & 0xff);
    acc &= (1 << (6 - 2 * quad)) - 1;
    quad = (quad + 1) & 3;
  }
  if (!done && quad !== 0) {
    if (quad === 1) {
      throw err(
        "Invalid base64-encoded string: number of data characters " +
          `(${Math.floor(out.length / 3) * 4 + 1}) cannot be 1 more than a multiple of 4`,
      );
    }
    throw err("Incorrect padding");
  }
  const raw = Uint8Array.from(out);
  if (b64encode(raw) !== value) throw new ParseError(name, "not canonical base64");
  return raw;
}

/** The exact time string of §1 as milliseconds since the epoch. */
export function timestamp(value, name) {
  if (typeof value !== "string" || !TIME.test(value)) {
    throw new ParseError(name, `expected YYYY-MM-DDTHH:MM:SS.sssZ, got ${pyRepr(value)}`);
  }
  const [y, mo, d, h, mi, s] = [0, 5, 8, 11, 14, 17].map((at, k) => Number(value.slice(at, at + (k ? 2 : 4))));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  // strptime's ranges, then datetime's (year >= 1, the day within its month, seconds <= 59).
  if (!(y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays && h <= 23 && mi <= 59 && s <= 59)) {
    throw new ParseError(name, `not a valid UTC time: ${pyRepr(value)}`);
  }
  if (y < 1970) throw new ParseError(name, `${pyRepr(value)} is before 1970 (§1)`);
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime() + Number(value.slice(20, 23));
}

export function formatTime(ms) {
  const t = new Date(Number(ms) - (Number(ms) % 1000));
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return (
    `${p(t.getUTCFullYear(), 4)}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}T` +
    `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}.${p(Number(ms) % 1000, 3)}Z`
  );
}
