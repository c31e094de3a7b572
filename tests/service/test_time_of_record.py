"""A statement's time of record (PROTOCOL.md §13.3), attacked through the real service.

``issued_at`` is the signer's claim; the pulses on either side of its leaf say when
it was really logged. A beacon that stamps its result with a time of its choosing,
or lets a party's statement in with a time far from its leaf, produces a bundle the
verifier rejects; the honest service refuses both before they are logged; and the
dispute window runs from the first pulse that records the result, whatever time the
result names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.core.lifecycle import Phase
from beacon.errors import DeadlineError, StateError
from beacon.service import ledger as ledger_module
from beacon.service.clock import Clock
from beacon.service.ledger import Policy
from beacon.store import LogRepository, PulseRepository, sqlite_url
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, record
from verifier import verify_bundle
from verifier.report import Report


class Shifted:
    """The service's clock as a misbehaving beacon (or a stepped host clock) reads it."""

    def __init__(self, clock: Clock, offset_ms: int) -> None:
        self.clock, self.offset_ms = clock, offset_ms

    def now_ms(self) -> int:
        return self.clock.now_ms() + self.offset_ms

    def wait_until(self, target_ms: int, stop: threading.Event) -> None:
        self.clock.wait_until(target_ms - self.offset_ms, stop)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"))
    yield d
    d.runtime.close()


def _computing(d: Deployment) -> Ceremony:
    """A draw whose seeds are all in: the next thing is the beacon's result."""
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)  # the commit-deadline pulse freezes the draw
    c.reveal()
    c.release()
    assert record(d).phase is Phase.COMPUTING
    return c


def _next_pulse(d: Deployment) -> None:
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)


def _failure(report: Report, check: str) -> str:
    assert not report.valid
    return next(c.detail for c in report.checks if c.name == check and not c.ok)


# -- the beacon picks the time of its result ---------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        # S = 0 for the beacon: one millisecond before the pulse its leaf follows is too early.
        pytest.param(
            -1,
            r"leaf \d+ \(draw\.result by beacon\): issued_at .* is more than 0 ms before pulse 1/11",
            id="backdated-1ms",
        ),
        pytest.param(
            -3_600_000,
            r"\(draw\.result by beacon\): issued_at 2026-11-26T07:10:00\.000Z is more than 0 ms before",
            id="backdated-an-hour",
        ),
        # A pulse is made within its period, so a result logged before pulse 1/12 was made
        # before 08:12:00; two periods later is a time the log shows it was not made at.
        pytest.param(
            2 * PERIOD,
            r"\(draw\.result by beacon\): issued_at 2026-11-26T08:12:00\.000Z is not before 2026-11-26T08:12:00\.000Z",
            id="postdated-two-periods",
        ),
        pytest.param(
            3_600_000,
            r"\(draw\.result by beacon\): issued_at 2026-11-26T09:10:00\.000Z is not before",
            id="postdated-an-hour",
        ),
    ],
)
def test_a_result_stamped_with_a_time_the_beacon_chose_is_invalid(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch, offset: int, message: str
):
    d = deployment
    c = _computing(d)
    # A beacon that picks its result's time: its own clock, shifted, and without the guard
    # an honest beacon has against signing before the newest pulse.
    monkeypatch.setattr(d.runtime.ledger, "clock", Shifted(d.clock, offset))
    monkeypatch.setattr(ledger_module, "_not_before_newest_pulse", lambda *a, **k: None)
    assert d.runtime.worker("w1").run_once() == c.definition.draw_id
    monkeypatch.undo()
    result = record(d).one("draw.result")
    assert result.signed.statement.issued_at == d.clock.now_ms() + offset
    _next_pulse(d)
    # The service's dispute window runs from the pulse that records the result, not from
    # the time the result names.
    with d.runtime.database.read() as session:
        covering = PulseRepository(session).first_covering(result.leaf_index)
    assert (
        record(d).facts.dispute_ends == covering.time_ms + c.definition.deadlines.dispute_window_ms
    )
    report = verify_bundle(bundle(d).to_dict())
    assert report.failed()[0] == "time-of-record"
    assert re.search(message, _failure(report, "time-of-record"))


