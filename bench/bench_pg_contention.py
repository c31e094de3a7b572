"""Statement appends per second on PostgreSQL while 4 workers compute long VDFs (issue 13).

A worker renews its lease, records its progress and stores its checkpoints every
``flush_seconds`` for as long as its VDF runs. Before issue 13 each renewal took the
log's write lock (``Database.write``); now it takes only its ``vdf_jobs`` row lock
(``Database.row_write``). Both are measured in the same run, alternating, on the same
draws: the "log lock" leg runs the workers on :class:`LogLockedJobs`, which puts the
bookkeeping back under the log lock, exactly as before. An "idle" leg (no workers)
shows what the CPU alone allows.

Setup: one tender with 4 draws in the computing phase (T = 2^27, which no leg
finishes), made in process on a fake clock as bench/ceremony.py does. Each leg forks 4
worker processes (the real :class:`Worker`: claim, evaluate, renew every
``FLUSH_SECONDS`` with the checkpoints made since), waits until each has renewed
once, then the bench process appends statements for ``SECONDS``: each one a signed
beacon statement (``tender.register`` of a bidder in a new tender, through
``Ledger.issue``) in its own write transaction, as the service appends every
statement. Needs BEACON_BENCH_DATABASE_URL or BEACON_TEST_DATABASE_URL (a fresh
schema, dropped afterwards).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from sqlalchemy.orm import Session

from beacon.core import vdf
from beacon.core.lifecycle import Phase
from beacon.core.signature import fingerprint
from beacon.identity import ca
from beacon.identity.keys import load_signer
from beacon.service.clock import FakeClock
from beacon.service.demo import DemoParties, advance, jiangsu_definition
from beacon.service.entropy import SystemEntropy
from beacon.service.ledger import Policy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.service.worker import Worker, WorkerConfig
from beacon.store import Database
from bench import postgres
from bench.harness import Context

TITLE = "PostgreSQL: statement appends while 4 workers compute (job row lock vs log lock)"
COMMAND = (
    "BEACON_TEST_DATABASE_URL=postgresql+psycopg://… .venv/bin/python -m bench --only pg_contention"
)
WORKERS = 4
VDF_T = 2**27  # about 3 minutes of squaring per draw: longer than all the legs together
FLUSH_SECONDS = 0.05  # a renewal (lease, progress, checkpoints) 20 times a second per worker
WORKER_NICE = 10
SECONDS = 8.0
ROUNDS = 3
PERIOD_MS = 60_000
TENDER = "BENCH-PG-1"
MODES = ("idle", "log lock (before)", "row lock (after)")


class LogLockedJobs(Database):
    """The job bookkeeping as before issue 13: every renewal under the log's write lock."""

    @contextlib.contextmanager
    def row_write(self) -> Iterator[Session]:
        with self.write() as session:
            yield session


class CountingWorker(Worker):
    """A worker that counts its renewals in shared memory, for the bench to read."""

    renewals: Synchronized[int]

    def _renew(self, draw_id: str, done: int, checkpoints: list[vdf.Checkpoint]) -> None:
        super()._renew(draw_id, done, checkpoints)
        with self.renewals.get_lock():
            self.renewals.value += 1


def settings_for(data_dir: Path, url: str) -> Settings:
    return Settings.build(
        data_dir=data_dir, database_url=url, period_seconds=PERIOD_MS // 1000, signer_bits=2048
    )


