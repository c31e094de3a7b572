"""The protocol's words as the verifier's own types: roles (PROTOCOL.md §3.1) and statement
kinds (§6.3).

Defined here once for the whole verifier, which imports nothing from ``beacon/``: the
beacon's own definitions may not be trusted to check the beacon. Both are ``StrEnum``s,
so a member is equal to, hashes like, and prints as its wire text ("centre",
"draw.commit"), and a parsed statement carries one (:mod:`verifier.records`).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who signs a statement (§3.1)."""

    CENTRE = "centre"
    AGENT = "agent"
    BIDDER = "bidder"
    SUPERVISOR = "supervisor"
    BEACON = "beacon"


class StatementKind(StrEnum):
    """What a statement says (§6.3), in the order of the body table."""

    TENDER_REGISTER = "tender.register"
    DRAW_PUBLISH = "draw.publish"
    DRAW_COUNTERSIGN = "draw.countersign"
    DRAW_OPENING_KEY = "draw.opening_key"
    DRAW_COMMIT = "draw.commit"
    ENVELOPE_SUBMIT = "envelope.submit"
    ENVELOPE_REPLACE = "envelope.replace"
    ENVELOPE_WITHDRAW = "envelope.withdraw"
    DRAW_FREEZE = "draw.freeze"
    DRAW_SNAPSHOT = "draw.snapshot"
    DRAW_REVEAL = "draw.reveal"
    DRAW_KEY_RELEASE = "draw.key_release"
    DRAW_RESULT = "draw.result"
    DRAW_OBJECTION = "draw.objection"
    DRAW_CONFIRM = "draw.confirm"
    DRAW_VOID = "draw.void"
    TENDER_PUBLISH = "tender.publish"
    TENDER_OPENING_KEY = "tender.opening_key"
    TENDER_KEY_RELEASE = "tender.key_release"
    TENDER_OPENING = "tender.opening"


# The two parties whose seeds and opening keys every draw and tender needs (§10.1, §9.9).
PARTIES = (Role.CENTRE, Role.AGENT)  # §10.1: the centre first, then the agent
