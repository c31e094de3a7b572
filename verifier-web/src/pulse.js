// Mirrors verifier/pulse.py: NIST Beacon 2.0 pulses (PROTOCOL.md §8): strict reading,
// signature, output, chain rules.
//
// Reading throws ParseError (§8.6's outcome ``parse-error``); every later failure is a
// CheckFailed whose ``code`` is one of ``certificate-invalid``, ``signature-invalid``,
// ``output-invalid``, ``chain-invalid``, ``external-invalid``.
// Chain and pulse indexes (64-bit) are BigInt; times and periods are Numbers.

import * as enc from "./encoding.js";
import { CheckFailed, ParseError } from "./errors.js";
import * as identity from "./identity.js";
import { SOURCE_ID } from "./merkle.js";

const MEMBERS = [
  "uri", "version", "cipherSuite", "period", "certificateId", "chainIndex", "pulseIndex",
  "timeStamp", "localRandomValue", "external", "listValues", "precommitmentValue",
  "statusCode", "signatureValue", "outputValue",
];
export const LINKS = ["previous", "hour", "day", "month", "year"];
export const CHAIN_START = 1;
export const GAP = 2;
export const CERTIFICATE_CHANGE = 4;

function hex(value, name, size = 64) {
  // §8.3: either case (the signature covers the decoded bytes), never mixed.
  if (typeof value !== "string" || !/^(?:(?:[0-9A-F]{2})+|(?:[0-9a-f]{2})+)$/.test(value)) {
    throw new ParseError(name, "expected hex digits of one case");
  }
  if (size !== null && value.length !== 2 * size) {
    throw new ParseError(name, `expected ${size} bytes, got ${Math.floor(value.length / 2)}`);
  }
  return enc.fromHex(value);
}

const u32 = (x) => enc.uint(x, 32); // §8.2: integers bare, without a length
const isZero = (bytes) => bytes.every((x) => x === 0);

/** One pulse, its decoded fields and its signed message ``M`` (§8.2). */
export class Pulse {
  constructor(fields) {
    Object.assign(this, fields);
  }

  static fromJson(doc, name = "pulse") {
    const outer = enc.members(doc, name, ["pulse"]);
    name = `${name}.pulse`;
    const p = enc.members(outer.pulse, name, MEMBERS);
    const ext = enc.members(p.external, `${name}.external`, ["sourceId", "statusCode", "value"]);
    if (!Array.isArray(p.listValues) || p.listValues.length !== 5) {
      throw new ParseError(`${name}.listValues`, "expected five list values");
    }
    const links = p.listValues.map((x, i) => enc.members(x, `${name}.listValues[${i}]`, ["uri", "type", "value"]));
    if (p.version !== "2.0" && p.version !== "Version 2.0") {
      throw new ParseError(`${name}.version`, `unknown version ${enc.pyRepr(p.version)}`);
    }
    const n = {};
    for (const [k, v] of [
      ["cipherSuite", p.cipherSuite],
      ["period", p.period],
      ["chainIndex", p.chainIndex],
      ["pulseIndex", p.pulseIndex],
      ["statusCode", p.statusCode],
      ["external.statusCode", ext.statusCode],
    ]) {
      n[k] = enc.integer(v, `${name}.${k}`, k.endsWith("Index") ? 64 : 32);
    }
    const h = {};
    for (const [k, v] of [
      ["certificateId", p.certificateId],
      ["localRandomValue", p.localRandomValue],
      ["sourceId", ext.sourceId],
      ["value", ext.value],
      ["precommitmentValue", p.precommitmentValue],
      ["outputValue", p.outputValue],
      ...links.map((x, i) => [`listValues[${i}]`, x.value]),
    ]) {
      h[k] = hex(v, `${name}.${k}`);
    }
    const values = [0, 1, 2, 3, 4].map((i) => h[`listValues[${i}]`]);
    const uri = enc.string(p.uri, `${name}.uri`);
    const chain = BigInt(n.chainIndex);
    const index = BigInt(n.pulseIndex);
    const timeMs = enc.timestamp(p.timeStamp, `${name}.timeStamp`); // before its bytes are read
    const uris = links.map((x, i) => linkUri(x, LINKS[i], uri, chain, index, values[i], `${name}.listValues[${i}]`));
    const message = enc.concat(
      enc.field(enc.text(uri)),
      enc.field(enc.utf8Bytes(p.version)),
      u32(n.cipherSuite),
      u32(n.period),
      enc.field(h.certificateId),
      enc.uint(chain, 64),
      enc.uint(index, 64),
      enc.field(enc.utf8Bytes(p.timeStamp)),
      enc.field(h.localRandomValue),
      enc.field(h.sourceId),
      u32(n["external.statusCode"]),
      enc.field(h.value),
      ...values.map(enc.field),
      enc.field(h.precommitmentValue),
      u32(n.statusCode),
    );
    return new Pulse({
      uri,
      chain,
      index,
      period: Number(n.period),
      certificateId: h.certificateId,
      timeMs,
      local: h.localRandomValue,
      sourceId: h.sourceId,
      externalStatus: Number(n["external.statusCode"]),
      external: h.value,
      links: values,
      linkUris: uris,
      precommitment: h.precommitmentValue,
      status: Number(n.statusCode),
      signature: hex(p.signatureValue, `${name}.signatureValue`, null),
      output: h.outputValue,
      cipherSuite: Number(n.cipherSuite),
      message,
    });
  }

