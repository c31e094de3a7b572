"""PROTOCOL.md §14.9 Reveals: each party's seed, revealed in its window, opens its frozen
commitment (§4).
"""

from __future__ import annotations

import hmac

from verifier.draw.bundle import Bundle
from verifier.draw.commitments import commitment
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Commitments, Freeze, Reveals, Snapshot
from verifier.errors import CheckFailed
from verifier.steps import check, need
from verifier.vocabulary import Role, StatementKind


# PROTOCOL.md §14.9: each draw.reveal is by a party with a frozen commitment, after the
# freeze (and the snapshot) and before the reveal time point, and its seed opens the
# commitment; a frozen commitment without reveal is not-revealed.
def check_reveals(
    b: Bundle,
    dl: Deadlines,
    freeze: Freeze | None,
    commitments: Commitments | None,
    snapshot: Snapshot | None,
) -> tuple[str, Reveals]:
    frozen = need(freeze, "freeze").statement
    commits = need(commitments, "commits").commits
    snap = need(snapshot, "snapshot").statement
    seeds: dict[Role, bytes] = {}
    if frozen is None:  # check_freeze saw no reveal without a freeze
        return "not frozen yet", Reveals(seeds)
    for x in b.kinds[StatementKind.DRAW_REVEAL]:
        c = commits.get(x.s.role)
        if c is None or c.s.actor != x.s.actor or x.s.role in seeds:
            raise CheckFailed(f"leaf {x.leaf}: no frozen commitment to reveal")
        check(
            x.leaf > (snap or frozen).leaf and dl.before(x, "reveal"),
            f"leaf {x.leaf}: reveal outside its window",
        )
        digest = commitment(b.draw_id, x.s.role, x.s.actor, x.s.body["seed"])
        check(
            hmac.compare_digest(digest, c.s.body["commitment"]),
            f"the {x.s.role}'s seed does not open its commitment",
        )
        seeds[x.s.role] = x.s.body["seed"]
    missing = [str(r) for r in commits if r not in seeds]
    return f"revealed: {sorted(map(str, seeds)) or 'none'}" + (
        f"; not revealed: {missing}" if missing else ""
    ), Reveals(seeds)
