"""VDF job bookkeeping takes only its job's row lock, never the log's write lock (issue 13).

A worker renews its lease and stores checkpoints every second or so for as long as
a VDF runs; under the log's write lock, four such workers held up every statement
append. On PostgreSQL the renewal now locks only its ``vdf_jobs`` row. Blocking is
detected with ``lock_timeout`` on the second connection (a blocked statement fails
with "canceling statement due to lock timeout" instead of waiting), never by
measuring how long something took. The ownership rule holds on both backends: a
worker whose lease was taken over stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from beacon.core import vdf
from beacon.errors import InfrastructureError
from beacon.service.worker import LeaseLost, Worker, WorkerConfig
from beacon.store import Database, LogRepository
from beacon.store.statements import StatementRepository
from tests.service.deployment import Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

LEASE_MS = 30_000
LOCK_TIMEOUT_MS = 2_000  # what "blocked" means below: waiting this long for a lock


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, database_url)
    yield d
    d.runtime.close()


def published(d: Deployment) -> str:
    """A published draw: enough for a ``vdf_jobs`` row (its foreign key)."""
    c = Ceremony(d)
    c.register()
    c.publish()
    return c.definition.draw_id


def worker(d: Deployment, owner: str) -> Worker:
    config = WorkerConfig(
        owner=owner, opened_dir=d.runtime.settings.data_dir / "opened", lease_ms=LEASE_MS
    )
    return Worker(d.runtime.ledger, config)


def with_lock_timeout(d: Deployment) -> Database:
    """A second handle on the same database whose statements give up on a lock wait."""
    url = make_url(d.runtime.database.url)
    options = f"{url.query.get('options', '')} -c lock_timeout={LOCK_TIMEOUT_MS}".strip()
    return Database(url.update_query_dict({"options": options}).render_as_string(False))


def checkpoint(index: int) -> vdf.Checkpoint:
    """A checkpoint-shaped value; ownership, not its mathematics, is under test."""
    return vdf.Checkpoint(T=1000, spacing=10, index=index, value=4)


def during_renewal(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run ``action`` inside the next renewal, after it locked its job row."""
    original = StatementRepository.add_checkpoints

    def add_checkpoints(self: StatementRepository, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(StatementRepository, "add_checkpoints", original)
        action()

    monkeypatch.setattr(StatementRepository, "add_checkpoints", add_checkpoints)


def append(db: Database, entry: bytes) -> int:
    with db.write() as session:
        return LogRepository(session).append(entry, now_ms=0)


# SQLite has one writer at a time: there a renewal excludes an append by design.
POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.postgres
@POSTGRES_ONLY
def test_an_append_completes_while_a_renewal_holds_its_job_row(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    d, draw_id = deployment, published(deployment)
    w1 = worker(d, "w1")
    assert w1.claim(draw_id)
    other = with_lock_timeout(d)
    appended: list[int] = []
    refused: list[str] = []

    def inside() -> None:
        appended.append(append(other, b"appended during a renewal"))
        # The renewal does hold its row: a claim of the same draw must wait (and give up).
        try:
            with other.row_write() as session:
                StatementRepository(session).job(draw_id, lock=True)
        except InfrastructureError as e:
            refused.append(str(e))

    during_renewal(monkeypatch, inside)
    try:
        w1._renew(draw_id, 10, [checkpoint(1)])
    finally:
        other.dispose()
    with d.runtime.database.read() as session:
        size = LogRepository(session).size()
        job = StatementRepository(session).job(draw_id)
        progress = None if job is None else job.progress
    assert appended and appended[0] == size - 1, "the append did not complete"
    assert len(refused) == 1 and "lock timeout" in refused[0], refused
    assert progress == 10  # and the renewal committed afterwards


@pytest.mark.postgres
@POSTGRES_ONLY
def test_the_log_write_lock_would_block_that_append(deployment: Deployment) -> None:
    """The same probe against the old design (bookkeeping under ``Database.write``): it
    times out, so the test above would notice a renewal that took the log's lock."""
    d = deployment
    other = with_lock_timeout(d)
    try:
        with (
            d.runtime.database.write(),
            pytest.raises(InfrastructureError, match="lock timeout"),
        ):
            append(other, b"blocked")
    finally:
        other.dispose()


def test_a_worker_whose_lease_was_taken_over_stores_no_checkpoint(deployment: Deployment) -> None:
    d, draw_id = deployment, published(deployment)
    w1, w2 = worker(d, "w1"), worker(d, "w2")
    assert w1.claim(draw_id)
    w1._renew(draw_id, 10, [checkpoint(1)])
    assert not w2.claim(draw_id), "w1's lease is live"
    d.clock.advance(LEASE_MS + 1)
    assert w2.claim(draw_id), "w1's lease ran out"
    with pytest.raises(LeaseLost, match="the lease passed to another worker"):
        w1._renew(draw_id, 20, [checkpoint(2)])
    with d.runtime.database.read() as session:
        repo = StatementRepository(session)
        job = repo.job(draw_id)
        assert job is not None
        state = (job.owner, job.attempts, job.progress)
        stored = [c.iteration for c in repo.checkpoints(draw_id)]
    assert state == ("w2", 2, 10)
    assert stored == [checkpoint(1).position]


def test_two_first_claims_of_one_draw_make_one_owner(deployment: Deployment) -> None:
    d, draw_id = deployment, published(deployment)
    assert worker(d, "w1").claim(draw_id)
    assert not worker(d, "w2").claim(draw_id)
    with d.runtime.database.read() as session:
        job = StatementRepository(session).job(draw_id)
        assert job is not None
        assert (job.owner, job.attempts) == ("w1", 1)
