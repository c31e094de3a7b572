"""The protocol's words: roles (PROTOCOL.md §3.1) and statement kinds (§6.3).

Both are :class:`enum.StrEnum`, so a member *is* its string: it encodes, hashes,
compares and formats exactly as the bare string the protocol names, and no byte
of any statement changes. The subsets of roles the protocol distinguishes are
named here, next to the enum, each with the reason it differs from the whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Role(StrEnum):
    """Who signs a statement (PROTOCOL.md §3.1, the ``role`` field of §6.1).

    Declared in the order §6.1 lists them, which error messages repeat.
    """

    CENTRE = "centre"
    AGENT = "agent"
    BIDDER = "bidder"
    SUPERVISOR = "supervisor"
    BEACON = "beacon"


# §4, §10: the roles that contribute a seed to a draw, in the canonical order of the
# seed list (centre, then agent, then bidders): a tuple because the order is protocol.
SEED_ROLES: Final = (Role.CENTRE, Role.AGENT, Role.BIDDER)

# The two parties of every ceremony: each commits and reveals a seed to every draw
# (§10.1), announces and releases opening keys (§9.3, §9.9), and every envelope is
# sealed to both, so neither opens alone. A tuple, centre first, the order in which
# messages list them (envelope headers order their stanzas by name instead, §9.2).
CEREMONY_ROLES: Final = (Role.CENTRE, Role.AGENT)

# §3.3: who registers a certificate of each role in a tender (keyed by str, so that a
# registration body's role string looks its registrar up directly).
REGISTRARS: Final[Mapping[str, Role]] = MappingProxyType(
    {
        Role.AGENT: Role.CENTRE,
        Role.BIDDER: Role.CENTRE,
        Role.CENTRE: Role.BEACON,
        Role.SUPERVISOR: Role.BEACON,
    }
)


class StatementKind(StrEnum):
    """The ``kind`` of a statement (PROTOCOL.md §6.3), in the order of the body table."""

    TENDER_REGISTER = "tender.register"
    DRAW_PUBLISH = "draw.publish"
    DRAW_COUNTERSIGN = "draw.countersign"
    DRAW_OPENING_KEY = "draw.opening_key"
    DRAW_COMMIT = "draw.commit"
    DRAW_REVEAL = "draw.reveal"
    DRAW_FREEZE = "draw.freeze"
    DRAW_SNAPSHOT = "draw.snapshot"
    DRAW_KEY_RELEASE = "draw.key_release"
    DRAW_RESULT = "draw.result"
    DRAW_OBJECTION = "draw.objection"
    DRAW_CONFIRM = "draw.confirm"
    DRAW_VOID = "draw.void"
    TENDER_PUBLISH = "tender.publish"
    TENDER_OPENING_KEY = "tender.opening_key"
    TENDER_KEY_RELEASE = "tender.key_release"
    TENDER_OPENING = "tender.opening"
    ENVELOPE_SUBMIT = "envelope.submit"
    ENVELOPE_REPLACE = "envelope.replace"
    ENVELOPE_WITHDRAW = "envelope.withdraw"


def plain(words: Iterable[str]) -> list[str]:
    """Members as plain strings, for messages that print a list (``['agent', 'centre']``)."""
    return [str(w) for w in words]
