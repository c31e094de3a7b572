"""Transparency log: appending 100,000 leaves, and inclusion proofs at several sizes.

Rows read per proof are counted by the repository (primary-key reads of
``log_nodes``); PROTOCOL.md §7.5 says they grow like log2(n). SQLite always; the
PostgreSQL leg runs when BEACON_BENCH_DATABASE_URL or BEACON_TEST_DATABASE_URL is
set (a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from pathlib import Path

from beacon.store import Database, LogRepository, sqlite_url
from bench import postgres
from bench.harness import Context

TITLE = "Transparency log: 100,000 appends and inclusion proofs"
TOTAL = 100_000
BATCH = 1_000
SINGLE = 2_000
CHECKPOINTS = (1_000, 10_000, 100_000)
PROOFS = 300


def measure(ctx: Context, label: str, db: Database) -> None:
    db.upgrade()
    rng = random.Random(9162)
    start = time.perf_counter()
    for i in range(SINGLE):
        with db.write() as session:
            LogRepository(session).append(b"single %d" % i, now_ms=0)
    single_seconds = time.perf_counter() - start
    size = SINGLE
    rows = []
    batch_seconds = 0.0
    for checkpoint in CHECKPOINTS:
        while size < checkpoint:
            n = min(BATCH, checkpoint - size)
            start = time.perf_counter()
            with db.write() as session:
                LogRepository(session).append_many(
                    [b"leaf %d" % (size + j) for j in range(n)], now_ms=0
                )
            batch_seconds += time.perf_counter() - start
            size += n
        with db.read() as session:
            log = LogRepository(session)
            reads = []
            start = time.perf_counter()
            for _ in range(PROOFS):
                log.node_reads = 0
                log.inclusion_proof(rng.randrange(size), size)
                reads.append(log.node_reads)
            seconds = time.perf_counter() - start
        rows.append(
            [
                f"{size:,}",
                f"{math.log2(size):.1f}",
                f"{sum(reads) / len(reads):.1f}",
                max(reads),
                f"{PROOFS / seconds:,.0f}",
            ]
        )
        ctx.metric(f"{label}_proof_reads_mean_{size}", sum(reads) / len(reads))
        ctx.metric(f"{label}_proof_reads_max_{size}", max(reads))
        ctx.metric(f"{label}_proofs_per_s_{size}", PROOFS / seconds)
    batched = TOTAL - SINGLE
    ctx.line(
        f"**{label}**: {SINGLE:,} appends one per transaction: "
        f"{SINGLE / single_seconds:,.0f} leaves/s; "
        f"{batched:,} more in transactions of {BATCH:,}: {batched / batch_seconds:,.0f} leaves/s."
    )
    ctx.line()
    ctx.table(["tree size", "log2(n)", "rows read per proof (mean)", "max", "proofs/s"], rows)
    ctx.metric(f"{label}_single_append_per_s", SINGLE / single_seconds)
    ctx.metric(f"{label}_batched_append_per_s", batched / batch_seconds)
    ctx.target(
        f"{label}: max rows per proof at 100,000 leaves vs 2·log2(n)+1",
        float(rows[-1][3]),
        op="<=",
        bound=2 * math.ceil(math.log2(TOTAL)) + 1,
    )


def run(ctx: Context) -> None:
    ctx.line(
        "Command: `.venv/bin/python -m bench --only log` "
        "(PostgreSQL leg with BEACON_TEST_DATABASE_URL set)."
    )
    ctx.line()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp) / "bench.sqlite3"))
        measure(ctx, "sqlite", db)
        db.dispose()
    url = postgres.database_url()
    if not url:
        ctx.line(f"PostgreSQL leg skipped: {postgres.UNSET}.")
        return
    with postgres.scratch_schema(url) as scoped:
        db = Database(scoped)
        measure(ctx, "postgresql", db)
        db.dispose()
