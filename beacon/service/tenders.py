"""A tender's bid opening as the log records it, and the beacon's opening step.

The opening (PROTOCOL.md §9.9) runs in the worker once the tender is in the
``opening`` phase: for each frozen bid envelope it unwraps both shares with the
released (and verified) opening keys, recombines them, checks the header MAC,
streams the payload to the service's private ``opened/`` folder, and finally logs
one ``tender.opening`` record with the outcome of every envelope and who is at
fault when it failed. Everything but the payload check can be redone by anyone
from the tender bundle (:mod:`beacon.service.tender_bundles`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from beacon import durable
from beacon.core import envelope as env
from beacon.core import tender
from beacon.core.bodies import (
    EnvelopeReplaceBody,
    EnvelopeSubmitBody,
    EnvelopeWithdrawBody,
    TenderKeyReleaseBody,
    TenderOpeningBody,
    TenderOpeningKeyBody,
    TenderPublishBody,
)
from beacon.core.envelope.failures import Reason
from beacon.core.envelope.shares import public_bytes
from beacon.core.opening import (
    OpeningEntry,
    OpeningStatus,
    failure_status,
    header_hash,
    missing_status,
    role_share,
)
from beacon.core.tender import TenderFacts, TenderPhase
from beacon.core.vocabulary import CEREMONY_ROLES, Role, StatementKind
from beacon.errors import EnvelopeError, StateError
from beacon.service.blobs import BlobStore
from beacon.store import LogRepository, PulseRepository
from beacon.store.statements import Logged, StatementRepository

log = logging.getLogger("beacon.opening")

TENDER_KINDS = (
    StatementKind.TENDER_PUBLISH,
    StatementKind.TENDER_OPENING_KEY,
    StatementKind.TENDER_KEY_RELEASE,
    StatementKind.TENDER_OPENING,
    *tender.BID_KINDS,
)


@dataclass(frozen=True)
class TenderRecord:
    tender_id: str
    statements: tuple[Logged, ...]  # tender-level (subject "") statements of the bid opening
    facts: TenderFacts
    closing_size: int | None  # tree size of the first pulse at or after the bid deadline

    @property
    def phase(self) -> TenderPhase:
        return tender.phase(self.facts)

    def of_kind(self, kind: str) -> list[Logged]:
        return [s for s in self.statements if s.row.kind == kind]

    def bids(self) -> list[Logged]:
        """The statements that brought bid envelopes (submissions and replacements), in log
        order: the whole history, replaced and withdrawn envelopes included."""
        return [
            s
            for s in self.statements
            if s.row.kind == StatementKind.ENVELOPE_REPLACE
            or (
                s.row.kind == StatementKind.ENVELOPE_SUBMIT
                and s.signed.statement.body_as(EnvelopeSubmitBody).purpose == "bid"
            )
        ]

    def frozen_bids(self) -> list[Logged]:
        """PROTOCOL.md §9.9 step 4: the standing bids after the bid statements below the
        closing pulse's tree size, each as the statement that brought its envelope."""
        if self.closing_size is None:
            return []
        size = self.closing_size
        history = _history(s for s in self.statements if s.leaf_index < size)
        brought = {s.leaf_index: s for s in self.bids()}
        return [brought[b.leaf_index] for b in tender.standing(history)]

    def opening_keys(self, role: str, *, before: int | None = None) -> list[bytes]:
        """The role's announced public keys in log order (those before leaf ``before``)."""
        return [
            s.signed.statement.body_as(TenderOpeningKeyBody).public_key
            for s in self.of_kind(StatementKind.TENDER_OPENING_KEY)
            if s.row.role == role and (before is None or s.leaf_index < before)
        ]

    def released_keys(self) -> dict[str, dict[bytes, ec.EllipticCurvePrivateKey]]:
        """Each releasing role's keys by public key (the ledger checked them on acceptance)."""
        out: dict[str, dict[bytes, ec.EllipticCurvePrivateKey]] = {}
        for s in self.of_kind(StatementKind.TENDER_KEY_RELEASE):
            keys = [
                serialization.load_der_private_key(der, password=None)
                for der in s.signed.statement.body_as(TenderKeyReleaseBody).private_keys
            ]
            out[s.row.role] = {
                public_bytes(k.public_key()): k
                for k in keys
                if isinstance(k, ec.EllipticCurvePrivateKey)
            }
        return out


