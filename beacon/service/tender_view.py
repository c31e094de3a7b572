"""What the API and the board show about a tender's bid opening: plain dicts from the record.

One place turns a :class:`~beacon.service.tenders.TenderRecord` into its public
view, so the JSON API (``/api/v1/tenders/{id}``) and the board's tender page
cannot disagree. Bidders are named by the subject of the certificate their
registration carried; the opening record's outcomes are joined to their bids.
"""

from __future__ import annotations

import shlex
from typing import Any

from beacon.core import envelope as env
from beacon.core.bodies import (
    EnvelopeReplaceBody,
    EnvelopeSubmitBody,
    TenderOpeningBody,
    TenderOpeningKeyBody,
    TenderPublishBody,
)
from beacon.core.envelope.shares import load_public_key
from beacon.core.tender import Bid, TenderPhase
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import CEREMONY_ROLES, StatementKind
from beacon.service.describe import ANCHORS_FILE, anchors_url
from beacon.service.tenders import TenderRecord
from beacon.store.statements import StatementRepository

# PROTOCOL.md §9.9: the deadline each phase waits for (releasing ends early once both
# parties released; opening waits for the beacon, not for a deadline).
PHASE_DEADLINE = {TenderPhase.ACCEPTING: "bid", TenderPhase.RELEASING: "release"}


def proof_filename(tender_id: str) -> str:
    """The file name a downloaded tender bundle is saved under (also its Content-Disposition)."""
    return f"tender-{tender_id.replace(':', '_')}.proof.json"


def proof_url(tender_id: str, base_url: str) -> str:
    return f"{base_url}/api/v1/tenders/{tender_id}/proof"


def verify_command(tender_id: str, base_url: str) -> str:
    """The shell commands that fetch the platform CA and a tender's bundle and recheck it.

    As :func:`beacon.service.describe.verify_command` for draws; every argument is
    shell-quoted because ``base_url`` may come from a request's Host header.
    """
    name = shlex.quote(proof_filename(tender_id))
    return (
        f"curl -fsS -o {ANCHORS_FILE} {shlex.quote(anchors_url(base_url))}\n"
        f"curl -fsS -o {name} {shlex.quote(proof_url(tender_id, base_url))}\n"
        f"beacon-verify tender {name} --anchors {ANCHORS_FILE}"
    )


def next_deadline(record: TenderRecord, now: int) -> dict[str, str] | None:
    """The deadline the tender's phase waits for, if it is still ahead of ``now``."""
    f = record.facts
    name = PHASE_DEADLINE.get(record.phase)
    when = {"bid": f.bid_deadline, "release": f.release_deadline}.get(name or "")
    if name is None or not when or when <= now:
        return None
    return {"name": name, "at": format_ms(when)}


def _subjects(repo: StatementRepository, fingerprints: set[bytes]) -> dict[bytes, str | None]:
    out: dict[bytes, str | None] = {}
    for fp in fingerprints:
        cert = repo.certificate(fp)
        out[fp] = None if cert is None else cert.subject
    return out


def _bid_state(bid: Bid | None) -> dict[str, Any]:
    """Where an envelope stands in its bidder's history (PROTOCOL.md §9.9 step 3a)."""
    if bid is None:  # a replacement that breaks §9.9 step 3a: never accepted, never counted
        return {"state": None, "replaces": None, "replaced_by": None, "ended_leaf_index": None}
    return {
        "state": bid.state.value,
        "replaces": bid.replaces or None,
        "replaced_by": bid.replaced_by or None,
        # The leaf of the envelope.replace or envelope.withdraw that ended it.
        "ended_leaf_index": bid.ended_at,
    }


def _stage(state: dict[str, Any], frozen: bool) -> str:
    """What the board says of a bid: replaced or withdrawn, else frozen once the closing
    pulse fixed it in the opening's set, else submitted."""
    if state["state"] in ("replaced", "withdrawn"):
        return str(state["state"])
    return "frozen" if frozen else "submitted"


def bids(record: TenderRecord, repo: StatementRepository) -> list[dict[str, Any]]:
    """The bidders who submitted, one row per bid envelope, in log order.

    The one place the bidder list is derived from the log (the API and the board
    both show it): each row's ``state`` says where the envelope stands, and after
    the opening its ``outcome`` is the opening record's entry for it.
    """
    logged = record.bids()
    subjects = _subjects(repo, {s.row.actor for s in logged})
    outcomes = {e["envelope_id"]: e for e in opening_entries(record) or []}
    frozen = {
        s.signed.statement.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody).envelope_id
        for s in record.frozen_bids()
    }
    rows = []
    for s in logged:
        body = s.signed.statement.body_as(EnvelopeSubmitBody, EnvelopeReplaceBody)
        state = _bid_state(record.facts.bids.get(body.envelope_id))
        stage = _stage(state, body.envelope_id in frozen)
        rows.append(
            {
                "envelope_id": body.envelope_id,
                "bidder": s.row.actor.hex(),
                "subject": subjects[s.row.actor],
                "size": body.size,
                "envelope_hash": body.envelope_hash.hex(),
                "leaf_index": s.leaf_index,
                "statement_hash": s.row.statement_hash.hex(),
                "received_at": format_ms(s.row.received_ms),
                "frozen": body.envelope_id in frozen,
                **state,
                "stage": stage,
                "outcome": outcomes.get(body.envelope_id),
            }
        )
    return rows


