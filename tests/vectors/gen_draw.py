"""Whole-draw vectors (PROTOCOL.md §10-§12): inputs → combined seed → VDF → R → picks.

expect ∈ {"valid", "no-seed", "missing-party"}. Each valid file holds the canonical
definition (JSON and its hash), the freeze tree head, the seed entries (included and
excluded), the snapshot (if any), and every intermediate: the combined seed, x, y, π, R, each selection's
indexes and values, and the derived values. Everything is derived from fixed labels,
so the files are reproducible; the VDF part is checked by an independent plain-int
evaluation in tests/core/test_vectors.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from beacon.core import draw, vdf
from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.definition import parse_authoring
from beacon.core.timefmt import format_ms, parse_ms
from beacon.errors import InputError
from tests.vectors.common import det_bytes
from tests.vectors.gen_definition import AFTER_OPENING, JIANGSU

PROVENANCE = (
    "tests/vectors/gen_draw.py with beacon.core.draw; combined seed re-derived by hand from the PROTOCOL.md §10.1 "
    "layout in tests/core/test_vectors.py, the VDF by plain-int squaring there, and every value by verifier/"
)


def _short(authoring: dict[str, Any], t: int) -> dict[str, Any]:
    """The authoring form with T = ``t`` and windows short enough for it (§11.5): the
    exposure W = seed_open − commit is 10 s at a declared 1 squaring a second, A_max 1."""
    commit = parse_ms(authoring["deadlines"]["commit"])
    deadlines = {"commit": format_ms(commit), "reveal": format_ms(commit + 5000)}
    if "snapshot" in authoring["deadlines"]:
        deadlines["snapshot"] = format_ms(commit + 2000)
    deadlines["seed_open"] = format_ms(commit + 10_000)
    return authoring | {
        "vdf_t": t,
        "vdf_rate": 1,
        "vdf_advantage": 1,
        "deadlines": deadlines,
    }


def _entries(
    name: str, bidders: int, excluded: dict[int, SeedStatus], *, not_revealed: tuple[str, ...] = ()
) -> list[SeedEntry]:
    out = [
        SeedEntry(Party(role, det_bytes(f"{name}/fp/{role}", 32)), SeedStatus.NOT_REVEALED, b"")
        if role in not_revealed
        else SeedEntry(
            Party(role, det_bytes(f"{name}/fp/{role}", 32)),
            SeedStatus.INCLUDED,
            det_bytes(f"{name}/seed/{role}", 32),
        )
        for role in ("centre", "agent")
    ]
    for i in range(bidders):
        status = excluded.get(i, SeedStatus.INCLUDED)
        seed = det_bytes(f"{name}/seed/bidder-{i}", 32) if status is SeedStatus.INCLUDED else b""
        out.append(SeedEntry(Party("bidder", det_bytes(f"{name}/fp/bidder-{i}", 32)), status, seed))
    return out


def _case(
    name: str,
    authoring: dict[str, Any],
    *,
    t: int,
    bidders: int,
    excluded: dict[int, SeedStatus],
    snapshot: list[str] | None,
    comment: str,
) -> tuple[str, dict[str, Any]]:
    definition = parse_authoring(_short(authoring, t))
    entries = draw.order_seeds(_entries(name, bidders, excluded))
    tree_size, root = 17, det_bytes(f"{name}/root", 32)
    outcome = draw.compute(
        definition, tree_size=tree_size, root_hash=root, seeds=entries, snapshot_ids=snapshot
    )
    return name, {
        "comment": comment,
        "provenance": PROVENANCE,
        "definition": definition.to_dict(),
        "definition_hash": definition.hash().hex(),
        "freeze": {"tree_size": tree_size, "root_hash": root.hex()},
        "seeds": [e.to_dict() for e in entries],
        "snapshot": snapshot,
        "snapshot_hash": None if snapshot is None else draw.snapshot_hash(snapshot).hex(),
        "combined_seed": outcome.combined_seed.hex(),
        "x": vdf.encode_element(outcome.x).hex(),
        "y": vdf.encode_element(outcome.proof.y).hex(),
        "pi": vdf.encode_element(outcome.proof.pi, identity_ok=True).hex(),
        "R": outcome.output.hex(),
        "picks": [p.to_dict() for p in outcome.picks],
        "derived": dict(outcome.derived),
        "expect": "valid",
    }


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    yield _case(
        "jiangsu-five-bidders",
        JIANGSU,
        t=5000,
        bidders=5,
        excluded={},
        snapshot=None,
        comment="K1 and Q1 with Q2 = 1 - Q1; centre, agent and five bidders all included",
    )
    yield _case(
        "exclusions",
        JIANGSU,
        t=300,
        bidders=3,
        excluded={0: SeedStatus.ENVELOPE_INVALID, 2: SeedStatus.KEY_NOT_RELEASED},
        snapshot=None,
        comment="two bidder seeds excluded with their reasons; only included seeds enter the combination",
    )
    yield _case(
        "after-opening-snapshot",
        AFTER_OPENING,
        t=2048,
        bidders=4,
        excluded={},
        snapshot=["BID-001", "BID-002", "BID-004", "BID-007", "BID-009"],
        comment="3 of 5 valid bids from the snapshot, a percentage range and a permutation",
    )
    yield _case(
        "small-t-proof-is-one",
        JIANGSU,
        t=100,
        bidders=0,
        excluded={},
        snapshot=None,
        comment="T <= 255: the proof pi is the identity 1 (PROTOCOL.md §11.6)",
    )
    yield _cannot_combine(
        "no-included-seed",
        _entries("none", 0, {}, not_revealed=("centre", "agent")),
        "no-seed",
        "both parties committed and neither revealed, no bidder seed: every seed excluded, "
        "the draw cannot be computed (PROTOCOL.md §10.2)",
    )
    for missing, other in (("agent", "centre"), ("centre", "agent")):
        yield _cannot_combine(
            f"{missing}-never-committed",
            [e for e in _entries(f"{missing}-missing", 2, {}) if e.party.role != missing],
            "missing-party",
            f"the {missing} never committed: the {other}'s and two bidders' seeds are included, "
            f"but without an {missing} entry the draw is blocked at the freeze and cannot be "
            "computed (PROTOCOL.md §6.4, §10.1)",
        )


def _cannot_combine(
    name: str, entries: list[SeedEntry], expect: str, comment: str
) -> tuple[str, dict[str, Any]]:
    definition = parse_authoring(_short(JIANGSU, 10))
    try:
        draw.combine_seed(definition.hash(), 1, bytes(32), entries, None)
    except InputError:
        pass
    else:
        raise AssertionError(f"{name}: this draw must not combine")
    return name, {
        "comment": comment,
        "provenance": PROVENANCE,
        "definition": definition.to_dict(),
        "freeze": {"tree_size": 1, "root_hash": bytes(32).hex()},
        "seeds": [e.to_dict() for e in entries],
        "snapshot": None,
        "expect": expect,
    }
