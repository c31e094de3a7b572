"""The draw state machine (PROTOCOL.md §6.4): phases from facts and time; what is allowed when."""

from __future__ import annotations

from dataclasses import replace

import pytest

from beacon.core import tender
from beacon.core.definition import parse_authoring
from beacon.core.lifecycle import Facts, Phase, blocked_reason, check, check_publish, phase
from beacon.core.timefmt import format_ms, parse_ms
from beacon.errors import ConflictError, DeadlineError, RoleError, StateError
from tests.core.test_definition import authoring

D = parse_authoring(authoring())
COMMIT = parse_ms("2026-11-26T09:00:00.000Z")
REVEAL = parse_ms("2026-11-26T09:10:00.000Z")
OPEN = parse_ms("2026-11-26T09:15:00.000Z")
BEFORE = COMMIT - 60_000
BOTH = frozenset({"centre", "agent"})

DRAFT = Facts(definition=D)
PUBLISHED = replace(DRAFT, countersigned=True)
COMMITTING = replace(PUBLISHED, opening_keys=BOTH)
COMMITTED = replace(COMMITTING, commitments=BOTH, seed_bidders=frozenset({b"b" * 32}))
FROZEN = replace(
    COMMITTED,
    frozen=True,
    frozen_opening_keys=BOTH,
    frozen_commitments=BOTH,
    frozen_envelopes=1,
)
REVEALED = replace(FROZEN, reveals=BOTH)
RELEASED = replace(REVEALED, key_releases=BOTH)
DRAWN = replace(RELEASED, result_at=OPEN + 5_000, result_recorded=OPEN + 60_000)
DISPUTED = replace(DRAWN, objections=1)
BIDS_CLOSE, RELEASES_CLOSE = COMMIT, OPEN
OPEN_TENDER = tender.TenderFacts("T-1", bid_deadline=BIDS_CLOSE, release_deadline=RELEASES_CLOSE)
KEYED_TENDER = replace(OPEN_TENDER, opening_keys={"agent": 1, "centre": 1})


@pytest.mark.parametrize(
    ("facts", "now", "expected"),
    [
        (DRAFT, BEFORE, Phase.DRAFT),
        (PUBLISHED, BEFORE, Phase.PUBLISHED),
        (COMMITTING, BEFORE, Phase.COMMITTING),
        (COMMITTED, COMMIT + 1, Phase.COMMITTING),  # until the freeze statement is logged
        (FROZEN, COMMIT + 1, Phase.REVEALING),
        (replace(FROZEN, reveals=frozenset({"agent"})), REVEAL - 1, Phase.REVEALING),
        (replace(FROZEN, reveals=frozenset({"agent"})), REVEAL, Phase.OPENING),
        (REVEALED, COMMIT + 2, Phase.OPENING),
        (replace(REVEALED, key_releases=frozenset({"centre"})), OPEN - 1, Phase.OPENING),
        (replace(REVEALED, key_releases=frozenset({"centre"})), OPEN, Phase.COMPUTING),
        (replace(REVEALED, frozen_envelopes=0), COMMIT + 2, Phase.COMPUTING),
        (RELEASED, COMMIT + 3, Phase.COMPUTING),
        (DRAWN, OPEN + 6_000, Phase.DRAWN),
        (DISPUTED, OPEN + 6_000, Phase.DISPUTED),
        (replace(DRAWN, confirmed=True), OPEN + 10**6, Phase.CONFIRMED),
        (replace(DISPUTED, confirmed=True), OPEN + 10**6, Phase.RESOLVED),
        (replace(REVEALED, voided=True), COMMIT + 2, Phase.VOIDED),
    ],
    ids=lambda v: v.value if isinstance(v, Phase) else None,
)
def test_phase(facts, now, expected):
    assert phase(replace(facts, pulse_ms=now)) is expected


