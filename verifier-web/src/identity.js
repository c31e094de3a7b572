// Mirrors verifier/identity.py: certificates, chains (PROTOCOL.md §3.1–§3.2) and statement
// signatures (§6.2). Where the Python hands path validation to cryptography's Web PKI
// validator (PolicyBuilder … build_client_verifier(), with webpki_defaults_ca() for CAs and
// permit_all() for the end entity), validateChain applies the same rules itself, in the
// same order, with the same messages (cryptography 50):
//
//   * path building from the leaf: issuers are anchors first, then the given intermediates,
//     whose subject equals the child's issuer (DER), ordered by AKI/SKI match; the first
//     candidate that is a valid issuer and leads to an anchor wins; a certificate that is
//     itself an anchor ends the path; at most 8 intermediates;
//   * every certificate of the path (leaf, intermediates, anchor): X.509 v3, the outer and
//     TBS signature algorithms equal, a serial of 1–21 bytes that is not negative, a
//     non-empty issuer, validity dates from 1950 to 2049 as UTCTime, and validity at the
//     time (to the second, as cryptography truncates it): notBefore ≤ t ≤ notAfter;
//   * no critical extension but AIA, AKI, SKI, keyUsage, SAN, basicConstraints,
//     nameConstraints, extendedKeyUsage (on the leaf too);
//   * each issuer (intermediates and the anchor): basicConstraints present, critical, cA
//     true, and pathLenConstraint ≥ the number of certificates between it and the leaf;
//     keyUsage present with keyCertSign; an extendedKeyUsage, if any, names clientAuth or
//     anyExtendedKeyUsage; an AKI, if any, has a keyIdentifier and neither issuer nor
//     serial; AIA, AKI, SKI and EKU not critical;
//   * differences, both fail closed: a CA with nameConstraints is refused outright (see
//     nameConstraintsBelow), and there is no 128-signature budget (paths are short);
//   * each issuer's key is RSA (≥ 2048-bit modulus) or EC P-256/P-384/P-521, and signs the
//     child with RSA PKCS#1 v1.5 or PSS (SHA-256/384/512, MGF1 with the same hash, salt the
//     hash length) or ECDSA with SHA-256/384/512 (so no Ed25519 CA: §3.2);
//   * the end entity: no extension requirement (permit_all), but check_profile (§3.2):
//     digitalSignature when it has a keyUsage, the beacon signer EKU exactly on beacon
//     certificates; then check_revocation with the CRLs given.

import * as der from "./der.js";
import { concat, constantTimeEqual, field, formatTime, sha256, STATEMENT_SIGNATURE, toHex, utf8Bytes } from "./encoding.js";
import { CheckFailed, ParseError } from "./errors.js";

const subtle = () => globalThis.crypto.subtle;

/** ``SHA-256(DER)`` (§2.3), what ``openssl x509 -fingerprint -sha256`` prints. */
export function fingerprint(bytes) {
  return sha256(bytes);
}

// -- loading ---------------------------------------------------------------------------------

const OID = {
  rsa: "1.2.840.113549.1.1.1",
  ec: "1.2.840.10045.2.1",
  ed25519: "1.3.101.112",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  aki: "2.5.29.35",
  ski: "2.5.29.14",
  aia: "1.3.6.1.5.5.7.1.1",
  san: "2.5.29.17",
  nameConstraints: "2.5.29.30",
  privateKeyUsagePeriod: "2.5.29.16",
  ian: "2.5.29.18",
  certificatePolicies: "2.5.29.32",
  policyConstraints: "2.5.29.36",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  anyEku: "2.5.29.37.0",
  uniqueIdentifier: "2.5.4.45",
};
const CURVES = { [OID.p256]: ["P-256", 32], [OID.p384]: ["P-384", 48], [OID.p521]: ["P-521", 66] };

const cache = new Map();

/** The parsed certificate, or ParseError("certificate", …) as load() raises it. */
export function load(bytes) {
  const key = toHex(bytes);
  let cert = cache.get(key);
  if (cert === undefined) {
    try {
      cert = der.certificate(bytes);
      // cryptography's Version: v1 (0) or v3 (2) only, else InvalidVersion at load.
      if (cert.version !== 0 && cert.version !== 2) {
        throw new der.DerError(cert.version > 255 ? "invalid version" : `${cert.version} is not a valid X509 version`);
      }
      cert.subjectText = rfc4514(cert.subject);
      cert.issuerText = rfc4514(cert.issuer);
      cert.key = publicKeyOf(cert.publicKey);
      cert.ext = knownExtensions(cert.extensions);
    } catch (e) {
      if (e instanceof der.DerError || e instanceof TypeError) {
        throw new ParseError("certificate", `not a DER X.509 certificate: ${e.message}`);
      }
      throw e;
    }
    if (cache.size >= 64) cache.delete(cache.keys().next().value);
    cache.set(key, cert);
  }
  return cert;
}

