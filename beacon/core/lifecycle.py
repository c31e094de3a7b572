"""The draw state machine (PROTOCOL.md §6.4), as pure functions of facts and time.

A draw's phase is never stored and never set by anyone: it follows from the
statements already logged (the facts) and the current server time against the
deadlines of the signed definition. :func:`check` decides whether a new statement
is allowed now, with a message that names the draw, the rule and the deadline.
No statement kind sets a value, chooses a time or re-rolls a draw.

    draft → published → committing → frozen → [snapshot] → revealing → opening
          → computing → drawn → confirmed | disputed → resolved;   voided (supervisor)
                      ↘ failed (no result by the result deadline: the beacon's fault)
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum

from beacon.core.definition import DrawDefinition
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import CEREMONY_ROLES, Role, StatementKind
from beacon.errors import ConflictError, DeadlineError, RoleError, StateError


class Phase(StrEnum):
    DRAFT = "draft"  # published by the agent, awaiting the centre's countersignature
    PUBLISHED = "published"  # frozen definition; opening keys being announced
    COMMITTING = "committing"  # commitments and bidder seed envelopes accepted
    FROZEN = "frozen"  # commitment set fixed by a pulse; awaiting the snapshot, or blocked
    REVEALING = "revealing"  # centre and agent reveal their seeds
    OPENING = "opening"  # centre and agent release the seed-envelope opening keys
    COMPUTING = "computing"  # the VDF runs
    FAILED = "failed"  # no result by the result deadline: the beacon's fault; awaits a void
    DRAWN = "drawn"  # result published; dispute window open
    DISPUTED = "disputed"  # an objection was filed
    CONFIRMED = "confirmed"  # confirmed by the supervisor, no objection
    RESOLVED = "resolved"  # confirmed by the supervisor after objections
    VOIDED = "voided"  # voided by the supervisor; a re-draw is a new draw


FINAL = frozenset({Phase.CONFIRMED, Phase.RESOLVED, Phase.VOIDED})


@dataclass(frozen=True)
class Facts:
    """What the log says about one draw (built by the service from its statements)."""

    definition: DrawDefinition
    countersigned: bool = False
    opening_keys: Set[str] = frozenset()  # roles that announced a seed opening key
    commitments: Set[str] = frozenset()  # roles with a commitment
    seed_bidders: Set[bytes] = frozenset()  # fingerprints of bidders with a seed envelope
    frozen: bool = False
    frozen_opening_keys: Set[str] = frozenset()  # roles whose opening key is in the frozen set
    frozen_commitments: Set[str] = frozenset()  # roles whose commitment is in the frozen set
    frozen_envelopes: int = 0  # seed envelopes in the frozen set
    snapshot: bool = False
    reveals: Set[str] = frozenset()
    key_releases: Set[str] = frozenset()
    result_at: int | None = None  # server time the result was logged
    # PROTOCOL.md §13.2: the result's time of record, the timeStamp of the first pulse whose
    # tree head covers its leaf; None until that pulse is out. The dispute window starts
    # here, not at the issued_at the beacon wrote.
    result_recorded: int | None = None
    objections: int = 0
    confirmed: bool = False
    voided: bool = False
    # The clock of record (§13.2): the newest pulse's time. Steps allowed only *after*
    # a deadline wait for the first pulse at or after it, as the verifier checks.
    pulse_ms: int = 0

    @property
    def dispute_ends(self) -> int | None:
        """The end of the dispute window, once a pulse has recorded the result."""
        if self.result_at is None or self.result_recorded is None:
            return None
        return self.result_recorded + self.definition.deadlines.dispute_window_ms


def missing_at_freeze(f: Facts) -> tuple[str, ...]:
    """The parties (centre, agent) without both an opening key and a commitment in the
    frozen set. A frozen draw with any is blocked (PROTOCOL.md §6.4): with one party's
    seed alone, that party could have ground its seed before committing."""
    if not f.frozen:
        return ()
    return tuple(
        r for r in CEREMONY_ROLES if r not in f.frozen_opening_keys or r not in f.frozen_commitments
    )


def _missing_sentence(missing: tuple[str, ...]) -> str:
    if len(missing) == 1:
        return (
            f"the {missing[0]}'s opening key or commitment was not logged before the commit "
            "deadline"
        )
    return (
        "the centre's and the agent's opening keys or commitments were not logged before the "
        "commit deadline"
    )


def _reveals_done(f: Facts) -> bool:
    return f.frozen_commitments <= f.reveals or f.pulse_ms >= f.definition.deadlines.reveal


def _opening_done(f: Facts) -> bool:
    if f.frozen_envelopes == 0:
        return True
    return f.opening_keys <= f.key_releases or f.pulse_ms >= f.definition.deadlines.seed_open


def phase(f: Facts) -> Phase:
    """The draw's phase, from the facts and the clock of record ``f.pulse_ms``."""
    if f.voided:
        return Phase.VOIDED
    if f.confirmed:
        return Phase.RESOLVED if f.objections else Phase.CONFIRMED
    if f.result_at is not None:
        return Phase.DISPUTED if f.objections else Phase.DRAWN
    if not f.countersigned:
        return Phase.DRAFT
    if not f.frozen:
        return Phase.COMMITTING if set(CEREMONY_ROLES) <= f.opening_keys else Phase.PUBLISHED
    if missing_at_freeze(f):
        return Phase.FROZEN  # blocked for good: only a void follows
    if f.definition.needs_snapshot and not f.snapshot:
        return Phase.FROZEN
    if not _reveals_done(f):
        return Phase.REVEALING
    if not _opening_done(f):
        return Phase.OPENING
    # §6.4: a result not logged before the result time point never comes: the beacon
    # gets no second chance to compute (and no choice of the moment it publishes).
    if f.pulse_ms >= f.definition.deadlines.result:
        return Phase.FAILED
    return Phase.COMPUTING