ALLOWED = [
    ("draw.countersign", "centre", DRAFT, BEFORE),
    ("draw.opening_key", "agent", PUBLISHED, BEFORE),
    ("draw.commit", "centre", COMMITTING, BEFORE),
    ("envelope.submit", "bidder", COMMITTING, BEFORE),
    ("draw.freeze", "beacon", COMMITTED, COMMIT),
    ("draw.reveal", "agent", FROZEN, REVEAL - 1),
    ("draw.key_release", "centre", REVEALED, OPEN - 1),
    ("draw.result", "beacon", RELEASED, OPEN),
    ("draw.objection", "bidder", DRAWN, OPEN + 6_000),
    ("draw.confirm", "supervisor", DRAWN, DRAWN.result_recorded + 600_000),
    ("draw.confirm", "supervisor", DISPUTED, OPEN + 6_000),
    ("draw.void", "supervisor", REVEALED, COMMIT + 1),
]


@pytest.mark.parametrize(
    ("kind", "role", "facts", "now"), ALLOWED, ids=[f"{k}-{r}" for k, r, _, _ in ALLOWED]
)
def test_allowed(kind, role, facts, now):
    check(kind, role, replace(facts, pulse_ms=now), now, actor=b"x" * 32)


REJECTED = [
    (
        "late-commit",
        "draw.commit",
        "agent",
        COMMITTING,
        COMMIT,
        DeadlineError,
        r"draw JS-2026-0142-1: the commit window closed at 2026-11-26T09:00:00\.000Z \(server time 2026-11-26T09:00:00\.000Z\)",
    ),
    (
        "commit-by-bidder",
        "draw.commit",
        "bidder",
        COMMITTING,
        BEFORE,
        RoleError,
        "draw.commit may be made by centre or agent, not by bidder",
    ),
    (
        "double-commit",
        "draw.commit",
        "agent",
        COMMITTED,
        BEFORE,
        ConflictError,
        "the agent has already committed",
    ),
    (
        "commit-in-draft",
        "draw.commit",
        "agent",
        DRAFT,
        BEFORE,
        StateError,
        r"draw.commit is not allowed in phase draft",
    ),
    (
        "envelope-before-keys",
        "envelope.submit",
        "bidder",
        PUBLISHED,
        BEFORE,
        StateError,
        "not allowed in phase published",
    ),
    (
        "second-seed-envelope",
        "envelope.submit",
        "bidder",
        COMMITTED,
        BEFORE,
        ConflictError,
        "already submitted a seed envelope",
    ),
    (
        "early-freeze",
        "draw.freeze",
        "beacon",
        COMMITTED,
        COMMIT - 1,
        DeadlineError,
        "cannot freeze before the commit deadline",
    ),
    (
        "late-reveal",
        "draw.reveal",
        "agent",
        FROZEN,
        REVEAL,
        DeadlineError,
        r"the reveal window closed at 2026-11-26T09:10:00\.000Z",
    ),
    (
        "reveal-before-freeze",
        "draw.reveal",
        "agent",
        COMMITTED,
        BEFORE,
        StateError,
        "not allowed in phase committing",
    ),
    (
        "double-reveal",
        "draw.reveal",
        "agent",
        replace(FROZEN, reveals=frozenset({"agent"})),
        REVEAL - 1,
        ConflictError,
        "already revealed",
    ),
    (
        "release-while-revealing",
        "draw.key_release",
        "agent",
        FROZEN,
        COMMIT + 1,
        StateError,
        "not allowed in phase revealing",
    ),
    (
        "late-release",
        "draw.key_release",
        "agent",
        replace(REVEALED, key_releases=frozenset({"centre"})),
        OPEN,
        DeadlineError,
        r"releasing the seed opening keys closed at 2026-11-26T09:15:00\.000Z",
    ),
    (
        "result-by-centre",
        "draw.result",
        "centre",
        RELEASED,
        OPEN,
        RoleError,
        "may be made by beacon, not by centre",
    ),
    (
        "late-objection",
        "draw.objection",
        "bidder",
        DRAWN,
        DRAWN.result_recorded + 600_000,
        DeadlineError,
        "the dispute window closed",
    ),
    (
        "confirm-before-the-result-is-recorded",
        "draw.confirm",
        "supervisor",
        replace(DRAWN, result_recorded=None),
        OPEN + 10**7,
        DeadlineError,
        r"open until 600 s after the first pulse that records the result, which is not out yet",
    ),
    (
        "early-confirm",
        "draw.confirm",
        "supervisor",
        DRAWN,
        OPEN + 6_000,
        DeadlineError,
        "the dispute window is open until",
    ),
    (
        "void-by-agent",
        "draw.void",
        "agent",
        REVEALED,
        COMMIT + 1,
        RoleError,
        "may be made by supervisor, not by agent",
    ),
    (
        "void-after-confirm",
        "draw.void",
        "supervisor",
        replace(DRAWN, confirmed=True),
        OPEN + 10**6,
        StateError,
        "a confirmed draw cannot be voided",
    ),
    (
        "edit-after-publish",
        "draw.publish",
        "agent",
        COMMITTING,
        BEFORE,
        ConflictError,
        "a definition cannot be edited after publication",
    ),
    (
        "anything-after-void",
        "draw.reveal",
        "agent",
        replace(FROZEN, voided=True),
        COMMIT + 1,
        StateError,
        "not allowed in phase voided",
    ),
]


