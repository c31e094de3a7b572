"""The ledger's rules for draw statements (PROTOCOL.md §6.3-§6.5, §9, §10).

:func:`publish` takes a new definition; every other draw statement goes through
:func:`draw_statement`, where the lifecycle decides on the kind, role and phase,
and then the kind's own rule (:data:`RULES`) checks the body against the draw.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from beacon.core import commitment, lifecycle
from beacon.core.bodies import (
    DrawCommitBody,
    DrawConfirmBody,
    DrawCountersignBody,
    DrawKeyReleaseBody,
    DrawObjectionBody,
    DrawOpeningKeyBody,
    DrawPublishBody,
    DrawRevealBody,
    DrawSnapshotBody,
    DrawVoidBody,
)
from beacon.core.commitment import Party
from beacon.core.definition import DrawDefinition, Kind
from beacon.core.envelope.shares import public_bytes
from beacon.core.vocabulary import StatementKind
from beacon.errors import (
    ConflictError,
    EncodingError,
    InputError,
    RoleError,
    StateError,
    VerificationError,
)
from beacon.service.draws import load
from beacon.service.submission import (
    DrawRule,
    DrawSubmission,
    Submission,
    announce_opening_key,
    check_envelope_bytes,
    load_release_key,
    sealed_to,
    store_envelope,
)
from beacon.store.draw_tables import DrawRow

if TYPE_CHECKING:
    from beacon.service.ledger import Ledger


def publish(ledger: Ledger, ctx: Submission) -> None:
    st = ctx.st
    try:
        definition = DrawDefinition.decode(st.body_as(DrawPublishBody).definition)
    except EncodingError as e:
        raise InputError(f"draw.publish: the definition is not canonical: {e}") from e
    if definition.tender_id != st.tender_id or definition.draw_id != st.subject:
        raise InputError(
            f"draw.publish: the statement is for {st.tender_id}/{st.subject} but the definition is for "
            f"{definition.tender_id}/{definition.draw_id}"
        )
    if ctx.repo.draw(definition.draw_id) is not None:
        raise ConflictError(
            f"draw {definition.draw_id} is already published; a definition cannot be edited after "
            "publication (a supervisor may void it and a new draw id re-draw)"
        )
    if definition.redraw_of:
        old = ctx.repo.draw(definition.redraw_of)
        if old is None or old.tender_id != st.tender_id:
            raise InputError(
                f"redraw_of: no draw {definition.redraw_of!r} in tender {st.tender_id}"
            )
        if load(ctx.repo, old.draw_id, pulse_ms=ctx.pulse_ms).phase is not lifecycle.Phase.VOIDED:
            raise StateError(
                f"redraw_of: draw {old.draw_id} is not voided; only a voided draw is re-drawn"
            )
    policy = ledger.policy
    lifecycle.check_publish(
        definition,
        st.role,
        ctx.now,
        min_lead_ms=policy.min_lead_ms,
        min_vdf_t=policy.min_vdf_t,
        vdf_rate=policy.vdf_rate,
        vdf_advantage=policy.vdf_advantage,
    )
    ctx.effects.append(
        lambda h: ctx.repo.add_draw(
            DrawRow(
                draw_id=definition.draw_id,
                tender_id=definition.tender_id,
                definition=definition.encode(),
                definition_hash=definition.hash(),
                commit_deadline_ms=definition.deadlines.commit,
                redraw_of=definition.redraw_of,
                published_ms=ctx.now,
                statement_hash=h,
            )
        )
    )


def draw_statement(ledger: Ledger, ctx: Submission) -> None:
    """Every draw statement but publication: the lifecycle decides, then the kind's rules."""
    st = ctx.st
    row = ctx.repo.draw(st.subject)
    if row is None or row.tender_id != st.tender_id:
        raise InputError(
            f"{st.kind}: no draw {st.subject!r} in tender {st.tender_id}", field="subject"
        )
    draw = DrawSubmission.of(ctx, load(ctx.repo, st.subject, pulse_ms=ctx.pulse_ms))
    lifecycle.check(st.kind, st.role, draw.draw.facts, ctx.now, actor=st.actor)
    RULES[st.kind](ledger, draw)


def _countersign(ledger: Ledger, ctx: DrawSubmission) -> None:
    signed = ctx.st.body_as(DrawCountersignBody).definition_hash
    if not hmac.compare_digest(signed, ctx.draw.definition.hash()):
        raise VerificationError(
            f"draw {ctx.draw.draw_id}: the countersigned hash is not the published definition's"
        )


