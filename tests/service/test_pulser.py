"""The pulser on a fake clock: boundaries, promises, gaps, new chains, leadership.

Every chain produced here is checked by beacon.core.chain.ChainVerifier and each
pulse's external value against the tree head the store recorded with it; the
verifier's rules are themselves checked against real NIST pulses
(tests/core/test_pulse.py).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from beacon.core import chain
from beacon.core.pulse import Pulse, verify_external
from beacon.core.timefmt import parse_ms
from beacon.errors import InfrastructureError
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner
from beacon.service.clock import FakeClock
from beacon.service.entropy import DeterministicEntropy
from beacon.service.leader import leader_lock_for
from beacon.service.pulser import Pulser, PulserConfig
from beacon.store import Database, LogRepository, PulseRepository, sqlite_url

PERIOD = 60_000
# Late on New Year's Eve, so a long chain crosses an hour, day, month and year.
T0 = parse_ms("2026-12-31T20:00:00.000Z")
CONFIG = PulserConfig(period_ms=PERIOD, base_uri="http://beacon.test")


@pytest.fixture(scope="module")
def signers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RsaPulseSigner]:
    out = {}
    for name in ("a", "b"):
        directory = tmp_path_factory.mktemp(f"ca-{name}")
        ca.init_ca(
            directory, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), bidders=0, signer_bits=2048
        )
        out[name] = RsaPulseSigner.from_files(
            directory / "beacon-signer.key", directory / "beacon-signer.pem"
        )
    return out


def stored_chain(db: Database) -> list[tuple[Pulse, int]]:
    with db.read() as session:
        repo = PulseRepository(session)
        out = []
        for chain_index in range(1, (repo.last_chain_index() or 0) + 1):
            start = 1
            while batch := repo.range(chain_index, start, start + 1000):
                out += [(s.pulse(), s.tree_size) for s in batch]
                start += len(batch)
        return out


def verify_all(db: Database) -> list[Pulse]:
    """Verify every stored chain end to end; returns the pulses in order."""
    pulses = stored_chain(db)
    with db.read() as session:
        repo, log = PulseRepository(session), LogRepository(session)

        def certificate(cid: bytes) -> bytes:
            der = repo.certificate(cid)
            assert der is not None
            return der

        verifiers: dict[int, chain.ChainVerifier] = {}
        for pulse, tree_size in pulses:
            verifiers.setdefault(pulse.chain_index, chain.ChainVerifier(certificate)).add(pulse)
            head = log.saved_tree_head(tree_size)
            assert head is not None
            verify_external(pulse, head)
    return [p for p, _ in pulses]


def make(db: Database, signer: RsaPulseSigner, clock: FakeClock, seed: bytes = b"t") -> Pulser:
    return Pulser(db, signer, clock, DeterministicEntropy(seed), CONFIG)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(sqlite_url(tmp_path / "beacon.sqlite3"))
    db.upgrade()
    yield db
    db.dispose()


@pytest.mark.slow
def test_thousand_pulse_chain_with_gap_and_certificate_change(
    sqlite_database: Database, signers: dict[str, RsaPulseSigner]
) -> None:
    # SQLite only: the repository suite covers both backends, and this one is long.
    database = sqlite_database
    clock = FakeClock(T0 + 1234)
    pulser = make(database, signers["a"], clock)
    entries = 0
    for n in range(1, 1001):
        if n == 400:
            clock.advance(3 * PERIOD)  # the pulser was down: boundaries missed, never backfilled
        if n == 700:
            pulser = make(
                database, signers["b"], clock, seed=b"restart"
            )  # restarted, new certificate
        if n % 7 == 0:
            with database.write() as session:
                LogRepository(session).append_many(
                    [b"e%d" % i for i in range(entries, entries + 3)], now_ms=0
                )
            entries += 3
        assert pulser.emit_due() is not None
        clock.advance(PERIOD)
    pulses = verify_all(database)
    assert len(pulses) == 1000 and {p.chain_index for p in pulses} == {1}
    statuses = {p.pulse_index: p.status_code for p in pulses if p.status_code}
    assert statuses == {1: 1, 400: 2, 700: 4}
    assert pulses[-1].time_ms == T0 + 1002 * PERIOD
    # The chain crossed into 2027: January's pulses link their year to the first pulse of 2027.
    first_2027 = next(p for p in pulses if p.time_ms >= parse_ms("2027-01-01T00:00:00.000Z"))
    assert pulses[-1].link("year").value == first_2027.output_value


class TestEmission:
    def test_never_before_its_time_and_once(
        self, database: Database, signers: dict[str, RsaPulseSigner]
    ) -> None:
        clock = FakeClock(T0 + 1)
        pulser = make(database, signers["a"], clock)
        first = pulser.emit_due()
        assert first is not None and first.time_ms == T0  # the boundary that just passed
        assert pulser.emit_due() is None
        clock.advance(PERIOD - 2)  # T0 + PERIOD - 1: the next boundary is 1 ms away
        assert pulser.emit_due() is None
        clock.advance(1)
        second = pulser.emit_due()
        assert second is not None and second.time_ms == T0 + PERIOD
        assert pulser.emit_due() is None

    def test_restart_keeps_the_promise(
        self, database: Database, signers: dict[str, RsaPulseSigner]
    ) -> None:
        clock = FakeClock(T0)
        make(database, signers["a"], clock, seed=b"one").emit_due()
        clock.advance(PERIOD)
        make(
            database, signers["a"], clock, seed=b"two"
        ).emit_due()  # another process, other entropy
        pulses = verify_all(database)
        assert [p.status_code for p in pulses] == [1, 0]

    def test_new_chain_on_request(
        self, database: Database, signers: dict[str, RsaPulseSigner]
    ) -> None:
        clock = FakeClock(T0)
        pulser = make(database, signers["a"], clock)
        pulser.emit_due()
        clock.advance(PERIOD)
        pulser.emit_due()
        with database.write() as session:
            PulseRepository(session).request_new_chain()
        clock.advance(PERIOD)
        pulser.emit_due()
        clock.advance(PERIOD)
        pulser.emit_due()
        pulses = verify_all(database)
        assert [(p.chain_index, p.pulse_index, p.status_code) for p in pulses] == [
            (1, 1, 1),
            (1, 2, 0),
            (2, 1, 1),
            (2, 2, 0),
        ]

    def test_period_change_starts_a_new_chain(
        self, database: Database, signers: dict[str, RsaPulseSigner]
    ) -> None:
        clock = FakeClock(T0)
        make(database, signers["a"], clock).emit_due()
        clock.advance(2 * PERIOD)
        slower = Pulser(
            database,
            signers["a"],
            clock,
            DeterministicEntropy(b"x"),
            PulserConfig(period_ms=2 * PERIOD),
        )
        slower.emit_due()
        assert [(p.chain_index, p.period) for p in verify_all(database)] == [
            (1, PERIOD),
            (2, 2 * PERIOD),
        ]

    def test_lost_promise_fails_closed(
        self, database: Database, signers: dict[str, RsaPulseSigner]
    ) -> None:
        clock = FakeClock(T0)
        pulser = make(database, signers["a"], clock)
        pulser.emit_due()
        with database.write() as session:
            PulseRepository(session).promise(None)
        clock.advance(PERIOD)
        with pytest.raises(InfrastructureError, match="no stored localRandomValue for pulse 1/2"):
            pulser.emit_due()
        assert len(stored_chain(database)) == 1

    @pytest.mark.parametrize(
        ("period_ms", "message"),
        [
            pytest.param(1500, "whole number of seconds", id="fraction"),
            pytest.param(0, "whole", id="zero"),
        ],
    )
    def test_config_rejects(self, period_ms: int, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            PulserConfig(period_ms=period_ms)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.slow
def test_two_pulsers_one_chain(database_url: str, signers: dict[str, RsaPulseSigner]) -> None:
    """Two pulsers on one database for several periods: one leads, the other takes over."""
    db = Database(database_url)
    db.upgrade()
    clock = FakeClock(T0)
    stops = {name: threading.Event() for name in ("a", "b")}
    pulsers = {name: make(db, signers["a"], clock, seed=name.encode()) for name in ("a", "b")}
    threads = {
        name: threading.Thread(
            target=pulsers[name].run, args=(leader_lock_for(database_url), stops[name])
        )
        for name in ("a", "b")
    }

    calls: dict[str, int] = {"a": 0, "b": 0}
    for name, pulser in pulsers.items():
        emit = pulser.emit_due

        def counted(name: str = name, emit: Callable[[], object] = emit) -> object:
            calls[name] += 1
            return emit()

        pulser.emit_due = counted  # type: ignore[method-assign, assignment]

    def count() -> int:
        return len(stored_chain(db))

    try:
        threads["a"].start()
        wait_for(lambda: count() == 1, "the first pulse")
        threads["b"].start()
        for n in range(2, 6):
            clock.advance(PERIOD)
            wait_for(lambda n=n: count() == n, f"pulse {n}")  # type: ignore[misc]
        assert calls["b"] == 0  # the second pulser waited for the lock, it never tried to emit
        stops["a"].set()  # the leader stops; its lock is released
        threads["a"].join(10)
        for n in range(6, 10):
            clock.advance(PERIOD)
            wait_for(lambda n=n: count() == n, f"pulse {n} from the second pulser")  # type: ignore[misc]
        time.sleep(0.3)  # give a duplicate emission the chance to appear
        assert calls["b"] >= 4
    finally:
        for stop in stops.values():
            stop.set()
        for thread in threads.values():
            if thread.is_alive():
                thread.join(10)
    pulses = verify_all(db)
    db.dispose()
    assert [(p.chain_index, p.pulse_index) for p in pulses] == [(1, i) for i in range(1, 10)]
    assert [p.time_ms for p in pulses] == [T0 + i * PERIOD for i in range(9)]
    assert [p.status_code for p in pulses] == [1] + [0] * 8  # no gap, no duplicate


def test_file_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    first, second = leader_lock_for(url), leader_lock_for(url)
    stop = threading.Event()
    assert first.acquire(stop)
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    assert second.acquire(stop) is False  # gave up when told to stop, never acquired
    first.release()
    assert second.acquire(threading.Event())
    second.release()
