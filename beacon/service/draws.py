"""A draw as the log records it: its definition, its statements, and the facts
(:class:`beacon.core.lifecycle.Facts`) the state machine decides on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from beacon.core import lifecycle
from beacon.core.bodies import DrawFreezeBody
from beacon.core.definition import DrawDefinition
from beacon.core.lifecycle import Facts, Phase
from beacon.core.vocabulary import StatementKind
from beacon.errors import InputError
from beacon.store.pulses import PulseRepository
from beacon.store.statements import Logged, StatementRepository


class DrawNotFound(InputError):
    """No draw with this id (HTTP 404)."""


@dataclass(frozen=True)
class DrawRecord:
    definition: DrawDefinition
    statements: tuple[Logged, ...]  # subject = the draw id, in log order
    facts: Facts
    published_ms: int

    @property
    def draw_id(self) -> str:
        return self.definition.draw_id

    @property
    def phase(self) -> Phase:
        return lifecycle.phase(self.facts)

    def of_kind(self, kind: str) -> list[Logged]:
        return [s for s in self.statements if s.row.kind == kind]

    def one(self, kind: str) -> Logged | None:
        found = self.of_kind(kind)
        return found[0] if found else None

    def by_role(self, kind: str) -> dict[str, Logged]:
        return {s.row.role: s for s in self.of_kind(kind)}

    @property
    def freeze_size(self) -> int | None:
        freeze = self.one(StatementKind.DRAW_FREEZE)
        return None if freeze is None else freeze.signed.statement.body_as(DrawFreezeBody).tree_size

    def frozen(self, kind: str) -> list[Logged]:
        """Statements of ``kind`` inside the frozen set (leaf below the freeze tree size)."""
        size = self.freeze_size
        if size is None:
            return []
        return [s for s in self.of_kind(kind) if s.leaf_index < size]


def facts_from(
    definition: DrawDefinition,
    statements: Sequence[Logged],
    *,
    pulse_ms: int,
    result_recorded: int | None = None,
) -> Facts:
    def roles(kind: str) -> frozenset[str]:
        return frozenset(s.row.role for s in statements if s.row.kind == kind)

    freeze = next((s for s in statements if s.row.kind == StatementKind.DRAW_FREEZE), None)
    size = None if freeze is None else freeze.signed.statement.body_as(DrawFreezeBody).tree_size
    in_freeze = [s for s in statements if size is not None and s.leaf_index < size]
    result = next((s for s in statements if s.row.kind == StatementKind.DRAW_RESULT), None)
    return Facts(
        definition=definition,
        countersigned=any(s.row.kind == StatementKind.DRAW_COUNTERSIGN for s in statements),
        opening_keys=roles(StatementKind.DRAW_OPENING_KEY),
        commitments=roles(StatementKind.DRAW_COMMIT),
        seed_bidders=frozenset(
            s.row.actor for s in statements if s.row.kind == StatementKind.ENVELOPE_SUBMIT
        ),
        frozen=freeze is not None,
        frozen_opening_keys=frozenset(
            s.row.role for s in in_freeze if s.row.kind == StatementKind.DRAW_OPENING_KEY
        ),
        frozen_commitments=frozenset(
            s.row.role for s in in_freeze if s.row.kind == StatementKind.DRAW_COMMIT
        ),
        frozen_envelopes=sum(1 for s in in_freeze if s.row.kind == StatementKind.ENVELOPE_SUBMIT),
        snapshot=any(s.row.kind == StatementKind.DRAW_SNAPSHOT for s in statements),
        reveals=roles(StatementKind.DRAW_REVEAL),
        key_releases=roles(StatementKind.DRAW_KEY_RELEASE),
        result_at=None if result is None else result.row.received_ms,
        result_recorded=result_recorded,
        objections=sum(1 for s in statements if s.row.kind == StatementKind.DRAW_OBJECTION),
        confirmed=any(s.row.kind == StatementKind.DRAW_CONFIRM for s in statements),
        voided=any(s.row.kind == StatementKind.DRAW_VOID for s in statements),
        pulse_ms=pulse_ms,
    )


def load(repo: StatementRepository, draw_id: str, *, pulse_ms: int) -> DrawRecord:
    row = repo.draw(draw_id)
    if row is None:
        raise DrawNotFound(f"no draw {draw_id!r}", field="draw_id")
    definition = DrawDefinition.decode(row.definition)
    statements = tuple(repo.about(row.tender_id, draw_id))
    return DrawRecord(
        definition=definition,
        statements=statements,
        facts=facts_from(
            definition,
            statements,
            pulse_ms=pulse_ms,
            result_recorded=_recorded(repo, statements, StatementKind.DRAW_RESULT),
        ),
        published_ms=row.published_ms,
    )


def _recorded(repo: StatementRepository, statements: Sequence[Logged], kind: str) -> int | None:
    """PROTOCOL.md §13.3: the time of record of the ``kind`` statement, the timeStamp of the
    first pulse whose tree head covers its leaf (None without the statement or that pulse)."""
    found = next((s for s in statements if s.row.kind == kind), None)
    if found is None:
        return None
    covering = PulseRepository(repo.session).first_covering(found.leaf_index)
    return None if covering is None else covering.time_ms
