"""PROTOCOL.md §14.6 Publication: the agent's ``draw.publish`` of the canonical definition and
the centre's ``draw.countersign`` of its hash, before the commit time point.
"""

from __future__ import annotations

from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.steps import check, short
from verifier.vocabulary import StatementKind


# PROTOCOL.md §14.6: exactly one draw.publish whose body is the canonical definition, then
# one draw.countersign with the definition hash, both before the commit time point.
def check_publication(b: Bundle, dl: Deadlines) -> str:
    pub, cs = b.the(StatementKind.DRAW_PUBLISH), b.the(StatementKind.DRAW_COUNTERSIGN)
    check(pub.s.body["definition"] == b.encoded, "the published definition is not the bundle's")
    check(
        cs.leaf > pub.leaf and cs.s.body["definition_hash"] == b.def_hash,
        "no countersignature of it follows",
    )
    check(dl.before(cs, "commit"), "published or countersigned after the commit time point")
    return f"definition {short(b.def_hash)} published and countersigned"
