"""PROTOCOL.md §14.8 Snapshot: the agent's list of valid bid ids, for selections that draw
from it, logged after the freeze and before the snapshot time point.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier import encoding as enc
from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Freeze, Snapshot
from verifier.steps import check, need, short
from verifier.vocabulary import StatementKind

K = StatementKind


# PROTOCOL.md §10.1: the hash of the snapshot's sorted bid ids.
def snapshot_hash(bid_ids: Sequence[str]) -> bytes:
    """§10.1: the hash of the snapshot's sorted bid ids."""
    return enc.labelled("sha256", enc.SNAPSHOT_HASH, enc.items([i.encode() for i in bid_ids]))


# PROTOCOL.md §14.8: when a selection draws from it, at most one draw.snapshot by the agent,
# after the freeze and before the snapshot time point, its bid ids sorted and unique; without
# one, no draw.reveal, draw.key_release or draw.result may follow.
def check_snapshot(b: Bundle, dl: Deadlines, freeze: Freeze | None) -> tuple[str, Snapshot]:
    frozen = need(freeze, "freeze").statement
    snap = b.one(K.DRAW_SNAPSHOT)
    uses = any(s["from_snapshot"] for s in b.definition["selections"])
    if frozen is None or not uses:
        check(snap is None, "a snapshot in a draw that is not frozen or does not use one")
        return ("not frozen yet" if uses else "no selection draws from a snapshot"), Snapshot(
            None, b""
        )
    if snap is None:
        # §6.4: without a snapshot the draw stays frozen (blocked once the snapshot time
        # point is out); no reveal, key release or result may follow.
        later = [str(k) for k in (K.DRAW_REVEAL, K.DRAW_KEY_RELEASE, K.DRAW_RESULT) if b.kinds[k]]
        check(not later, f"no draw.snapshot, yet the bundle has {', '.join(later)}")
        return (
            "blocked: no snapshot was signed before its deadline"
            if "snapshot" in b.time_points
            else "not signed yet"
        ), Snapshot(None, b"")
    ids = snap.s.body["bid_ids"]
    check(
        snap.leaf > frozen.leaf and dl.before(snap, "snapshot"),
        "the snapshot is outside its window",
    )
    check(ids == sorted(set(ids), key=str.encode), "bid ids are not sorted and unique")
    digest = snapshot_hash(ids)
    return f"{len(ids)} valid bids, snapshot hash {short(digest)}", Snapshot(snap, digest)
