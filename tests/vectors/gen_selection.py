"""Selection vectors (PROTOCOL.md §12).

Areas of expectation: "valid" (the pick from R), and exhaustive reduced-width
tables: for each r, the outcome of every m-bit input (an index or null = discard).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from beacon.core.definition import Kind, Selection, ValueType
from beacon.core.selection import SelectionStream, pick
from tests.vectors.common import det_bytes

PROVENANCE = (
    "tests/vectors/gen_selection.py with beacon.core.selection; the exhaustive tables follow directly from "
    "SP 800-90A Rev.1 A.5.1 (value c accepted iff c < r) and are checked independently in "
    "tests/core/test_selection.py; verifier/ recomputes every pick from R"
)


def _selection(kind: Kind, k: int, candidates: list[str], value_type: ValueType) -> Selection:
    return Selection(
        code="X",
        label="x",
        kind=kind,
        k=k,
        value_type=value_type,
        unit="",
        from_snapshot=False,
        candidates=tuple(candidates),
    )


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    decimals7 = ["0.950", "0.955", "0.960", "0.965", "0.970", "0.975", "0.980"]
    scenarios = [
        ("pick-one-k1-7", Kind.PICK_ONE, 1, decimals7, ValueType.DECIMAL, 0),
        ("pick-one-single", Kind.PICK_ONE, 1, ["1.00"], ValueType.DECIMAL, 0),
        ("pick-one-64", Kind.PICK_ONE, 1, [f"{i}" for i in range(64)], ValueType.DECIMAL, 5),
        ("pick-one-65", Kind.PICK_ONE, 1, [f"{i}" for i in range(65)], ValueType.DECIMAL, 6),
        ("pick-k-3-of-12", Kind.PICK_K, 3, [f"bid-{i:03d}" for i in range(1, 13)], ValueType.ID, 1),
        (
            "permutation-9",
            Kind.PERMUTATION,
            0,
            [f"expert-{c}" for c in "ABCDEFGHI"],
            ValueType.ID,
            2,
        ),
        ("pick-k-all-5", Kind.PICK_K, 5, [f"b{i}" for i in range(5)], ValueType.ID, 3),
        ("pick-one-1000", Kind.PICK_ONE, 1, [f"{i}" for i in range(1000)], ValueType.DECIMAL, 4),
    ]
    for name, kind, k, candidates, value_type, index in scenarios:
        r = det_bytes(f"R/{name}", 64)
        stream = SelectionStream(r, index)
        result = pick(_selection(kind, k, candidates, value_type), candidates, stream)
        yield (
            name,
            {
                "comment": f"{kind.value} over {len(candidates)} candidates, selection index {index}",
                "provenance": PROVENANCE,
                "R": r.hex(),
                "selection_index": index,
                "kind": kind.value,
                "k": k,
                "value_type": value_type.value,
                "candidates": candidates,
                "indexes": list(result.indexes),
                "values": list(result.values),
                "bits_used": stream.bits_used,
                "blocks_used": stream.blocks_used,
                "expect": "valid",
            },
        )
    for r in (1, 2, 3, 5, 7, 8, 12, 33, 64):
        m = (r - 1).bit_length()
        yield (
            f"exhaustive-r{r:02d}",
            {
                "comment": f"every {m}-bit input of one simple-discard attempt for r = {r}: its index, or null (discard)",
                "provenance": PROVENANCE,
                "r": r,
                "m": m,
                "outcomes": [c if c < r else None for c in range(1 << m)],
                "expect": "exhaustive",
            },
        )
