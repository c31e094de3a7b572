"""Idle workers wake on NOTIFY, and listen again after their connection dropped (PostgreSQL).

The workers here poll every 60 s, so only a notification can wake them sooner; each
wait's outcome (:class:`beacon.service.wakeup.Wake`) is handed to the test through a
queue read with a generous timeout: the assertion is on *why* the worker woke, never
on how fast. The notifications come from the real write paths (a pulse, a reveal).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from beacon.service.wakeup import Listener, Wake
from beacon.service.worker import Worker, WorkerConfig
from beacon.store import Database
from tests.service.deployment import PERIOD, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

POLL_SECONDS = 60.0  # longer than any wait below: only a notification ends a wait early
WAIT_SECONDS = 30.0


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, database_url)
    yield d
    d.runtime.close()


class Recording:
    """A listener that reports the outcome of every wait to the test."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener
        self.outcomes: queue.Queue[Wake] = queue.Queue()

    def wait(self, fallback_seconds: float, stop: threading.Event) -> Wake:
        outcome = self.listener.wait(fallback_seconds, stop)
        self.outcomes.put(outcome)
        return outcome

    def close(self) -> None:
        self.listener.close()

    def next(self) -> Wake:
        return self.outcomes.get(timeout=WAIT_SECONDS)


@pytest.fixture
def running(deployment: Deployment) -> Iterator[Recording]:
    """A worker idling in its run loop, already listening."""
    listener = Listener(deployment.runtime.database.url, poll_seconds=POLL_SECONDS)
    assert listener.listen()
    recording = Recording(listener)
    config = WorkerConfig(
        owner="w1",
        opened_dir=deployment.runtime.settings.data_dir / "opened",
        poll_seconds=POLL_SECONDS,
    )
    worker = Worker(deployment.runtime.ledger, config, wakeup=recording)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="worker")
    thread.start()
    try:
        yield recording
    finally:
        stop.set()
        thread.join(timeout=WAIT_SECONDS)
        assert not thread.is_alive()


def pulse(d: Deployment) -> None:
    d.clock.advance(PERIOD)
    assert d.runtime.pulser.emit_due() is not None


def terminate(database: Database, pid: int) -> None:
    with database.engine.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()


def test_a_pulse_wakes_an_idle_worker(deployment: Deployment, running: Recording) -> None:
    pulse(deployment)
    assert running.next() is Wake.NOTIFIED


def drain(listener: Listener) -> None:
    """Take every notification already delivered (each wait returns at once while any is)."""
    while listener.wait(1.0, threading.Event()) is Wake.NOTIFIED:
        pass


def test_a_reveal_notifies_and_a_commitment_does_not(deployment: Deployment) -> None:
    """WAKE_KINDS: statements that can make a draw computable notify, others do not."""
    d = deployment
    c = Ceremony(d)
    c.register()
    c.publish()
    listener = Listener(d.runtime.database.url, poll_seconds=1.0)
    try:
        assert listener.listen()
        c.commit()
        c.seal_seeds()
        assert listener.wait(1.0, threading.Event()) is Wake.TIMEOUT
        d.advance_to(c.definition.deadlines.commit)  # pulses and the freeze notify
        drain(listener)
        c.reveal()
        assert listener.wait(1.0, threading.Event()) is Wake.NOTIFIED
    finally:
        listener.close()


def test_a_rolled_back_notification_wakes_nobody(deployment: Deployment) -> None:
    """NOTIFY is delivered at commit: a refused statement's transaction sends nothing."""
    listener = Listener(deployment.runtime.database.url, poll_seconds=1.0)
    try:
        assert listener.listen()
        with pytest.raises(RuntimeError), deployment.runtime.database.write() as session:
            deployment.runtime.database.notify_work(session)
            raise RuntimeError("refused")
        assert listener.wait(1.0, threading.Event()) is Wake.TIMEOUT
        with deployment.runtime.database.write() as session:
            deployment.runtime.database.notify_work(session)
        assert listener.wait(1.0, threading.Event()) is Wake.NOTIFIED
    finally:
        listener.close()


def test_another_schemas_notification_wakes_nobody(deployment: Deployment) -> None:
    """Deployments sharing a database in separate schemas keep their workers apart."""
    listener = Listener(deployment.runtime.database.url, poll_seconds=1.0)
    try:
        assert listener.listen()
        with deployment.runtime.database.engine.begin() as connection:
            connection.execute(text("SELECT pg_notify('beacon_work', 'another_schema')"))
        assert listener.wait(1.0, threading.Event()) is Wake.TIMEOUT
    finally:
        listener.close()


def test_the_worker_listens_again_after_its_connection_is_terminated(
    deployment: Deployment, running: Recording
) -> None:
    first = running.listener.backend_pid
    assert first is not None
    terminate(deployment.runtime.database, first)
    assert running.next() is Wake.RECONNECTED
    second = running.listener.backend_pid
    assert second is not None and second != first
    pulse(deployment)
    assert running.next() is Wake.NOTIFIED
