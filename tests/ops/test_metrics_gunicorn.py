"""``/metrics`` under gunicorn sees every worker process (beacon/ops/gunicorn_conf.py).

A real ``gunicorn -c python:beacon.ops.gunicorn_conf`` with two workers and
PROMETHEUS_MULTIPROC_DIR: the request count at ``/metrics`` must equal the number of
requests the test made, and the sum of what each worker's own value file holds; a
worker killed with SIGKILL keeps its requests in the total but its live gauge
(``beacon_web_process_start_time_seconds``, one series per live worker pid) is gone
once gunicorn has reaped it. The folder's stale value files are deleted at start,
other files in it are not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"
PORT = 18200  # this suite's ports: 18200-18249
BASE = f"http://127.0.0.1:{PORT}"
COUNTED = "/api/v1/deployment"
REQUESTS_PER_ROUND = 40


def get(path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def scrape() -> dict[str, list[Any]]:
    status, body = get("/metrics")
    assert status == 200
    out: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            out.setdefault(s.name, []).append(s)
    return out


def counted(samples: dict[str, list[Any]]) -> float:
    """Requests to COUNTED, over every status, at /metrics."""
    return sum(
        s.value
        for s in samples.get("beacon_http_request_duration_seconds_count", [])
        if s.labels["endpoint"] == COUNTED
    )


def live_pids(samples: dict[str, list[Any]]) -> set[int]:
    return {int(s.labels["pid"]) for s in samples.get("beacon_web_process_start_time_seconds", [])}


def per_worker(folder: Path) -> dict[int, float]:
    """Requests to COUNTED in each process's own value file, read apart from the others."""
    out = {}
    for path in folder.glob("histogram_*.db"):
        pid = int(path.stem.split("_")[1])
        out[pid] = sum(
            s.value
            for metric in MultiProcessCollector.merge([str(path)])
            for s in metric.samples
            if s.name == "beacon_http_request_duration_seconds_count"
            and s.labels["endpoint"] == COUNTED
        )
    return out


def children(master: int) -> set[int]:
    """The master's worker processes, as the kernel lists them."""
    text = Path(f"/proc/{master}/task/{master}/children").read_text()
    return {int(p) for p in text.split()}


def wait_for(what: str, check: Callable[[], bool], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s; gunicorn said:\n{log.read_text()[-3000:]}")


def make_requests(n: int) -> None:
    # Several at once, each on its own connection, so that both workers take some.
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: get(COUNTED)[0], range(n)))
    assert statuses == [200] * n


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, Path]]:
    module = pytest.importorskip(
        "gunicorn", reason="gunicorn is not installed: pip install -e '.[server]'"
    )
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by an earlier run")
    (folder / "README.txt").write_text("not prometheus_client's: must survive the cleaning")
    # gunicorn >= 25.1 opens a control socket at one path per user; parallel runs would clash.
    control = ["--no-control-socket"] if module.version_info >= (25, 1) else []
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(GUNICORN),
                "-c",
                "python:beacon.ops.gunicorn_conf",
                *("--workers", "2", "--bind", f"127.0.0.1:{PORT}", *control),
            ],
            env={
                "BEACON_DATA_DIR": str(tmp_path / "data"),
                "BEACON_PULSE_PERIOD": "1",
                "BEACON_SIGNER_BITS": "2048",
                "PROMETHEUS_MULTIPROC_DIR": str(folder),
                "PYTHONPATH": str(ROOT),
                "PATH": "/usr/bin:/bin",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc, folder, log
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.mark.slow
def test_metrics_add_up_every_worker_and_forget_dead_ones_live_gauges(
    gunicorn: tuple[subprocess.Popen[bytes], Path, Path],
) -> None:
    proc, folder, log = gunicorn
    # Both workers have built their app (each sets its live gauge when it does).
    wait_for("two workers up", lambda: len(live_pids(scrape())) == 2, log)
    assert not (folder / "counter_999999.db").exists(), "on_starting left a stale value file"
    assert (folder / "README.txt").exists(), "on_starting deleted a file that is not its own"
    workers = children(proc.pid)
    assert live_pids(scrape()) == workers

    make_requests(REQUESTS_PER_ROUND)
    samples = scrape()
    shares = per_worker(folder)
    assert counted(samples) == REQUESTS_PER_ROUND
    assert sum(shares.values()) == REQUESTS_PER_ROUND

    # Kill a worker that served some of them: its count must stay in the total.
    victim = max(shares, key=lambda pid: shares[pid])
    assert victim in workers and shares[victim] > 0
    os.kill(victim, signal.SIGKILL)
    wait_for(
        "a replacement worker up",
        lambda: (
            victim not in children(proc.pid)
            and len(live_pids(scrape()) - workers) == 1
            and len(live_pids(scrape())) == 2
        ),
        log,
    )
    assert not (folder / f"gauge_liveall_{victim}.db").exists()
    assert live_pids(scrape()) == children(proc.pid)

    make_requests(REQUESTS_PER_ROUND)
    samples = scrape()
    shares = per_worker(folder)
    assert counted(samples) == 2 * REQUESTS_PER_ROUND
    assert sum(shares.values()) == 2 * REQUESTS_PER_ROUND
    assert shares[victim] > 0 and len([p for p in shares if shares[p] > 0]) >= 2
    assert victim not in live_pids(samples)
