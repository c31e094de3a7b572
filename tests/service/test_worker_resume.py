"""A worker that dies mid-VDF is resumed from its stored checkpoints (in process, both backends).

The crash is a BaseException raised from the progress callback, where a kill -9
would land: after some checkpoints were written, before the result. The next
claim (another worker once the lease ran out, or the same worker restarted) must
log the resume, count a new attempt in ``vdf_jobs``, and record exactly the result
of an uninterrupted computation (recomputed here with beacon.core.draw.compute).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.core import draw, vdf
from beacon.core.draw import order_seeds
from beacon.service.worker import Worker, WorkerConfig
from beacon.store.statements import StatementRepository
from tests.service.deployment import Deployment, definition, open_deployment
from tests.service.test_draw_flow import Ceremony, record

T = 120_000  # 1,500 checkpoints of 80 squarings (vdf.plan(T).spacing)
LEASE_MS = 30_000


class Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs, and no handler catches it."""


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, database_url)
    yield d
    d.runtime.close()


def computing(d: Deployment) -> Ceremony:
    c = Ceremony(d)
    c.definition = definition(vdf_t=T)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(c.definition.deadlines.commit)
    c.reveal()
    c.release()
    return c


def worker(d: Deployment, owner: str, *, crash_at: int | None = None) -> Worker:
    def progress(_draw: str, done: int, _total: int) -> None:
        if crash_at is not None and done >= crash_at:
            raise Crash

    # flush_seconds=0: every progress report stores the checkpoints made so far.
    config = WorkerConfig(
        owner=owner,
        opened_dir=d.runtime.settings.data_dir / "opened",
        lease_ms=LEASE_MS,
        flush_seconds=0,
    )
    return Worker(d.runtime.ledger, config, progress=progress)


def job_and_checkpoints(d: Deployment, draw_id: str) -> tuple[int, str, list[int]]:
    with d.runtime.database.read() as session:
        repo = StatementRepository(session)
        job = repo.job(draw_id)
        assert job is not None
        return job.attempts, job.owner, [c.iteration for c in repo.checkpoints(draw_id)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("resumer", "wait_for_lease"),
    [
        pytest.param("w2", True, id="another worker, once the lease ran out"),
        pytest.param("w1", False, id="the same worker, restarted under its name"),
    ],
)
def test_a_crashed_evaluation_resumes_from_stored_checkpoints(
    deployment: Deployment, caplog: pytest.LogCaptureFixture, resumer: str, wait_for_lease: bool
) -> None:
    d = deployment
    c = computing(d)
    draw_id = c.definition.draw_id
    spacing = vdf.plan(T).spacing
    with pytest.raises(Crash):
        worker(d, "w1", crash_at=T // 2).run_once()
    attempts, owner, stored = job_and_checkpoints(d, draw_id)
    assert (attempts, owner) == (1, "w1")
    # Stored by position (squarings done): x^(2^position) whatever plan wrote it.
    assert stored == [i * spacing for i in range(len(stored))] and stored[-1] >= T // 4

    if wait_for_lease:
        assert worker(d, resumer).run_once() is None  # w1's lease still runs
        d.clock.advance(LEASE_MS + 1)
    with caplog.at_level(logging.INFO, logger="beacon.worker"):
        assert worker(d, resumer).run_once() == draw_id
    resumed_from = stored[-1]
    assert f"draw {draw_id}: resuming the VDF from iteration {resumed_from} of {T}" in caplog.text
    assert job_and_checkpoints(d, draw_id)[:2] == (2, resumer)

    result = record(d).one("draw.result").signed.statement.body
    included = order_seeds(result.seeds)
    freeze = record(d).one("draw.freeze").signed.statement.body
    uninterrupted = draw.compute(
        c.definition,
        tree_size=freeze.tree_size,
        root_hash=freeze.root_hash,
        seeds=included,
        snapshot_ids=None,
    )
    assert result.y == vdf.encode_element(uninterrupted.proof.y)
    assert result.pi == vdf.encode_element(uninterrupted.proof.pi, identity_ok=True)
    assert result.output == uninterrupted.output
    assert tuple(result.picks) == uninterrupted.picks
    assert {e.seed for e in included} == set(c.seeds.values())


def test_checkpoints_of_another_plan_resume_where_they_fall_on_this_one():
    """A checkpoint is x^(2^position): rows written under another spacing still serve
    wherever their positions fall on this version's spacing (PROTOCOL.md §11.5)."""
    from beacon.core import rsa_group
    from beacon.service.worker import resumable
    from beacon.store.draw_tables import VdfCheckpointRow

    t = 20_000
    spacing = vdf.plan(t).spacing
    x = vdf.hash_to_group(b"resume across plans")
    n = rsa_group.MODULUS

    def at(position: int) -> bytes:
        return vdf.encode_element(rsa_group.canonical(pow(x, 1 << position, n)))

    half = spacing // 2 if spacing % 2 == 0 else spacing  # another version's finer spacing
    rows = [
        VdfCheckpointRow(draw_id="d", iteration=p, value=at(p))
        for p in range(0, 3 * spacing + 1, half)
    ]
    resumed = resumable(rows, t)
    assert [cp.position for cp in resumed] == [0, spacing, 2 * spacing, 3 * spacing]
    assert resumed[0].value == x
    gap = [r for r in rows if r.iteration != spacing]  # a missing position ends the prefix
    assert [cp.position for cp in resumable(gap, t)] == [0]
