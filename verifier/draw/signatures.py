"""PROTOCOL.md §14.5 Signatures and roles: every statement signed by its certificate's key,
its chain valid at its ``issued_at``, its role granted, its scope this draw's.
"""

from __future__ import annotations

from verifier import scope
from verifier.draw.bundle import KIND_ROLES, Bundle
from verifier.steps import check
from verifier.vocabulary import Role, StatementKind


# PROTOCOL.md §14.5: every statement's signature verifies and its actor is its certificate.
def check_signatures(b: Bundle) -> str:
    scope.check_signatures(b.statements)
    return f"{len(b.statements)} signatures verify, each by its certificate's key"


# PROTOCOL.md §14.5: each chain validates at issued_at (§3.2), with the beacon profile for
# role beacon only; a tender.register's certificate is the one its fingerprint names (§3.3).
def check_certificates(b: Bundle) -> str:
    scope.check_certificates(b.statements, b.anchors, b.crls)
    return (
        f"every certificate chains to the {len(b.anchors)} anchor(s) at its statement's "
        "issued_at, with the profile of its role; every registered certificate too"
    )


# PROTOCOL.md §14.5: tender_id is the definition's; the role is granted by an earlier
# registration or is the beacon's; subject is the draw id, empty for tender.register.
def check_roles(b: Bundle) -> str:
    registered: dict[bytes, Role] = {}
    for x in b.statements:
        s, what = x.s, f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
        check(s.tender_id == b.definition["tender_id"], f"{what}: tender {s.tender_id}")
        # Registrations name no draw: their subject is empty (§6.1).
        check(
            s.subject == ("" if s.kind == StatementKind.TENDER_REGISTER else b.draw_id),
            f"{what}: subject {s.subject!r}",
        )
        scope.check_role(s, what, registered, KIND_ROLES, b.certs.values())
    return f"{len(registered)} registered parties; every statement is by a registered role"
