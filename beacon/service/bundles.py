"""Assembling a draw's proof bundle (PROTOCOL.md §13) from the store.

The bundle is built against the newest pulse's tree head, so it exists once a
pulse has covered the draw's latest statement; until then the service answers
that the proof will be available after the next pulse. Only the parts of the
lifecycle that have happened are included: a bundle of a draw still waiting for
its reveals is a valid, partial record that the verifier reports as incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from beacon.core.bodies import DrawResultBody, EnvelopeSubmitBody
from beacon.core.bundle import LoggedStatement, ProofBundle, TimePoint, Witness
from beacon.core.definition import Kind
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import StateError
from beacon.service.blobs import BlobStore
from beacon.service.draws import DrawRecord, load
from beacon.store import LogRepository, PulseRepository, StoredPulse
from beacon.store.statements import Logged, StatementRepository


class NotYetAvailable(StateError):
    """The bundle needs a pulse that has not been emitted yet (HTTP 409 with Retry-After)."""

    def __init__(self, message: str, *, retry_after_ms: int) -> None:
        super().__init__(message)
        self.retry_after_ms = retry_after_ms


def logged_in_head(
    session: Session, statements: Sequence[Logged], last: StoredPulse, *, what: str, period_ms: int
) -> tuple[TreeHead, tuple[LoggedStatement, ...]]:
    """The newest pulse's tree head and each statement with its chain link (§7.6) and its
    inclusion proof in that head; not yet available while a statement is newer than it."""
    newest = max(s.leaf_index for s in statements)
    if newest >= last.tree_size:
        raise NotYetAvailable(
            f"{what}: the bundle covers leaf {newest}, which the next pulse "
            f"(due {format_ms(last.time_ms + period_ms)}) will commit",
            retry_after_ms=period_ms,
        )
    log = LogRepository(session)
    head = log.tree_head(last.tree_size)
    return head, tuple(
        LoggedStatement(
            s.leaf_index,
            s.link,
            s.signed,
            tuple(log.inclusion_proof(s.leaf_index, head.tree_size)),
        )
        for s in statements
    )


def build(
    session: Session,
    draw_id: str,
    *,
    blobs: BlobStore,
    anchors: Sequence[bytes],
    period_ms: int,
) -> ProofBundle:
    repo = StatementRepository(session)
    pulses = PulseRepository(session)
    last = pulses.last()
    if last is None:
        raise NotYetAvailable("no pulse has been emitted yet", retry_after_ms=period_ms)
    record = load(repo, draw_id, pulse_ms=last.time_ms)
    statements = _with_registrations(repo, record)
    head, logged = logged_in_head(
        session, statements, last, what=f"draw {draw_id}", period_ms=period_ms
    )
    points = tuple(time_points(session, _deadlines(record), head.tree_size))
    witnesses = _witnesses(session, [s.leaf_index for s in statements], head.tree_size)
    submitted = [
        s.signed.statement.body_as(EnvelopeSubmitBody)
        for s in record.frozen(StatementKind.ENVELOPE_SUBMIT)
    ]
    envelopes = {b.envelope_id: blobs.read(b.envelope_hash) for b in submitted}
    return ProofBundle(
        draw_id=draw_id,
        definition=record.definition,
        trust_anchors=tuple(anchors),
        beacon_certificates=beacon_certificates(
            pulses,
            [
                last.pulse(),
                *(t.pulse for t in points),
                *(t.previous for t in points),
                *(w.pulse for w in witnesses),
            ],
            logged,
        ),
        statements=logged,
        seed_envelopes=envelopes,
        tree_head=head,
        pulse=last.pulse(),
        time_points=points,
        witnesses=witnesses,
        summary=summary(record),
    )


def beacon_certificates(
    pulses: PulseRepository, used: Sequence[Pulse], logged: Sequence[LoggedStatement]
) -> tuple[bytes, ...]:
    """Every certificate the beacon signed the bundle's pulses and statements with.

    More than one after a rotation of the signing key (status 4): each pulse names
    its certificate by ``certificateId``, each statement carries its own.
    """
    out: dict[bytes, None] = {}
    for pulse in used:
        der = pulses.certificate(pulse.certificate_id)
        if der is None:
            raise StateError(
                f"pulse {pulse.chain_index}/{pulse.pulse_index}: its certificate is not stored"
            )
        out[der] = None
    for s in logged:
        if s.signed.statement.role == Role.BEACON:
            out[s.signed.certificate] = None
    return tuple(out)


def _with_registrations(repo: StatementRepository, record: DrawRecord) -> list[Logged]:
    """The draw's statements plus the registration of every actor, and of their registrars."""
    tender = record.definition.tender_id
    needed = {s.row.actor for s in record.statements if s.row.role != Role.BEACON}
    regs: dict[int, Logged] = {}
    while needed:
        fp = needed.pop()
        reg = repo.registration(tender, fp)
        if reg is None:
            continue
        found = repo.get(reg.statement_hash)
        if found is None:
            raise StateError(
                f"tender {tender}: the registration {reg.statement_hash.hex()} is not in the log"
            )
        if found.leaf_index not in regs:
            regs[found.leaf_index] = found
            if found.row.role != Role.BEACON:
                needed.add(found.row.actor)
    return sorted([*record.statements, *regs.values()], key=lambda s: s.leaf_index)


