"""PROTOCOL.md §14.2 Beacon, §14.3 Log and §14.3a Completeness: the beacon's certificates,
the signed final tree head, every statement's inclusion in it, and the draw's whole chain.
"""

from __future__ import annotations

from verifier import scope
from verifier.draw.bundle import Bundle
from verifier.draw.results import Chain
from verifier.vocabulary import StatementKind


# PROTOCOL.md §14.2: each beacon certificate is used by a pulse or a beacon statement, is of
# the beacon profile (§3.1) and passes §3.2 at the timeStamp of every pulse that names it.
def check_beacon(b: Bundle) -> str:
    pulses = [
        b.pulse,
        *(p for tp in b.time_points.values() for p in (tp.previous, tp.pulse)),
        *(w.pulse for w in b.witnesses),
    ]
    return scope.check_beacon(b.certs, pulses, b.statements, b.anchors, b.crls)


# PROTOCOL.md §14.3: log.pulse verifies and commits log.tree_head; every statement's
# inclusion proof verifies for its re-encoded entry; leaf indexes are distinct, increasing.
def check_log(b: Bundle) -> str:
    return scope.check_log(b.statements, b.pulse, b.certs, b.head)


# PROTOCOL.md §14.3a: the statements whose subject is the draw id are its whole scope chain
# (§7.6), from the draw.publish at seq 0.
def check_completeness(b: Bundle) -> tuple[str, Chain]:
    """The draw's chain, each statement naming the one before by leaf index and leaf hash.

    Leaving a statement out without a break needs two log entries at one place of the
    chain: a fork of the beacon's own signed log, which the left-out party's receipt
    proves (``--receipt``, §14.3b, :mod:`verifier.draw.receipts`).
    """
    chain = [x for x in b.statements if x.s.subject == b.draw_id]
    shown = scope.check_chain(chain, scope="draw", first_kind=StatementKind.DRAW_PUBLISH)
    return shown, Chain(tuple(chain))
