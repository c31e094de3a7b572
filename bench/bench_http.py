"""HTTP throughput of the two hottest public reads (issue 5), against a bare Flask endpoint.

* A deployment with one drawn draw is made in process (bench/ceremony.py) in a temp
  folder on SQLite; then ``beacon pulser`` (60 s period) keeps the chain current, as
  in production, and ``gunicorn 'beacon.web.wsgi:app'`` with 2 sync workers serves it
  on 127.0.0.1.
* The baseline is a bare Flask app (bench/baseline.py) served the same way (gunicorn,
  2 sync workers) returning, as a constant, the very bytes the beacon just served for
  each question: so both answers are the same size.
* wrk (1 thread, 16 connections, bounded by time and by a response count) asks
  ``GET /beacon/2.0/pulse/last`` and ``GET /api/v1/draws/ID/proof`` of each server
  in rounds: the beacon and the baseline back to back, in alternating order. Target:
  the median over rounds of beacon/baseline throughput ≥ 0.7 (paired within a round,
  because other users' load on the machine drifts from minute to minute).

Without wrk the benchmark says so and records nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import urllib.request
from pathlib import Path

from bench import servers
from bench.ceremony import prepare_drawn_draw
from bench.harness import Context
from bench.wrk import Wrk, WrkRun, binary

TITLE = (
    "HTTP: newest pulse and proof bundle under load (gunicorn, 2 workers) vs a bare Flask endpoint"
)
ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 9  # odd, for a plain median; at least 7 (issue 13)
SECONDS = 4
CONNECTIONS = 16
MAX_REQUESTS = 100_000  # per run; at the rates seen here the time bound ends a run first
TARGET = 0.7


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        body: bytes = response.read()
        return body


def paired_ratios(beacon: list[WrkRun], base: list[WrkRun]) -> list[float]:
    """Beacon over baseline throughput, round by round.

    The two runs of a round follow each other, so load from other users of the machine,
    which drifts over minutes, falls on both alike; the median of these ratios is the
    figure compared with the target.
    """
    return [b.rate / a.rate for b, a in zip(beacon, base, strict=True)]


def _row(name: str, size: int, beacon: list[WrkRun], base: list[WrkRun]) -> list[object]:
    ratios = paired_ratios(beacon, base)

    def lat(runs: list[WrkRun], p: str) -> str:
        return f"{statistics.median(r.latency_ms[p] for r in runs):.1f}"

    return [
        name,
        f"{size:,}",
        f"{statistics.median(r.rate for r in beacon):,.0f}",
        f"{statistics.median(r.rate for r in base):,.0f}",
        f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})",
        f"{lat(beacon, 'p50')} / {lat(beacon, 'p99')}",
        f"{lat(base, 'p50')} / {lat(base, 'p99')}",
    ]


def run(ctx: Context) -> None:
    executable = binary()
    if executable is None:
        ctx.line(
            "wrk is not installed (Debian: `apt-get install -y wrk`): nothing was measured "
            "and no numbers are recorded."
        )
        ctx.metric("wrk", None)
        return
    with tempfile.TemporaryDirectory(prefix="bench-http-") as name:
        tmp = Path(name)
        drawn = prepare_drawn_draw(tmp / "data")
        env = {"BEACON_DATA_DIR": str(drawn.data_dir), "BEACON_PULSE_PERIOD": "60", "TZ": "UTC"}
        port, base_port = servers.free_port(), servers.free_port()
        with servers.beacon(
            "pulser",
            "--data-dir",
            str(drawn.data_dir),
            "--pulse-period",
            "60",
            name="beacon pulser",
            log=tmp / "pulser.log",
        ) as pulser:
            pulser.wait_log("beacon.pulser pulse ")
            with servers.gunicorn(
                "beacon.web.wsgi:app", port=port, log=tmp / "beacon.log", env=env
            ) as web:
                url = f"http://127.0.0.1:{port}"
                paths = {
                    "pulse-last": "/beacon/2.0/pulse/last",
                    "proof": f"/api/v1/draws/{drawn.draw_id}/proof",
                }
                web.wait_http(url + paths["pulse-last"])
                bodies = tmp / "baseline"
                bodies.mkdir()
                for key, path in paths.items():
                    (bodies / key).write_bytes(_fetch(url + path))
                with servers.gunicorn(
                    "bench.baseline:app",
                    port=base_port,
                    log=tmp / "baseline.log",
                    env={"BENCH_BASELINE_DIR": str(bodies)},
                    cwd=ROOT,
                ) as base:
                    base_url = f"http://127.0.0.1:{base_port}"
                    base.wait_http(f"{base_url}/pulse-last")
                    results, cpu = _measure(
                        Wrk(executable, tmp),
                        {"beacon": web, "baseline": base},
                        url,
                        base_url,
                        paths,
                    )
                    rss = {**web.peak_rss_mib(), **base.peak_rss_mib()}
        _report(ctx, results, cpu, bodies={k: (bodies / k).stat().st_size for k in paths}, rss=rss)


Results = dict[str, dict[str, list[WrkRun]]]
Cpu = dict[str, dict[str, list[float]]]  # server CPU seconds per response, run by run


def _measure(
    wrk: Wrk,
    servers_: dict[str, servers.Server],
    url: str,
    base_url: str,
    paths: dict[str, str],
) -> tuple[Results, Cpu]:
    results: Results = {key: {"beacon": [], "baseline": []} for key in paths}
    cpu: Cpu = {key: {"beacon": [], "baseline": []} for key in paths}
    for i in range(ROUNDS):
        for key, path in paths.items():
            # Alternate which server goes first, so that drifting load from other users of
            # the machine falls on both alike.
            order = [("beacon", url + path), ("baseline", f"{base_url}/{key}")]
            for who, target in order if i % 2 == 0 else order[::-1]:
                before = servers_[who].cpu_seconds()
                done = wrk.run(
                    target, connections=CONNECTIONS, seconds=SECONDS, max_requests=MAX_REQUESTS
                )
                cpu[key][who].append((servers_[who].cpu_seconds() - before) / done.requests)
                print(
                    f"   {key:10} {who:8} {done.rate:8.0f} req/s  p99 {done.latency_ms['p99']:.1f} ms",
                    flush=True,
                )
                results[key][who].append(done)
    return results, cpu


def _report(
    ctx: Context,
    results: Results,
    cpu: Cpu,
    *,
    bodies: dict[str, int],
    rss: dict[str, float],
) -> None:
    ctx.line(
        f"wrk 1 thread, {CONNECTIONS} connections, "
        f"{SECONDS} s or {MAX_REQUESTS:,} responses per run; {ROUNDS} rounds, each the beacon "
        "and the bare endpoint back to back, in alternating order; medians; "
        "gunicorn 2 sync workers for both servers, SQLite, `beacon pulser` running (60 s period). "
        "wrk, both servers and the pulser share the machine's cores."
    )
    ctx.line()
    ctx.table(
        [
            "GET",
            "body bytes",
            "beacon req/s",
            "bare Flask req/s",
            "ratio: median of rounds (range)",
            "beacon p50 / p99 (ms)",
            "bare p50 / p99 (ms)",
        ],
        [
            _row(name, bodies[key], results[key]["beacon"], results[key]["baseline"])
            for key, name in (
                ("pulse-last", "/beacon/2.0/pulse/last"),
                ("proof", "/api/v1/draws/ID/proof"),
            )
        ],
    )
    errors = {
        f"{key}/{who}": sum(r.non_2xx_3xx + r.socket_errors for r in runs)
        for key, by in results.items()
        for who, runs in by.items()
    }
    ctx.metric(
        "runs",
        {k: {w: [r.to_dict() for r in rs] for w, rs in v.items()} for k, v in results.items()},
    )
    ctx.metric("body_bytes", bodies)
    ctx.metric("errors", errors)
    ctx.metric("peak_rss_mib", rss)
    ctx.line(
        "- errors (non-2xx/3xx and socket errors), all runs: "
        + ", ".join(f"{k} {v}" for k, v in errors.items())
    )
    ctx.line(
        "- peak RSS (VmHWM, MiB): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(rss.items()))
    )
    ctx.metric("server_cpu_s_per_response", cpu)
    ctx.line(
        "- server CPU per response (gunicorn master and workers, utime + stime from "
        "/proc, median of rounds), a figure that other users' load on the machine "
        "inflates far less than throughput: "
        + "; ".join(
            f"{key} beacon {statistics.median(by['beacon']) * 1e6:.0f} µs, bare "
            f"{statistics.median(by['baseline']) * 1e6:.0f} µs, bare/beacon "
            f"{statistics.median(by['baseline']) / statistics.median(by['beacon']):.2f}"
            for key, by in cpu.items()
        )
    )
    for key, label in (("pulse-last", "GET /beacon/2.0/pulse/last"), ("proof", "GET proof bundle")):
        ratios = paired_ratios(results[key]["beacon"], results[key]["baseline"])
        ctx.metric(f"ratio_{key}", ratios)
        ctx.target(
            f"{label}: throughput / bare Flask (median of {len(ratios)} rounds; "
            f"round range {min(ratios):.3f}–{max(ratios):.3f})",
            statistics.median(ratios),
            op=">=",
            bound=TARGET,
        )
