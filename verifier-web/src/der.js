// Strict DER (X.690 §10) and the X.509 structures of RFC 5280 §4.1 (certificates) and §5.1
// (CRLs): what verifier/identity.py gets from cryptography's Rust parser, which identity.js
// needs byte for byte (the signed TBS bytes, each name attribute's ASN.1 tag and content
// bytes for Name.rfc4514_string(), the DER of each AlgorithmIdentifier for the Web PKI
// algorithm tables). Like cryptography it refuses BER: indefinite or non-minimal lengths,
// non-minimal INTEGERs, an encoded DEFAULT, trailing bytes. Pure: bytes in, plain objects out.

export class DerError extends Error {}

const ascii = new TextDecoder("latin1");

/** One TLV at ``pos``: its tag byte, content, whole encoding, and the position after it. */
export function tlv(data, pos = 0) {
  if (pos + 2 > data.length) throw new DerError("short data");
  const tag = data[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not used in X.509");
  let len = data[pos + 1];
  let at = pos + 2;
  if (len === 0x80) throw new DerError("indefinite length (BER, not DER)");
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4 || at + n > data.length) throw new DerError("invalid length");
    if (data[at] === 0) throw new DerError("invalid length (not minimal)");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + data[at + i];
    if (len < 0x80) throw new DerError("invalid length (not minimal)");
    at += n;
  }
  if (at + len > data.length) throw new DerError("short data");
  return { tag, content: data.subarray(at, at + len), raw: data.subarray(pos, at + len), end: at + len };
}

/** ``data`` as exactly one TLV of tag ``tag`` (no trailing bytes). */
export function single(data, tag, what) {
  const t = tlv(data, 0);
  if (t.end !== data.length) throw new DerError(`${what}: trailing data`);
  expect(t, tag, what);
  return t;
}