def _deadlines(record: DrawRecord) -> list[tuple[str, int]]:
    d = record.definition.deadlines
    points = [("commit", d.commit)]
    if record.definition.needs_snapshot:
        points.append(("snapshot", d.snapshot))
    points += [("reveal", d.reveal), ("seed_open", d.seed_open), ("result", d.result)]
    ends = record.facts.dispute_ends
    if ends is not None:
        points.append(("dispute_end", ends))  # shows objections in time and confirmations after
    return points


def time_points(
    session: Session, deadlines: Sequence[tuple[str, int]], final_size: int
) -> list[TimePoint]:
    """PROTOCOL.md §13.2: for each deadline reached, its pulse, the one before it, and the
    tree head the pulse commits with its consistency to the final head."""
    log = LogRepository(session)
    pulses = PulseRepository(session)
    out = []
    for name, deadline in deadlines:
        point = pulses.at_or_after(deadline)
        if point is None:
            continue  # not reached yet: the bundle is partial
        previous = pulses.get(point.chain_index, point.pulse_index - 1)
        if previous is None or point.tree_size > final_size:
            continue  # a new chain began at the deadline, or the point is newer than the head
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


def _witnesses(session: Session, leaves: Sequence[int], final_size: int) -> tuple[Witness, ...]:
    """PROTOCOL.md §13.3: the pulses either side of each leaf, once each, in chain order.

    ``after`` is the first pulse whose tree head covers the leaf; ``before`` is the
    pulse made just before it (its predecessor, or the last pulse of the previous
    chain when ``after`` starts a chain), whose tree head does not.
    """
    log = LogRepository(session)
    pulses = PulseRepository(session)
    found: dict[tuple[int, int], StoredPulse] = {}
    for leaf in leaves:
        after = pulses.first_covering(leaf)
        if after is None or after.tree_size > final_size:
            raise StateError(f"leaf {leaf}: no pulse covered by the bundle's head records it")
        before = (
            pulses.get(after.chain_index, after.pulse_index - 1)
            if after.pulse_index > 1
            else pulses.before(after.time_ms)
        )
        for p in (before, after):
            if p is not None:
                found[(p.chain_index, p.pulse_index)] = p
    return tuple(
        Witness(
            pulse=p.pulse(),
            tree_head=log.tree_head(p.tree_size),
            consistency=tuple(log.consistency_proof(p.tree_size, final_size))
            if p.tree_size
            else (),
        )
        for _, p in sorted(found.items())
    )


def summary(record: DrawRecord) -> dict[str, Any]:
    """The people-facing values; the verifier checks them against the result statement."""
    result = record.one(StatementKind.DRAW_RESULT)
    out: dict[str, Any] = {"state": record.phase.value}
    if result is None:
        return out | {"output": None, "values": [], "derived": [], "seeds": []}
    body = result.signed.statement.body_as(DrawResultBody)
    definition = record.definition
    picks = {p.code: p for p in body.picks}
    values = [
        {
            "code": s.code,
            "label": s.label,
            "unit": s.unit,
            "indexes": list(picks[s.code].indexes),
            "values": list(picks[s.code].values),
        }
        for s in definition.selections
    ]
    drawn = {
        s.code: picks[s.code].values[0] for s in definition.selections if s.kind is Kind.PICK_ONE
    }
    derived = [
        {
            "code": x.code,
            "label": x.label,
            "unit": x.unit,
            "formula": x.formula,
            "value": x.evaluate(drawn),
        }
        for x in definition.derived
    ]
    seeds = [
        {"role": e.party.role, "fingerprint": e.party.fingerprint.hex(), "status": e.status.value}
        for e in body.seeds
    ]
    return out | {
        "output": body.output.hex(),
        "values": values,
        "derived": derived,
        "seeds": seeds,
    }
