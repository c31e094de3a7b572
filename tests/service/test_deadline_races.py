"""Deadline races: every receipt is for a statement the verifier counts (both databases).

PROTOCOL.md §13.2: a statement is in time for a window closing at D iff its leaf is
below the tree size committed by the first pulse at or after D. The service used to
read its clock before the signature checks and outside the write transaction, and
to close a window by that reading only. A statement checked "before D" could then be
appended after the pulse at D had been committed: it got a receipt, and the verifier
did not count it (a bidder silently dropped, or an INVALID bundle).

Each case brings one window to a second before its deadline and commits the pulse at
D at the worst moment, then sends the window's last statement:

* ``pulse-out-clock-behind``: another pulser process, whose clock is a second ahead,
  has already committed the pulse at D (and the freeze has not run yet);
* ``pulse-during-check``: that pulse is committed while the ledger checks the
  statement's certificate chain (after the old clock reading, before the append);
* ``clock-and-pulse-during-check``: the one clock passes D and its pulse is committed
  during the check.

The statement must be refused, and what the service then records must verify: the
draw's proof bundle is VALID, and every accepted bid is in the tender's frozen set.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core import lifecycle
from beacon.core.commitment import SeedStatus
from beacon.core.envelope.shares import public_bytes
from beacon.core.opening import OpeningStatus
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import format_ms
from beacon.errors import DeadlineError
from beacon.service import bundles
from beacon.service.clock import FakeClock
from beacon.service.demo import bid_sample_definition
from beacon.service.pulser import Pulser
from beacon.service.tenders import load_tender
from beacon.store import Database, LogRepository
from tests.service.deployment import DELAY, PERIOD, T0, TENDER, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, record, run_to_result
from verifier import verify_bundle

COMMIT, REVEAL, SEED_OPEN = T0 + 10 * PERIOD, T0 + 15 * PERIOD, T0 + 20 * PERIOD
BID_DEADLINE, RELEASE_DEADLINE = T0 + 10 * PERIOD, T0 + 20 * PERIOD
JUST_BEFORE = 1000  # ms: the server clock when the window's last statement arrives


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    deployment = open_deployment(tmp_path, database_url, bidders=3)
    yield deployment
    deployment.runtime.close()


@dataclass
class Window:
    """A window one second before its deadline, the statement that arrives then, and
    ``settle``: what the service records once the deadline has passed (it asserts)."""

    deadline: int
    late: SignedStatement
    payload: bytes | None
    settle: Callable[[], None]


def _submit(d: Deployment, signed: SignedStatement, payload: bytes | None = None) -> Any:
    staged = None if payload is None else d.runtime.blobs.stage_bytes(payload, max_bytes=1 << 20)
    return d.runtime.ledger.submit(signed, payload=staged)


def _next_pulse(d: Deployment) -> None:
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)


def _valid_bundle(d: Deployment, draw_id: str = "JS-2026-0142-1") -> dict[str, Any]:
    # The bundle exists once a pulse covers the draw's newest statement. With the clock
    # behind the pulses, the beacon's freeze waits for its clock to pass the newest pulse
    # (PROTOCOL.md §13.3, S = 0), so it may land a period later.
    for _ in range(3):
        _next_pulse(d)
        try:
            doc = bundle(d, draw_id).to_dict()
            break
        except bundles.NotYetAvailable:
            continue
    else:
        raise AssertionError("no pulse covered the draw's statements within three periods")
    report = verify_bundle(doc)
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]
    return doc


def _seal_seed(c: Ceremony, i: int) -> tuple[SignedStatement, bytes]:
    draw = c.definition.draw_id
    sealed = c.bidders[i - 1].seal_seed(
        draw,
        agent_key=public_bytes(c.keys["agent"].public_key()),
        centre_key=public_bytes(c.keys["centre"].public_key()),
        envelope_id=f"{draw}-seed-{i}",
    )
    return sealed.statement, sealed.envelope


def _seeds_of_result(d: Deployment) -> set[tuple[str, SeedStatus]]:
    result = record(d).one("draw.result")
    assert result is not None
    return {(e.party.role, e.status) for e in result.signed.statement.body.seeds}


# -- the windows ---------------------------------------------------------------------------


def seed_envelope(d: Deployment) -> Window:
    """The commit window: the third bidder's seed envelope."""
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    for i in (1, 2):
        c.submit(*_seal_seed(c, i))
    d.advance_to(COMMIT - JUST_BEFORE)
    late, data = _seal_seed(c, 3)

    def settle() -> None:
        d.advance_to(COMMIT)
        c.reveal()
        c.release()
        assert d.runtime.worker("w").run_once() == c.definition.draw_id
        assert _seeds_of_result(d) == {
            ("centre", SeedStatus.INCLUDED),
            ("agent", SeedStatus.INCLUDED),
            ("bidder", SeedStatus.INCLUDED),
        }
        doc = _valid_bundle(d)
        assert len(doc["seed_envelopes"]) == 2  # the refused third never entered the draw

    return Window(COMMIT, late, data, settle)