def blocked_reason(f: Facts, now: int) -> str | None:
    """Why a draw cannot progress without a supervisor void, if it cannot."""
    p = phase(f)
    d = f.definition.deadlines
    if p is Phase.FROZEN and (missing := missing_at_freeze(f)):
        return _missing_sentence(missing)
    if p is Phase.FROZEN and now >= d.snapshot:
        return "the snapshot of valid bids was not signed before its deadline"
    if p is Phase.COMPUTING and not _has_possible_seed(f):
        return "no seed can be included (no reveal and no openable seed envelope)"
    if p is Phase.FAILED:
        return (
            "the beacon did not publish the result before the result deadline (the beacon's fault)"
        )
    return None


def _has_possible_seed(f: Facts) -> bool:
    return bool(f.reveals & f.frozen_commitments) or (
        f.frozen_envelopes > 0 and set(CEREMONY_ROLES) <= f.key_releases
    )


def _deadline(f: Facts, now: int, deadline: int, what: str) -> None:
    """A window closing at ``deadline`` is closed by the server clock, or once any pulse
    at or after it is out (PROTOCOL.md §13.2): a statement logged after that pulse is at
    or above its tree size, so the verifier would count it late."""
    draw_id = f.definition.draw_id
    if now >= deadline:
        raise DeadlineError(
            f"draw {draw_id}: {what} closed at {format_ms(deadline)} (server time {format_ms(now)})"
        )
    if f.pulse_ms >= deadline:
        raise DeadlineError(
            f"draw {draw_id}: {what} closed at {format_ms(deadline)}: the pulse of "
            f"{format_ms(f.pulse_ms)} is out, so this statement would be logged after the "
            f"deadline's time point (server time {format_ms(now)})"
        )


def _not_blocked(f: Facts, kind: str) -> None:
    missing = missing_at_freeze(f)
    if missing and not f.voided:
        raise StateError(
            f"draw {f.definition.draw_id}: {kind} is not accepted: the draw is blocked at the "
            f"freeze ({_missing_sentence(missing)}, the fault of the {' and the '.join(missing)}); "
            "it waits for a supervisor's void (PROTOCOL.md §6.4)"
        )