@pytest.mark.parametrize(
    ("kind", "role", "facts", "now", "error", "message"),
    [r[1:] for r in REJECTED],
    ids=[r[0] for r in REJECTED],
)
def test_rejected(kind, role, facts, now, error, message):
    with pytest.raises(error, match=message):
        check(kind, role, replace(facts, pulse_ms=now), now, actor=b"b" * 32)


def test_the_dispute_window_runs_from_the_results_time_of_record():
    """PROTOCOL.md §13.2: the window starts at the first pulse that records the result,
    whatever time the result says; until that pulse is out, it is open."""
    unrecorded = replace(DRAWN, result_recorded=None, pulse_ms=OPEN + 10**7)
    assert unrecorded.dispute_ends is None
    check("draw.objection", "bidder", unrecorded, OPEN + 10**7, actor=b"b" * 32)
    later = replace(DRAWN, result_recorded=OPEN + 120_000)
    assert later.dispute_ends == OPEN + 120_000 + D.deadlines.dispute_window_ms
    check("draw.objection", "bidder", later, later.dispute_ends - 1, actor=b"b" * 32)


def test_after_deadline_steps_wait_for_the_deadline_pulse():
    # PROTOCOL.md §13.2: at the reveal deadline by the server clock, a release by a
    # party is still refused until the first pulse at or after the deadline is out.
    half = replace(FROZEN, reveals=frozenset({"agent"}))
    assert phase(replace(half, pulse_ms=REVEAL - 1)) is Phase.REVEALING
    with pytest.raises(StateError, match="not allowed in phase revealing"):
        check(
            "draw.key_release",
            "agent",
            replace(half, pulse_ms=REVEAL - 1),
            REVEAL + 5,
            actor=b"b" * 32,
        )
    check("draw.key_release", "agent", replace(half, pulse_ms=REVEAL), REVEAL + 5, actor=b"b" * 32)


def test_no_statement_kind_sets_a_value_or_rerolls():
    from beacon.core.statement import BODIES

    for kind, fields in BODIES.items():
        names = {f.name for f in fields}
        assert not names & {"value", "values", "index", "reroll", "manual"}, kind


# The deployment's published delay parameters, as the definition of test_definition carries them.
SAME = {"vdf_rate": 100, "vdf_advantage": 1}