def commitment(d: Deployment) -> Window:
    """The commit window: the agent's commitment (its opening key is in)."""
    c = Ceremony(d)
    c.register()
    c.publish()
    draw = c.definition.draw_id
    for party in (c.centre, c.agent):
        c.keys[party.role] = ec.generate_private_key(ec.SECP256R1())
        c.submit(party.opening_key(draw, c.keys[party.role]))
    c.seeds["centre"] = c.centre.new_seed()
    c.submit(c.centre.commit(draw, c.seeds["centre"]))
    d.advance_to(COMMIT - JUST_BEFORE)
    late = c.agent.commit(draw, c.agent.new_seed())

    def settle() -> None:
        d.advance_to(COMMIT)
        doc = _valid_bundle(d)
        # Blocked at the freeze, by the agent's fault (PROTOCOL.md §6.4): never computed.
        assert doc["summary"]["state"] == "frozen"
        assert lifecycle.blocked_reason(record(d).facts, d.clock.now_ms()) == (
            "the agent's opening key or commitment was not logged before the commit deadline"
        )

    return Window(COMMIT, late, None, settle)


def reveal(d: Deployment) -> Window:
    """The reveal window: the agent's reveal."""
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(COMMIT)
    c.submit(c.centre.reveal(c.definition.draw_id, c.seeds["centre"]))
    d.advance_to(REVEAL - JUST_BEFORE)
    late = c.agent.reveal(c.definition.draw_id, c.seeds["agent"])

    def settle() -> None:
        d.advance_to(REVEAL)
        c.release()
        assert d.runtime.worker("w").run_once() == c.definition.draw_id
        assert _seeds_of_result(d) == {
            ("centre", SeedStatus.INCLUDED),
            ("agent", SeedStatus.NOT_REVEALED),
            ("bidder", SeedStatus.INCLUDED),
        }
        _valid_bundle(d)

    return Window(REVEAL, late, None, settle)


def key_release(d: Deployment) -> Window:
    """The seed-open window: the agent's release of its per-draw opening key."""
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(COMMIT)
    c.reveal()
    c.submit(c.centre.release(c.definition.draw_id, c.keys["centre"]))
    d.advance_to(SEED_OPEN - JUST_BEFORE)
    late = c.agent.release(c.definition.draw_id, c.keys["agent"])

    def settle() -> None:
        d.advance_to(SEED_OPEN)
        assert d.runtime.worker("w").run_once() == c.definition.draw_id
        assert ("bidder", SeedStatus.KEY_NOT_RELEASED) in _seeds_of_result(d)
        _valid_bundle(d)

    return Window(SEED_OPEN, late, None, settle)


def snapshot(d: Deployment) -> Window:
    """The snapshot window: the agent's snapshot of the valid bids."""
    snap = COMMIT + 2 * PERIOD
    c = Ceremony(d)
    c.definition = bid_sample_definition(
        draw_id="JS-2026-0142-1", tender_id=TENDER, commit=COMMIT, snapshot=snap,
        reveal=REVEAL, seed_open=SEED_OPEN, vdf_t=2000, k=2, **DELAY,
    )  # fmt: skip
    c.register()
    c.publish()
    c.commit()
    d.advance_to(snap - JUST_BEFORE)
    late = c.agent.snapshot(c.definition.draw_id, ["BID-1", "BID-2", "BID-3"])

    def settle() -> None:
        d.advance_to(snap)
        assert _valid_bundle(d)["summary"]["state"] == "frozen"  # blocked: no snapshot

    return Window(snap, late, None, settle)


def objection(d: Deployment) -> Window:
    """The dispute window: a bidder's objection."""
    c = run_to_result(d)
    result = record(d).one("draw.result")
    assert result is not None
    # PROTOCOL.md §13.2: the window runs from the result's time of record, the first
    # pulse that covers its leaf.
    _next_pulse(d)
    ends = record(d).facts.dispute_ends
    assert ends is not None
    end = ends
    d.advance_to(end - JUST_BEFORE)
    late = c.bidders[0].object(c.definition.draw_id, "请核对候选值清单")

    def settle() -> None:
        d.advance_to(end)
        c.submit(c.supervisor.confirm(c.definition.draw_id, result.row.statement_hash))
        assert _valid_bundle(d)["summary"]["state"] == "confirmed"

    return Window(end, late, None, settle)