def _role(role: str, allowed: tuple[str, ...], kind: str, draw_id: str) -> None:
    if role not in allowed:
        raise RoleError(
            f"draw {draw_id}: {kind} may be made by {' or '.join(allowed)}, not by {role}"
        )


def _phase(p: Phase, allowed: tuple[Phase, ...], kind: str, draw_id: str) -> None:
    if p not in allowed:
        names = ", ".join(a.value for a in allowed)
        raise StateError(
            f"draw {draw_id}: {kind} is not allowed in phase {p.value} (only in {names})"
        )


def check(kind: StatementKind, role: str, f: Facts, now: int, *, actor: bytes = b"") -> Phase:
    """Raise unless statement ``kind`` by ``role`` may be accepted at ``now``.

    Returns the phase the statement was accepted in. ``draw.publish`` is checked by
    the service (the draw does not exist yet); see :func:`check_publish`.
    """
    d = f.definition
    dl = d.deadlines
    draw = d.draw_id
    p = phase(f)
    if kind == StatementKind.DRAW_COUNTERSIGN:
        _role(role, (Role.CENTRE,), kind, draw)
        _deadline(f, now, dl.commit, "countersigning")
        _phase(p, (Phase.DRAFT,), kind, draw)
    elif kind == StatementKind.DRAW_OPENING_KEY:
        _role(role, CEREMONY_ROLES, kind, draw)
        _deadline(f, now, dl.commit, "announcing opening keys")
        _phase(p, (Phase.PUBLISHED, Phase.COMMITTING), kind, draw)
        if role in f.opening_keys:
            raise ConflictError(f"draw {draw}: the {role} has already announced its opening key")
    elif kind == StatementKind.DRAW_COMMIT:
        _role(role, CEREMONY_ROLES, kind, draw)
        _deadline(f, now, dl.commit, "the commit window")
        _phase(p, (Phase.PUBLISHED, Phase.COMMITTING), kind, draw)
        if role in f.commitments:
            raise ConflictError(f"draw {draw}: the {role} has already committed")
    elif kind == StatementKind.ENVELOPE_SUBMIT:
        _role(role, (Role.BIDDER,), kind, draw)
        _deadline(f, now, dl.commit, "seed envelope submission")
        _phase(p, (Phase.COMMITTING,), kind, draw)
        if actor in f.seed_bidders:
            raise ConflictError(f"draw {draw}: this bidder has already submitted a seed envelope")
    elif kind == StatementKind.DRAW_FREEZE:
        _role(role, (Role.BEACON,), kind, draw)
        _phase(p, (Phase.PUBLISHED, Phase.COMMITTING), kind, draw)
        if now < dl.commit:
            raise DeadlineError(
                f"draw {draw}: cannot freeze before the commit deadline {format_ms(dl.commit)}"
            )
    elif kind == StatementKind.DRAW_SNAPSHOT:
        _role(role, (Role.AGENT,), kind, draw)
        if not d.needs_snapshot:
            raise StateError(f"draw {draw}: no selection draws from a snapshot of valid bids")
        _deadline(f, now, dl.snapshot, "the snapshot window")
        _not_blocked(f, kind)
        _phase(p, (Phase.FROZEN,), kind, draw)
    elif kind == StatementKind.DRAW_REVEAL:
        _role(role, CEREMONY_ROLES, kind, draw)
        _deadline(f, now, dl.reveal, "the reveal window")
        _not_blocked(f, kind)
        _phase(p, (Phase.REVEALING,), kind, draw)
        if role not in f.frozen_commitments:
            raise StateError(
                f"draw {draw}: the {role} has no commitment in the frozen set, so nothing to reveal"
            )
        if role in f.reveals:
            raise ConflictError(f"draw {draw}: the {role} has already revealed")
    elif kind == StatementKind.DRAW_KEY_RELEASE:
        _role(role, CEREMONY_ROLES, kind, draw)
        _deadline(f, now, dl.seed_open, "releasing the seed opening keys")
        _not_blocked(f, kind)
        _phase(p, (Phase.OPENING,), kind, draw)
        if role not in f.opening_keys:
            raise StateError(f"draw {draw}: the {role} announced no opening key")
        if role in f.key_releases:
            raise ConflictError(f"draw {draw}: the {role} has already released its key")
    elif kind == StatementKind.DRAW_RESULT:
        _role(role, (Role.BEACON,), kind, draw)
        if p is Phase.FAILED:
            raise DeadlineError(
                f"draw {draw}: the result deadline {format_ms(dl.result)} has passed (a pulse at or "
                "after it is out); the draw failed and waits for the supervisor's void"
            )
        _not_blocked(f, kind)
        _phase(p, (Phase.COMPUTING,), kind, draw)
    elif kind == StatementKind.DRAW_OBJECTION:
        _role(role, (Role.BIDDER,), kind, draw)
        _phase(p, (Phase.DRAWN, Phase.DISPUTED), kind, draw)
        ends = f.dispute_ends
        if ends is not None:  # else no pulse has recorded the result yet: the window is open
            _deadline(f, now, ends, "the dispute window")
    elif kind == StatementKind.DRAW_CONFIRM:
        _role(role, (Role.SUPERVISOR,), kind, draw)
        _phase(p, (Phase.DRAWN, Phase.DISPUTED), kind, draw)
        ends = f.dispute_ends
        if p is Phase.DRAWN and ends is None:
            raise DeadlineError(
                f"draw {draw}: the dispute window is open until "
                f"{d.deadlines.dispute_window_ms // 1000} s after the first pulse that records "
                "the result, which is not out yet; confirm after it"
            )
        if p is Phase.DRAWN and ends is not None and f.pulse_ms < ends:
            raise DeadlineError(
                f"draw {draw}: the dispute window is open until {format_ms(ends)}; confirm after it"
            )
    elif kind == StatementKind.DRAW_VOID:
        _role(role, (Role.SUPERVISOR,), kind, draw)
        if p in FINAL:
            raise StateError(f"draw {draw}: a {p.value} draw cannot be voided")
    elif kind == StatementKind.DRAW_PUBLISH:
        raise ConflictError(
            f"draw {draw} is already published; a definition cannot be edited after publication"
        )
    else:
        raise StateError(f"draw {draw}: {kind} is not a draw statement")
    return p


