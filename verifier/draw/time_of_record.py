"""PROTOCOL.md §14.4 (first part) and §13.3 Time of record: the witness pulses either side of
every statement's leaf, and each statement's ``issued_at`` within the bounds they give.
"""

from __future__ import annotations

import hashlib

from verifier import encoding as enc
from verifier import merkle, pulse
from verifier.draw.bundle import Bundle, Witness
from verifier.draw.results import TimeOfRecord
from verifier.errors import CheckFailed
from verifier.pulse import Pulse
from verifier.scope import Logged
from verifier.steps import check
from verifier.vocabulary import Role

MAX_SKEW_MS = 300_000  # §6.5: S_max, the most any deployment accepts between clocks
EMPTY_ROOT = hashlib.sha256(b"").digest()  # §7.1: MTH of the empty tree


# PROTOCOL.md §14.4: the witnesses are in strictly increasing (chainIndex, pulseIndex) order
# with non-decreasing tree sizes; each verifies, commits its head, a prefix of the final one.
def check_witnesses(b: Bundle) -> None:
    ws = b.witnesses
    order = [(w.pulse.chain, w.pulse.index) for w in ws]
    check(
        order == sorted(set(order)),
        "witnesses are not in increasing (chainIndex, pulseIndex) order, each once",
    )
    sizes = [w.head.tree_size for w in ws]
    check(sizes == sorted(sizes), f"witness tree sizes {sizes} decrease")
    for w in ws:
        pulse.verify_segment([w.pulse], b.certs, [w.head])
        if w.head.tree_size == 0:  # §7.4 has no proof from the empty tree; its head is fixed
            check(
                w.head.root_hash == EMPTY_ROOT and not w.consistency,
                f"witness {w.pulse.name()}: not the empty tree's head with an empty proof",
            )
        else:
            merkle.verify_consistency(w.head, b.head, w.consistency)


# PROTOCOL.md §14.4, §13.3: after(L) is the first witness with tree_size > L and must exist;
# before(L) is the one just before it, its predecessor unless after(L) starts a chain.
def witnesses_of(x: Logged, ws: tuple[Witness, ...]) -> tuple[int, Pulse | None, Pulse]:
    """``(i, before(L), after(L))`` of the statement at leaf ``L``, ``i`` after(L)'s index."""
    what = f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
    i = next((i for i, w in enumerate(ws) if w.head.tree_size > x.leaf), None)
    if i is None:
        raise CheckFailed(f"{what}: no witness pulse covers it")
    after, before = ws[i].pulse, (ws[i - 1].pulse if i else None)
    if after.index != 1:  # its predecessor in the chain is the pulse before the leaf
        if before is None:
            raise CheckFailed(f"{what}: the pulse before {after.name()} is missing")
        pulse.check_link(before, after)
    else:  # a chain start: the last pulse of the previous chain, if there is one
        check(
            before is not None or after.chain == 1,
            f"{what}: {after.name()} starts chain {after.chain}, but no earlier pulse is given",
        )
        check(
            before is None or before.time_ms < after.time_ms,
            f"{what}: {after.name()} is not later than the pulse before it",
        )
    return i, before, after


# PROTOCOL.md §13.3: before.timeStamp − S ≤ issued_at < after.timeStamp + after.period + S,
# S = 0 for the beacon, whose clock is the pulses', S_max for every party.
def check_issued_at(x: Logged, before: Pulse | None, after: Pulse) -> None:
    what = f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
    s = 0 if x.s.role == Role.BEACON else MAX_SKEW_MS
    at = x.s.issued_at
    if before is not None:
        check(
            at >= before.time_ms - s,
            f"{what}: issued_at {enc.format_time(at)} is more than {s} ms before "
            f"{before.name()} of {enc.format_time(before.time_ms)}, which was made "
            "before the leaf was logged",
        )
    end = after.time_ms + after.period + s
    check(
        at < end,
        f"{what}: issued_at {enc.format_time(at)} is not before {enc.format_time(end)}, "
        f"{s} ms after the period of {after.name()}, which was made after the leaf was logged",
    )


# PROTOCOL.md §14.4: every statement's issued_at in its bounds; every witness is before(L) or
# after(L) of some statement.
def check_time_of_record(b: Bundle) -> tuple[str, TimeOfRecord]:
    """Each statement's time of record, ``after(L).timeStamp``, by leaf."""
    check_witnesses(b)
    ws = b.witnesses
    used: set[int] = set()
    recorded: dict[int, int] = {}
    for x in b.statements:
        i, before, after = witnesses_of(x, ws)
        check_issued_at(x, before, after)
        used.update({i, i - 1} if before is not None else {i})
        recorded[x.leaf] = after.time_ms
    unused = [ws[i].pulse.name() for i in range(len(ws)) if i not in used]
    check(not unused, f"witnesses {unused} are on neither side of any statement")
    return (
        f"{len(b.statements)} issued_at within their time of record, from {len(ws)} "
        f"witness pulses (S = 0 for the beacon, {MAX_SKEW_MS} ms for parties)"
    ), TimeOfRecord(recorded)