  name() {
    return `pulse ${this.chain}/${this.index}`;
  }
}

const URI = "/beacon/2\\.0/chain/([1-9][0-9]*)/pulse/([1-9][0-9]*)";
// Python's "." matches any character but "\n".
const ANY = "([^\\n]*)";

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&");
}

/**
 * §8.1, §8.3: the pulse's uri names it; a link's uri is null for a zero link, else names an
 * earlier pulse. Link uris are not signed (§8.2), so a verifier can check only this shape
 * here, and within a chain segment that they name the linked pulse (verifySegment).
 */
function linkUri(link, kind, uri, chain, index, value, name) {
  const own = enc.fullmatch(ANY + URI, uri);
  if (!own || BigInt(own[2]) !== chain || BigInt(own[3]) !== index) {
    throw new ParseError(
      `${name.slice(0, name.lastIndexOf("."))}.uri`,
      `the pulse's uri ${enc.pyRepr(uri)} does not name chain ${chain}, pulse ${index}`,
    );
  }
  const target = link.uri;
  if (link.type !== kind) {
    throw new ParseError(`${name}.type`, `expected ${enc.pyRepr(kind)}, got ${enc.pyRepr(link.type)}`);
  }
  if ((target === null) !== (value.length === 64 && isZero(value))) {
    throw new ParseError(`${name}.uri`, "null exactly when the value is zero (§8.3)");
  }
  if (target === null) return null;
  const text = enc.string(target, `${name}.uri`);
  const m = enc.fullmatch(escapeRegExp(own[1]) + URI, text);
  if (!m || BigInt(m[1]) !== chain || !(BigInt(m[2]) < index)) {
    throw new ParseError(`${name}.uri`, `${enc.pyRepr(text)} does not name an earlier pulse of chain ${chain}`);
  }
  return text;
}

/** §8.6 steps 1–4 with the certificate (a Map: hex certificateId → DER) whose SHA-512 it names. */
export async function verify(p, certificates) {
  if (p.cipherSuite !== 0) {
    throw new CheckFailed(`${p.name()}: cipherSuite ${p.cipherSuite} is not 0`, { code: "signature-invalid" });
  }
  const der = certificates.get(enc.toHex(p.certificateId));
  if (der === undefined || !enc.bytesEqual(await enc.sha512(der), p.certificateId)) {
    throw new CheckFailed(`${p.name()}: no certificate hashes to ${enc.toHex(p.certificateId).slice(0, 16)}…`, {
      code: "certificate-invalid",
    });
  }
  try {
    // RSA PKCS#1 v1.5 with SHA-512; "the certificate's key is not RSA" or "the signature
    // does not verify", with the codes of verifier/pulse.py.
    await identity.verifyPulseSignature(der, p.message, p.signature, p.name());
  } catch (e) {
    if (!(e instanceof CheckFailed) || e.message.startsWith(`${p.name()}:`)) throw e;
    throw new CheckFailed(`${p.name()}: ${e.message}`, { code: e.code });
  }
  const output = await enc.sha512(enc.concat(p.message, p.signature));
  if (!enc.constantTimeEqual(output, p.output)) {
    throw new CheckFailed(`${p.name()}: outputValue is not SHA-512(M ‖ signatureValue)`, { code: "output-invalid" });
  }
}

