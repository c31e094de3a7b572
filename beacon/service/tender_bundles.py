"""Assembling a tender bundle (PROTOCOL.md §13.4) from the store.

Built like a draw's proof bundle (:mod:`beacon.service.bundles`): against the newest
pulse's tree head, so it exists once a pulse has covered the tender's latest
statement. It carries each frozen bid's header and MAC, read from the blob store,
never its payload.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from beacon.core import envelope as env
from beacon.core.bundle import LoggedStatement, TimePoint
from beacon.core.tender_bundle import BidHeader, TenderBundle
from beacon.core.timefmt import format_ms
from beacon.service.blobs import BlobStore
from beacon.service.bundles import NotYetAvailable, _beacon_certificates
from beacon.service.tenders import TenderRecord, load_tender
from beacon.store import LogRepository, PulseRepository
from beacon.store.statements import Logged, StatementRepository


class TenderNotFound(LookupError):
    """No statement names this tender."""


def tender_statements(session: Session, record: TenderRecord) -> list[Logged]:
    """Every statement the bundle must carry, in log order: the one place that picks them.

    The tender's whole scope chain (PROTOCOL.md §7.6): every registration, the
    deadlines, opening keys, bid submissions, key releases and the opening record, so
    that the verifier can prove none is left out (§14.1).
    """
    return StatementRepository(session).about(record.tender_id, "")


def build(
    session: Session,
    tender_id: str,
    *,
    blobs: BlobStore,
    anchors: Sequence[bytes],
    period_ms: int,
) -> TenderBundle:
    pulses = PulseRepository(session)
    log = LogRepository(session)
    if not StatementRepository(session).registrations(tender_id):
        raise TenderNotFound(f"no tender {tender_id!r}")
    last = pulses.last()
    if last is None:
        raise NotYetAvailable("no pulse has been emitted yet", retry_after_ms=period_ms)
    record = load_tender(session, tender_id)
    if not record.facts.published:
        raise TenderNotFound(f"tender {tender_id} has no bid opening: no tender.publish is logged")
    statements = tender_statements(session, record)
    newest = max(s.leaf_index for s in statements)
    if newest >= last.tree_size:
        raise NotYetAvailable(
            f"tender {tender_id}: the bundle covers leaf {newest}, which the next pulse "
            f"(due {format_ms(last.time_ms + period_ms)}) will commit",
            retry_after_ms=period_ms,
        )
    head = log.tree_head(last.tree_size)
    logged = tuple(
        LoggedStatement(
            s.leaf_index,
            s.link,
            s.signed,
            tuple(log.inclusion_proof(s.leaf_index, head.tree_size)),
        )
        for s in statements
    )
    points = tuple(_time_points(session, record, head.tree_size))
    headers = []
    for bid in record.frozen_bids():
        body = bid.signed.statement.body
        with blobs.open(body["envelope_hash"]) as source:
            prefix = env.read_prefix(source)
        headers.append(BidHeader(body["envelope_id"], prefix.header_bytes, prefix.mac))
    return TenderBundle(
        tender_id=tender_id,
        trust_anchors=tuple(anchors),
        beacon_certificates=_beacon_certificates(
            pulses,
            [last.pulse(), *(t.pulse for t in points), *(t.previous for t in points)],
            logged,
        ),
        statements=logged,
        bid_headers=tuple(headers),
        tree_head=head,
        pulse=last.pulse(),
        time_points=points,
    )


def _time_points(session: Session, record: TenderRecord, final_size: int) -> list[TimePoint]:
    """The closing pulse (bid deadline) and the release deadline's pulse, once they exist."""
    log = LogRepository(session)
    pulses = PulseRepository(session)
    f = record.facts
    out: list[TimePoint] = []
    if not f.published:
        return out
    for name, deadline in (("closing", f.bid_deadline), ("release", f.release_deadline)):
        point = pulses.at_or_after(deadline)
        if point is None:
            continue
        previous = pulses.get(point.chain_index, point.pulse_index - 1)
        if previous is None or point.tree_size > final_size:
            continue
        out.append(
            TimePoint(
                name=name,
                deadline=deadline,
                pulse=point.pulse(),
                previous=previous.pulse(),
                tree_head=log.tree_head(point.tree_size),
                consistency=tuple(log.consistency_proof(point.tree_size, final_size)),
            )
        )
    return out
