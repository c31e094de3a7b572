"""Commitment vectors (PROTOCOL.md §4). expect ∈ {"valid", "mismatch"}."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from beacon.core.commitment import Party, commit
from tests.vectors.common import det_bytes

PROVENANCE = (
    "tests/vectors/gen_commitment.py; the commitment is recomputed in the generator by hand with "
    "hashlib from the PROTOCOL.md §4 byte layout and compared with beacon.core.commitment.commit"
)


def _by_hand(draw_id: str, role: str, fingerprint: bytes, seed: bytes) -> bytes:
    def f(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    return hashlib.sha256(
        f(b"tender-beacon/v1/commitment")
        + f(draw_id.encode())
        + f(role.encode())
        + f(fingerprint)
        + f(seed)
    ).digest()


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, draw_id, role in [
        ("centre", "JS-2026-0142-1", "centre"),
        ("agent", "JS-2026-0142-1", "agent"),
        ("agent-dotted-id", "Z.2026_07-b", "agent"),
    ]:
        fp, seed = det_bytes(f"fp/{name}", 32), det_bytes(f"seed/{name}", 32)
        value = commit(draw_id, Party(role, fp), seed)
        assert value == _by_hand(draw_id, role, fp, seed)
        base = {"draw_id": draw_id, "role": role, "fingerprint": fp.hex(), "seed": seed.hex()}
        yield (
            f"{name}-valid",
            {
                "comment": f"a {role} commitment that opens with the given seed",
                "provenance": PROVENANCE,
                **base,
                "commitment": value.hex(),
                "expect": "valid",
            },
        )
    fp, seed = det_bytes("fp/centre", 32), det_bytes("seed/centre", 32)
    good = commit("JS-2026-0142-1", Party("centre", fp), seed)
    wrong = [
        (
            "other-draw",
            {"draw_id": "JS-2026-0142-2"},
            "the same seed and party, but another draw id",
        ),
        ("other-role", {"role": "agent"}, "the centre's commitment claimed by the agent role"),
        ("other-seed", {"seed": det_bytes("seed/other", 32).hex()}, "a different seed"),
        (
            "flipped-bit",
            {"seed": bytes([seed[0] ^ 1]) + seed[1:]},
            "the seed with its first bit flipped",
        ),
    ]
    for name, change, comment in wrong:
        doc = {
            "draw_id": "JS-2026-0142-1",
            "role": "centre",
            "fingerprint": fp.hex(),
            "seed": seed.hex(),
        }
        doc.update({k: (v.hex() if isinstance(v, bytes) else v) for k, v in change.items()})
        yield (
            f"mismatch-{name}",
            {
                "comment": f"must not open: {comment}",
                "provenance": PROVENANCE,
                **doc,
                "commitment": good.hex(),
                "expect": "mismatch",
            },
        )