// The short Weierstrass curves y² = x³ − 3x + b over GF(p) of FIPS 186-4 §D.1.2 (SEC 2 §2.4
// secp256r1, §2.5 secp384r1, §2.6 secp521r1): what a point of a certificate must lie on.
const WEIERSTRASS = {
  "P-256": {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  "P-384": {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  "P-521": {
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

const mod = (a, p) => ((a % p) + p) % p;

/**
 * The X9.62 point of an EC key as OpenSSL decodes it when cryptography's public_key() loads
 * it: uncompressed (04) or hybrid (06/07, the y parity in the prefix), both coordinates
 * below p, on the curve; anything else is cryptography's "Invalid key". A compressed point
 * (02/03, which cryptography also takes) is refused here: WebCrypto cannot import it.
 * Returns the point's SPKI with the prefix 04, for WebCrypto.
 */
function ecPoint(spki, curve, size) {
  const point = spki.key;
  if (point.length !== 1 + 2 * size || ![4, 6, 7].includes(point[0])) throw new der.DerError("Invalid key");
  const number = (bytes) => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  const x = number(point.subarray(1, 1 + size));
  const y = number(point.subarray(1 + size));
  const { p, b } = WEIERSTRASS[curve];
  const onCurve = x < p && y < p && mod(y * y - (x * x * x - 3n * x + b), p) === 0n;
  if (!onCurve || (point[0] !== 4 && BigInt(point[0] & 1) !== (y & 1n))) throw new der.DerError("Invalid key");
  if (point[0] === 4) return spki.raw;
  const normal = Uint8Array.from(spki.raw);
  normal[normal.length - point.length] = 4;
  return normal;
}

/**
 * The public key as cryptography's ``cert.public_key()`` loads it, refusing what it refuses
 * (load() then raises "not a DER X.509 certificate: ..."): an RSA key whose modulus and
 * exponent fail its check_public_key_components, an EC point not on its curve, an Ed25519
 * key not of 32 bytes. ``spki`` is what WebCrypto imports.
 */
function publicKeyOf(spki) {
  const alg = spki.algorithm;
  if (alg.oid === OID.rsa) {
    // RFC 3279 §2.3.1: the parameters are NULL (cryptography also takes them absent)
    if (alg.params && (alg.params.tag !== 0x05 || alg.params.content.length)) {
        throw new der.DerError("rsaEncryption: parameters are not NULL");
    }
    const seq = der.single(spki.key, 0x30, "RSAPublicKey");
    const [n, e, ...more] = der.children(seq.content);
    if (!e || more.length) throw new der.DerError("RSAPublicKey: expected modulus and exponent");
    const modulus = der.integer(n, "modulus");
    const exponent = der.integer(e, "publicExponent");
    if (modulus < 0n || exponent < 0n) throw new der.DerError("RSAPublicKey: a negative INTEGER");
    if (modulus < 3n) throw new der.DerError("n must be >= 3.");
    if (exponent < 3n || exponent >= modulus) throw new der.DerError("e must be >= 3 and < n.");
    if (!(exponent & 1n)) throw new der.DerError("e must be odd.");
    return { type: "rsa", bits: modulus.toString(2).length, modulusBytes: n.content.length, spki: spki.raw };
  }
  if (alg.oid === OID.ec) {
    const curve = alg.params && alg.params.tag === 0x06 ? CURVES[der.oid(alg.params)] : undefined;
    if (!curve) throw new der.DerError("unsupported elliptic curve");
    return { type: "ec", curve: curve[0], size: curve[1], spki: ecPoint(spki, curve[0], curve[1]) };
  }
  if (alg.oid === OID.ed25519) {
    if (alg.params || spki.key.length !== 32) throw new der.DerError("invalid Ed25519 key");
    return { type: "ed25519", spki: spki.raw };
  }
  throw new der.DerError(`unsupported public key algorithm ${alg.oid}`);
}

/** A GeneralizedTime's content as DER has it (YYYYMMDDHHMMSS[.fff]Z), a real date. */
function generalizedTime(c, what) {
  const text = String.fromCharCode(...c);
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\.\d*[1-9])?Z$/.exec(text);
  const [y, mo, d, h, mi, sec] = (m ?? []).slice(1, 7).map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec);
  if (!m || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) {
    throw new der.DerError(`${what}: invalid GeneralizedTime`);
  }
}

/**
 * RFC 5280 §4.2.1.6 GeneralNames: GeneralName in each of its nine tagged forms;
 * the IA5String ones ASCII, a directoryName a Name, an iPAddress an IPv4 or IPv6 address.
 */
function generalNames(seq, what) {
  const names = der.children(seq.content);
  for (const t of names) {
    const number = t.tag & 0x1f;
    const constructed = [0, 3, 4, 5].includes(number);
    if (number > 8 || (t.tag & 0xc0) !== 0x80 || Boolean(t.tag & 0x20) !== constructed) {
      throw new der.DerError(`${what}: not a GeneralName`);
    }
    if ([1, 2, 6].includes(number) && t.content.some((b) => b > 0x7f)) throw new der.DerError(`${what}: not IA5`);
    if (number === 4) der.name(der.single(t.content, 0x30, "directoryName"), "directoryName");
    if (number === 7 && ![4, 16].includes(t.content.length)) throw new der.DerError(`${what}: iPAddress`);
    if (number === 8) der.oid({ ...t, tag: 0x06 }, "registeredID");
    if (number === 0) {
      const [id, value, ...more] = der.children(t.content);
      der.oid(id, "otherName type-id");
      if (!value || value.tag !== 0xa0 || more.length) throw new der.DerError(`${what}: otherName`);
    }
  }
}

/** Context-specific fields of a SEQUENCE: each of ``tags`` at most once, in that order, no other. */
function optionalFields(parts, tags, what) {
  let next = 0;
  for (const t of parts) {
    const at = tags.indexOf(t.tag, next);
    if (at < 0) throw new der.DerError(`${what}: unexpected field 0x${t.tag.toString(16)}`);
    next = at + 1;
  }
}

/**
 * basicConstraints, keyUsage, extendedKeyUsage, AKI and SKI, parsed strictly as load() does;
 * privateKeyUsagePeriod, policyConstraints and certificatePolicies only checked for the
 * structure cryptography's parser requires of them.
 */
function knownExtensions(list) {
  const out = {};
  for (const e of list) {
    if (e.oid === OID.basicConstraints) {
      const seq = der.single(e.value, 0x30, "basicConstraints");
      const parts = der.children(seq.content);
      let i = 0;
      let ca = false;
      if (parts[i]?.tag === 0x01) {
        ca = der.boolean(parts[i++], "cA");
        if (!ca) throw new der.DerError("basicConstraints: DEFAULT FALSE encoded (not DER)");
      }
      let pathLen = null;
      if (parts[i]?.tag === 0x02) {
        pathLen = der.integer(parts[i++], "pathLenConstraint");
        if (pathLen < 0n) throw new der.DerError("basicConstraints: negative pathLenConstraint");
      }
      if (i !== parts.length) throw new der.DerError("basicConstraints: unexpected fields");
      out.basicConstraints = { ca, pathLen, critical: e.critical };
    } else if (e.oid === OID.keyUsage) {
      const { bytes } = der.bitString(der.single(e.value, 0x03, "keyUsage"), "keyUsage");
      const bit = (n) => Boolean((bytes[n >> 3] ?? 0) & (0x80 >> (n & 7)));
      out.keyUsage = { digitalSignature: bit(0), keyCertSign: bit(5), critical: e.critical };
    } else if (e.oid === OID.extKeyUsage) {
      const seq = der.single(e.value, 0x30, "extendedKeyUsage");
      out.extKeyUsage = der.children(seq.content).map((t) => der.oid(t, "extendedKeyUsage"));
    } else if (e.oid === OID.aki) {
      const seq = der.single(e.value, 0x30, "authorityKeyIdentifier");
      const parts = der.children(seq.content);
      // RFC 5280 §4.2.1.1: [0] keyIdentifier, [1] authorityCertIssuer, [2] serial, each
      // optional, in this order, nothing else (cryptography refuses anything else at load).
      optionalFields(parts, [0x80, 0xa1, 0x82], "authorityKeyIdentifier");
      const serial = parts.find((t) => t.tag === 0x82);
      if (serial) der.integer({ ...serial, tag: 0x02 }, "authorityCertSerialNumber");
      out.aki = {
        keyIdentifier: parts.find((t) => t.tag === 0x80)?.content ?? null,
        issuer: parts.some((t) => t.tag === 0xa1),
        serial: parts.some((t) => t.tag === 0x82),
      };
    } else if (e.oid === OID.ski) {
      out.ski = der.single(e.value, 0x04, "subjectKeyIdentifier").content;
    } else if (e.oid === OID.privateKeyUsagePeriod) {
      // RFC 5280 §4.2.1.4 (deprecated, but cryptography parses it): at least one of two times
      const parts = der.children(der.single(e.value, 0x30, "privateKeyUsagePeriod").content);
      optionalFields(parts, [0x80, 0x81], "privateKeyUsagePeriod");
      for (const t of parts) generalizedTime(t.content, "privateKeyUsagePeriod");
      if (!parts.length) throw new der.DerError("At least one of not_before and not_after must not be None");
    } else if (e.oid === OID.policyConstraints) {
      // RFC 5280 §4.2.1.11: [0] requireExplicitPolicy, [1] inhibitPolicyMapping, each a u64
      const parts = der.children(der.single(e.value, 0x30, "policyConstraints").content);
      optionalFields(parts, [0x80, 0x81], "policyConstraints");
      for (const t of parts) {
        const v = der.integer({ ...t, tag: 0x02 }, "policyConstraints");
        if (v < 0n || v >= 1n << 64n) throw new der.DerError("policyConstraints: integer overflow");
      }
      if (!parts.length) {
        throw new der.DerError("At least one of require_explicit_policy and inhibit_policy_mapping must not be None");
      }
    } else if (e.oid === OID.san || e.oid === OID.ian) {
      generalNames(der.single(e.value, 0x30, "GeneralNames"), e.oid === OID.san ? "subjectAltName" : "issuerAltName");
    } else if (e.oid === OID.certificatePolicies) {
      // RFC 5280 §4.2.1.4: SEQUENCE OF PolicyInformation { policyIdentifier, qualifiers OPTIONAL }
      for (const info of der.children(der.single(e.value, 0x30, "certificatePolicies").content)) {
        if (info.tag !== 0x30) throw new der.DerError("certificatePolicies: expected PolicyInformation");
        const [id, qualifiers, ...more] = der.children(info.content);
        der.oid(id, "policyIdentifier");
        if (more.length || (qualifiers && qualifiers.tag !== 0x30)) throw new der.DerError("PolicyInformation: invalid");
        for (const q of qualifiers ? der.children(qualifiers.content) : []) {
          if (q.tag !== 0x30) throw new der.DerError("PolicyQualifierInfo: invalid");
          const [qid, qualifier, ...rest] = der.children(q.content);
          der.oid(qid, "policyQualifierId");
          if (!qualifier || rest.length) throw new der.DerError("PolicyQualifierInfo: invalid");
        }
      }
    }
  }
  return out;
}

// -- names: cryptography's Name.rfc4514_string() ---------------------------------------------

// cryptography.x509.name._NAMEOID_TO_NAME
const SHORT_NAMES = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "2.5.4.9": "STREET",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};
// cryptography.x509.name._ASN1Type: the value tags a name attribute may have.
const NAME_TAGS = new Set([3, 4, 12, 18, 19, 20, 22, 23, 24, 26, 28, 30]);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A name attribute's value as cryptography decodes it: bytes for a BIT STRING, else text. */
function attributeValue(a) {
  if (!NAME_TAGS.has(a.tag)) throw new der.DerError(`name attribute of ASN.1 tag ${a.tag}`);
  const c = a.content;
  if (a.tag === 3) {
    if (a.oid !== OID.uniqueIdentifier) {
      throw new TypeError("oid must be X500_UNIQUE_IDENTIFIER for BitString type.");
    }
    return c; // the content octets, unused-bits count included, as cryptography keeps them
  }
  if (a.tag === 30 || a.tag === 28) {
    const width = a.tag === 30 ? 2 : 4;
    if (c.length % width) throw new der.DerError("name attribute: truncated BMPString/UniversalString");
    const units = [];
    for (let i = 0; i < c.length; i += width) {
      let u = 0;
      for (let j = 0; j < width; j++) u = u * 256 + c[i + j];
      units.push(u);
    }
    let s = "";
    for (let i = 0; i < units.length; i++) {
      let cp = units[i];
      if (width === 2 && cp >= 0xd800 && cp <= 0xdbff && units[i + 1] >= 0xdc00 && units[i + 1] <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (units[++i] - 0xdc00);
      } else if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        throw new der.DerError("name attribute: invalid BMPString/UniversalString");
      }
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  try {
    return utf8.decode(c);
  } catch {
    throw new der.DerError("Parsing failed");
  }
}

// cryptography.x509.name._escape_dn_value
function escapeValue(val) {
  if (!val.length) return "";
  if (val instanceof Uint8Array) return "#" + toHex(val);
  let v = val
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("+", "\\+")
    .replaceAll(",", "\\,")
    .replaceAll(";", "\\;")
    .replaceAll("<", "\\<")
    .replaceAll(">", "\\>")
    .replaceAll("\0", "\\00");
  if (v[0] === "#" || (v[0] === " " && [...v].length > 1)) v = "\\" + v;
  if (v.endsWith(" ")) v = v.slice(0, -1) + "\\ ";
  return v;
}

function rfc4514(n) {
  n.keys = [];
  const rdns = n.rdns.map((rdn) => {
    if (!rdn.length) throw new der.DerError("a relative distinguished name cannot be empty");
    const values = rdn.map((a) => ({ oid: a.oid, value: attributeValue(a) }));
    const keys = values.map(attributeKey);
    if (new Set(keys).size !== keys.length) throw new der.DerError("duplicate attributes are not allowed");
    n.keys.push(keys.sort().join("\n"));
    return values.map((a) => `${SHORT_NAMES[a.oid] ?? a.oid}=${escapeValue(a.value)}`).join("+");
  });
  return rdns.reverse().join(",");
}

// NameAttribute equality: (oid, value), the ASN.1 string type aside.
function attributeKey(a) {
  return `${a.oid}=${a.value instanceof Uint8Array ? "#" + toHex(a.value) : "'" + a.value}`;
}

/** x509.Name equality as cryptography's Python objects define it (used for CRL issuers). */
function sameName(a, b) {
  const ka = a.keys ?? [];
  const kb = b.keys ?? [];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** EXACTLY ``Name.rfc4514_string()`` of the certificate's subject. */
export function subjectOf(bytes) {
  return load(bytes).subjectText;
}

function who(cert) {
  return cert.subjectText || "(empty subject)";
}

// -- PEM ---------------------------------------------------------------------------------------

function pemBlocks(text, labels) {
  const out = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (const m of text.matchAll(re)) {
    if (!labels.includes(m[1])) continue;
    const b64 = m[2].replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4) throw new der.DerError("invalid base64 in PEM");
    const bin = atob(b64);
    out.push(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
  return out;
}

const asText = (data) => (typeof data === "string" ? data : new TextDecoder("latin1").decode(data));

/** Every certificate of a PEM file, as DER. */
export function loadPem(data, name) {
  let blocks;
  try {
    blocks = pemBlocks(asText(data), ["CERTIFICATE", "X509 CERTIFICATE"]);
    if (!blocks.length) throw new der.DerError("Unable to load PEM file. No certificates found.");
    for (const b of blocks) der.certificate(b);
  } catch (e) {
    if (e instanceof der.DerError) throw new ParseError(name, `no PEM certificate: ${e.message}`);
    throw e;
  }
  return blocks;
}

/** A CRL file, DER or PEM, as DER. */
export function loadCrl(data, name) {
  const bytes = typeof data === "string" ? utf8Bytes(data) : data;
  try {
    const text = asText(bytes);
    let out = bytes;
    if (text.trimStart().startsWith("-----BEGIN")) {
      const blocks = pemBlocks(text, ["X509 CRL"]);
      if (!blocks.length) throw new der.DerError("Unable to load PEM file. No X509 CRL found.");
      out = blocks[0];
    }
    const parsed = der.crl(out);
    rfc4514(parsed.issuer);
    return out;
  } catch (e) {
    if (e instanceof der.DerError || e instanceof TypeError) {
      throw new ParseError(name, `not a DER or PEM X.509 CRL: ${e.message}`);
    }
    throw e;
  }
}

// -- signatures (WebCrypto) --------------------------------------------------------------------

const PSS = (h, salt) =>
  `304106092a864886f70d01010a3034a00f300d0609608648016503040${h}0500a11c301a06092a864886f70d010108300d0609608648016503040${h}0500a2030201${salt}`;
// The Web PKI signature algorithms (CA/B BR 7.1.3.2), by the DER of their AlgorithmIdentifier.
const WEBPKI_SIGNATURES = {
  "300d06092a864886f70d01010b0500": { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  "300d06092a864886f70d01010c0500": { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  "300d06092a864886f70d01010d0500": { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  [PSS(1, 20)]: { family: "rsa", name: "RSA-PSS", hash: "SHA-256", saltLength: 32 },
  [PSS(2, 30)]: { family: "rsa", name: "RSA-PSS", hash: "SHA-384", saltLength: 48 },
  [PSS(3, 40)]: { family: "rsa", name: "RSA-PSS", hash: "SHA-512", saltLength: 64 },
  "300a06082a8648ce3d040302": { family: "ec", name: "ECDSA", hash: "SHA-256" },
  "300a06082a8648ce3d040303": { family: "ec", name: "ECDSA", hash: "SHA-384" },
  "300a06082a8648ce3d040304": { family: "ec", name: "ECDSA", hash: "SHA-512" },
};
// What else cryptography verifies outside path validation (an anchor's self-signature, a CRL).
const OTHER_SIGNATURES = {
  "300d06092a864886f70d0101050500": { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" },
  "300906072a8648ce3d0401": { family: "ec", name: "ECDSA", hash: "SHA-1" },
  "300506032b6570": { family: "ed25519", name: "Ed25519" },
};
const WEBPKI_SPKI = new Set([
  "300d06092a864886f70d0101010500",
  "301306072a8648ce3d020106082a8648ce3d030107",
  "301006072a8648ce3d020106052b81040022",
  "301006072a8648ce3d020106052b81040023",
]);

/** A DER ECDSA-Sig-Value as WebCrypto's r ‖ s, or null unless it is strict DER that fits. */
export function ecdsaRaw(signature, size) {
  try {
    const seq = der.single(signature, 0x30, "ECDSA signature");
    const parts = der.children(seq.content);
    if (parts.length !== 2) return null;
    const out = new Uint8Array(2 * size);
    for (const [k, t] of parts.entries()) {
      const v = der.integer(t);
      if (v <= 0n) return null;
      const hex = v.toString(16);
      if (hex.length > 2 * size) return null;
      out.set(Uint8Array.from(hex.padStart(2 * size, "0").match(/../g), (h) => parseInt(h, 16)), k * size);
    }
    return out;
  } catch {
    return null;
  }
}

/** Whether ``signature`` over ``data`` verifies under the SPKI with the given algorithm. */
async function verifyWith(spkiDer, key, alg, signature, data) {
  if (!alg || alg.family !== key.type) return false;
  try {
    if (key.type === "ed25519") {
      const k = await subtle().importKey("spki", spkiDer, { name: "Ed25519" }, false, ["verify"]);
      return await subtle().verify({ name: "Ed25519" }, k, signature, data);
    }
    if (key.type === "ec") {
      const raw = ecdsaRaw(signature, key.size);
      if (!raw) return false;
      const k = await subtle().importKey("spki", spkiDer, { name: "ECDSA", namedCurve: key.curve }, false, ["verify"]);
      return await subtle().verify({ name: "ECDSA", hash: alg.hash }, k, raw, data);
    }
    const k = await subtle().importKey("spki", spkiDer, { name: alg.name, hash: alg.hash }, false, ["verify"]);
    return await subtle().verify({ name: alg.name, saltLength: alg.saltLength }, k, signature, data);
  } catch {
    return false;
  }
}

function signatureAlgorithm(algId, table = { ...WEBPKI_SIGNATURES, ...OTHER_SIGNATURES }) {
  return table[toHex(algId.raw)];
}

/** An anchor is a self-signed root whose signature verifies, so an altered anchor fails closed. */
export async function checkAnchor(bytes) {
  const cert = load(bytes);
  const ok =
    toHex(cert.issuer.raw) === toHex(cert.subject.raw) &&
    (await verifyWith(cert.key.spki, cert.key, signatureAlgorithm(cert.signatureAlgorithm), cert.signature, cert.tbs));
  if (!ok) {
    throw new CheckFailed(`trust anchor ${cert.subjectText} is not a self-signed certificate that verifies`);
  }
}

// -- profile (§3.1–§3.2) -----------------------------------------------------------------------

// PROTOCOL.md §3.1: the ExtendedKeyUsage of the beacon signer's certificate profile.
export const BEACON_SIGNER_EKU = "2.25.69300442572423649160567867449861042957";

/** §3.2: a signing certificate allows digitalSignature if it has a keyUsage at all;
 * the beacon signer EKU is on every beacon certificate and on no party's (§3.1). */
export function checkProfile(bytes, profile) {
  const cert = load(bytes);
  const usage = cert.ext.keyUsage;
  if (usage && !usage.digitalSignature) {
    throw new CheckFailed(`certificate ${who(cert)} has a keyUsage without digitalSignature: it may not sign`);
  }
  const beacon = (cert.ext.extKeyUsage ?? []).includes(BEACON_SIGNER_EKU);
  if (profile === "beacon" && !beacon) {
    throw new CheckFailed(
      `certificate ${who(cert)} lacks the beacon signer EKU ${BEACON_SIGNER_EKU}: it is not the beacon's (§3.1)`,
    );
  }
  if (profile === "party" && beacon) {
    throw new CheckFailed(
      `certificate ${who(cert)} carries the beacon signer EKU ${BEACON_SIGNER_EKU}: it cannot act as a party (§3.1)`,
    );
  }
}

// -- revocation (§3.2) -------------------------------------------------------------------------

/** datetime.isoformat() of an aware UTC datetime with whole seconds. */
function isoformat(ms) {
  return new Date(ms).toISOString().slice(0, 19) + "+00:00";
}

/** §3.2: a CRL given for an issuer of the path must verify and be current at ``atMs``,
 * and must not list the certificate as revoked at or before that time (fail closed). */
export async function checkRevocation(path, crls, atMs) {
  for (let i = 0; i + 1 < path.length; i++) {
    const [cert, issuer] = [path[i], path[i + 1]];
    for (const bytes of crls) {
      const crl = der.crl(bytes);
      rfc4514(crl.issuer);
      if (!sameName(crl.issuer, issuer.subject)) continue;
      const valid = await verifyWith(issuer.key.spki, issuer.key, signatureAlgorithm(crl.signatureAlgorithm), crl.signature, crl.tbs);
      if (!valid) throw new CheckFailed(`the CRL given for ${who(issuer)} has an invalid signature`);
      if (crl.nextUpdate !== null && crl.nextUpdate.ms < atMs) {
        throw new CheckFailed(
          `the CRL given for ${who(issuer)} expired at ${isoformat(crl.nextUpdate.ms)}, ` +
            `before ${formatTime(atMs)}: no current revocation data`,
        );
      }
      const entry = crl.revoked.find((r) => r.serial === cert.serial);
      if (entry !== undefined && entry.date.ms <= atMs) {
        throw new CheckFailed(
          `certificate ${who(cert)} was revoked on ${isoformat(entry.date.ms)}, at or before ${formatTime(atMs)}`,
        );
      }
    }
  }
}

// -- path validation: cryptography's Web PKI client verifier ----------------------------------

class PathError extends Error {
  constructor(message, { exhausted = false } = {}) {
    super(message);
    this.exhausted = exhausted;
  }
}

const KNOWN_EXTENSIONS = new Set([
  OID.aia, OID.aki, OID.ski, OID.keyUsage, OID.san, OID.basicConstraints, OID.nameConstraints, OID.extKeyUsage,
]);

/** Policy::permits_basic: the rules for every certificate of the path. */
function permitsBasic(cert, atSec) {
  if (cert.version !== 2) throw new PathError("certificate must be an X509v3 certificate");
  if (toHex(cert.signatureAlgorithm.raw) !== toHex(cert.tbsSignature.raw)) {
    throw new PathError("mismatch between signatureAlgorithm and SPKI algorithm");
  }
  if (cert.serialBytes.length < 1 || cert.serialBytes.length > 21) {
    throw new PathError("certificate must have a serial between 1 and 20 octets");
  }
  if (cert.serial < 0n) throw new PathError("certificate serial number cannot be negative");
  if (!cert.issuer.rdns.length) throw new PathError("certificate must have a non-empty Issuer");
  for (const t of [cert.notBefore, cert.notAfter]) {
    if (t.generalized && t.year >= 1950 && t.year < 2050) {
      throw new PathError("validity dates between 1950 and 2049 must be UtcTime");
    }
  }
  if (atSec < cert.notBefore.ms || atSec > cert.notAfter.ms) {
    throw new PathError("cert is not valid at validation time");
  }
}

function unaccountedCritical(cert) {
  const e = cert.extensions.find((x) => x.critical && !KNOWN_EXTENSIONS.has(x.oid));
  if (e) throw new PathError(`invalid extension: ${e.oid}: certificate contains unaccounted-for critical extensions`);
}

/** Policy::permits_ca with ExtensionPolicy.webpki_defaults_ca(). */
function permitsCa(cert, depth, atSec) {
  permitsBasic(cert, atSec);
  const bc = cert.ext.basicConstraints;
  if (!bc) {
    throw new PathError(
      `invalid extension: ${OID.basicConstraints}: missing required extension: CA certificate has no basicConstraints`,
    );
  }
  if (bc.pathLen !== null && BigInt(depth) > bc.pathLen) throw new PathError("path length constraint violated");
  const criticality = (oid, want) => {
    const e = cert.extensions.find((x) => x.oid === oid);
    if (e && want !== undefined && e.critical !== want) {
      throw new PathError(`invalid extension: ${oid}: Certificate extension has incorrect criticality`);
    }
  };
  for (const e of cert.extensions) {
    if (e.oid === OID.aia || e.oid === OID.aki || e.oid === OID.ski || e.oid === OID.extKeyUsage) {
      criticality(e.oid, false);
    }
    if (e.oid === OID.aki) {
      const aki = cert.ext.aki;
      if (!aki.keyIdentifier) throw new PathError("authorityKeyIdentifier must contain keyIdentifier");
      if (aki.issuer) throw new PathError("authorityKeyIdentifier must not contain authorityCertIssuer");
      if (aki.serial) throw new PathError("authorityKeyIdentifier must not contain authorityCertSerialNumber");
    } else if (e.oid === OID.keyUsage) {
      if (!cert.ext.keyUsage.keyCertSign) throw new PathError("keyUsage.keyCertSign must be asserted in a CA certificate");
    } else if (e.oid === OID.basicConstraints) {
      criticality(e.oid, true);
      if (!bc.ca) throw new PathError("basicConstraints.cA must be asserted in a CA certificate");
    } else if (e.oid === OID.nameConstraints) {
      nameConstraintsBelow(e);
    } else if (e.oid === OID.extKeyUsage) {
      const ekus = cert.ext.extKeyUsage;
      if (!ekus.includes(OID.clientAuth) && !ekus.includes(OID.anyEku)) {
        throw new PathError("Neither EKU nor anyEKU could be found");
      }
    } else if (e.critical && !KNOWN_EXTENSIONS.has(e.oid)) {
      throw new PathError(`invalid extension: ${e.oid}: certificate contains unaccounted-for critical extensions`);
    }
  }
  if (!cert.ext.keyUsage) {
    throw new PathError(`invalid extension: ${OID.keyUsage}: Certificate is missing required extension`);
  }
}

// A CA with nameConstraints restricts the subjectAltNames of the certificates below it.
// cryptography evaluates DNS, IP and e-mail constraints; the browser verifier does not
// implement that matching, so it refuses such a CA rather than accept what Python might
// reject (fail closed). Our platform CA (`beacon ca init`) issues none.
function nameConstraintsBelow() {
  throw new PathError(
    "nameConstraints are not supported by the browser verifier: use beacon-verify for this chain",
  );
}

/** Policy::valid_issuer: ``issuer`` may issue ``child`` at ``depth``, and signed it. */
async function validIssuer(issuer, child, depth, atSec) {
  permitsCa(issuer, depth, atSec);
  if (!WEBPKI_SPKI.has(toHex(issuer.publicKey.algorithm.raw))) {
    // cryptography prints its Rust Debug form; for Ed25519 (the §3.2 case) we match it.
    const params = { [OID.ed25519]: "Ed25519", "1.3.101.113": "Ed448" }[issuer.publicKey.algorithm.oid];
    throw new PathError(
      "Forbidden public key algorithm: " +
        (params
          ? `AlgorithmIdentifier { oid: DefinedByMarker(PhantomData<asn1::object_identifier::ObjectIdentifier>), params: ${params} }`
          : issuer.publicKey.algorithm.oid),
    );
  }
  const alg = WEBPKI_SIGNATURES[toHex(child.signatureAlgorithm.raw)];
  if (!alg) throw new PathError(`Forbidden signature algorithm: ${child.signatureAlgorithm.oid}`);
  if (issuer.key.type === "rsa" && issuer.key.modulusBytes * 8 < 2048) throw new PathError("RSA key is too weak");
  if (!(await verifyWith(issuer.key.spki, issuer.key, alg, child.signature, child.tbs))) {
    throw new PathError("signature does not match");
  }
}

const MAX_CHAIN_DEPTH = 8;

function candidates(cert, anchors, intermediates) {
  const issuer = toHex(cert.issuer.raw);
  const all = [...anchors, ...intermediates].filter((c) => toHex(c.subject.raw) === issuer);
  const want = cert.ext.aki?.keyIdentifier ?? null;
  const rank = (c) => {
    const have = c.ext.ski ?? null;
    if (want && have) return toHex(want) === toHex(have) ? 0 : 2;
    return 1;
  };
  return all.map((c, i) => [rank(c), i, c]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

async function buildChain(working, depth, anchors, intermediates, atSec) {
  if (anchors.some((a) => a.der.length === working.der.length && toHex(a.der) === toHex(working.der))) {
    return [working];
  }
  if (depth > MAX_CHAIN_DEPTH) throw new PathError("chain construction exceeds max depth");
  let last = null;
  for (const candidate of candidates(working, anchors, intermediates)) {
    try {
      await validIssuer(candidate, working, depth, atSec);
      const chain = await buildChain(candidate, depth + 1, anchors, intermediates, atSec);
      return [working, ...chain];
    } catch (e) {
      if (!(e instanceof PathError)) throw e;
      last = e;
    }
  }
  const inner = last ? last.message.replace(/^candidates exhausted: /, "") : "all candidates exhausted with no interior errors";
  throw new PathError(`candidates exhausted: ${inner}`, { exhausted: true });
}

const chains = new Map();

/** RFC 5280 path validation at ``atMs`` with Web PKI CA rules and no end-entity rules,
 * the CRLs given, and the certificate profile (§3.1–§3.2). */
export function validateChain(leaf, intermediates, anchors, atMs, { profile = "party", crls = [] } = {}) {
  const key = [leaf, ...intermediates, "|", ...anchors, "|", ...crls].map((b) => (typeof b === "string" ? b : toHex(b))).join(",");
  const cacheKey = `${key}|${atMs}|${profile}`;
  if (!chains.has(cacheKey)) {
    if (chains.size >= 256) chains.delete(chains.keys().next().value);
    chains.set(cacheKey, validate(leaf, intermediates, anchors, atMs, profile, crls));
  }
  return chains.get(cacheKey);
}

async function validate(leaf, intermediates, anchors, atMs, profile, crls) {
  if (!anchors.length) throw new CheckFailed("no trust anchors");
  checkProfile(leaf, profile);
  const cert = load(leaf);
  const atSec = atMs - (((atMs % 1000) + 1000) % 1000); // cryptography drops the milliseconds
  const store = anchors.map(load);
  const given = intermediates.map(load);
  let path;
  try {
    try {
      permitsBasic(cert, atSec);
      unaccountedCritical(cert);
    } catch (e) {
      if (e instanceof PathError) {
        e.message = `${e.message} (encountered processing <Certificate(subject=<Name(${cert.subjectText})>, ...)>)`;
      }
      throw e;
    }
    path = await buildChain(cert, 0, store, given, atSec);
  } catch (e) {
    if (!(e instanceof PathError)) throw e;
    throw new CheckFailed(
      `certificate ${cert.subjectText} does not chain to the anchors at ${formatTime(atMs)}: ` +
        `validation failed: ${e.message}`,
    );
  }
  await checkRevocation(path, crls, atMs);
}

// -- statements (§6.2) and pulses (§8.6) -------------------------------------------------------

/** The actor is the certificate and the signature verifies (§6.2); ``code`` names the failure. */
export async function verifyStatement(s) {
  if (!constantTimeEqual(s.actor, await fingerprint(s.certificate))) {
    throw new CheckFailed(`actor ${toHex(s.actor).slice(0, 16)}… is not the certificate's fingerprint`, {
      code: "actor-mismatch",
    });
  }
  const cert = load(s.certificate);
  const key = cert.key;
  const message = concat(field(utf8Bytes(STATEMENT_SIGNATURE)), s.statement);
  const alg = s.algorithm;
  let spec = null;
  if (alg === "ed25519" && key.type === "ed25519") {
    spec = OTHER_SIGNATURES["300506032b6570"];
  } else if (alg.startsWith("ecdsa-") && key.type === "ec" && key.curve === (alg === "ecdsa-p256-sha256" ? "P-256" : "P-384")) {
    spec = { family: "ec", name: "ECDSA", hash: alg.includes("p256") ? "SHA-256" : "SHA-384" };
  } else if (alg.startsWith("rsa-") && key.type === "rsa" && key.bits >= 2048) {
    spec =
      alg === "rsa-pkcs1v15-sha256"
        ? { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }
        : { family: "rsa", name: "RSA-PSS", hash: "SHA-256", saltLength: 32 };
  } else {
    throw new CheckFailed(`algorithm ${alg} does not fit the certificate's key`, { code: "wrong-algorithm" });
  }
  if (!(await verifyWith(key.spki, key, spec, s.signature, message))) {
    throw new CheckFailed(`the ${alg} signature does not verify`, { code: "bad-signature" });
  }
}

/** What pulse.verify does with the certificate's key (§8.6 step 3): RSA PKCS#1 v1.5 with
 * SHA-512. ``what``, if given, is the pulse's name(), which pulse.py's messages start with. */
export async function verifyPulseSignature(certDer, message, signature, what = null) {
  const prefix = what === null ? "" : `${what}: `;
  const cert = load(certDer);
  if (cert.key.type !== "rsa") {
    throw new CheckFailed(`${prefix}the certificate's key is not RSA`, { code: "certificate-invalid" });
  }
  const spec = { family: "rsa", name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" };
  if (!(await verifyWith(cert.key.spki, cert.key, spec, signature, message))) {
    throw new CheckFailed(`${prefix}the signature does not verify`, { code: "signature-invalid" });
  }
}
