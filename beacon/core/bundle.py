"""The proof bundle (PROTOCOL.md §13): everything needed to recheck one draw offline.

A bundle is one JSON document. It carries the definition, every statement about the
draw with its log inclusion proof, the bidder seed envelopes, the signed pulses
that timestamp the log at each deadline, on either side of each statement's leaf
(the time of record of its ``issued_at``) and at the end, the beacon's certificate
and the trust anchors. The result itself is the beacon's signed ``draw.result``
statement; ``summary`` only presents its values for people and must agree with it.

Strictness as everywhere: unknown members, missing members and non-canonical
values are rejected, so a bundle has exactly one JSON form per content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from beacon.core import presentation as pres
from beacon.core.definition import DrawDefinition
from beacon.core.logentry import ChainLink, LogEntry
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import format_ms, parse_ms
from beacon.errors import EncodingError, InputError

FORMAT: Final = "tender-beacon/v2/proof-bundle"
DEADLINE_NAMES: Final = ("commit", "snapshot", "reveal", "seed_open", "result", "dispute_end")
MAX_ITEMS: Final = 100_000


@dataclass(frozen=True)
class LoggedStatement:
    """A signed statement, its leaf index, its place in its scope's chain (§7.6) and its
    inclusion proof in the final tree head. The leaf's entry is the :class:`LogEntry` of
    ``chain`` and ``signed``."""

    leaf_index: int
    link: ChainLink
    signed: SignedStatement
    inclusion: tuple[bytes, ...]

    @property
    def entry(self) -> bytes:
        return LogEntry(self.link, self.signed).encode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "chain": {
                "seq": self.link.seq,
                "previous_leaf": self.link.previous_leaf,
                "previous_hash": self.link.previous_hash.hex(),
            },
            "signed": self.signed.to_dict(),
            "inclusion": [h.hex() for h in self.inclusion],
        }

    @classmethod
    def from_dict(cls, value: Any, what: str) -> LoggedStatement:
        obj = pres.as_object(value, what)
        pres.check_members(obj, what, required={"leaf_index", "chain", "signed", "inclusion"})
        chain = pres.as_object(obj["chain"], f"{what}.chain")
        pres.check_members(
            chain, f"{what}.chain", required={"seq", "previous_leaf", "previous_hash"}
        )
        return cls(
            leaf_index=pres.integer(obj, "leaf_index", what, bits=64),
            link=ChainLink(
                seq=pres.integer(chain, "seq", f"{what}.chain", bits=64),
                previous_leaf=pres.integer(chain, "previous_leaf", f"{what}.chain", bits=64),
                previous_hash=pres.hex_member(chain, "previous_hash", f"{what}.chain", size=32),
            ),
            signed=SignedStatement.from_dict(obj["signed"]),
            inclusion=_hashes(obj["inclusion"], f"{what}.inclusion"),
        )


@dataclass(frozen=True)
class TimePoint:
    """The log as of the first pulse at or after a deadline (PROTOCOL.md §13.2).

    ``pulse`` commits ``tree_head`` in its ``external.value``; ``previous`` is the
    pulse before it in the same chain (its time is before the deadline), and
    ``consistency`` proves ``tree_head`` is a prefix of the bundle's final head.
    """

    name: str
    deadline: int  # ms, copied from the definition (or the dispute-window end)
    pulse: Pulse
    previous: Pulse
    tree_head: TreeHead
    consistency: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "deadline": format_ms(self.deadline),
            "pulse": self.pulse.to_json(),
            "previous": self.previous.to_json(),
            "tree_head": self.tree_head.to_dict(),
            "consistency": [h.hex() for h in self.consistency],
        }

    @classmethod
    def from_dict(
        cls, value: Any, what: str, *, names: tuple[str, ...] = DEADLINE_NAMES
    ) -> TimePoint:
        obj = pres.as_object(value, what)
        pres.check_members(
            obj,
            what,
            required={"name", "deadline", "pulse", "previous", "tree_head", "consistency"},
        )
        name = pres.text(obj, "name", what)
        if name not in names:
            raise EncodingError(
                f"{what}.name: {name!r} is not one of {names}", field=f"{what}.name"
            )
        return cls(
            name=name,
            deadline=parse_ms(obj["deadline"], field=f"{what}.deadline"),
            pulse=Pulse.from_json(obj["pulse"]),
            previous=Pulse.from_json(obj["previous"]),
            tree_head=TreeHead.from_dict(obj["tree_head"]),
            consistency=_hashes(obj["consistency"], f"{what}.consistency"),
        )


@dataclass(frozen=True)
class Witness:
    """A pulse on one side of a statement's leaf (PROTOCOL.md §13.3).

    ``pulse`` commits ``tree_head``; ``consistency`` proves it a prefix of the
    bundle's final head (empty when the sizes are equal or the tree is empty).
    """

    pulse: Pulse
    tree_head: TreeHead
    consistency: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pulse": self.pulse.to_json(),
            "tree_head": self.tree_head.to_dict(),
            "consistency": [h.hex() for h in self.consistency],
        }

    @classmethod
    def from_dict(cls, value: Any, what: str) -> Witness:
        obj = pres.as_object(value, what)
        pres.check_members(obj, what, required={"pulse", "tree_head", "consistency"})
        return cls(
            pulse=Pulse.from_json(obj["pulse"]),
            tree_head=TreeHead.from_dict(obj["tree_head"]),
            consistency=_hashes(obj["consistency"], f"{what}.consistency"),
        )


@dataclass(frozen=True)
class ProofBundle:
    """One draw's complete, offline-verifiable record."""

    draw_id: str
    definition: DrawDefinition
    trust_anchors: tuple[bytes, ...]  # DER of the CA certificates the service trusts
    beacon_certificates: tuple[
        bytes, ...
    ]  # DER of every beacon key the bundle's pulses and statements use
    statements: tuple[LoggedStatement, ...]  # in log order
    seed_envelopes: Mapping[str, bytes]  # envelope id → the file's bytes, in log order
    tree_head: TreeHead  # final head covering every statement
    pulse: Pulse  # the pulse that commits ``tree_head``
    time_points: tuple[TimePoint, ...]
    witnesses: tuple[Witness, ...]  # §13.3: the pulses either side of each statement's leaf
    summary: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "draw_id": self.draw_id,
            "definition": self.definition.to_dict(),
            "trust_anchors": [pres.b64(c) for c in self.trust_anchors],
            "beacon_certificates": [pres.b64(c) for c in self.beacon_certificates],
            "statements": [s.to_dict() for s in self.statements],
            # PROTOCOL.md §13: in the log order of their envelope.submit statements (the
            # order the mapping was built in), not sorted by id.
            "seed_envelopes": [
                {"envelope_id": k, "data": pres.b64(v)} for k, v in self.seed_envelopes.items()
            ],
            "log": {"tree_head": self.tree_head.to_dict(), "pulse": self.pulse.to_json()},
            "time_points": [t.to_dict() for t in self.time_points],
            "witnesses": [w.to_dict() for w in self.witnesses],
            "summary": dict(self.summary),
        }

    @classmethod
    def from_dict(cls, value: Any) -> ProofBundle:
        what = "bundle"
        obj = pres.as_object(value, what)
        pres.check_members(
            obj,
            what,
            required={
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
            },
        )
        if obj["format"] != FORMAT:
            raise EncodingError(
                f"bundle.format: expected {FORMAT!r}, got {obj['format']!r}", field="format"
            )
        log = pres.as_object(obj["log"], "bundle.log")
        pres.check_members(log, "bundle.log", required={"tree_head", "pulse"})
        envelopes: dict[str, bytes] = {}
        for i, item in enumerate(_list(obj["seed_envelopes"], "bundle.seed_envelopes")):
            entry = pres.as_object(item, f"bundle.seed_envelopes[{i}]")
            pres.check_members(
                entry, f"bundle.seed_envelopes[{i}]", required={"envelope_id", "data"}
            )
            key = pres.text(entry, "envelope_id", f"bundle.seed_envelopes[{i}]")
            if key in envelopes:
                raise EncodingError(f"bundle.seed_envelopes: envelope {key!r} appears twice")
            envelopes[key] = pres.b64_bytes(entry["data"], f"bundle.seed_envelopes[{i}].data")
        summary = pres.as_object(obj["summary"], "bundle.summary")
        try:
            definition = DrawDefinition.from_dict(obj["definition"])
        except InputError as e:
            raise EncodingError(f"bundle.definition: {e}", field="definition") from e
        return cls(
            draw_id=pres.text(obj, "draw_id", what),
            definition=definition,
            trust_anchors=tuple(
                pres.b64_bytes(c, "bundle.trust_anchors")
                for c in _list(obj["trust_anchors"], "bundle.trust_anchors")
            ),
            beacon_certificates=tuple(
                pres.b64_bytes(c, "bundle.beacon_certificates")
                for c in _list(obj["beacon_certificates"], "bundle.beacon_certificates")
            ),
            statements=tuple(
                LoggedStatement.from_dict(s, f"bundle.statements[{i}]")
                for i, s in enumerate(_list(obj["statements"], "bundle.statements"))
            ),
            seed_envelopes=envelopes,
            tree_head=TreeHead.from_dict(log["tree_head"]),
            pulse=Pulse.from_json(log["pulse"]),
            time_points=tuple(
                TimePoint.from_dict(t, f"bundle.time_points[{i}]")
                for i, t in enumerate(_list(obj["time_points"], "bundle.time_points"))
            ),
            witnesses=tuple(
                Witness.from_dict(w, f"bundle.witnesses[{i}]")
                for i, w in enumerate(_list(obj["witnesses"], "bundle.witnesses"))
            ),
            summary=dict(summary),
        )

    def time_point(self, name: str) -> TimePoint | None:
        for t in self.time_points:
            if t.name == name:
                return t
        return None


def _list(value: Any, what: str) -> Sequence[Any]:
    return pres.array(value, what, max_items=MAX_ITEMS)


def _hashes(value: Any, what: str) -> tuple[bytes, ...]:
    return tuple(
        pres.hex_bytes(h, f"{what}[{i}]", size=32) for i, h in enumerate(_list(value, what))
    )
