"""PROTOCOL.md §14.1 step 1 Format: a tender bundle (§13.4) parsed strictly into a
:class:`TenderBundle`; and its deadlines (§13.2), which the publication fixes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier import encoding as enc
from verifier.codecs import ID_VALUE
from verifier.errors import ParseError
from verifier.merkle import TreeHead
from verifier.pulse import Pulse
from verifier.scope import Deadlines, Logged, TimePoint
from verifier.steps import need
from verifier.vocabulary import Role, StatementKind

K = StatementKind
FORMAT = "tender-beacon/v2/tender-bundle"
KIND_ROLES: Mapping[StatementKind, tuple[Role, ...]] = {  # §6.3: who makes each kind here
    K.TENDER_REGISTER: (Role.BEACON, Role.CENTRE),
    K.TENDER_PUBLISH: (Role.AGENT,),
    K.TENDER_OPENING_KEY: (Role.AGENT, Role.CENTRE),
    K.ENVELOPE_SUBMIT: (Role.BIDDER,),
    K.ENVELOPE_REPLACE: (Role.BIDDER,),
    K.ENVELOPE_WITHDRAW: (Role.BIDDER,),
    K.TENDER_KEY_RELEASE: (Role.AGENT, Role.CENTRE),
    K.TENDER_OPENING: (Role.BEACON,),
}
TIME_POINTS = ("closing", "release")
PARTIES = (Role.AGENT, Role.CENTRE)  # §9.9: the parties whose keys open bids, as reported
MEMBERS = (
    "format",
    "tender_id",
    "trust_anchors",
    "beacon_certificates",
    "statements",
    "bid_headers",
    "log",
    "time_points",
)


@dataclass(frozen=True)
class TenderBundle:
    """A tender bundle as parsed: the trust it is checked against, the statements, the frozen
    bids' headers and MACs (never a payload), and the pulses and proofs it holds."""

    tender_id: str
    anchors: tuple[bytes, ...]  # DER CA certificates the chains are checked against
    anchor_source: str  # "given" by the user, or the "bundle"'s own
    crls: tuple[bytes, ...]
    certs: Mapping[bytes, bytes]  # beacon certificates by certificateId (SHA-512 of the DER)
    statements: tuple[Logged, ...]  # in log order
    headers: Mapping[str, tuple[bytes, bytes]]  # envelope id → (header, MAC), in log order
    head: TreeHead  # the final tree head
    pulse: Pulse  # the pulse that commits it
    time_points: Mapping[str, TimePoint]  # closing, release: those whose pulse exists
    kinds: Mapping[StatementKind, tuple[Logged, ...]]  # the statements of each kind


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc[key]
    if not isinstance(value, list):
        raise ParseError(key, "expected a list")
    return value


# PROTOCOL.md §14.1 step 1: the bundle parses strictly (§2.4, §13.4); every statement is one
# of the kinds §13.4 lists; envelope ids in bid_headers are distinct.
def parse_tender_bundle(
    doc: Any, anchors: Sequence[bytes] | None, crls: Sequence[bytes] = ()
) -> TenderBundle:
    """Parse a tender bundle strictly; ``anchors`` ``None`` takes the bundle's own."""
    doc = enc.members(doc, "bundle", MEMBERS)
    tender_id = enc.string(doc["tender_id"], "tender_id", ID_VALUE)
    own = tuple(
        enc.b64(a, f"trust_anchors[{i}]") for i, a in enumerate(_list(doc, "trust_anchors"))
    )
    if len(set(own)) != len(own):
        raise ParseError("trust_anchors", "a certificate appears twice")
    ders = [
        enc.b64(c, f"beacon_certificates[{i}]")
        for i, c in enumerate(_list(doc, "beacon_certificates"))
    ]
    if not ders or len(set(ders)) != len(ders):
        raise ParseError("beacon_certificates", "expected distinct certificates, at least one")
    statements = []
    for i, x in enumerate(_list(doc, "statements")):
        n = f"statements[{i}]"
        logged = Logged.parse(x, n)
        if logged.s.kind not in KIND_ROLES:
            raise ParseError(f"{n}.signed", f"a {logged.s.kind} does not belong in a tender bundle")
        statements.append(logged)
    headers: dict[str, tuple[bytes, bytes]] = {}
    for i, x in enumerate(_list(doc, "bid_headers")):
        n = f"bid_headers[{i}]"
        x = enc.members(x, n, ("envelope_id", "header", "mac"))
        eid = enc.string(x["envelope_id"], f"{n}.envelope_id", ID_VALUE)
        if eid in headers:
            raise ParseError("bid_headers", f"envelope {eid} appears twice")
        headers[eid] = (
            enc.hexbytes(x["header"], f"{n}.header"),
            enc.hexbytes(x["mac"], f"{n}.mac", 32),
        )
    log = enc.members(doc["log"], "log", ("tree_head", "pulse"))
    head = TreeHead.from_json(log["tree_head"], "log.tree_head")
    last = Pulse.from_json(log["pulse"], "log.pulse")
    time_points: dict[str, TimePoint] = {}
    for i, x in enumerate(_list(doc, "time_points")):
        name, point = TimePoint.parse(x, f"time_points[{i}]", TIME_POINTS)
        if name in time_points:
            raise ParseError("time_points", f"{name} appears twice")
        time_points[name] = point
    names = list(time_points)
    if names != sorted(names, key=TIME_POINTS.index):
        raise ParseError("time_points", f"not in deadline order: {names}")
    return TenderBundle(
        tender_id=tender_id,
        anchors=own if anchors is None else tuple(anchors),
        anchor_source="bundle" if anchors is None else "given",
        crls=tuple(crls),
        certs={hashlib.sha512(d).digest(): d for d in ders},
        statements=tuple(statements),
        headers=headers,
        head=head,
        pulse=last,
        time_points=time_points,
        kinds={k: tuple(x for x in statements if x.s.kind == k) for k in KIND_ROLES},
    )


@dataclass(frozen=True)
class TenderDeadlines(Deadlines):
    """The bid and release deadlines of the ``tender.publish`` (``None`` if step 3 failed)
    over the bundle's time points (before and after: :class:`~verifier.scope.Deadlines`)."""

    bundle: TenderBundle
    publish: Logged | None

    # PROTOCOL.md §14.1 step 4: closing is the bid deadline, release the release deadline.
    def deadline(self, name: str) -> int:
        body = need(self.publish, "publish").s.body
        return int(body["bid_deadline" if name == "closing" else "release_deadline"])
