// Mirrors verifier/merkle.py: the transparency log's proofs (PROTOCOL.md §7, RFC 9162 §2.1)
// and tree heads (§7.2, §8.4).

import * as enc from "./encoding.js";
import { CheckFailed, ParseError } from "./errors.js";

export function leafHash(entry) {
  return enc.sha256(enc.concat(Uint8Array.of(0), entry));
}

export function nodeHash(left, right) {
  return enc.sha256(enc.concat(Uint8Array.of(1), left, right));
}

/** ``MTH(D[n])`` of §7.1, by the recursive definition. */
export async function root(entries) {
  if (!entries.length) return enc.sha256(new Uint8Array(0));
  if (entries.length === 1) return leafHash(entries[0]);
  let k = 1;
  while (k * 2 < entries.length) k *= 2;
  return nodeHash(await root(entries.slice(0, k)), await root(entries.slice(k)));
}

/** A tree head (§7.2). */
export class TreeHead {
  constructor(treeSize, rootHash) {
    this.treeSize = treeSize;
    this.rootHash = rootHash;
  }

  static fromJson(doc, name) {
    doc = enc.members(doc, name, ["suite", "tree_size", "root_hash"]);
    if (enc.integer(doc.suite, `${name}.suite`, 16) !== 1) {
      throw new ParseError(`${name}.suite`, `unknown suite ${enc.pyRepr(doc.suite)} (§2.5: only 1)`);
    }
    return new TreeHead(
      enc.integer(doc.tree_size, `${name}.tree_size`),
      enc.hexbytes(doc.root_hash, `${name}.root_hash`, 32),
    );
  }

  encode() {
    return enc.fields(enc.utf8Bytes(enc.TREE_HEAD), enc.uint(1, 16), enc.uint(this.treeSize, 64), this.rootHash);
  }

  /** The pulse's ``external.value`` for this head (§8.4). */
  commitment() {
    return enc.labelled("sha512", enc.TREE_HEAD, enc.uint(this.treeSize, 64), this.rootHash);
  }
}

// §8.4: what external.value commits to.
export const SOURCE_ID = enc.labelled("sha512", enc.EXTERNAL_SOURCE, enc.utf8Bytes("rfc9162-tree-head"));

export function proof(doc, name) {
  if (!Array.isArray(doc)) throw new ParseError(name, "expected a list of hashes");
  return doc.map((h, i) => enc.hexbytes(h, `${name}[${i}]`, 32));
}

function sizes(...hashes) {
  if (hashes.some((h) => h.length !== 32)) {
    throw new CheckFailed("a leaf hash or proof element is not 32 bytes (§7.3, §7.4)");
  }
}

// Tree sizes and indexes are below 2^64: BigInt arithmetic, so that shifts stay exact.

/** RFC 9162 §2.1.3.2, step by step (§7.3). */
export async function verifyInclusion(index, entryHash, path, head) {
  sizes(entryHash, ...path);
  if (BigInt(index) >= BigInt(head.treeSize)) {
    throw new CheckFailed(`leaf ${index} is not below tree size ${head.treeSize}`);
  }
  let fn = BigInt(index);
  let sn = BigInt(head.treeSize) - 1n;
  let r = entryHash;
  for (const p of path) {
    if (sn === 0n) throw new CheckFailed(`the inclusion proof of leaf ${index} is too long`);
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1n) && fn) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new CheckFailed(`the inclusion proof of leaf ${index} is too short`);
  if (!enc.constantTimeEqual(r, head.rootHash)) {
    throw new CheckFailed(`leaf ${index} is not in the tree of size ${head.treeSize}: the root differs`);
  }
}

/** RFC 9162 §2.1.4.2 with §7.4's edge cases (m > n, m = 0, m = n). */
export async function verifyConsistency(old, neu, path) {
  sizes(...path);
  const m = BigInt(old.treeSize);
  const n = BigInt(neu.treeSize);
  const what = `tree size ${m} → ${n}`;
  if (m > n || m === 0n) throw new CheckFailed(`no consistency proof exists for ${what}`);
  if (m === n) {
    if (path.length || !enc.bytesEqual(old.rootHash, neu.rootHash)) {
      throw new CheckFailed(`${what}: equal sizes need an empty proof and equal roots`);
    }
    return;
  }
  if (!path.length) throw new CheckFailed(`${what}: the consistency proof is empty`);
  if ((m & (m - 1n)) === 0n) path = [old.rootHash, ...path];
  let fn = m - 1n;
  let sn = n - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new CheckFailed(`${what}: the consistency proof is too long`);
    if (fn & 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (!(fn & 1n) && fn) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !enc.constantTimeEqual(fr, old.rootHash) || !enc.constantTimeEqual(sr, neu.rootHash)) {
    throw new CheckFailed(`${what}: the consistency proof does not verify`);
  }
}