def _sealed_bid(
    d: Deployment, bidder: Any, keys: dict[str, ec.EllipticCurvePrivateKey], envelope_id: str
) -> tuple[SignedStatement, bytes]:
    out = io.BytesIO()
    info = env.seal(
        io.BytesIO(f"bid of {envelope_id}".encode()),
        out,
        tender_id=TENDER,
        envelope_id=envelope_id,
        purpose="bid",
        draw_id="",
        bidder_fingerprint=bidder.fingerprint,
        agent_keys=[keys["agent"].public_key()],
        centre_keys=[keys["centre"].public_key()],
        random_bytes=d.entropy.random_bytes,
    )
    data = out.getvalue()
    return bidder.submit_bid(envelope_id, info.hash, len(data)), data


def _tender(d: Deployment) -> tuple[Any, Any, list[Any], dict[str, ec.EllipticCurvePrivateKey]]:
    centre, agent = d.actor("centre", "centre"), d.actor("agent", "agent")
    bidders = [d.actor(f"bidder-{i}", "bidder") for i in (1, 2, 3)]
    keys = {role: ec.generate_private_key(ec.SECP256R1()) for role in ("agent", "centre")}
    _submit(d, centre.register("agent", agent.certificate))
    for b in bidders:
        _submit(d, centre.register("bidder", b.certificate))
    _submit(
        d,
        agent.tender_publish(
            "市政道路工程施工", bid_deadline=BID_DEADLINE, release_deadline=RELEASE_DEADLINE
        ),
    )
    _submit(d, agent.tender_opening_key(keys["agent"]))
    _submit(d, centre.tender_opening_key(keys["centre"]))
    return centre, agent, bidders, keys


def _tender_record(d: Deployment) -> Any:
    with d.runtime.database.read() as session:
        return load_tender(session, TENDER)


def bid(d: Deployment) -> Window:
    """The bid window: the third bidder's bid envelope."""
    _, _, bidders, keys = _tender(d)
    for i in (1, 2):
        _submit(d, *_sealed_bid(d, bidders[i - 1], keys, f"{TENDER}-bid-{i}"))
    d.advance_to(BID_DEADLINE - JUST_BEFORE)
    late, data = _sealed_bid(d, bidders[2], keys, f"{TENDER}-bid-3")

    def settle() -> None:
        d.advance_to(BID_DEADLINE)
        rec = _tender_record(d)
        # Every bid the service acknowledged is in the frozen set the opening uses.
        assert [b.leaf_index for b in rec.bids()] == [b.leaf_index for b in rec.frozen_bids()]
        assert len(rec.bids()) == 2

    return Window(BID_DEADLINE, late, data, settle)


def bid_replace(d: Deployment) -> Window:
    """The bid window: the second bidder replaces its bid (PROTOCOL.md §9.9 step 3a)."""
    _, _, bidders, keys = _tender(d)
    for i in (1, 2):
        _submit(d, *_sealed_bid(d, bidders[i - 1], keys, f"{TENDER}-bid-{i}"))
    d.advance_to(BID_DEADLINE - JUST_BEFORE)
    sealed, data = _sealed_bid(d, bidders[1], keys, f"{TENDER}-bid-2-v2")
    body = sealed.statement.body
    late = bidders[1].replace_bid(
        f"{TENDER}-bid-2", body.envelope_id, body.envelope_hash, body.size
    )

    def settle() -> None:
        d.advance_to(BID_DEADLINE)
        rec = _tender_record(d)
        # The refused replacement changed nothing: the envelope it named is the one frozen.
        ids = [b.signed.statement.body.envelope_id for b in rec.frozen_bids()]
        assert ids == [f"{TENDER}-bid-1", f"{TENDER}-bid-2"]
        assert not rec.of_kind("envelope.replace")

    return Window(BID_DEADLINE, late, data, settle)


def bid_withdraw(d: Deployment) -> Window:
    """The bid window: the second bidder withdraws its bid (PROTOCOL.md §9.9 step 3a)."""
    _, _, bidders, keys = _tender(d)
    for i in (1, 2):
        _submit(d, *_sealed_bid(d, bidders[i - 1], keys, f"{TENDER}-bid-{i}"))
    d.advance_to(BID_DEADLINE - JUST_BEFORE)
    late = bidders[1].withdraw_bid(f"{TENDER}-bid-2")

    def settle() -> None:
        d.advance_to(BID_DEADLINE)
        rec = _tender_record(d)
        ids = [b.signed.statement.body.envelope_id for b in rec.frozen_bids()]
        assert ids == [f"{TENDER}-bid-1", f"{TENDER}-bid-2"]
        assert not rec.of_kind("envelope.withdraw")

    return Window(BID_DEADLINE, late, None, settle)


