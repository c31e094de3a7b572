"""The transparency log's Merkle tree (PROTOCOL.md §7, RFC 9162 §2.1).

Hashing is RFC 9162's: a leaf is ``SHA-256(0x00 ‖ entry)`` and an interior node
``SHA-256(0x01 ‖ left ‖ right)``, so the log's proofs can be checked with any
Certificate Transparency tooling.

Proofs are *generated* from a :data:`SubtreeHash` function that returns the hash of
one complete subtree (``2^level`` leaves starting at ``index · 2^level``). A store
keeps exactly those hashes as leaves are appended (:func:`completed_subtrees`), so
a proof costs O(log n) lookups and never a scan of the leaves. Proofs are
*verified* exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 prescribe.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from beacon.core import labels, presentation
from beacon.core.encoding import Reader, Writer, sha512_fields, uint
from beacon.errors import EncodingError, VerificationError

HASH_SIZE = 32
SUITE = 1
MAX_TREE_SIZE = 2**64 - 1

SubtreeHash = Callable[[int, int], bytes]
"""``subtree(level, index)``: hash of leaves ``[index·2^level, (index+1)·2^level)``."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 9162 §2.1.1: the hash of an empty list is the hash of an empty string."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x00 ‖ entry)``."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 ‖ left ‖ right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True)
class TreeHead:
    """The state of the log at one size: ``tree_size`` leaves with root ``root_hash``."""

    tree_size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        uint(self.tree_size, 64)
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != HASH_SIZE:
            raise EncodingError(
                f"tree head root_hash must be {HASH_SIZE} bytes, got {len(self.root_hash)}",
                field="root_hash",
            )

    def encode(self) -> bytes:
        """PROTOCOL.md §7.2: tag, suite u16, tree_size u64, root_hash (32 bytes)."""
        return (
            Writer()
            .str(labels.TAG_TREE_HEAD)
            .u16(SUITE)
            .u64(self.tree_size)
            .bytes(self.root_hash)
            .finish()
        )

    @classmethod
    def decode(cls, data: bytes) -> TreeHead:
        """Strict inverse of :meth:`encode` (PROTOCOL.md §2.2)."""
        r = Reader(data, what="tree_head")
        r.tag(labels.TAG_TREE_HEAD)
        suite = r.u16("suite")
        if suite != SUITE:
            raise EncodingError(f"tree_head.suite: expected {SUITE}, got {suite}", field="suite")
        size = r.u64("tree_size")
        root = r.bytes("root_hash", size=HASH_SIZE)
        r.done()
        return cls(size, root)

    def commitment(self) -> bytes:
        """PROTOCOL.md §8.4: the pulse's ``external.value`` for this tree head.

        ``SHA-512(field(label) ‖ field(u64(tree_size)) ‖ field(root_hash))``.
        """
        return sha512_fields(labels.TREE_HEAD_COMMITMENT, uint(self.tree_size, 64), self.root_hash)

    def to_dict(self) -> dict[str, Any]:
        return {"suite": SUITE, "tree_size": self.tree_size, "root_hash": self.root_hash.hex()}

    @classmethod
    def from_dict(cls, value: Any) -> TreeHead:
        obj: Mapping[str, Any] = presentation.as_object(value, "tree_head")
        presentation.check_members(obj, "tree_head", required={"suite", "tree_size", "root_hash"})
        suite = presentation.integer(obj, "suite", "tree_head", bits=16)
        if suite != SUITE:
            raise EncodingError(
                f"tree_head.suite: expected {SUITE}, got {suite}", field="tree_head.suite"
            )
        return cls(
            presentation.integer(obj, "tree_size", "tree_head", bits=64),
            presentation.hex_member(obj, "root_hash", "tree_head", size=HASH_SIZE),
        )


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves (RFC 9162 §2.1.1), in O(n) time and O(log n) memory."""
    if not leaf_hashes:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (level, hash) of the complete subtrees so far
    for h in leaf_hashes:
        level, node = 0, h
        while stack and stack[-1][0] == level:
            node = node_hash(stack.pop()[1], node)
            level += 1
        stack.append((level, node))
    node = stack.pop()[1]
    while stack:
        node = node_hash(stack.pop()[1], node)
    return node


def completed_subtrees(
    index: int, leaf: bytes, subtree: SubtreeHash
) -> list[tuple[int, int, bytes]]:
    """The complete subtrees that appending leaf ``index`` finishes, as (level, index, hash).

    The first is the leaf itself; each further one joins a finished left sibling,
    read through ``subtree``, with the node just made. A store saves all of them.
    """
    out = [(0, index, leaf)]
    level, position, node = 0, index, leaf
    while position & 1:
        node = node_hash(subtree(level, position - 1), node)
        level, position = level + 1, position >> 1
        out.append((level, position, node))
    return out


def range_hash(start: int, end: int, subtree: SubtreeHash) -> bytes:
    """MTH of the leaves ``[start, end)`` when that range is a node of the tree.

    RFC 9162 §2.1.1 splits at the largest power of two below the size, so every
    node is a run of complete subtrees of decreasing size, hashed right to left.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    parts: list[bytes] = []
    position = start
    while position < end:
        level = (end - position).bit_length() - 1
        while position % (1 << level):
            level -= 1
        parts.append(subtree(level, position >> level))
        position += 1 << level
    node = parts.pop()
    while parts:
        node = node_hash(parts.pop(), node)
    return node


