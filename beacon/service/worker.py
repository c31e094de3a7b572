"""The VDF worker (``beacon worker``): computes draws in the ``computing`` phase.

A worker claims a draw with a lease in ``vdf_jobs`` (renewed while it works; a
dead worker's lease runs out and another takes over), gathers the seeds
(:mod:`beacon.service.seeds`), evaluates the VDF while storing every retained
checkpoint, and logs the beacon's ``draw.result``. After a crash, evaluation
resumes from the stored checkpoints, so the result is the same as an
uninterrupted run. Two workers never compute the same draw at once, and a draw
has at most one result: the lifecycle refuses a second one in the result's own
transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from beacon.core import draw, lifecycle, tender, vdf
from beacon.core.bodies import DrawFreezeBody, DrawResultBody, DrawSnapshotBody
from beacon.core.commitment import SeedEntry
from beacon.core.lifecycle import Phase
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import DeadlineError, InfrastructureError, StateError
from beacon.ops import metrics
from beacon.service.draws import load
from beacon.service.ledger import Ledger
from beacon.service.seeds import seed_entries
from beacon.service.tenders import load_tender, log_opening, open_bids, tenders_to_open
from beacon.service.wakeup import Polling, Wakeup
from beacon.store import PulseRepository
from beacon.store.draw_tables import VdfCheckpointRow, VdfJob
from beacon.store.statements import StatementRepository

log = logging.getLogger("beacon.worker")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class WorkerConfig:
    owner: str
    opened_dir: Path  # where opened bids are written (the service's private folder)
    lease_ms: int = 30_000
    # Between looks for work when nothing wakes the worker sooner (SQLite, or while the
    # LISTEN connection is down), and between retries while the database is away.
    poll_seconds: float = 1.0
    # Seconds of squaring between writes of the checkpoints (with the lease renewal):
    # the most a crash can lose.
    flush_seconds: float = 1.0


def resumable(rows: Sequence[VdfCheckpointRow], t: int) -> list[vdf.Checkpoint]:
    """The stored checkpoints this version's plan can resume from.

    Rows are keyed by *position* (squarings done), so a value is x^(2^position)
    whatever plan stored it; the plan of another version (another spacing) simply
    contributes the positions that fall on this plan's spacing, as a contiguous
    prefix from position 0.
    """
    spacing = vdf.plan(t).spacing
    by_position = {r.iteration: r.value for r in rows}
    out: list[vdf.Checkpoint] = []
    while (position := len(out) * spacing) in by_position and position < t:
        value = vdf.decode_element(by_position[position], name="checkpoint")
        out.append(vdf.Checkpoint(T=t, spacing=spacing, index=len(out), value=value))
    return out


class LeaseLost(StateError):
    """Another worker took the draw over (our lease ran out)."""


class Worker:
    """Finds computable draws, claims them, computes and records their results."""

    def __init__(
        self,
        ledger: Ledger,
        config: WorkerConfig,
        *,
        progress: Progress | None = None,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.ledger = ledger
        self.config = config
        self.progress = progress
        # How the idle worker waits: LISTEN on PostgreSQL (beacon.service.wakeup), else polling.
        self.wakeup = wakeup or Polling()

    # -- finding and claiming work ---------------------------------------------------------

    def computable(self) -> list[str]:
        """Draws in the computing phase that can be computed (at least one seed possible)."""
        now = self.ledger.clock.now_ms()
        out = []
        with self.ledger.db.read() as session:
            repo = StatementRepository(session)
            last = PulseRepository(session).last()
            pulse_ms = 0 if last is None else last.time_ms
            for row in repo.draws_without_result():
                record = load(repo, row.draw_id, pulse_ms=pulse_ms)
                if (
                    record.phase is Phase.COMPUTING
                    and lifecycle.blocked_reason(record.facts, now) is None
                ):
                    out.append(row.draw_id)
        return out

    def claim(self, draw_id: str) -> bool:
        """Take (or renew) the lease on ``draw_id``; False if another live worker holds it."""
        now = self.ledger.clock.now_ms()
        until = now + self.config.lease_ms
        # Only the job's row lock: a lease is no statement, so appends go on meanwhile.
        with self.ledger.db.row_write() as session:
            repo = StatementRepository(session)
            mine = VdfJob(
                draw_id=draw_id,
                owner=self.config.owner,
                lease_until_ms=until,
                attempts=1,
                progress=0,
            )
            if repo.insert_job(mine):
                return True
            job = repo.job(draw_id, lock=True)
            if job is None:  # inserted by another claimer and never deleted: cannot happen
                raise StateError(f"draw {draw_id}: its VDF job vanished while being claimed")
            if job.owner != self.config.owner and job.lease_until_ms > now:
                return False
            if job.owner != self.config.owner:
                log.warning("draw %s: taking over from %s (lease expired)", draw_id, job.owner)
                metrics.LEASE_TAKEOVERS.inc()
            # Each claim starts a computation: a worker restarted under the same name is
            # a new attempt too, not only a takeover.
            job.attempts += 1
            job.owner = self.config.owner
            job.lease_until_ms = until
            return True

    def _renew(self, draw_id: str, done: int, checkpoints: list[vdf.Checkpoint]) -> None:
        """Extend the lease, record progress and store checkpoints, in one transaction.

        The ownership check and the writes share the job's row lock, so a worker whose
        lease was taken over stores nothing: a takeover (``claim``) waits for this
        transaction, or this one sees the new owner and raises :class:`LeaseLost`.
        """
        now = self.ledger.clock.now_ms()
        with self.ledger.db.row_write() as session:
            repo = StatementRepository(session)
            job = repo.job(draw_id, lock=True)
            if job is None or job.owner != self.config.owner:
                raise LeaseLost(f"draw {draw_id}: the lease passed to another worker")
            job.lease_until_ms = now + self.config.lease_ms
            job.progress = done
            repo.add_checkpoints(
                draw_id, [(cp.position, vdf.encode_element(cp.value)) for cp in checkpoints]
            )

    # -- computing ---------------------------------------------------------------------------------

    def run_once(self) -> str | None:
        """Compute one draw, or open one tender's bids, if any is waiting; return its id."""
        for draw_id in self.computable():
            if self.claim(draw_id):
                metrics.JOBS_CLAIMED.inc()
                try:
                    self.compute(draw_id)
                except LeaseLost as e:
                    metrics.JOBS_FAILED.labels("lease_lost").inc()
                    log.warning("%s", e)
                    continue
                except DeadlineError as e:
                    # PROTOCOL.md §6.4: too late; the draw has failed, by the beacon's fault.
                    metrics.JOBS_FAILED.labels("too_late").inc()
                    log.error("draw %s: result not logged: %s", draw_id, e)
                    continue
                except Exception:
                    metrics.JOBS_FAILED.labels("error").inc()
                    raise
                finally:
                    metrics.VDF_JOB_ACTIVE.set(0)
                metrics.JOBS_COMPLETED.inc()
                return draw_id
        with self.ledger.db.read() as session:
            waiting = tenders_to_open(session)
        for tender_id in waiting:
            self.open_tender(tender_id)
            return tender_id
        return None

    def open_tender(self, tender_id: str) -> None:
        """Open every frozen bid of a tender and log the outcomes (PROTOCOL.md §9.9)."""
        with self.ledger.db.read() as session:
            record = load_tender(session, tender_id)
        entries = open_bids(record, self.ledger.blobs, self.config.opened_dir)
        with self.ledger.db.write() as session:
            now = self.ledger.clock.now_ms()  # under the write lock (PROTOCOL.md §13.2)
            record = load_tender(session, tender_id)
            tender.check(StatementKind.TENDER_OPENING, Role.BEACON, record.facts, now)
            body = log_opening(session, record, entries)
            self.ledger.issue(
                session,
                kind=StatementKind.TENDER_OPENING,
                tender_id=tender_id,
                subject="",
                body=body,
                now=now,
            )
        metrics.TENDER_OPENINGS.inc()
        for e in entries:
            metrics.BIDS_OPENED.labels(e.status.value).inc()
        opened = sum(1 for e in entries if e.status.value == "opened")
        log.info("tender %s: opened %d of %d bids", tender_id, opened, len(entries))

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    if self.run_once() is None:
                        self.wakeup.wait(self.config.poll_seconds, stop)
                except InfrastructureError as e:
                    # The database (or the blob store) is away: one line per try, not a
                    # traceback a second; the stored checkpoints wait for its return.
                    log.error(
                        "worker step failed; retrying in %g s: %s", self.config.poll_seconds, e
                    )
                    stop.wait(self.config.poll_seconds)
                except Exception:
                    log.exception("worker step failed; retrying")
                    stop.wait(self.config.poll_seconds)
        finally:
            self.wakeup.close()

    def compute(self, draw_id: str) -> None:
        """Compute ``draw_id`` (resuming from stored checkpoints) and log its result."""
        with self.ledger.db.read() as session:
            repo = StatementRepository(session)
            last = PulseRepository(session).last()
            record = load(repo, draw_id, pulse_ms=0 if last is None else last.time_ms)
            t = record.definition.vdf_t
            stored = resumable(repo.checkpoints(draw_id), t)
        freeze = record.one(StatementKind.DRAW_FREEZE)
        if freeze is None:
            raise StateError(f"draw {draw_id}: no draw.freeze to compute the result from")
        seeds = seed_entries(record, self.ledger.blobs.read)
        snapshot = record.one(StatementKind.DRAW_SNAPSHOT)
        snapshot_ids = (
            None
            if snapshot is None
            else list(snapshot.signed.statement.body_as(DrawSnapshotBody).bid_ids)
        )
        # Checkpoints wait in memory and are written with the lease renewal (and the
        # progress shown on the board), by the process's monotonic clock: a transaction
        # per checkpoint (one per few hundred squarings) made evaluation many times
        # slower than the T squarings themselves.
        flush_every = min(self.config.flush_seconds, self.config.lease_ms / 5000)
        last_flush = [time.monotonic()]
        pending: list[vdf.Checkpoint] = []
        # This process's job, without the draw's id (a label per draw would grow forever).
        squared = [stored[-1].position if stored else 0]
        metrics.VDF_JOB_START.set_to_current_time()
        metrics.VDF_JOB_ACTIVE.set(1)

        def on_progress(done: int, total: int) -> None:
            metrics.VDF_JOB_PROGRESS.set(done / total if total else 1.0)
            metrics.VDF_JOB_DONE.set(done)
            metrics.VDF_SQUARINGS.inc(done - squared[0])
            squared[0] = done
            if self.progress is not None:
                self.progress(draw_id, done, total)
            if time.monotonic() - last_flush[0] >= flush_every or done == total:
                last_flush[0] = time.monotonic()
                self._renew(draw_id, done, pending)
                pending.clear()

        def on_checkpoint(cp: vdf.Checkpoint) -> None:
            pending.append(cp)

        if stored:
            log.info(
                "draw %s: resuming the VDF from iteration %d of %d", draw_id, stored[-1].position, t
            )
        body = freeze.signed.statement.body_as(DrawFreezeBody)
        outcome = draw.compute(
            record.definition,
            tree_size=body.tree_size,
            root_hash=body.root_hash,
            seeds=seeds,
            snapshot_ids=snapshot_ids,
            on_progress=on_progress,
            on_checkpoint=on_checkpoint,
            resume=stored,
        )
        self._record(draw_id, outcome, seeds, body.tree_size, body.root_hash, snapshot_ids)

    def _record(
        self,
        draw_id: str,
        outcome: draw.Outcome,
        seeds: list[SeedEntry],
        tree_size: int,
        root_hash: bytes,
        snapshot_ids: list[str] | None,
    ) -> None:
        with self.ledger.db.write() as session:
            now = self.ledger.clock.now_ms()  # inside the transaction (PROTOCOL.md §13.3)
            repo = StatementRepository(session)
            job = repo.job(draw_id, lock=True)
            if job is None or job.owner != self.config.owner:
                raise LeaseLost(
                    f"draw {draw_id}: the lease passed to another worker before the result"
                )
            last = PulseRepository(session).last()
            record = load(repo, draw_id, pulse_ms=0 if last is None else last.time_ms)
            lifecycle.check(StatementKind.DRAW_RESULT, Role.BEACON, record.facts, now)
            body = DrawResultBody(
                definition_hash=record.definition.hash(),
                freeze_tree_size=tree_size,
                freeze_root_hash=root_hash,
                snapshot_hash=b"" if snapshot_ids is None else draw.snapshot_hash(snapshot_ids),
                seeds=tuple(seeds),
                combined_seed=outcome.combined_seed,
                vdf_t=record.definition.vdf_t,
                y=vdf.encode_element(outcome.proof.y),
                pi=vdf.encode_element(outcome.proof.pi, identity_ok=True),
                output=outcome.output,
                picks=outcome.picks,
                inputs=tuple(
                    sorted(
                        s.leaf_index
                        for s in record.statements
                        if s.row.kind
                        in (
                            StatementKind.DRAW_SNAPSHOT,
                            StatementKind.DRAW_REVEAL,
                            StatementKind.DRAW_KEY_RELEASE,
                        )
                    )
                ),
            )
            self.ledger.issue(
                session,
                kind=StatementKind.DRAW_RESULT,
                tender_id=record.definition.tender_id,
                subject=draw_id,
                body=body,
                now=now,
            )
        log.info(
            "draw %s: result logged: %s",
            draw_id,
            ", ".join(f"{p.code}={'/'.join(p.values)}" for p in outcome.picks),
        )