def check_publish(
    definition: DrawDefinition,
    role: str,
    now: int,
    *,
    min_lead_ms: int,
    min_vdf_t: int,
    vdf_rate: int,
    vdf_advantage: int,
) -> None:
    """A new definition: by the agent, early enough, with the deployment's published
    delay parameters (s and A_max, §11.5) and at least its minimum T."""
    _role(role, (Role.AGENT,), StatementKind.DRAW_PUBLISH, definition.draw_id)
    for name, published in (("vdf_rate", vdf_rate), ("vdf_advantage", vdf_advantage)):
        if getattr(definition, name) != published:
            raise StateError(
                f"draw {definition.draw_id}: {name} = {getattr(definition, name)} is not this "
                f"deployment's published {name} = {published} (PROTOCOL.md §11.5; "
                "GET /api/v1/deployment)"
            )
    lead = definition.deadlines.commit - now
    if lead < min_lead_ms:
        raise DeadlineError(
            f"draw {definition.draw_id}: the commit deadline {format_ms(definition.deadlines.commit)} must be "
            f"at least {min_lead_ms // 1000} s after publication (server time {format_ms(now)})"
        )
    if definition.vdf_t < min_vdf_t:
        raise StateError(
            f"draw {definition.draw_id}: vdf_t = {definition.vdf_t} is below this deployment's minimum "
            f"T = {min_vdf_t} (PROTOCOL.md §11.5)"
        )