/** §8.4 / §8.6 step 7: the pulse's external value commits ``head``. */
export async function commits(p, head) {
  if (
    !enc.bytesEqual(p.sourceId, await SOURCE_ID) ||
    p.externalStatus !== 0 ||
    !enc.bytesEqual(p.external, await head.commitment())
  ) {
    throw new CheckFailed(`${p.name()} does not commit tree head ${head.treeSize}`, { code: "external-invalid" });
  }
}

/** §8.5 rules 1–4 between ``p`` and its predecessor ``q``. */
export async function checkLink(q, p) {
  const fail = (why) => new CheckFailed(`${p.name()} after ${q.name()}: ${why}`, { code: "chain-invalid" });
  const step = p.timeMs - q.timeMs;
  if (p.chain !== q.chain || p.index !== q.index + 1n || p.period !== q.period || q.period === 0) {
    throw fail("not the next pulse of the same chain and period");
  }
  if (step <= 0 || step % p.period || p.timeMs % p.period) throw fail("timeStamp is not a later period boundary");
  const want = (step > p.period ? GAP : 0) | (enc.bytesEqual(p.certificateId, q.certificateId) ? 0 : CERTIFICATE_CHANGE);
  if (p.status !== want) throw fail(`statusCode ${p.status}, expected ${want}`);
  if (!enc.bytesEqual(await enc.sha512(p.local), q.precommitment)) {
    throw fail("localRandomValue does not open the predecessor's precommitmentValue");
  }
  if (!enc.bytesEqual(p.links[0], q.output) || p.linkUris[0] !== q.uri) {
    throw fail("the previous link is not the predecessor's outputValue and uri");
  }
}

/** The hour, day, month and year of a time, each as a comparable key. */
function units(ms) {
  const t = new Date(ms - (ms % 1000));
  return [
    String(Math.floor(ms / 3600000)),
    String(Math.floor(ms / 86400000)),
    `${t.getUTCFullYear()}-${t.getUTCMonth() + 1}`,
    String(t.getUTCFullYear()),
  ];
}

function sameLink(a, b) {
  return a[0] === b[0] && enc.bytesEqual(a[1], b[1]) && a[2] === b[2];
}

/** A chain segment in index order (§8.5, §8.6 steps 1–7); throws at the first failure. */
export async function verifySegment(pulses, certificates, treeHeads = null) {
  const first = [null, null, null, null]; // per unit: the first pulse's [unit, output, uri]
  for (let i = 0; i < pulses.length; i++) {
    const p = pulses[i];
    await verify(p, certificates);
    const q = i ? pulses[i - 1] : null;
    if (p.index === 1n || p.status & CHAIN_START) {
      if (q !== null || p.index !== 1n || p.status !== CHAIN_START || p.links.some((l) => !isZero(l))) {
        throw new CheckFailed(`${p.name()}: a chain starts with pulse 1, status 1 and zero links`, {
          code: "chain-invalid",
        });
      }
    } else if (q !== null) {
      await checkLink(q, p);
      const qUnits = units(q.timeMs);
      for (let u = 0; u < 4; u++) {
        const link = [qUnits[u], p.links[u + 1], p.linkUris[u + 1]];
        if (first[u] === null) {
          first[u] = link; // §8.6: a segment begun mid-period accepts the first link into it
        } else if (!sameLink(first[u], link)) {
          throw new CheckFailed(`${p.name()}: the ${LINKS[u + 1]} link is not the first pulse of its ${LINKS[u + 1]}`, {
            code: "chain-invalid",
          });
        }
      }
    }
    const pUnits = units(p.timeMs);
    for (let u = 0; u < 4; u++) {
      if ((q === null && p.index === 1n) || (q !== null && units(q.timeMs)[u] !== pUnits[u])) {
        first[u] = [pUnits[u], p.output, p.uri];
      }
    }
    if (p.linkUris[0] !== null && !p.linkUris[0].endsWith(`/pulse/${p.index - 1n}`)) {
      throw new CheckFailed(`${p.name()}: the previous link's uri names another pulse`, { code: "chain-invalid" });
    }
    const head = treeHeads ? treeHeads[i] : null;
    if (head !== null && head !== undefined) await commits(p, head);
  }
}
