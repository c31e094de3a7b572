"""PROTOCOL.md §14.12 After the result: objections, the confirmation and the void, and the
final state of the draw, or the §6.4 phase an incomplete bundle has reached.
"""

from __future__ import annotations

from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Established
from verifier.steps import check, need
from verifier.vocabulary import PARTIES, StatementKind

K = StatementKind


# PROTOCOL.md §14.12, §6.4: the phase a draw without result or void has reached, for an
# incomplete bundle: published … computing, or failed once the result time point is out.
def phase(b: Bundle, e: Established) -> str:
    if need(e.freeze, "freeze").statement is None:
        return "committing" if len(need(e.commitments, "keys").keys) == 2 else "published"
    if need(e.freeze, "missing").missing:
        return "frozen"  # blocked at the freeze (§6.4)
    if (
        any(s["from_snapshot"] for s in b.definition["selections"])
        and need(e.snapshot, "snapshot").statement is None
    ):
        return "frozen"
    if not (set(need(e.reveals, "seeds").seeds) >= set(PARTIES) or "reveal" in b.time_points):
        return "revealing"
    if need(e.commitments, "envelopes").envelopes and not (
        len(need(e.seed_envelopes, "released").released) == 2 or "seed_open" in b.time_points
    ):
        return "opening"
    if "result" in b.time_points:
        return "failed"  # §6.4: no result by the result deadline, the beacon's fault
    return "computing"


# PROTOCOL.md §14.12: objections are by registered bidders before the dispute window ends; a
# confirmation is by a supervisor, after dispute_end unless there are objections; a void is
# by a supervisor; nothing but registrations follows the final statement.
def check_after_result(b: Bundle, dl: Deadlines, e: Established) -> str:
    """The final state: drawn, disputed, confirmed, resolved or voided, or the phase reached."""
    result = need(e.result, "result").statement
    objections, confirms, voids = (
        b.kinds[k] for k in (K.DRAW_OBJECTION, K.DRAW_CONFIRM, K.DRAW_VOID)
    )
    check(len(confirms) + len(voids) <= 1, "more than one confirmation or void")
    if confirms or voids:  # nothing is accepted after the final statement but registrations
        end = (confirms + voids)[0].leaf
        check(
            all(x.s.kind == K.TENDER_REGISTER for x in b.statements if x.leaf > end),
            "statements after the end",
        )
    if result is None:
        check(not objections and not confirms, "objections or a confirmation without a result")
        return "voided" if voids else phase(b, e)
    for x in objections:
        check(
            x.leaf > result.leaf and dl.before(x, "dispute_end"),
            f"leaf {x.leaf}: objection outside the window",
        )
    for x in confirms:
        check(
            x.s.body["result"] == result.s.hash and x.leaf > result.leaf,
            "the confirmation names another result",
        )
        check(objections or dl.after(x, "dispute_end"), "confirmed before the dispute window ended")
    if voids:
        return "voided"
    if confirms:
        return "resolved" if objections else "confirmed"
    return "disputed" if objections else "drawn"
