"""PROTOCOL.md §14 step 1 Format: a draw's proof bundle (§13) parsed strictly into a :class:`Bundle`.

Everything later steps read comes from here, typed; nothing here is checked against a
signature or a proof yet: that is steps 2 onwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from verifier import encoding as enc
from verifier import merkle
from verifier.definition import definition_hash, parse_definition
from verifier.errors import ParseError
from verifier.merkle import TreeHead
from verifier.pulse import Pulse
from verifier.scope import Logged, TimePoint
from verifier.steps import check
from verifier.vocabulary import PARTIES, Role, StatementKind

K = StatementKind
FORMAT = "tender-beacon/v2/proof-bundle"
KIND_ROLES: Mapping[StatementKind, tuple[Role, ...]] = {  # §6.3: who makes each kind
    K.TENDER_REGISTER: (Role.BEACON, Role.CENTRE),
    K.DRAW_PUBLISH: (Role.AGENT,),
    K.DRAW_COUNTERSIGN: (Role.CENTRE,),
    K.DRAW_OPENING_KEY: (Role.AGENT, Role.CENTRE),
    K.DRAW_COMMIT: (Role.AGENT, Role.CENTRE),
    K.ENVELOPE_SUBMIT: (Role.BIDDER,),
    K.DRAW_FREEZE: (Role.BEACON,),
    K.DRAW_SNAPSHOT: (Role.AGENT,),
    K.DRAW_REVEAL: (Role.AGENT, Role.CENTRE),
    K.DRAW_KEY_RELEASE: (Role.AGENT, Role.CENTRE),
    K.DRAW_RESULT: (Role.BEACON,),
    K.DRAW_OBJECTION: (Role.BIDDER,),
    K.DRAW_CONFIRM: (Role.SUPERVISOR,),
    K.DRAW_VOID: (Role.SUPERVISOR,),
}
TIME_POINTS = ("commit", "snapshot", "reveal", "seed_open", "result", "dispute_end")
MEMBERS = (
    "format",
    "draw_id",
    "definition",
    "trust_anchors",
    "beacon_certificates",
    "statements",
    "seed_envelopes",
    "log",
    "time_points",
    "witnesses",
    "summary",
)
T = TypeVar("T")


@dataclass(frozen=True)
class Witness:
    """A pulse on either side of a statement's leaf, the head it commits, and the proof that
    head is a prefix of the final one (§13.3)."""

    pulse: Pulse
    head: TreeHead
    consistency: list[bytes]


@dataclass(frozen=True)
class Bundle:
    """A proof bundle as parsed: the definition, the trust it is checked against, and the
    statements, envelopes, pulses and proofs it holds, in their canonical orders (§13)."""

    definition: dict[str, Any]  # §5 as parsed by verifier.definition
    encoded: bytes  # its canonical bytes
    def_hash: bytes
    draw_id: str
    anchors: tuple[bytes, ...]  # DER CA certificates the chains are checked against
    anchor_source: str  # "given" by the user, or the "bundle"'s own
    crls: tuple[bytes, ...]
    certs: Mapping[bytes, bytes]  # beacon certificates by certificateId (SHA-512 of the DER)
    statements: tuple[Logged, ...]  # in log order
    envelopes: Mapping[str, bytes]  # seed envelope files by envelope id, in log order
    head: TreeHead  # the final tree head
    pulse: Pulse  # the pulse that commits it
    time_points: Mapping[str, TimePoint]  # by deadline name, in deadline order
    witnesses: tuple[Witness, ...]
    summary: Any  # the bundle's own summary, JSON: compared in §14.13, never shown
    kinds: Mapping[StatementKind, tuple[Logged, ...]]  # the statements of each kind

    # PROTOCOL.md §14.6, §14.7, §14.11: "at most one" statement of a kind.
    def one(self, kind: StatementKind) -> Logged | None:
        """The statement of ``kind``, or ``None`` when there is none; two or more fail."""
        found = self.kinds[kind]
        check(len(found) <= 1, f"expected exactly one {kind}, found {len(found)}")
        return found[0] if found else None

    def the(self, kind: StatementKind) -> Logged:
        """The one statement of ``kind``, which the bundle must hold."""
        found = self.kinds[kind]
        check(len(found) == 1, f"expected exactly one {kind}, found {len(found)}")
        return found[0]

    # PROTOCOL.md §14.7, §14.10, §14.11: windows that open once both parties have acted.
    def both_before(self, kind: StatementKind, x: Logged) -> bool:
        """Both the centre and the agent made ``kind`` before ``x``."""
        return {y.s.role for y in self.kinds[kind] if y.leaf < x.leaf} >= set(PARTIES)


def _each(
    doc: dict[str, Any],
    key: str,
    members: tuple[str, ...],
    make: Callable[[dict[str, Any], str], T],
) -> list[T]:
    if not isinstance(doc[key], list):
        raise ParseError(key, "expected a list")
    return [
        make(enc.members(x, f"{key}[{i}]", members), f"{key}[{i}]") for i, x in enumerate(doc[key])
    ]


def _unique(pairs: list[tuple[str, T]], key: str) -> dict[str, T]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ParseError(key, "a name appears twice")
    return out


def _seed_envelope(x: dict[str, Any], n: str) -> tuple[str, bytes]:
    return enc.string(x["envelope_id"], f"{n}.envelope_id"), enc.b64(x["data"], f"{n}.data")


def _witness(x: dict[str, Any], n: str) -> Witness:
    return Witness(
        Pulse.from_json(x["pulse"], f"{n}.pulse"),
        TreeHead.from_json(x["tree_head"], f"{n}.tree_head"),
        merkle.proof(x["consistency"], f"{n}.consistency"),
    )


# PROTOCOL.md §14 step 1: the bundle parses strictly (§2.4, §13); draw_id is the definition's;
# the definition re-encodes and validates (§5), the delay rules of §11.5 included.
def parse_bundle(doc: Any, anchors: Sequence[bytes] | None, crls: Sequence[bytes] = ()) -> Bundle:
    """Parse a proof bundle strictly; ``anchors`` ``None`` takes the bundle's own.

    Raises :class:`verifier.errors.VerifyError` naming the first member that is wrong.
    """
    doc = enc.members(doc, "bundle", MEMBERS)
    definition, encoded = parse_definition(doc["definition"], "definition")
    def_hash, draw_id = definition_hash(encoded), definition["draw_id"]
    if doc["draw_id"] != draw_id:
        raise ParseError(
            "definition.draw_id", f"{draw_id!r} is not the bundle's draw_id {doc['draw_id']!r}"
        )
    if not isinstance(doc["trust_anchors"], list):
        raise ParseError("trust_anchors", "expected a list")
    own = tuple(enc.b64(a, f"trust_anchors[{i}]") for i, a in enumerate(doc["trust_anchors"]))
    if len(set(own)) != len(own):
        raise ParseError("trust_anchors", "a certificate appears twice")
    if not isinstance(doc["beacon_certificates"], list) or not doc["beacon_certificates"]:
        raise ParseError("beacon_certificates", "expected a non-empty list")
    ders = [
        enc.b64(c, f"beacon_certificates[{i}]") for i, c in enumerate(doc["beacon_certificates"])
    ]
    if len(set(ders)) != len(ders):
        raise ParseError("beacon_certificates", "a certificate appears twice")
    statements = _each(
        doc, "statements", ("leaf_index", "chain", "signed", "inclusion"), Logged.parse
    )
    for i, x in enumerate(statements):
        if x.s.kind not in KIND_ROLES:
            raise ParseError(f"statements[{i}]", f"a {x.s.kind} does not belong in a draw bundle")
    envelopes = _unique(
        _each(doc, "seed_envelopes", ("envelope_id", "data"), _seed_envelope), "seed_envelopes"
    )
    log = enc.members(doc["log"], "log", ("tree_head", "pulse"))
    head = TreeHead.from_json(log["tree_head"], "log.tree_head")
    last = Pulse.from_json(log["pulse"], "log.pulse")
    time_points = _unique(
        _each(
            doc,
            "time_points",
            ("name", "deadline", "pulse", "previous", "tree_head", "consistency"),
            lambda x, n: TimePoint.parse(x, n, TIME_POINTS),
        ),
        "time_points",
    )
    witnesses = _each(doc, "witnesses", ("pulse", "tree_head", "consistency"), _witness)
    # One canonical order, so that no two bundles say the same: envelopes in log order,
    # time points by deadline.
    names = list(time_points)
    if names != sorted(names, key=TIME_POINTS.index):
        raise ParseError("time_points", f"not in deadline order: {names}")
    submitted = [
        x.s.body["envelope_id"] for x in statements if x.s.kind == StatementKind.ENVELOPE_SUBMIT
    ]
    if [e for e in envelopes if e in submitted] != [e for e in submitted if e in envelopes]:
        raise ParseError(
            "seed_envelopes", "not in the log order of their envelope.submit statements"
        )
    return Bundle(
        definition=definition,
        encoded=encoded,
        def_hash=def_hash,
        draw_id=draw_id,
        anchors=own if anchors is None else tuple(anchors),
        anchor_source="bundle" if anchors is None else "given",
        crls=tuple(crls),
        # §13: one certificate per beacon key the bundle uses (more than one after a rotation).
        certs={hashlib.sha512(d).digest(): d for d in ders},
        statements=tuple(statements),
        envelopes=envelopes,
        head=head,
        pulse=last,
        time_points=time_points,
        witnesses=tuple(witnesses),
        summary=doc["summary"],
        kinds={k: tuple(x for x in statements if x.s.kind == k) for k in KIND_ROLES},
    )
