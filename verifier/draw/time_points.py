"""PROTOCOL.md §14.4 (second part) Time points: each deadline's pulse, the pulse before it,
and the tree head it commits (§13.2).
"""

from __future__ import annotations

from verifier import scope
from verifier.draw.bundle import TIME_POINTS, Bundle
from verifier.draw.deadlines import Deadlines
from verifier.steps import check
from verifier.vocabulary import StatementKind


# PROTOCOL.md §14.4: for each time point, its deadline is the definition's (dispute_end:
# §13.2); both pulses verify; previous is pulse's predecessor; previous.timeStamp <
# deadline ≤ pulse.timeStamp; pulse commits tree_head, a prefix of log.tree_head.
def check_time_points(b: Bundle, dl: Deadlines) -> str:
    names = [n for n in TIME_POINTS[:5] if n != "snapshot" or b.definition["deadlines"][n]]
    if b.kinds[StatementKind.DRAW_RESULT]:
        names.append("dispute_end")
    check(
        set(b.time_points) <= set(names),
        f"time points {sorted(set(b.time_points) - set(names))} do not belong",
    )
    shown = []
    for name in names:
        d, tp = dl.deadline(name), b.time_points.get(name)
        # §13: the service adds dispute_end only once confirmed; without it, an objection
        # after the window cannot be told from one in it, and check_after_result fails closed.
        optional = name == "dispute_end" and not b.kinds[StatementKind.DRAW_CONFIRM]
        if tp is None:
            check(
                optional or b.pulse.time_ms < d,
                f"time point {name} is missing, though {b.pulse.name()} is later",
            )
            continue
        shown.append(scope.check_time_point(name, d, tp, b.certs, b.head))
    return "; ".join(shown) or "no deadline has passed"
