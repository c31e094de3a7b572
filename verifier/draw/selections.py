"""PROTOCOL.md §14.11 Result (third part), §12: every pick recomputed from ``R``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier import selection
from verifier.draw.results import Output, Picks, Result, Snapshot
from verifier.steps import check, need


# PROTOCOL.md §12: each selection's pick from R, from the snapshot's bid ids for a
# from_snapshot selection.
def picks(
    definition: dict[str, Any], r: bytes, bid_ids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every selection's pick from ``R`` (§12), the snapshot's bid ids for ``from_snapshot`` ones."""
    out = []
    for i, sel in enumerate(definition["selections"]):
        cands = list(bid_ids) if sel["from_snapshot"] else sel["candidates"]
        k = {"pick_one": 1, "pick_k": sel["k"], "permutation": len(cands)}[sel["kind"]]
        check(k <= len(cands), f"{sel['code']}: k = {k} exceeds {len(cands)} candidates (§12.3)")
        idx, _ = selection.pick(r, i, len(cands), k)
        out.append({"code": sel["code"], "indexes": idx, "values": [cands[j] for j in idx]})
    return out


# PROTOCOL.md §14.11: every pick of the result is the one recomputed from R (§12).
def check_picks(
    definition: dict[str, Any],
    result: Result | None,
    snapshot: Snapshot | None,
    output: Output | None,
) -> tuple[str, Picks | None]:
    statement = need(result, "result").statement
    if statement is None:
        return "no result", None
    snap = need(snapshot, "snapshot").statement
    expected = picks(definition, need(output, "R").r, snap.s.body["bid_ids"] if snap else ())
    check(statement.s.body["picks"] == expected, f"the picks are not those R gives: {expected}")
    return "; ".join(f"{p['code']} = {', '.join(p['values'])}" for p in expected), Picks(
        tuple(expected)
    )
