"""PROTOCOL.md §14.1 steps 3 and 4: the tender's publication and its time points."""

from __future__ import annotations

from verifier import encoding as enc
from verifier import scope
from verifier.scope import Logged
from verifier.steps import check
from verifier.tender.bundle import TIME_POINTS, TenderBundle, TenderDeadlines
from verifier.vocabulary import StatementKind


# PROTOCOL.md §14.1 step 3: exactly one tender.publish, with release_deadline > bid_deadline,
# preceded by nothing but registrations.
def check_publication(b: TenderBundle) -> tuple[str, Logged]:
    found = b.kinds[StatementKind.TENDER_PUBLISH]
    check(len(found) == 1, f"expected exactly one tender.publish, found {len(found)}")
    pub = found[0]
    body = pub.s.body
    check(
        body["release_deadline"] > body["bid_deadline"],
        "the release deadline is not after the bid deadline",
    )
    early = [
        x.leaf
        for x in b.statements
        if x.s.kind != StatementKind.TENDER_REGISTER and x.leaf < pub.leaf
    ]
    check(not early, f"leaves {early} precede the tender's publication")
    return (
        f"bids until {enc.format_time(body['bid_deadline'])}, "
        f"keys released until {enc.format_time(body['release_deadline'])}"
    ), pub


# PROTOCOL.md §14.1 step 4, as §14.4: closing (the bid deadline) and release (the release
# deadline); a time point may be absent only if log.pulse is earlier than its deadline.
def check_time_points(b: TenderBundle, dl: TenderDeadlines) -> str:
    shown = []
    for name in TIME_POINTS:
        d, tp = dl.deadline(name), b.time_points.get(name)
        if tp is None:
            check(
                b.pulse.time_ms < d,
                f"time point {name} is missing, though {b.pulse.name()} is later",
            )
            continue
        shown.append(scope.check_time_point(name, d, tp, b.certs, b.head))
    return "; ".join(shown) or "no deadline has passed"
