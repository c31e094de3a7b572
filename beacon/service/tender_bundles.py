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
from beacon.core.bodies import EnvelopeReplaceBody, EnvelopeSubmitBody
from beacon.core.tender_bundle import BidHeader, TenderBundle
from beacon.service.blobs import BlobStore
from beacon.service.bundles import (
    NotYetAvailable,
    beacon_certificates,
    logged_in_head,
    time_points,
)
from beacon.service.tenders import TenderRecord, load_tender
from beacon.store import PulseRepository
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
    if not StatementRepository(session).registrations(tender_id):
        raise TenderNotFound(f"no tender {tender_id!r}")
    last = pulses.last()
    if last is None:
        raise NotYetAvailable("no pulse has been emitted yet", retry_after_ms=period_ms)
    record = load_tender(session, tender_id)
    if not record.facts.published:
        raise TenderNotFound(f"tender {tender_id} has no bid opening: no tender.publish is logged")
    statements = tender_statements(session, record)
    head, logged = logged_in_head(
        session, statements, last, what=f"tender {tender_id}", period_ms=period_ms
    )
    points = tuple(time_points(session, _deadlines(record), head.tree_size))
    headers = []
    for bid in record.frozen_bids():
        body = bid.signed.statement.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody)
        with blobs.open(body.envelope_hash) as source:
            prefix = env.read_prefix(source)
        headers.append(BidHeader(body.envelope_id, prefix.header_bytes, prefix.mac))
    return TenderBundle(
        tender_id=tender_id,
        trust_anchors=tuple(anchors),
        beacon_certificates=beacon_certificates(
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


def _deadlines(record: TenderRecord) -> list[tuple[str, int]]:
    """The closing pulse (bid deadline) and the release deadline's pulse (§9.9)."""
    f = record.facts
    if not f.published:
        return []
    return [("closing", f.bid_deadline), ("release", f.release_deadline)]
