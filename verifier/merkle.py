"""The transparency log's proofs (PROTOCOL.md §7, RFC 9162 §2.1) and tree heads (§7.2, §8.4)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from verifier import encoding as enc
from verifier.errors import CheckFailed, ParseError


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(entries: list[bytes]) -> bytes:
    """``MTH(D[n])`` of §7.1, by the recursive definition."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return leaf_hash(entries[0])
    k = 1 << ((len(entries) - 1).bit_length() - 1)
    return node_hash(root(entries[:k]), root(entries[k:]))


@dataclass(frozen=True)
class TreeHead:
    """A tree head (§7.2)."""

    tree_size: int
    root_hash: bytes

    @classmethod
    def from_json(cls, doc: Any, name: str) -> TreeHead:
        doc = enc.members(doc, name, ("suite", "tree_size", "root_hash"))
        if enc.integer(doc["suite"], f"{name}.suite", 16) != 1:
            raise ParseError(f"{name}.suite", f"unknown suite {doc['suite']!r} (§2.5: only 1)")
        return cls(
            enc.integer(doc["tree_size"], f"{name}.tree_size"),
            enc.hexbytes(doc["root_hash"], f"{name}.root_hash", 32),
        )

    def encode(self) -> bytes:
        return enc.fields(
            enc.TREE_HEAD.encode(), enc.uint(1, 16), enc.uint(self.tree_size, 64), self.root_hash
        )

    def commitment(self) -> bytes:
        """The pulse's ``external.value`` for this head (§8.4)."""
        return enc.labelled("sha512", enc.TREE_HEAD, enc.uint(self.tree_size, 64), self.root_hash)


# §8.4: what external.value commits to.
SOURCE_ID = enc.labelled("sha512", enc.EXTERNAL_SOURCE, b"rfc9162-tree-head")


def proof(doc: Any, name: str) -> list[bytes]:
    if not isinstance(doc, list):
        raise ParseError(name, "expected a list of hashes")
    return [enc.hexbytes(h, f"{name}[{i}]", 32) for i, h in enumerate(doc)]


def _sizes(*hashes: bytes) -> None:
    if any(len(h) != 32 for h in hashes):
        raise CheckFailed("a leaf hash or proof element is not 32 bytes (§7.3, §7.4)")


def verify_inclusion(index: int, entry_hash: bytes, path: list[bytes], head: TreeHead) -> None:
    """RFC 9162 §2.1.3.2, step by step (§7.3)."""
    _sizes(entry_hash, *path)
    if index >= head.tree_size:
        raise CheckFailed(f"leaf {index} is not below tree size {head.tree_size}")
    fn, sn, r = index, head.tree_size - 1, entry_hash
    for p in path:
        if sn == 0:
            raise CheckFailed(f"the inclusion proof of leaf {index} is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise CheckFailed(f"the inclusion proof of leaf {index} is too short")
    if not hmac.compare_digest(r, head.root_hash):
        raise CheckFailed(
            f"leaf {index} is not in the tree of size {head.tree_size}: the root differs"
        )


def verify_consistency(old: TreeHead, new: TreeHead, path: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2 with §7.4's edge cases (m > n, m = 0, m = n)."""
    _sizes(*path)
    m, n = old.tree_size, new.tree_size
    what = f"tree size {m} → {n}"
    if m > n or m == 0:
        raise CheckFailed(f"no consistency proof exists for {what}")
    if m == n:
        if path or old.root_hash != new.root_hash:
            raise CheckFailed(f"{what}: equal sizes need an empty proof and equal roots")
        return
    if not path:
        raise CheckFailed(f"{what}: the consistency proof is empty")
    if m & (m - 1) == 0:
        path = [old.root_hash, *path]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise CheckFailed(f"{what}: the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if (
        sn != 0
        or not hmac.compare_digest(fr, old.root_hash)
        or not hmac.compare_digest(sr, new.root_hash)
    ):
        raise CheckFailed(f"{what}: the consistency proof does not verify")