def load_tender(session: Session, tender_id: str) -> TenderRecord:
    repo = StatementRepository(session)
    pulses = PulseRepository(session)
    last = pulses.last()
    statements = tuple(repo.about(tender_id, "", kinds=TENDER_KINDS))
    published = next((s for s in statements if s.row.kind == StatementKind.TENDER_PUBLISH), None)
    body = None if published is None else published.signed.statement.body_as(TenderPublishBody)
    bid_deadline = 0 if body is None else body.bid_deadline
    keys: dict[str, int] = {}
    for s in statements:
        if s.row.kind == StatementKind.TENDER_OPENING_KEY:
            keys[s.row.role] = keys.get(s.row.role, 0) + 1
    facts = TenderFacts(
        tender_id=tender_id,
        bid_deadline=bid_deadline,
        release_deadline=0 if body is None else body.release_deadline,
        opening_keys=keys,
        bids=_history(statements),
        releases=frozenset(
            s.row.role for s in statements if s.row.kind == StatementKind.TENDER_KEY_RELEASE
        ),
        opened=any(s.row.kind == StatementKind.TENDER_OPENING for s in statements),
        pulse_ms=0 if last is None else last.time_ms,
    )
    closing = pulses.at_or_after(bid_deadline) if bid_deadline else None
    return TenderRecord(
        tender_id, statements, facts, None if closing is None else closing.tree_size
    )


def _history(statements: Iterable[Logged]) -> dict[str, tender.Bid]:
    return tender.bid_history(
        (
            s.leaf_index,
            s.row.actor,
            s.signed.statement.body_as(
                EnvelopeSubmitBody, EnvelopeReplaceBody, EnvelopeWithdrawBody
            ),
        )
        for s in statements
        if s.row.kind in tender.BID_KINDS
    )


def tenders_to_open(session: Session) -> list[str]:
    """Tenders in the opening phase without an opening record."""
    repo = StatementRepository(session)
    out = []
    for tender_id in repo.tenders_with(StatementKind.TENDER_PUBLISH):
        if load_tender(session, tender_id).phase is TenderPhase.OPENING:
            out.append(tender_id)
    return out


def open_bids(record: TenderRecord, blobs: BlobStore, opened_dir: Path) -> list[OpeningEntry]:
    """Unwrap, recombine, check and decrypt every frozen bid envelope; attribute each failure.

    PROTOCOL.md §9.9 step 6, in its order: a role without a release is its party's
    fault; otherwise each role's share comes from the stanzas of every key of that
    role announced before the envelope (:func:`role_share`), then the header MAC and
    the payload decide.
    """
    released = record.released_keys()
    folder = opened_dir / record.tender_id
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    entries = []
    for bid in record.frozen_bids():
        body = bid.signed.statement.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody)
        envelope_id = body.envelope_id
        with blobs.open(body.envelope_hash) as source:
            prefix = env.read_prefix(source)  # checked on submission, so it parses
        digest_of_header = header_hash(prefix.header_bytes, prefix.mac)
        entry = functools.partial(OpeningEntry, envelope_id, bid.row.actor, digest_of_header)
        missing = missing_status(released)
        if missing is not None:
            entries.append(entry(missing, Reason.SHARE_MISSING.value, b"", 0))
            continue
        digest = hashlib.sha256()
        try:
            shares = {
                role: role_share(
                    prefix.header,
                    role,
                    [released[role][k] for k in record.opening_keys(role, before=bid.leaf_index)],
                )
                for role in CEREMONY_ROLES
            }
            # The plaintext replaces folder/envelope_id only once it is whole and checked.
            with (
                blobs.open(body.envelope_hash) as source,
                durable.atomic_output(folder / envelope_id) as out,
            ):
                size = env.open(
                    source,
                    _Hashing(out, digest),
                    share_agent=shares[Role.AGENT],
                    share_centre=shares[Role.CENTRE],
                )
        except EnvelopeError as e:
            reason = Reason(e.reason)
            log.warning(
                "tender %s: bid %s does not open: %s", record.tender_id, envelope_id, reason.value
            )
            entries.append(entry(failure_status(reason), reason.value, b"", 0))
            continue
        entries.append(entry(OpeningStatus.OPENED, "", digest.digest(), size))
    return entries


class _Hashing:
    """A sink that hashes what it passes on to ``out``."""

    def __init__(self, out: BinaryIO, digest: hashlib._Hash) -> None:
        self.out = out
        self.digest = digest

    def write(self, data: bytes, /) -> None:
        self.digest.update(data)
        self.out.write(data)


def log_opening(
    session: Session, record: TenderRecord, entries: list[OpeningEntry]
) -> TenderOpeningBody:
    """The body of the ``tender.opening`` statement: the frozen set's tree head, the key
    releases used and every outcome."""
    if record.closing_size is None:
        raise StateError(
            f"tender {record.tender_id}: no closing pulse yet, so no frozen set to open"
        )
    head = LogRepository(session).tree_head(record.closing_size)
    releases = record.of_kind(StatementKind.TENDER_KEY_RELEASE)
    return TenderOpeningBody(
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        releases=tuple(s.leaf_index for s in releases),
        openings=tuple(entries),
    )