def key_release_of_a_tender(d: Deployment) -> Window:
    """The release window: the agent's opening key (PROTOCOL.md §9.9 step 5)."""
    centre, agent, bidders, keys = _tender(d)
    files = {}
    for i in (1, 2):
        envelope_id = f"{TENDER}-bid-{i}"
        signed, files[envelope_id] = _sealed_bid(d, bidders[i - 1], keys, envelope_id)
        _submit(d, signed, files[envelope_id])
    d.advance_to(BID_DEADLINE)

    _submit(d, centre.release_tender_keys([keys["centre"]]))
    d.advance_to(RELEASE_DEADLINE - JUST_BEFORE)
    late = agent.release_tender_keys([keys["agent"]])

    def settle() -> None:
        d.advance_to(RELEASE_DEADLINE)
        assert d.runtime.worker("w").run_once() == TENDER
        opening = _tender_record(d).of_kind("tender.opening")[0].signed.statement.body
        assert {e.status for e in opening.openings} == {OpeningStatus.AGENT_KEY_MISSING}

    return Window(RELEASE_DEADLINE, late, None, settle)


WINDOWS = [
    commitment,
    seed_envelope,
    reveal,
    key_release,
    snapshot,
    objection,
    bid,
    bid_replace,
    bid_withdraw,
    key_release_of_a_tender,
]


# -- the interleavings ----------------------------------------------------------------------


def _ahead_pulser(d: Deployment, at: int) -> Pulser:
    """Another pulser process on the same database whose clock already reads ``at``."""
    p = d.runtime.pulser
    return Pulser(d.runtime.database, p.signer, FakeClock(at), p.entropy, p.config)


class _DuringCheck:
    """A chain validator that runs ``action`` once, while the ledger checks a statement."""

    def __init__(self, inner: Any, action: Callable[[], object]) -> None:
        self.inner, self.action = inner, action

    def validate(self, *args: Any, **kwargs: Any) -> Any:
        checked = self.inner.validate(*args, **kwargs)
        action, self.action = self.action, lambda: None
        action()
        return checked


def pulse_out_clock_behind(d: Deployment, deadline: int) -> str:
    _ahead_pulser(d, deadline).emit_due()  # the freeze, if any, has not run yet
    return f"the pulse of {format_ms(deadline)} is out"


def pulse_during_check(d: Deployment, deadline: int) -> str:
    ledger = d.runtime.ledger
    ledger.validator = _DuringCheck(  # type: ignore[assignment]
        ledger.validator, _ahead_pulser(d, deadline).emit_due
    )
    return f"the pulse of {format_ms(deadline)} is out"


def clock_and_pulse_during_check(d: Deployment, deadline: int) -> str:
    def pass_deadline() -> None:
        d.clock.set(deadline)
        d.runtime.pulser.emit_due()

    ledger = d.runtime.ledger
    ledger.validator = _DuringCheck(ledger.validator, pass_deadline)  # type: ignore[assignment]
    return rf"\(server time {format_ms(deadline)}\)"


INTERLEAVINGS = [pulse_out_clock_behind, pulse_during_check, clock_and_pulse_during_check]


@pytest.mark.parametrize("interleave", INTERLEAVINGS, ids=lambda f: f.__name__.replace("_", "-"))
@pytest.mark.parametrize("window", WINDOWS, ids=lambda f: f.__name__.replace("_", "-"))
def test_a_statement_racing_its_deadline_pulse_is_refused(
    d: Deployment,
    window: Callable[[Deployment], Window],
    interleave: Callable[[Deployment, int], str],
) -> None:
    w = window(d)
    assert d.clock.now_ms() == w.deadline - JUST_BEFORE
    inner = d.runtime.ledger.validator
    message = interleave(d, w.deadline)
    with d.runtime.database.read() as session:
        size = LogRepository(session).size()
    with pytest.raises(DeadlineError, match=rf"closed at {format_ms(w.deadline)}.*{message}"):
        _submit(d, w.late, w.payload)
    d.runtime.ledger.validator = inner
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == size, "a refused statement leaves no leaf"
    # The beacon signs nothing with a time before the newest pulse (PROTOCOL.md §13.3,
    # S = 0): its clock catches up with the pulse that is out, then it freezes.
    d.clock.set(max(d.clock.now_ms(), w.deadline))
    d.runtime.engine.tick()  # the freeze that follows the pulse, in its own transaction
    w.settle()


def test_the_write_lock_is_held_when_the_block_starts(database: Database) -> None:
    """The mechanism: the ledger reads the clock first thing in its transaction, so no other
    writer (a pulser) may commit between the block's start and its first query."""
    committed: list[int] = []

    def other() -> None:
        with database.write() as session:
            committed.append(LogRepository(session).append(b"another writer", now_ms=2))

    with database.write() as session:
        writer = threading.Thread(target=other)
        writer.start()
        writer.join(0.5)
        assert not committed, "another writer committed inside this block"
        size = LogRepository(session).size()
    writer.join(30)
    assert (size, committed) == (0, [0])