def tree_root(size: int, subtree: SubtreeHash) -> bytes:
    """MTH of the first ``size`` leaves from complete-subtree hashes (≤ log n lookups)."""
    return EMPTY_ROOT if size == 0 else range_hash(0, size, subtree)


def _split(n: int) -> int:
    """RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(index: int, size: int, subtree: SubtreeHash) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not below tree size {size}")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(range_hash(start + k, start + n, subtree))
            n = k
        else:
            path.append(range_hash(start, start + k, subtree))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(size1: int, size2: int, subtree: SubtreeHash) -> list[bytes]:
    """PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1, for 0 < size1 <= size2."""
    if not 0 < size1 <= size2:
        raise ValueError(f"consistency proof needs 0 < size1 <= size2, got {size1} and {size2}")
    proof: list[bytes] = []
    start, n, m, whole = 0, size2, size1, True
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(range_hash(start + k, start + n, subtree))
            n = k
        else:
            proof.append(range_hash(start, start + k, subtree))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(range_hash(start, start + n, subtree))
    proof.reverse()
    return proof


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise VerificationError(
                f"{what}[{i}] is {len(h)} bytes, expected {HASH_SIZE}", field=f"{what}[{i}]"
            )


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root_hash``.

    RFC 9162 §2.1.3.2 step by step; raises :class:`VerificationError` on failure.
    """
    if not 0 <= index < size:
        raise VerificationError(
            f"leaf index {index} is not below tree size {size}", field="leaf_index"
        )
    if len(leaf) != HASH_SIZE:
        raise VerificationError(
            f"leaf hash is {len(leaf)} bytes, expected {HASH_SIZE}", field="leaf_hash"
        )
    _check_hashes(proof, "inclusion_path")
    fn, sn, r = index, size - 1, leaf  # steps 2 and 3
    for p in proof:  # step 4
        if sn == 0:
            raise VerificationError(
                f"inclusion proof too long for leaf {index} of tree size {size}"
            )
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # step 5
        raise VerificationError(f"inclusion proof too short for leaf {index} of tree size {size}")
    if not hmac.compare_digest(r, root_hash):
        raise VerificationError(
            f"inclusion proof for leaf {index} does not lead to the root of tree size {size}"
        )


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree (size2, root2) extends the tree (size1, root1).

    RFC 9162 §2.1.4.2 for 0 < size1 < size2. Outside that range the RFC defines
    no proof; as transparency-dev/merkle does, equal sizes need an empty proof and
    equal roots, and a proof from the empty tree is rejected as meaningless.
    """
    if size1 > size2:
        raise VerificationError(f"tree size went down from {size1} to {size2}", field="size2")
    if size1 == 0:
        raise VerificationError(
            "a consistency proof from the empty tree proves nothing", field="size1"
        )
    if size1 == size2:
        if proof:
            raise VerificationError(
                f"equal tree sizes ({size1}) need an empty proof, got {len(proof)} hashes"
            )
        if not hmac.compare_digest(root1, root2):
            raise VerificationError(f"two different roots for the same tree size {size1}")
        return
    if not proof:  # step 1
        raise VerificationError(f"empty consistency proof between tree sizes {size1} and {size2}")
    _check_hashes(proof, "consistency_path")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: size1 is an exact power of 2
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise VerificationError(
                f"consistency proof too long between tree sizes {size1} and {size2}"
            )
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    # step 7
    if sn != 0:
        raise VerificationError(
            f"consistency proof too short between tree sizes {size1} and {size2}"
        )
    if not hmac.compare_digest(fr, root1):
        raise VerificationError(
            f"consistency proof does not lead to the root of tree size {size1}", field="root1"
        )
    if not hmac.compare_digest(sr, root2):
        raise VerificationError(
            f"consistency proof does not lead to the root of tree size {size2}", field="root2"
        )


def memory_subtrees(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    """A :data:`SubtreeHash` over an in-memory list of leaf hashes (tests, vectors, small logs)."""
    cache: dict[tuple[int, int], bytes] = {}

    def subtree(level: int, index: int) -> bytes:
        key = (level, index)
        if key not in cache:
            if level == 0:
                cache[key] = leaf_hashes[index]
            else:
                cache[key] = node_hash(
                    subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1)
                )
        return cache[key]

    return subtree
