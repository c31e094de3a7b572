"""PROTOCOL.md §14.1 steps 2 and 2a: the beacon, the log, signatures and roles (as §14 steps
2, 3 and 5), and the tender's whole scope chain.
"""

from __future__ import annotations

from verifier import scope
from verifier.steps import check
from verifier.tender.bundle import KIND_ROLES, TenderBundle
from verifier.vocabulary import Role


# PROTOCOL.md §14.1 step 2, as §14.2: each beacon certificate is used, of the beacon profile,
# and valid at every pulse that names it.
def check_beacon(b: TenderBundle) -> str:
    pulses = [b.pulse, *(p for tp in b.time_points.values() for p in (tp.previous, tp.pulse))]
    return scope.check_beacon(b.certs, pulses, b.statements, b.anchors, b.crls)


# PROTOCOL.md §14.1 step 2, as §14.3: the final pulse commits the head; every entry is
# included in it at its leaf, in log order.
def check_log(b: TenderBundle) -> str:
    return scope.check_log(b.statements, b.pulse, b.certs, b.head)


# PROTOCOL.md §14.1 step 2a: the statements are the tender's whole scope chain (§7.6): no bid,
# opening key, key release or registration can be left out without breaking it.
def check_completeness(b: TenderBundle) -> str:
    chain = [x for x in b.statements if x.s.subject == ""]
    return scope.check_chain(chain, scope="tender")


# PROTOCOL.md §14.1 step 2, as §14.5: every signature verifies; every chain validates with
# the profile of its role.
def check_signatures(b: TenderBundle) -> str:
    scope.check_signatures(b.statements)
    scope.check_certificates(b.statements, b.anchors, b.crls)
    return (
        f"{len(b.statements)} signatures verify; every certificate chains to the anchors "
        "with the profile of its role"
    )


# PROTOCOL.md §14.1 step 2: every statement names the bundle's tender_id and the empty
# subject, and is made by a role §6.3 allows for its kind, registered before it (§3.3).
def check_roles(b: TenderBundle) -> str:
    registered: dict[bytes, Role] = {}
    for x in b.statements:
        s, what = x.s, f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
        check(s.tender_id == b.tender_id, f"{what}: tender {s.tender_id}")
        check(s.subject == "", f"{what}: subject {s.subject!r}, expected none (§9.9)")
        scope.check_role(s, what, registered, KIND_ROLES, b.certs.values())
    return f"{len(registered)} registered parties; every statement is by a registered role"
