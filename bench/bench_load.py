"""Load (issue 8 item 4): a 200-bidder bid opening over HTTP, and 1,000 readers during a VDF.

(a) bench/tender_load.py: 200 bidders each seal a 50 MiB bid and a seed envelope
(parallel processes, one per core), submit them concurrently over HTTP to a real
``beacon serve``; after the deadline the draw is computed from every seed and the
agent and the centre each release their opening key in one statement; the worker opens all
bids. Reported: submission throughput and latency, opening time, the server's peak
RSS (VmHWM), disk used, and that nothing was dropped.

(b) bench/reader_load.py: 1,000 wrk connections read the draw page and the newest
pulse from gunicorn (2 workers) for a minute while ``beacon worker`` computes a VDF
and ``beacon pulser`` emits a pulse a second. Reported: throughput, p99, errors,
peak RSS, that the VDF spanned the window and finished, and that no pulse was late.

``BENCH_LOAD_SCALE=quick`` runs a reduced scale for development; the scale run is
recorded. Everything happens in a temporary folder (``TMPDIR``), removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import wrk
from bench.harness import Context
from bench.reader_load import LATE_BOUND_MS, ReadersRun, run_readers
from bench.tender_load import SUBMITTERS, OpeningRun, run_opening

TITLE = "Load: a 200-bidder bid opening over HTTP, and 1,000 readers while a VDF runs"
SCALE_ENV = "BENCH_LOAD_SCALE"
MIB = 1 << 20


@dataclass(frozen=True)
class Scale:
    name: str
    bidders: int
    bid_mib: int
    readers: int
    window_s: int


SCALES = {
    "full": Scale("full", bidders=200, bid_mib=50, readers=1000, window_s=60),
    "quick": Scale("quick", bidders=20, bid_mib=5, readers=200, window_s=15),
}


def run(ctx: Context) -> None:
    name = os.environ.get(SCALE_ENV, "full")
    if name not in SCALES:
        raise SystemExit(f"{SCALE_ENV}: expected one of {sorted(SCALES)}, got {name!r}")
    scale = SCALES[name]
    ctx.metric("scale", asdict(scale))
    ctx.line(
        f"Scale **{scale.name}** ({SCALE_ENV}={scale.name}): {scale.bidders} bidders, "
        f"{scale.bid_mib} MiB bids, {scale.readers} readers for {scale.window_s} s. "
        f"Command: `.venv/bin/python -m bench --only load`."
    )
    ctx.line()
    root = Path(tempfile.gettempdir())
    need = 3 * scale.bidders * scale.bid_mib * MIB + (2 << 30)
    free = shutil.disk_usage(root).free
    ctx.line(f"### (a) {scale.bidders}-bidder bid opening against `beacon serve` (SQLite)")
    ctx.line()
    if free < need:
        ctx.line(
            f"Not run: {root} has {free / (1 << 30):.1f} GiB free, part (a) needs about "
            f"{need / (1 << 30):.1f} GiB. Nothing recorded for it."
        )
    else:
        with tempfile.TemporaryDirectory(prefix="bench-load-a-", dir=root) as tmp:
            _report_opening(
                ctx, run_opening(Path(tmp), bidders=scale.bidders, bid_bytes=scale.bid_mib * MIB)
            )
    ctx.line(
        f"### (b) {scale.readers} concurrent readers during a VDF "
        "(gunicorn 2 workers + `beacon pulser` + `beacon worker`, SQLite)"
    )
    ctx.line()
    executable = wrk.binary()
    if executable is None:
        ctx.line(
            "wrk is not installed (Debian: `apt-get install -y wrk`): part (b) was not run "
            "and nothing is recorded for it."
        )
        ctx.metric("readers", None)
        return
    with tempfile.TemporaryDirectory(prefix="bench-load-b-", dir=root) as tmp:
        readers = run_readers(
            Path(tmp),
            connections=scale.readers,
            window_s=scale.window_s,
            wrk=wrk.Wrk(executable, Path(tmp)),
        )
    _report_readers(ctx, readers)


def _report_opening(ctx: Context, r: OpeningRun) -> None:
    ctx.metric("opening", r.to_dict())
    d = r.to_dict()
    mb = r.bidders * r.bid_bytes / 1e6
    envelopes = len(r.uploads)
    errors = len(d["upload_errors"])
    ctx.table(
        ["step", "result"],
        [
            [
                "seal (before any statement)",
                f"{envelopes} envelopes ({r.bidders} × {r.bid_bytes / MIB:.0f} MiB bids + "
                f"{r.bidders} seeds) in {r.seal_seconds:.1f} s on {r.seal_processes} processes "
                f"({mb / r.seal_seconds:.0f} MB/s)",
            ],
            ["registrations", f"{r.bidders + 1} statements in {r.registration_seconds:.1f} s"],
            [
                "submission over HTTP",
                f"{envelopes} envelopes, {SUBMITTERS} concurrent uploads: {r.submit_seconds:.1f} s, "
                f"**{mb / r.submit_seconds:.0f} MB/s**, **{envelopes / r.submit_seconds:.1f} envelopes/s**, "
                f"{errors} refused or failed",
            ],
            [
                "bid upload latency",
                f"p50 {d['bid_latency']['p50_s']:.2f} s, **p99 {d['bid_latency']['p99_s']:.2f} s**, "
                f"max {d['bid_latency']['max_s']:.2f} s",
            ],
            [
                "seed upload latency",
                f"p50 {d['seed_latency']['p50_s']:.2f} s, p99 {d['seed_latency']['p99_s']:.2f} s, "
                f"max {d['seed_latency']['max_s']:.2f} s",
            ],
            ["time left before the bid deadline", f"{r.margin_seconds:.0f} s (idle)"],
            [
                "draw: reveals → result",
                f"{r.draw_seconds:.1f} s; bidder seeds included {r.included_bidder_seeds} of {r.bidders}",
            ],
            ["two key releases", f"{r.release_seconds:.2f} s"],
            [
                "opening: both released → opening record",
                f"**{r.opening_seconds:.1f} s** (the worker polls every 1 s); "
                f"{r.bidders * r.bid_bytes / 1e6 / r.opening_seconds:.0f} MB/s",
            ],
            [
                "nothing dropped",
                f"{r.frozen_bids} of {r.bidders} bids frozen, {r.opened} opened, "
                f"{r.hashes_match} with the plaintext SHA-256 its bidder sealed",
            ],
            ["server peak RSS (VmHWM)", f"**{r.peak_rss_mib:.0f} MiB**"],
            [
                "disk used by the server",
                f"blobs {r.disk_bytes['blobs'] / 1e9:.2f} GB, opened bids "
                f"{r.disk_bytes['opened'] / 1e9:.2f} GB, database {r.disk_bytes['database'] / 1e6:.1f} MB "
                f"(the bidders' sealed files, {r.client_peak_bytes / 1e9:.2f} GB, were deleted as uploaded)",
            ],
        ],
    )
    ctx.target(
        "bids opened with their sealed plaintext hash", r.hashes_match, op=">=", bound=r.bidders
    )
    ctx.target(
        "bidder seeds included in the draw", r.included_bidder_seeds, op=">=", bound=r.bidders
    )
    ctx.line()


def _report_readers(ctx: Context, r: ReadersRun) -> None:
    ctx.metric("readers", r.to_dict())
    start, end = r.window_ms
    ctx.line(
        f"wrk: two processes, {r.connections // 2} connections each, {r.window_s} s, timeout 30 s. "
        f"Draw page: `{r.page}`"
        + (" (the board's HTML page is not on this branch)" if r.page.startswith("/api/") else "")
        + "."
    )
    ctx.line()
    ctx.table(
        [
            "GET",
            "connections",
            "responses",
            "req/s",
            "p50 (ms)",
            "p99 (ms)",
            "max (ms)",
            "non-2xx/3xx",
            "socket errors",
        ],
        [
            [
                name,
                run.connections,
                f"{run.requests:,}",
                f"{run.rate:,.0f}",
                f"{run.latency_ms['p50']:.0f}",
                f"{run.latency_ms['p99']:.0f}",
                f"{run.latency_ms['max']:.0f}",
                run.non_2xx_3xx,
                ", ".join(f"{k} {v}" for k, v in run.errors.items() if k != "status"),
            ]
            for name, run in r.runs.items()
        ],
    )
    lateness = sorted(p.lateness_ms for p in r.pulses)
    off_boundary = [p.index for p in r.pulses if p.time_ms % 1000]
    gaps = [p.index for p in r.pulses if p.status & 2]
    steps = {b.time_ms - a.time_ms for a, b in zip(r.pulses, r.pulses[1:], strict=False)}
    done0, done1 = r.vdf_done
    ctx.line(
        f"- VDF: T = {r.vdf_t:,} (1.5 × window × {r.squarings_per_s:,.0f} squarings/s measured "
        f"before); {done0:,} squarings done when the readers started, {done1:,} when they "
        f"stopped; state then **{r.state_after_window}**; result {r.finished_after_s:.1f} s after the window"
    )
    ctx.line(
        f"- pulses stamped in the window: {len(r.pulses)} (window {(end - start) / 1000:.1f} s); "
        f"off their boundary: {len(off_boundary)}; with status 2 (a missed boundary): {len(gaps)}; "
        f"spacing {sorted(steps)} ms; emitted (pulser log) after their boundary by "
        f"median {lateness[len(lateness) // 2] if lateness else 'n/a'} ms, max {lateness[-1] if lateness else 'n/a'} ms"
    )
    ctx.line(
        "- peak RSS (VmHWM, MiB): "
        + ", ".join(f"{k} {v:.0f}" for k, v in sorted(r.peak_rss_mib.items()))
    )
    for name, run in r.runs.items():
        ctx.target(f"{name}: non-2xx/3xx responses", run.non_2xx_3xx, op="<=", bound=0)
    ctx.target(
        "VDF squarings still to do when the readers stopped",
        r.vdf_t - done1,
        op=">=",
        bound=1,
    )
    if lateness:
        ctx.target(
            "latest pulse emission after its boundary",
            lateness[-1],
            op="<=",
            bound=LATE_BOUND_MS,
            unit=" ms",
        )
    ctx.target(
        "pulses missing or off their boundary in the window",
        len(gaps) + len(off_boundary),
        op="<=",
        bound=0,
    )