/** The TLVs a constructed value's content holds, in order. */
export function children(content) {
  const out = [];
  for (let pos = 0; pos < content.length; ) {
    const t = tlv(content, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function expect(t, tag, what) {
  if (!t || t.tag !== tag) {
    throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got ${t ? "0x" + t.tag.toString(16) : "nothing"}`);
  }
  return t;
}

export function oid(t, what = "OBJECT IDENTIFIER") {
  expect(t, 0x06, what);
  const c = t.content;
  if (!c.length || c[c.length - 1] & 0x80) throw new DerError(`${what}: invalid OID`);
  const arcs = [];
  let v = 0n;
  let first = true;
  for (let i = 0; i < c.length; i++) {
    if (v === 0n && c[i] === 0x80) throw new DerError(`${what}: invalid OID (not minimal)`);
    v = (v << 7n) | BigInt(c[i] & 0x7f);
    // rust-asn1 (cryptography's parser) reads each subidentifier as a u128
    if (v >> 128n) throw new DerError(`${what}: invalid OID (a subidentifier over 128 bits)`);
    if (!(c[i] & 0x80)) {
      if (first) {
        const a = v < 80n ? v / 40n : 2n;
        arcs.push(a, v - 40n * a);
        first = false;
      } else arcs.push(v);
      v = 0n;
    }
  }
  return arcs.join(".");
}

/** A DER INTEGER: its value and its content bytes (two's complement, minimal). */
export function integer(t, what = "INTEGER") {
  expect(t, 0x02, what);
  const c = t.content;
  if (!c.length) throw new DerError(`${what}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0 && !(c[1] & 0x80)) || (c[0] === 0xff && c[1] & 0x80))) {
    throw new DerError(`${what}: INTEGER not minimally encoded`);
  }
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  if (c[0] & 0x80) v -= 1n << BigInt(8 * c.length);
  return v;
}

export function boolean(t, what = "BOOLEAN") {
  expect(t, 0x01, what);
  if (t.content.length !== 1 || (t.content[0] !== 0 && t.content[0] !== 0xff)) {
    throw new DerError(`${what}: invalid BOOLEAN`);
  }
  return t.content[0] === 0xff;
}

/** A BIT STRING's bytes, with ``unused`` trailing bits (which DER requires to be zero). */
export function bitString(t, what = "BIT STRING") {
  expect(t, 0x03, what);
  const c = t.content;
  const unused = c[0];
  if (!c.length || unused > 7 || (c.length === 1 && unused) || (unused && c[c.length - 1] & ((1 << unused) - 1))) {
    throw new DerError(`${what}: invalid BIT STRING`);
  }
  return { bytes: c.subarray(1), unused };
}

/** UTCTime or GeneralizedTime in the only forms RFC 5280 §4.1.2.5 allows: ms since the epoch. */
export function time(t, what = "Time") {
  const s = ascii.decode(t.content);
  let m;
  if (t.tag === 0x17) m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  else if (t.tag === 0x18) m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
  else throw new DerError(`${what}: expected UTCTime or GeneralizedTime`);
  if (!m) throw new DerError(`${what}: invalid time ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if (t.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  const [mo, d, h, mi, sec] = m.slice(2).map(Number);
  const back = new Date(0);
  back.setUTCFullYear(year, mo - 1, d);
  back.setUTCHours(h, mi, sec, 0);
  const ms = back.getTime();
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
    throw new DerError(`${what}: invalid time ${JSON.stringify(s)}`);
  }
  return { ms, generalized: t.tag === 0x18, year };
}

// -- Name (RFC 5280 §4.1.2.4) --------------------------------------------------------------

/** A Name: its DER and its RDNs, each a list of {oid, tag, content} in encoded order. */
export function name(t, what = "Name") {
  expect(t, 0x30, what);
  const rdns = children(t.content).map((set) => {
    expect(set, 0x31, `${what} RDN`);
    return children(set.content).map((atv) => {
      expect(atv, 0x30, `${what} attribute`);
      const parts = children(atv.content);
      if (parts.length !== 2) throw new DerError(`${what} attribute: expected type and value`);
      return { oid: oid(parts[0], `${what} attribute type`), tag: parts[1].tag, content: parts[1].content };
    });
  });
  return { raw: t.raw, rdns };
}

// -- AlgorithmIdentifier, SubjectPublicKeyInfo, Extensions --------------------------------

function algorithm(t, what) {
  expect(t, 0x30, what);
  const parts = children(t.content);
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what}: invalid AlgorithmIdentifier`);
  return { raw: t.raw, oid: oid(parts[0], what), params: parts[1] ?? null };
}

function spki(t) {
  expect(t, 0x30, "SubjectPublicKeyInfo");
  const parts = children(t.content);
  if (parts.length !== 2) throw new DerError("SubjectPublicKeyInfo: expected algorithm and key");
  const alg = algorithm(parts[0], "SubjectPublicKeyInfo algorithm");
  const key = bitString(parts[1], "subjectPublicKey");
  if (key.unused) throw new DerError("subjectPublicKey: unused bits");
  return { raw: t.raw, algorithm: alg, key: key.bytes };
}

/** Extensions: [{oid, critical, value}] in order; a repeated OID is refused. */
function extensions(t, what) {
  expect(t, 0x30, what);
  const out = [];
  for (const e of children(t.content)) {
    expect(e, 0x30, "Extension");
    const parts = children(e.content);
    let critical = false;
    let i = 1;
    if (parts[1] && parts[1].tag === 0x01) {
      critical = boolean(parts[1], "Extension critical");
      if (!critical) throw new DerError("Extension critical: DEFAULT FALSE encoded (not DER)");
      i = 2;
    }
    if (parts.length !== i + 1) throw new DerError("Extension: invalid structure");
    const id = oid(parts[0], "Extension id");
    if (out.some((x) => x.oid === id)) throw new DerError(`duplicate extension ${id}`);
    out.push({ oid: id, critical, value: expect(parts[i], 0x04, "Extension value").content });
  }
  return out;
}

// -- Certificate (RFC 5280 §4.1) ------------------------------------------------------------

export function certificate(der) {
  const top = single(der, 0x30, "Certificate");
  const parts = children(top.content);
  if (parts.length !== 3) throw new DerError("Certificate: expected tbsCertificate, signatureAlgorithm, signature");
  const [tbsT, sigAlgT, sigT] = parts;
  expect(tbsT, 0x30, "tbsCertificate");
  const f = children(tbsT.content);
  let i = 0;
  let version = 0;
  if (f[i] && f[i].tag === 0xa0) {
    const v = integer(single(f[i].content, 0x02, "version"), "version");
    if (v === 0n) throw new DerError("version: DEFAULT v1 encoded (not DER)");
    version = Number(v);
    i++;
  }
  const serialT = expect(f[i++], 0x02, "serialNumber");
  const serial = integer(serialT, "serialNumber");
  const tbsSignature = algorithm(f[i++], "signature");
  const issuer = name(f[i++], "issuer");
  const validity = expect(f[i++], 0x30, "validity");
  const [nb, na, ...extra] = children(validity.content);
  if (!nb || !na || extra.length) throw new DerError("validity: expected notBefore and notAfter");
  const notBefore = time(nb, "notBefore");
  const notAfter = time(na, "notAfter");
  const subject = name(f[i++], "subject");
  const publicKey = spki(f[i++]);
  if (f[i] && f[i].tag === 0x81) i++; // issuerUniqueID
  if (f[i] && f[i].tag === 0x82) i++; // subjectUniqueID
  let exts = [];
  if (f[i] && f[i].tag === 0xa3) {
    exts = extensions(single(f[i].content, 0x30, "extensions"), "extensions");
    i++;
  }
  if (i !== f.length) throw new DerError("tbsCertificate: unexpected fields");
  // Unused bits (zero, as DER wants them) are accepted and the octets used as they are,
  // as cryptography's signature (BitString.as_bytes) does.
  const sig = bitString(sigT, "signatureValue");
  return {
    der,
    tbs: tbsT.raw,
    version,
    serial,
    serialBytes: serialT.content,
    tbsSignature,
    signatureAlgorithm: algorithm(sigAlgT, "signatureAlgorithm"),
    signature: sig.bytes,
    issuer,
    subject,
    notBefore,
    notAfter,
    publicKey,
    extensions: exts,
  };
}

// -- CertificateList (RFC 5280 §5.1) -------------------------------------------------------

export function crl(der) {
  const top = single(der, 0x30, "CertificateList");
  const parts = children(top.content);
  if (parts.length !== 3) throw new DerError("CertificateList: expected tbsCertList, signatureAlgorithm, signature");
  const [tbsT, sigAlgT, sigT] = parts;
  expect(tbsT, 0x30, "tbsCertList");
  const f = children(tbsT.content);
  let i = 0;
  if (f[i] && f[i].tag === 0x02) {
    if (integer(f[i], "version") !== 1n) throw new DerError("version: not v2");
    i++;
  }
  const tbsSignature = algorithm(f[i++], "signature");
  const issuer = name(f[i++], "issuer");
  const thisUpdate = time(f[i++] ?? { tag: 0, content: new Uint8Array() }, "thisUpdate");
  let nextUpdate = null;
  if (f[i] && (f[i].tag === 0x17 || f[i].tag === 0x18)) nextUpdate = time(f[i++], "nextUpdate");
  const revoked = [];
  if (f[i] && f[i].tag === 0x30) {
    for (const r of children(f[i++].content)) {
      expect(r, 0x30, "revokedCertificate");
      const [serialT, dateT, extsT, ...more] = children(r.content);
      if (more.length) throw new DerError("revokedCertificate: unexpected fields");
      if (extsT) extensions(extsT, "crlEntryExtensions");
      revoked.push({ serial: integer(serialT, "userCertificate"), date: time(dateT ?? { tag: 0, content: new Uint8Array() }, "revocationDate") });
    }
  }
  if (f[i] && f[i].tag === 0xa0) {
    extensions(single(f[i].content, 0x30, "crlExtensions"), "crlExtensions");
    i++;
  }
  if (i !== f.length) throw new DerError("tbsCertList: unexpected fields");
  // Unused bits (zero, as DER wants them) are accepted and the octets used as they are,
  // as cryptography's signature (BitString.as_bytes) does.
  const sig = bitString(sigT, "signatureValue");
  return {
    der,
    tbs: tbsT.raw,
    tbsSignature,
    signatureAlgorithm: algorithm(sigAlgT, "signatureAlgorithm"),
    signature: sig.bytes,
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
  };
}
