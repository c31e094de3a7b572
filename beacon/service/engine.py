"""Time-driven steps of the draw lifecycle, run after every pulse.

The only one is the **freeze** (PROTOCOL.md §13.2): at the first pulse at or after
a draw's commit deadline, the beacon logs a ``draw.freeze`` statement naming that
pulse, its tree head and the leaf indexes of the commitments and seed envelopes it
covers. Everything else in the lifecycle follows from the pulse times themselves.
"""

from __future__ import annotations

import logging

from beacon.core.bodies import DrawFreezeBody
from beacon.core.lifecycle import Phase
from beacon.core.vocabulary import StatementKind
from beacon.errors import InputError, StateError
from beacon.service.draws import load
from beacon.service.ledger import Ledger
from beacon.store import LogRepository, PulseRepository
from beacon.store.statements import StatementRepository

log = logging.getLogger("beacon.engine")

FROZEN_KINDS = (StatementKind.DRAW_COMMIT, StatementKind.ENVELOPE_SUBMIT)


class Engine:
    """Freezes draws whose commit deadline a pulse has reached."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def tick(self) -> list[str]:
        """Freeze every due draw, each in its own transaction; return their ids."""
        with self.ledger.db.read() as session:
            last = PulseRepository(session).last()
            if last is None:
                return []
            due = [
                row.draw_id
                for row in StatementRepository(session).draws_due_for_freeze(last.time_ms)
            ]
        frozen = []
        for draw_id in due:
            try:
                if self._freeze(draw_id):
                    frozen.append(draw_id)
            except (InputError, StateError) as e:
                # A draw that cannot be frozen must not stop the others or the pulser.
                log.error("draw %s: cannot freeze: %s", draw_id, e)
        return frozen

    def _freeze(self, draw_id: str) -> bool:
        with self.ledger.db.write() as session:
            now = self.ledger.clock.now_ms()  # under the write lock, as every issued_at
            repo = StatementRepository(session)
            pulses = PulseRepository(session)
            last = pulses.last()
            if last is None:  # no pulse yet, so none at or after the commit deadline
                return False
            record = load(repo, draw_id, pulse_ms=last.time_ms)
            if record.facts.frozen or record.phase not in (Phase.PUBLISHED, Phase.COMMITTING):
                return False  # a draft never countersigned, or a voided draw, is not frozen
            point = pulses.at_or_after(record.definition.deadlines.commit)
            if point is None:  # no pulse at or after the deadline yet: not due
                return False
            head = LogRepository(session).tree_head(point.tree_size)
            covered = sorted(
                s.leaf_index
                for s in record.statements
                if s.row.kind in FROZEN_KINDS and s.leaf_index < head.tree_size
            )
            body = DrawFreezeBody(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                pulse_chain=point.chain_index,
                pulse_index=point.pulse_index,
                commitments=tuple(covered),
            )
            self.ledger.issue(
                session,
                kind=StatementKind.DRAW_FREEZE,
                tender_id=record.definition.tender_id,
                subject=draw_id,
                body=body,
                now=now,
            )
        log.info(
            "froze draw %s at pulse %d/%d (tree size %d, %d entries)",
            draw_id,
            point.chain_index,
            point.pulse_index,
            head.tree_size,
            len(covered),
        )
        return True
