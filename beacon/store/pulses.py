"""The pulse chain in the database (PROTOCOL.md §8).

A pulse is stored once, as the exact JSON text served, next to the columns used
to find it; the primary key (chain, index) and the unique (chain, time) make a
second pulse at the same place impossible. The pulser's promise (the next
``localRandomValue``) lives in the singleton ``pulser_state`` row, locked by the
write transaction that emits a pulse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Select, UnaryExpression, insert, select, update
from sqlalchemy.orm import Session

from beacon.core.chain import PulseRef, period_start
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse, certificate_id
from beacon.errors import ConflictError
from beacon.store.chain_tables import CertificateRow, PulseRow, PulserState

MAX_RANGE = 1000


@dataclass(frozen=True)
class StoredPulse:
    """A pulse as stored: the served document and what it is filed under."""

    chain_index: int
    pulse_index: int
    time_ms: int
    tree_size: int
    document: str

    def pulse(self) -> Pulse:
        return Pulse.from_json(json.loads(self.document))


@dataclass(frozen=True)
class Promise:
    """The pulser's pending precommitment: what pulse (chain, index) must carry."""

    chain_index: int
    pulse_index: int
    local_random_value: bytes


def _stored(row: PulseRow) -> StoredPulse:
    return StoredPulse(row.chain_index, row.pulse_index, row.time_ms, row.tree_size, row.document)