@pytest.mark.parametrize(
    ("published", "message"),
    [
        (
            {"vdf_rate": 101, "vdf_advantage": 1},
            "vdf_rate = 100 is not this deployment's published vdf_rate = 101",
        ),
        (
            {"vdf_rate": 100, "vdf_advantage": 100},
            "vdf_advantage = 1 is not this deployment's published vdf_advantage = 100",
        ),
    ],
    ids=["another-rate", "another-advantage"],
)
def test_publish_needs_the_published_delay_parameters(published, message):
    """PROTOCOL.md §11.5: a definition may not declare its own s or A_max (a slower s or a
    smaller A_max would let a short T pass the T ≥ A_max · s · W rule)."""
    with pytest.raises(StateError, match=message):
        check_publish(D, "agent", COMMIT - 600_000, min_lead_ms=60_000, min_vdf_t=1, **published)


def test_publish_rules():
    check_publish(D, "agent", COMMIT - 600_000, min_lead_ms=60_000, min_vdf_t=1000, **SAME)
    with pytest.raises(RoleError, match="may be made by agent, not by centre"):
        check_publish(D, "centre", COMMIT - 600_000, min_lead_ms=60_000, min_vdf_t=1000, **SAME)
    with pytest.raises(DeadlineError, match="must be at least 60 s after publication"):
        check_publish(D, "agent", COMMIT - 59_999, min_lead_ms=60_000, min_vdf_t=1000, **SAME)
    with pytest.raises(
        StateError, match=r"vdf_t = 100000 is below this deployment's minimum T = 1000000"
    ):
        check_publish(D, "agent", COMMIT - 600_000, min_lead_ms=60_000, min_vdf_t=1_000_000, **SAME)


def test_blocked_without_snapshot_or_seeds():
    doc = authoring()
    doc["regime"] = "after_opening"
    doc["selections"] = [
        {"code": "BID", "label": "b", "kind": "pick_k", "k": 2, "from_snapshot": True}
    ]
    doc["derived"] = []
    doc["deadlines"]["snapshot"] = "2026-11-26T09:05:00.000Z"
    facts = replace(FROZEN, definition=parse_authoring(doc))
    snapshot_deadline = parse_ms("2026-11-26T09:05:00.000Z")
    assert blocked_reason(facts, snapshot_deadline - 1) is None
    assert "snapshot of valid bids was not signed" in blocked_reason(facts, snapshot_deadline)
    nothing = replace(FROZEN, frozen_envelopes=0, pulse_ms=REVEAL)
    assert "no seed can be included" in blocked_reason(nothing, REVEAL)


SNAP_DEADLINE = parse_ms("2026-11-26T09:05:00.000Z")
WITH_SNAPSHOT = parse_authoring(
    authoring()
    | {
        "regime": "after_opening",
        "selections": [
            {"code": "BID", "label": "b", "kind": "pick_k", "k": 2, "from_snapshot": True}
        ],
        "derived": [],
        "deadlines": authoring()["deadlines"] | {"snapshot": "2026-11-26T09:05:00.000Z"},
    }
)
# The window's last statement, the facts just before it closes, and the deadline.
WINDOWS = [
    ("countersign", "draw.countersign", "centre", DRAFT, COMMIT),
    ("opening-key", "draw.opening_key", "agent", PUBLISHED, COMMIT),
    ("commit", "draw.commit", "centre", COMMITTING, COMMIT),
    ("seed-envelope", "envelope.submit", "bidder", COMMITTING, COMMIT),
    ("snapshot", "draw.snapshot", "agent", replace(FROZEN, definition=WITH_SNAPSHOT), SNAP_DEADLINE),
    ("reveal", "draw.reveal", "agent", replace(FROZEN, reveals=frozenset({"centre"})), REVEAL),
    ("key-release", "draw.key_release", "agent", replace(RELEASED, key_releases=frozenset({"centre"})), OPEN),
    ("objection", "draw.objection", "bidder", DRAWN, DRAWN.result_recorded + D.deadlines.dispute_window_ms),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "role", "facts", "deadline"), [w[1:] for w in WINDOWS], ids=[w[0] for w in WINDOWS]
)
def test_a_window_closes_with_its_deadline_pulse_whatever_the_clock_says(
    kind, role, facts, deadline
):
    # PROTOCOL.md §13.2: once a pulse at or after D is out, a statement logged now is at or
    # above its tree size, so it is late for the verifier even if the server clock lags.
    check(kind, role, replace(facts, pulse_ms=deadline - 60_000), deadline - 1, actor=b"b" * 32)
    with pytest.raises(
        DeadlineError,
        match=rf"closed at {format_ms(deadline)}: the pulse of {format_ms(deadline)} is out, so "
        rf"this statement would be logged after the deadline's time point \(server time "
        rf"{format_ms(deadline - 1)}\)",
    ):
        check(kind, role, replace(facts, pulse_ms=deadline), deadline - 1, actor=b"b" * 32)