def _opening_key(ledger: Ledger, ctx: DrawSubmission) -> None:
    announce_opening_key(ctx, f"draw.opening_key for draw {ctx.st.subject}")


def _commit(ledger: Ledger, ctx: DrawSubmission) -> None:
    """A commitment is 32 bytes that hide the seed: the lifecycle's checks are all there is."""


def _reveal(ledger: Ledger, ctx: DrawSubmission) -> None:
    st = ctx.st
    committed = ctx.draw.by_role(StatementKind.DRAW_COMMIT)[st.role]
    if committed.row.actor != st.actor:
        raise RoleError(
            f"draw {ctx.draw.draw_id}: the {st.role}'s seed was committed by another certificate"
        )
    commitment.verify(
        ctx.draw.draw_id,
        Party(st.role, st.actor),
        st.body_as(DrawRevealBody).seed,
        committed.signed.statement.body_as(DrawCommitBody).commitment,
    )


def _snapshot(ledger: Ledger, ctx: DrawSubmission) -> None:
    ids = list(ctx.st.body_as(DrawSnapshotBody).bid_ids)
    if not ids or ids != sorted(set(ids)):
        raise InputError(
            "draw.snapshot: bid_ids must be a non-empty, sorted list without duplicates",
            field="bid_ids",
        )
    for s in ctx.draw.definition.selections:
        if s.from_snapshot and s.kind is Kind.PICK_K and s.k > len(ids):
            raise InputError(
                f"draw.snapshot: {s.code} picks {s.k} bids but the snapshot lists only {len(ids)}"
            )


def _key_release(ledger: Ledger, ctx: DrawSubmission) -> None:
    st = ctx.st
    announced = ctx.draw.by_role(StatementKind.DRAW_OPENING_KEY)[st.role]
    if announced.row.actor != st.actor:
        raise RoleError(
            f"draw {ctx.draw.draw_id}: the {st.role}'s opening key was announced by another certificate"
        )
    key = load_release_key(st.body_as(DrawKeyReleaseBody).private_key)
    public_key = announced.signed.statement.body_as(DrawOpeningKeyBody).public_key
    if public_bytes(key.public_key()) != public_key:
        raise VerificationError(
            f"draw {ctx.draw.draw_id}: the released key does not match the announced opening key"
        )


def _objection(ledger: Ledger, ctx: DrawSubmission) -> None:
    if not ctx.st.body_as(DrawObjectionBody).reason.strip():
        raise InputError("draw.objection: give a reason", field="reason")


def _confirm(ledger: Ledger, ctx: DrawSubmission) -> None:
    result = ctx.draw.one(StatementKind.DRAW_RESULT)
    if result is None:  # the lifecycle accepts a confirmation only after the result
        raise StateError(f"draw {ctx.draw.draw_id}: there is no result to confirm yet")
    if ctx.st.body_as(DrawConfirmBody).result != result.row.statement_hash:
        raise VerificationError(
            f"draw {ctx.draw.draw_id}: draw.confirm must name the result statement's hash"
        )


def _void(ledger: Ledger, ctx: DrawSubmission) -> None:
    if not ctx.st.body_as(DrawVoidBody).reason.strip():
        raise InputError("draw.void: a supervisor voids with a reason", field="reason")


def _seed_envelope(ledger: Ledger, ctx: DrawSubmission) -> None:
    header = check_envelope_bytes(ledger, ctx, "seed")
    for role, announced in ctx.draw.by_role(StatementKind.DRAW_OPENING_KEY).items():
        public_key = announced.signed.statement.body_as(DrawOpeningKeyBody).public_key
        sealed_to(header, role, [public_key])
    store_envelope(ledger, ctx, "seed", ctx.st.subject)


RULES: dict[StatementKind, DrawRule] = {
    StatementKind.DRAW_COUNTERSIGN: _countersign,
    StatementKind.DRAW_OPENING_KEY: _opening_key,
    StatementKind.DRAW_COMMIT: _commit,
    StatementKind.DRAW_REVEAL: _reveal,
    StatementKind.DRAW_SNAPSHOT: _snapshot,
    StatementKind.DRAW_KEY_RELEASE: _key_release,
    StatementKind.DRAW_OBJECTION: _objection,
    StatementKind.DRAW_CONFIRM: _confirm,
    StatementKind.DRAW_VOID: _void,
    StatementKind.ENVELOPE_SUBMIT: _seed_envelope,
}