class PulseRepository:
    """Read and append pulses through a caller-owned session (never commits)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- reading -------------------------------------------------------------------

    def get(self, chain_index: int, pulse_index: int) -> StoredPulse | None:
        row = self._session.get(PulseRow, (chain_index, pulse_index))
        return None if row is None else _stored(row)

    def last(self, chain_index: int | None = None) -> StoredPulse | None:
        """The newest pulse of ``chain_index`` (default: of the newest chain)."""
        query = (
            select(PulseRow)
            .order_by(PulseRow.chain_index.desc(), PulseRow.pulse_index.desc())
            .limit(1)
        )
        if chain_index is not None:
            query = query.where(PulseRow.chain_index == chain_index)
        row = self._session.execute(query).scalar_one_or_none()
        return None if row is None else _stored(row)

    def last_chain_index(self) -> int | None:
        last = self.last()
        return None if last is None else last.chain_index

    def at_or_after(self, time_ms: int) -> StoredPulse | None:
        """NIST ``/pulse/time/{ms}``: the pulse at ``time_ms``, else the next one."""
        return self._first(
            select(PulseRow).where(PulseRow.time_ms >= time_ms).order_by(*_by_time())
        )

    def before(self, time_ms: int) -> StoredPulse | None:
        """NIST ``/pulse/time/previous/{ms}``: the newest pulse strictly before ``time_ms``."""
        return self._first(
            select(PulseRow).where(PulseRow.time_ms < time_ms).order_by(*_by_time(desc=True))
        )

    def after(self, time_ms: int) -> StoredPulse | None:
        """NIST ``/pulse/time/next/{ms}``: the oldest pulse strictly after ``time_ms``."""
        return self._first(select(PulseRow).where(PulseRow.time_ms > time_ms).order_by(*_by_time()))

    def first_covering(self, leaf_index: int) -> StoredPulse | None:
        """The first pulse whose committed tree head contains leaf ``leaf_index``.

        Tree sizes never decrease with time (the log only grows), so the first pulse by
        (tree_size, time) is the first by time; ``ix_pulses_tree_size`` makes it one read.
        """
        return self._first(
            select(PulseRow)
            .where(PulseRow.tree_size > leaf_index)
            .order_by(PulseRow.tree_size, *_by_time())
        )

    def range(self, chain_index: int, start: int, end: int) -> list[StoredPulse]:
        """Pulses ``start <= index < end`` of one chain, at most :data:`MAX_RANGE`."""
        end = min(end, start + MAX_RANGE)
        rows = self._session.execute(
            select(PulseRow)
            .where(
                PulseRow.chain_index == chain_index,
                PulseRow.pulse_index >= start,
                PulseRow.pulse_index < end,
            )
            .order_by(PulseRow.pulse_index)
        ).scalars()
        return [_stored(r) for r in rows]

    def first_in_period(self, chain_index: int, kind: str, time_ms: int) -> PulseRef:
        """The first pulse of the chain in the UTC ``kind`` period containing ``time_ms`` (§8.5)."""
        start = period_start(kind, time_ms)
        # Time grows with the index within a chain, so the (chain, time) unique index answers this.
        row = self._session.execute(
            select(PulseRow.output_value, PulseRow.document)
            .where(PulseRow.chain_index == chain_index, PulseRow.time_ms >= start)
            .order_by(PulseRow.time_ms)
            .limit(1)
        ).one_or_none()
        if row is None:
            raise ConflictError(
                f"chain {chain_index} has no pulse since {start} ms for its {kind} link"
            )
        return PulseRef(row.output_value, json.loads(row.document)["pulse"]["uri"])

    def certificate(self, cid: bytes) -> bytes | None:
        row = self._session.get(CertificateRow, cid)
        return None if row is None else row.der

    def _first(self, query: Select[PulseRow]) -> StoredPulse | None:
        row = self._session.execute(query.limit(1)).scalar_one_or_none()
        return None if row is None else _stored(row)

    # -- writing -------------------------------------------------------------------

    def add_certificate(self, der: bytes) -> bytes:
        """Store a signing certificate once; returns its ``certificateId``."""
        cid = certificate_id(der)
        if self._session.get(CertificateRow, cid) is None:
            self._session.execute(insert(CertificateRow).values(certificate_id=cid, der=der))
        return cid

    def append(self, pulse: Pulse, tree_head: TreeHead) -> StoredPulse:
        """Store a signed pulse; the tree head must already be saved (log repository)."""
        document = json.dumps(pulse.to_json(), separators=(",", ":"))
        values = {
            "chain_index": pulse.chain_index,
            "pulse_index": pulse.pulse_index,
            "time_ms": pulse.time_ms,
            "certificate_id": pulse.certificate_id,
            "tree_size": tree_head.tree_size,
            "output_value": pulse.output_value,
            "document": document,
        }
        self._session.execute(insert(PulseRow).values(**values))
        return StoredPulse(
            pulse.chain_index, pulse.pulse_index, pulse.time_ms, tree_head.tree_size, document
        )

    def state(self, *, lock: bool = True) -> tuple[Promise | None, bool]:
        """The pending promise and whether a new chain was requested."""
        query = select(PulserState).where(PulserState.id == 1)
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).scalar_one()
        promise = None
        if row.pending_local_random_value is not None:
            if row.pending_chain_index is None or row.pending_pulse_index is None:
                raise ConflictError(
                    "pulser state: a promised local random value without its chain and pulse index"
                )
            promise = Promise(
                row.pending_chain_index, row.pending_pulse_index, row.pending_local_random_value
            )
        return promise, row.new_chain_requested

    def promise(self, promise: Promise | None) -> None:
        """Record (or clear) the value the next pulse must carry."""
        values = (
            {
                "pending_chain_index": None,
                "pending_pulse_index": None,
                "pending_local_random_value": None,
            }
            if promise is None
            else {
                "pending_chain_index": promise.chain_index,
                "pending_pulse_index": promise.pulse_index,
                "pending_local_random_value": promise.local_random_value,
            }
        )
        self._session.execute(update(PulserState).where(PulserState.id == 1).values(**values))

    def recorded_period(self) -> int | None:
        """The deployment's pulse period in ms, as recorded at its first start (or None)."""
        return self._session.execute(
            select(PulserState.pulse_period_ms).where(PulserState.id == 1)
        ).scalar_one()

    def record_period(self, period_ms: int) -> None:
        """Record the deployment's pulse period (first start, or a new chain's new period)."""
        self._session.execute(
            update(PulserState).where(PulserState.id == 1).values(pulse_period_ms=period_ms)
        )

    def request_new_chain(self, requested: bool = True) -> None:
        """Ask the pulser to start a new chain at its next pulse (or withdraw the request)."""
        self._session.execute(
            update(PulserState).where(PulserState.id == 1).values(new_chain_requested=requested)
        )


def _by_time(*, desc: bool = False) -> tuple[UnaryExpression[int], UnaryExpression[int]]:
    if desc:
        return (PulseRow.time_ms.desc(), PulseRow.chain_index.desc())
    return (PulseRow.time_ms.asc(), PulseRow.chain_index.asc())