def test_an_honest_beacon_refuses_to_sign_a_time_before_the_newest_pulse(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
):
    d = deployment
    c = _computing(d)
    monkeypatch.setattr(d.runtime.ledger, "clock", Shifted(d.clock, -1))  # stepped back 1 ms
    with pytest.raises(
        StateError,
        match=r"beacon draw\.result for JS-2026-0142/JS-2026-0142-1: its time "
        r"2026-11-26T08:09:59\.999Z is before pulse 1/11 of 2026-11-26T08:10:00\.000Z",
    ):
        d.runtime.worker("w1").run_once()
    assert record(d).one("draw.result") is None
    monkeypatch.undo()
    assert d.runtime.worker("w1").run_once() == c.definition.draw_id  # the clock caught up
    _next_pulse(d)
    report = verify_bundle(bundle(d).to_dict())
    assert report.valid, [(ch.name, ch.detail) for ch in report.checks if not ch.ok]


# -- a party's statement far from its leaf ------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        pytest.param(
            -1_200_000,
            r"leaf \d+ \(tender\.register by centre\): issued_at 2026-11-26T07:40:00\.000Z is more "
            r"than 300000 ms before pulse 1/1 of 2026-11-26T08:00:00\.000Z",
            id="backdated-20-min",
        ),
        pytest.param(
            1_200_000,
            r"leaf \d+ \(tender\.register by centre\): issued_at 2026-11-26T08:20:00\.000Z is not "
            r"before 2026-11-26T08:07:00\.000Z, 300000 ms after the period of pulse 1/2",
            id="postdated-20-min",
        ),
    ],
)
def test_a_party_statement_beyond_the_skew_from_its_pulses_is_invalid(
    deployment: Deployment, offset: int, message: str
):
    d = deployment
    # A beacon that lets it in: a tolerance above the protocol's maximum, which Policy
    # itself refuses (test below), forced onto the running ledger.
    object.__setattr__(d.runtime.ledger.policy, "skew_ms", 3_600_000)
    c = Ceremony(d)
    c.centre.now = lambda: d.clock.now_ms() + offset
    c.submit(c.centre.register("agent", c.agent.certificate))
    c.centre.now = d.clock.now_ms
    for b in c.bidders:
        c.submit(c.centre.register("bidder", b.certificate))
    c.publish()
    _next_pulse(d)
    report = verify_bundle(bundle(d).to_dict())
    assert report.failed() == ["time-of-record"]
    assert re.search(message, _failure(report, "time-of-record"))


def test_the_service_refuses_a_time_too_far_before_the_newest_pulse(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
):
    """The server clock stepped back 10 minutes: a statement honest by that clock would be
    more than the tolerance before the pulse its leaf follows, so it is refused, unlogged."""
    d = deployment
    c = Ceremony(d)
    monkeypatch.setattr(d.runtime.ledger, "clock", Shifted(d.clock, -600_000))
    c.centre.now = d.runtime.ledger.clock.now_ms
    with pytest.raises(
        DeadlineError,
        match=r"tender\.register: issued_at 2026-11-26T07:50:00\.000Z is more than 300 s before "
        r"pulse 1/1 of 2026-11-26T08:00:00\.000Z, the newest pulse before its leaf "
        r"\(300000 ms too early\)",
    ):
        c.submit(c.centre.register("agent", c.agent.certificate))
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == 0  # refused before anything was logged


@pytest.mark.parametrize(
    ("skew_ms", "refused"), [(300_000, False), (0, False), (300_001, True), (-1, True)]
)
def test_a_deployment_may_lower_the_tolerance_but_not_raise_it(skew_ms: int, refused: bool):
    if not refused:
        assert Policy(skew_ms=skew_ms).skew_ms == skew_ms
        return
    with pytest.raises(ValueError, match=rf"at most 300000 ms \(PROTOCOL.md §6.5\), got {skew_ms}"):
        Policy(skew_ms=skew_ms)