def prepare(data_dir: Path, url: str) -> tuple[list[str], int]:
    """A tender with ``WORKERS`` draws in the computing phase; returns them and the fake now."""
    now = time.time_ns() // 1_000_000
    start = now - now % PERIOD_MS - 40 * PERIOD_MS
    ca.init_ca(
        data_dir / "ca",
        now=dt.datetime.fromtimestamp(start / 1000 - 86_400, tz=dt.UTC),
        bidders=2,
        signer_bits=2048,
    )
    clock = FakeClock(start)
    # The delay rule with A_max = 1 and a 10-period window (PROTOCOL.md §11.5), as bench/ceremony.py.
    delay = {"vdf_rate": max(1, VDF_T * 1000 // (10 * PERIOD_MS)), "vdf_advantage": 1}
    runtime = Runtime.open(
        settings_for(data_dir, url),
        clock=clock,
        entropy=SystemEntropy(),
        policy=Policy(min_lead_ms=0, **delay),
    )
    try:
        runtime.pulser.emit_due()
        parties = DemoParties(runtime, data_dir / "ca", TENDER, 2)
        parties.register()
        draws = [f"{TENDER}-{i}" for i in range(1, WORKERS + 1)]
        for draw_id in draws:
            parties.publish(
                jiangsu_definition(
                    draw_id=draw_id,
                    tender_id=TENDER,
                    commit=start + 10 * PERIOD_MS,
                    reveal=start + 15 * PERIOD_MS,
                    seed_open=start + 20 * PERIOD_MS,
                    vdf_t=VDF_T,
                    **delay,
                )
            )
            parties.commit(draw_id)
            parties.seal_seeds(draw_id)
        advance(runtime, clock, start + 10 * PERIOD_MS)  # the freezes
        for draw_id in draws:
            parties.reveal(draw_id)
            parties.release(draw_id)
            phase = parties.record(draw_id).phase
            if phase is not Phase.COMPUTING:
                raise RuntimeError(f"draw {draw_id} is {phase.value}, expected computing")
        return draws, clock.now_ms()
    finally:
        runtime.close()


def work(
    data_dir: Path,
    url: str,
    draw_id: str,
    now_ms: int,
    log_locked: bool,
    renewals: Synchronized[int],
) -> None:
    """One worker process: claim ``draw_id`` and compute it until terminated."""
    # Workers normally run on their own hosts; here they share 2 cores with the appender
    # and PostgreSQL, so they yield the CPU, and what remains is the locks' effect.
    os.nice(WORKER_NICE)
    runtime = Runtime.open(
        settings_for(data_dir, url), clock=FakeClock(now_ms), entropy=SystemEntropy()
    )
    if log_locked:
        runtime.ledger.db = LogLockedJobs(url)
    config = WorkerConfig(
        owner=f"bench-{draw_id}", opened_dir=data_dir / "opened", flush_seconds=FLUSH_SECONDS
    )
    worker = CountingWorker(runtime.ledger, config)
    worker.renewals = renewals
    if not worker.claim(draw_id):  # the same owner each leg: it resumes its own checkpoints
        raise RuntimeError(f"{draw_id}: could not claim it")
    worker.compute(draw_id)


def leg(
    mode: str,
    data_dir: Path,
    url: str,
    draws: list[str],
    now_ms: int,
    appender: Runtime,
    first: int,
) -> dict[str, float]:
    """Run the workers of ``mode`` (none when idle) and append for ``SECONDS``."""
    fork = multiprocessing.get_context("fork")
    counters = [fork.Value("q", 0) for _ in draws]
    processes = []
    if mode != "idle":
        appender.database.dispose()  # no pooled connection may be shared with a child
        for draw_id, counter in zip(draws, counters, strict=True):
            p = fork.Process(
                target=work,
                args=(data_dir, url, draw_id, now_ms, mode.startswith("log"), counter),
                daemon=True,
            )
            p.start()
            processes.append(p)
    try:
        deadline = time.monotonic() + 120
        while processes and min(c.value for c in counters) == 0:
            if time.monotonic() > deadline or any(not p.is_alive() for p in processes):
                raise RuntimeError(f"{mode}: the workers did not start renewing")
            time.sleep(0.05)
        bidder = load_signer(data_dir / "ca" / "bidder-1.pem", data_dir / "ca" / "bidder-1.key")
        der = bidder.certificate
        body = {"role": "bidder", "fingerprint": fingerprint(der), "certificate": der}
        renewed = sum(c.value for c in counters)
        latencies = []
        n = first
        stop = time.monotonic() + SECONDS
        began = time.monotonic()
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            with appender.database.write() as session:
                appender.ledger.issue(
                    session,
                    kind="tender.register",
                    tender_id=f"BENCH-PG-R{n}",
                    subject="",
                    body=body,
                    now=appender.clock.now_ms(),
                )
            latencies.append(time.perf_counter() - t0)
            n += 1
        elapsed = time.monotonic() - began
        renewed = sum(c.value for c in counters) - renewed
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.join(timeout=30)
    if any(p.exitcode not in (0, -15) for p in processes):
        raise RuntimeError(f"{mode}: a worker failed: {[p.exitcode for p in processes]}")
    latencies.sort()
    return {
        "appends": len(latencies),
        "appends_per_s": len(latencies) / elapsed,
        "renewals_per_s": renewed / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "max_ms": 1000 * latencies[-1],
    }


def measure(ctx: Context, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        draws, now_ms = prepare(data_dir, url)
        appender = Runtime.open(
            settings_for(data_dir, url), clock=FakeClock(now_ms), entropy=SystemEntropy()
        )
        results: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
        load = [os.getloadavg()[0]]
        appended = 0
        try:
            for r in range(ROUNDS):
                for mode in MODES:
                    out = leg(mode, data_dir, url, draws, now_ms, appender, appended)
                    appended += int(out["appends"])
                    results[mode].append(out)
                    print(f"  round {r + 1} {mode}: {out}", flush=True)
        finally:
            appender.close()
        load.append(os.getloadavg()[0])
    ctx.line(f"Load average (1 min) before and after the legs: {load[0]:.1f}, {load[1]:.1f}.")
    ctx.line()
    rows = []
    for mode in MODES:
        rates = [o["appends_per_s"] for o in results[mode]]
        rows.append(
            [
                mode,
                f"{statistics.median(rates):,.0f}",
                f"{min(rates):,.0f}–{max(rates):,.0f}",
                f"{statistics.median(o['renewals_per_s'] for o in results[mode]):,.0f}",
                f"{statistics.median(o['p50_ms'] for o in results[mode]):.1f}",
                f"{statistics.median(o['p99_ms'] for o in results[mode]):.1f}",
                f"{max(o['max_ms'] for o in results[mode]):.0f}",
            ]
        )
        ctx.metric(f"appends_per_s_{mode.split()[0]}", statistics.median(rates))
        ctx.metric(f"runs_{mode.split()[0]}", results[mode])
    ctx.table(
        [
            "workers' job bookkeeping",
            "appends/s (median)",
            "range",
            "renewals/s",
            "append p50 (ms)",
            "p99 (ms)",
            "max (ms)",
        ],
        rows,
    )
    before = statistics.median(o["appends_per_s"] for o in results[MODES[1]])
    after = statistics.median(o["appends_per_s"] for o in results[MODES[2]])
    ctx.line(f"- appends/s with the row lock ÷ with the log lock: **{after / before:.2f}**")


def run(ctx: Context) -> None:
    ctx.line(f"Command: `{COMMAND}`")
    ctx.line()
    ctx.line(
        f"{WORKERS} worker processes, each computing its own draw (T = 2^27) and renewing "
        f"every {FLUSH_SECONDS:g} s (the default is 1 s: this exposes the contention); the "
        f"bench process appends signed statements, one per write transaction, for {SECONDS:g} s "
        f"per leg; {ROUNDS} rounds of the three legs, alternating (median and range of the "
        "rounds). The workers run at nice "
        f"{WORKER_NICE}: on these 2 shared cores the squaring would otherwise starve the "
        "appender of CPU in every leg alike (a run without nice, at load average 8, measured "
        "4-5 appends/s in both worker legs), "
        "where in a deployment the workers have hosts of their own. A worker descheduled "
        "while it holds the log lock is part of what the log-lock leg measures."
    )
    ctx.line()
    url = postgres.database_url()
    if not url:
        ctx.line(f"Skipped: {postgres.UNSET}.")
        return
    with postgres.scratch_schema(url) as scoped:
        measure(ctx, scoped)