@pytest.mark.parametrize(
    ("kind", "role", "facts", "deadline", "what"),
    [
        pytest.param(
            "tender.opening_key", "agent", OPEN_TENDER, BIDS_CLOSE, "announcing opening keys",
            id="opening-key",
        ),
        pytest.param(
            "envelope.submit", "bidder", KEYED_TENDER, BIDS_CLOSE, "bid submission", id="bid"
        ),
        pytest.param(
            "tender.key_release", "agent", KEYED_TENDER, RELEASES_CLOSE, "releasing opening keys",
            id="key-release",
        ),
    ],
)  # fmt: skip
def test_a_tender_window_closes_with_its_deadline_pulse(kind, role, facts, deadline, what):
    before = BIDS_CLOSE if kind == "tender.key_release" else deadline - 60_000
    tender.check(kind, role, replace(facts, pulse_ms=before), deadline - 1, actor=b"b" * 32)
    with pytest.raises(
        DeadlineError,
        match=rf"tender T-1: {what} closed at {format_ms(deadline)}: the pulse of "
        rf"{format_ms(deadline)} is out",
    ):
        tender.check(kind, role, replace(facts, pulse_ms=deadline), deadline - 1, actor=b"b" * 32)


ONE_SIDED = [
    pytest.param(replace(FROZEN, frozen_commitments=frozenset({"centre"})), ("agent",), id="agent-never-committed"),
    pytest.param(replace(FROZEN, frozen_commitments=frozenset({"agent"})), ("centre",), id="centre-never-committed"),
    pytest.param(replace(FROZEN, frozen_opening_keys=frozenset({"agent"})), ("centre",), id="centre-announced-no-key"),
    pytest.param(replace(FROZEN, frozen_opening_keys=frozenset(), frozen_commitments=frozenset()), ("centre", "agent"), id="neither"),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "missing"), ONE_SIDED)
def test_a_freeze_without_both_parties_blocks_the_draw(facts, missing):
    # PROTOCOL.md §6.4: a draw is computed only with both the centre's and the agent's
    # opening key and commitment in the frozen set; otherwise it is blocked at the freeze,
    # attributed to the missing party, and only a supervisor's void is accepted.
    later = replace(facts, reveals=frozenset({"centre", "agent"}) - set(missing), pulse_ms=OPEN)
    assert phase(later) is Phase.FROZEN
    who = missing[0] if len(missing) == 1 else None
    reason = blocked_reason(later, OPEN)
    assert reason == (
        f"the {who}'s opening key or commitment was not logged before the commit deadline"
        if who
        else "the centre's and the agent's opening keys or commitments were not logged before "
        "the commit deadline"
    )
    for kind, role, now in (
        ("draw.reveal", "centre", REVEAL - 1),
        ("draw.key_release", "centre", OPEN - 1),
        ("draw.result", "beacon", OPEN),
    ):
        with pytest.raises(
            StateError,
            match=rf"{kind} is not accepted: the draw is blocked at the freeze \({reason}, "
            rf"the fault of the {' and the '.join(missing)}\); it waits for a supervisor's void",
        ):
            check(kind, role, replace(later, pulse_ms=now), now, actor=b"b" * 32)
    assert check("draw.void", "supervisor", later, OPEN) is Phase.FROZEN
    assert phase(replace(later, voided=True)) is Phase.VOIDED