def opening_entries(record: TenderRecord) -> list[dict[str, Any]] | None:
    """The opening record's entries (PROTOCOL.md §9.9 step 6), or None before the opening."""
    opening = record.of_kind(StatementKind.TENDER_OPENING)
    if not opening:
        return None
    return [e.to_dict() for e in opening[0].signed.statement.body_as(TenderOpeningBody).openings]


def keyholders(record: TenderRecord, repo: StatementRepository) -> list[dict[str, Any]]:
    """The agent's and the centre's announcements and release, in the order of §9.9."""
    f = record.facts
    announced = record.of_kind(StatementKind.TENDER_OPENING_KEY)
    released = {s.row.role: s for s in record.of_kind(StatementKind.TENDER_KEY_RELEASE)}
    actors = {s.row.actor for s in announced} | {s.row.actor for s in released.values()}
    subjects = _subjects(repo, actors)
    out = []
    for role in sorted(CEREMONY_ROLES):  # agent, then centre, as the opening checks them
        keys = [s for s in announced if s.row.role == role]
        release = released.get(role)
        actor = release.row.actor if release is not None else (keys[0].row.actor if keys else None)
        out.append(
            {
                "role": str(role),
                "subject": None if actor is None else subjects[actor],
                "fingerprint": None if actor is None else actor.hex(),
                "keys": [
                    {
                        "key_id": env.key_id(
                            load_public_key(
                                s.signed.statement.body_as(TenderOpeningKeyBody).public_key
                            )
                        ).hex(),
                        "at": format_ms(s.row.received_ms),
                        "leaf_index": s.leaf_index,
                    }
                    for s in keys
                ],
                "release": None
                if release is None
                else {"at": format_ms(release.row.received_ms), "leaf_index": release.leaf_index},
                # §9.9 step 6.1: no release by the release deadline's pulse is the party's fault.
                "release_missed": release is None
                and f.published
                and f.pulse_ms >= f.release_deadline,
            }
        )
    return out


def summary_row(record: TenderRecord, now: int) -> dict[str, Any]:
    """One tender in the board's list: its phase, next deadline and how many bids."""
    published = record.of_kind(StatementKind.TENDER_PUBLISH)
    opening = opening_entries(record)
    return {
        "id": record.tender_id,
        "title": published[0].signed.statement.body_as(TenderPublishBody).title
        if published
        else None,
        "phase": record.phase.value,
        "next_deadline": next_deadline(record, now),
        "bid_count": len(record.bids()),
        "opened_count": None if opening is None else sum(e["status"] == "opened" for e in opening),
    }


def detail(
    record: TenderRecord, repo: StatementRepository, *, now: int, base_url: str
) -> dict[str, Any]:
    """The tender's public view: the JSON API's body and the board's tender page."""
    tender_id = record.tender_id
    f = record.facts
    regs = repo.registrations(tender_id)
    subjects = _subjects(repo, {r.fingerprint for r in regs})
    published = record.of_kind(StatementKind.TENDER_PUBLISH)
    opening = record.of_kind(StatementKind.TENDER_OPENING)
    return {
        "id": tender_id,
        "title": published[0].signed.statement.body_as(TenderPublishBody).title
        if published
        else None,
        "phase": record.phase.value,
        "published_at": format_ms(published[0].row.received_ms) if published else None,
        "bid_deadline": format_ms(f.bid_deadline) if f.bid_deadline else None,
        "release_deadline": format_ms(f.release_deadline) if f.release_deadline else None,
        "next_deadline": next_deadline(record, now),
        "parties": [
            {"role": r.role, "fingerprint": r.fingerprint.hex(), "subject": subjects[r.fingerprint]}
            for r in sorted(regs, key=lambda r: (r.role, r.fingerprint))
        ],
        "opening_keys": [
            {
                "role": s.row.role,
                "public_key": s.signed.statement.body_as(TenderOpeningKeyBody).public_key.hex(),
                "key_id": env.key_id(
                    load_public_key(s.signed.statement.body_as(TenderOpeningKeyBody).public_key)
                ).hex(),
            }
            for s in record.of_kind(StatementKind.TENDER_OPENING_KEY)
        ],
        "keyholders": keyholders(record, repo),
        "bids": bids(record, repo),
        "releases": sorted(f.releases),
        "opening": opening_entries(record),
        "opened_at": format_ms(opening[0].row.received_ms) if opening else None,
        "draws": [row.draw_id for row in repo.draws(tender_id=tender_id)],
        "statements": [
            {
                "leaf_index": s.leaf_index,
                "kind": s.row.kind,
                "role": s.row.role,
                "actor": s.row.actor.hex(),
                "hash": s.row.statement_hash.hex(),
                "issued_at": format_ms(s.row.issued_ms),
                "received_at": format_ms(s.row.received_ms),
            }
            for s in record.statements
        ],
        "proof_url": proof_url(tender_id, base_url),
        "proof_file": proof_filename(tender_id),
        "verify_command": verify_command(tender_id, base_url),
    }
