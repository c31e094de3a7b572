"""Merkle log vectors (PROTOCOL.md §7): tree heads and proofs over a small log.

Outcomes (closed set): ``valid``, ``invalid``. ``kind`` is ``tree-head``,
``inclusion`` or ``consistency``. Entries are the UTF-8 texts ``log entry <i>``.
Values come from beacon.core.merkle, whose generation is cross-checked against a
naive RFC 9162 §2.1 recursion and the transparency-dev/merkle vectors in
tests/core/test_merkle.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from beacon.core import merkle

PROVENANCE = (
    "tests/vectors/gen_merkle.py with beacon.core.merkle; generation cross-checked against a naive "
    "RFC 9162 §2.1 recursion and verification against transparency-dev/merkle testdata "
    "(tests/core/test_merkle.py)"
)
ENTRIES = [f"log entry {i}".encode() for i in range(7)]
LEAVES = [merkle.leaf_hash(e) for e in ENTRIES]
SUBTREE = merkle.memory_subtrees(LEAVES)


def _head(size: int) -> merkle.TreeHead:
    return merkle.TreeHead(size, merkle.root(LEAVES[:size]))


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for size in (0, 1, 7):
        head = _head(size)
        yield (
            f"tree-head-{size}",
            {
                "comment": f"The tree head of the first {size} entries: "
                "canonical encoding and pulse commitment.",
                "provenance": PROVENANCE,
                "expect": "valid",
                "kind": "tree-head",
                "entries": [e.decode() for e in ENTRIES[:size]],
                "tree_head": head.to_dict(),
                "encoding": head.encode().hex(),
                "commitment": head.commitment().hex(),
            },
        )
    for index, size, claimed, expect, comment in [
        (2, 7, 2, "valid", "Entry 2 is in the tree of size 7."),
        (6, 7, 6, "valid", "The last entry of a tree whose size is not a power of two."),
        (2, 7, 3, "invalid", "The proof for entry 2 offered for index 3."),
    ]:
        yield (
            f"inclusion-{index}-of-{size}-as-{claimed}",
            {
                "comment": comment,
                "provenance": PROVENANCE,
                "expect": expect,
                "kind": "inclusion",
                "entry": ENTRIES[index].decode(),
                "leaf_index": claimed,
                "tree_head": _head(size).to_dict(),
                "proof": [h.hex() for h in merkle.inclusion_proof(index, size, SUBTREE)],
            },
        )
    for size1, size2, claimed, expect, comment in [
        (3, 7, 3, "valid", "The tree of size 7 extends the tree of size 3."),
        (4, 7, 4, "valid", "From a power-of-two size, whose root is not repeated in the proof."),
        (3, 7, 4, "invalid", "The proof from size 3 offered from size 4."),
    ]:
        yield (
            f"consistency-{size1}-{size2}-as-{claimed}",
            {
                "comment": comment,
                "provenance": PROVENANCE,
                "expect": expect,
                "kind": "consistency",
                "tree_head_1": _head(claimed).to_dict(),
                "tree_head_2": _head(size2).to_dict(),
                "proof": [h.hex() for h in merkle.consistency_proof(size1, size2, SUBTREE)],
            },
        )
