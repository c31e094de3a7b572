"""Keeping time honestly: clock-skew tolerance, pulses never early, and clock drift.

A statement may claim a time at most ``Policy.skew_ms`` from server time, both edges
inclusive (PROTOCOL.md §6.5); the pulser emits the pulse of a boundary only once the
clock has reached it, never one stamped in the future or before the previous pulse,
and marks missed boundaries with status 2 instead of backfilling them (§8.5). Every
chain produced here is re-checked by beacon.core.chain.ChainVerifier.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.core.pulse import STATUS_CHAIN_START, STATUS_TIME_GAP
from beacon.errors import DeadlineError
from beacon.service.clock import FakeClock
from beacon.service.entropy import DeterministicEntropy
from beacon.service.leader import leader_lock_for
from beacon.service.pulser import Pulser
from beacon.store import Database, sqlite_url
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_pulser import CONFIG, signers, stored_chain, verify_all, wait_for

__all__ = ["signers"]  # the module-scoped fixture, shared with the pulser tests
SKEW = 300_000  # Policy().skew_ms, the default tolerance


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"), bidders=4)
    yield d
    d.runtime.close()


class TestClockSkew:
    @pytest.mark.parametrize(
        ("offset", "bidder", "refusal"),
        [
            pytest.param(-SKEW, 1, None, id="behind-at-the-edge"),
            pytest.param(
                -SKEW - 1, 2, "300001 ms behind, at most 300000 ms allowed", id="behind-1ms-past"
            ),
            pytest.param(SKEW, 3, None, id="ahead-at-the-edge"),
            pytest.param(
                SKEW + 1, 4, "300001 ms ahead, at most 300000 ms allowed", id="ahead-1ms-past"
            ),
            pytest.param(-3_600_000, 1, "3600000 ms behind", id="an-hour-behind"),
        ],
    )
    def test_both_edges_exactly(
        self, deployment: Deployment, offset: int, bidder: int, refusal: str | None
    ) -> None:
        d = deployment
        centre, agent = d.actor("centre", "centre"), d.actor("agent", "agent")
        d.runtime.ledger.submit(centre.register("agent", agent.certificate))
        centre.now = lambda: d.clock.now_ms() + offset
        registration = centre.register("bidder", d.actor(f"bidder-{bidder}", "bidder").certificate)
        if refusal is None:
            assert d.runtime.ledger.submit(registration).leaf_index > 0
            return
        with pytest.raises(DeadlineError, match=rf"more than 300 s from server time .*\({refusal}"):
            d.runtime.ledger.submit(registration)


class DriftingClock(FakeClock):
    """A fake clock that an NTP step may also move backwards."""

    def step_to(self, ms: int) -> None:
        with self._changed:
            self._now = ms
            self._changed.notify_all()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(tmp_path / "pulses.sqlite3"))
    db.upgrade()
    yield db
    db.dispose()


class TestNeverEarly:
    def test_running_pulser_waits_for_the_boundary(
        self, database: Database, signers: dict, tmp_path: Path
    ) -> None:
        clock = FakeClock(T0 + 1)
        pulser = Pulser(database, signers["a"], clock, DeterministicEntropy(b"t"), CONFIG)
        stop = threading.Event()
        thread = threading.Thread(
            target=pulser.run, args=(leader_lock_for(database.url), stop), daemon=True
        )
        thread.start()
        try:
            wait_for(lambda: len(stored_chain(database)) == 1, "the pulse of T0")
            clock.set(T0 + PERIOD - 1)  # one millisecond before the next boundary
            time.sleep(0.5)  # the loop re-checks its clock every 50 ms: ten chances to be early
            assert [p.time_ms for p, _ in stored_chain(database)] == [T0]
            clock.set(T0 + PERIOD)
            wait_for(lambda: len(stored_chain(database)) == 2, "the pulse at the boundary")
        finally:
            stop.set()
            thread.join(10)
        assert [p.time_ms for p in verify_all(database)] == [T0, T0 + PERIOD]


class TestDrift:
    @pytest.mark.parametrize(
        ("steps", "expected"),
        [
            pytest.param(
                # ms since T0 at each emit_due call -> (pulse time offset, status) emitted or None
                [0, PERIOD, -5 * PERIOD, PERIOD + 1, 2 * PERIOD],
                [(0, STATUS_CHAIN_START), (PERIOD, 0), None, None, (2 * PERIOD, 0)],
                id="stepped-back-five-periods",
            ),
            pytest.param(
                [0, PERIOD + 500, PERIOD - 1, PERIOD + 999, 2 * PERIOD - 1, 2 * PERIOD],
                [(0, STATUS_CHAIN_START), (PERIOD, 0), None, None, None, (2 * PERIOD, 0)],
                id="stepped-back-across-a-boundary",
            ),
            pytest.param(
                [0, 10 * PERIOD + 7, 10 * PERIOD + 8, 11 * PERIOD],
                [(0, STATUS_CHAIN_START), (10 * PERIOD, STATUS_TIME_GAP), None, (11 * PERIOD, 0)],
                id="jumped-forward-ten-periods",
            ),
            pytest.param(
                [0, 3 * PERIOD, PERIOD, 3 * PERIOD + 1, 5 * PERIOD],
                [
                    (0, STATUS_CHAIN_START),
                    (3 * PERIOD, STATUS_TIME_GAP),
                    None,
                    None,
                    (5 * PERIOD, STATUS_TIME_GAP),
                ],
                id="forward-back-forward",
            ),
        ],
    )
    def test_monotonic_never_future_gaps_marked(
        self, database: Database, signers: dict, steps: list[int], expected: list
    ) -> None:
        clock = DriftingClock(T0)
        pulser = Pulser(database, signers["a"], clock, DeterministicEntropy(b"t"), CONFIG)
        got = []
        for offset in steps:
            clock.step_to(T0 + offset)
            stored = pulser.emit_due()
            if stored is None:
                got.append(None)
                continue
            pulse = stored.pulse()
            assert pulse.time_ms <= clock.now_ms(), "a pulse stamped in the future"
            got.append((pulse.time_ms - T0, pulse.status_code))
        assert got == expected
        times = [p.time_ms for p in verify_all(database)]
        assert times == sorted(set(times))  # strictly increasing
