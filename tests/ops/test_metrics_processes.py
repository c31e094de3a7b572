"""``beacon pulser`` and ``beacon worker`` serve their own metrics on ``--metrics-port``.

Real processes on the real clock, scraped over HTTP and parsed with
prometheus_client's parser. What the metrics say is checked against the database
the processes wrote (pulses stored, the draw's result) and against what the test
set up (the draw's T, a stale lease left by a worker that died).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from beacon.cli import main
from beacon.core.lifecycle import Phase
from beacon.store import Database, PulseRepository, sqlite_url
from beacon.store.draw_tables import VdfJob
from beacon.store.statements import StatementRepository
from tests.conftest import ROOT
from tests.service.deployment import PERIOD, definition, open_deployment
from tests.service.test_draw_flow import Ceremony, record

PULSER_PORT, WORKER_PORT, TAKEN_PORT = 18210, 18211, 18212  # this suite's ports: 18200-18249
VDF_T = 2000  # tests.service.deployment.definition's T
# The processes run this checkout, log text, and are not in any multiprocess folder.
ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("BEACON_LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR", "BEACON_METRICS_PORT")
} | {"PYTHONPATH": str(ROOT)}

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def one(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def wait_for(
    what: str, port: int, check: Callable[[Samples], bool], proc: subprocess.Popen[bytes], log: Path
) -> Samples:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the process exited:\n{log.read_text()[-3000:]}"
        try:
            samples = scrape(port)
            if check(samples):
                return samples
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} within 120 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def launch(
    argv: list[str], log: Path, started: list[subprocess.Popen[bytes]], **env: str
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "beacon", *argv],
            env=ENV | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started.append(proc)
    return proc


@pytest.mark.slow
def test_pulser_serves_pulses_emitted_lateness_and_last_pulse(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    data, log = tmp_path / "data", tmp_path / "pulser.log"
    argv = ["pulser", "--data-dir", str(data), "--pulse-period", "1", "--signer-bits", "2048"]
    proc = launch([*argv, "--metrics-port", str(PULSER_PORT)], log, processes)
    emitted = "beacon_pulses_emitted_total"
    wait_for("3 pulses", PULSER_PORT, lambda s: one(s, emitted) >= 3, proc, log)
    db = Database(sqlite_url(data / "beacon.sqlite3"))
    try:
        for _ in range(50):  # a moment between two pulses: the scrapes agree
            first = scrape(PULSER_PORT)
            with db.read() as session:
                repo = PulseRepository(session)
                stored = repo.range(1, 1, 10_000)
                last = repo.last()
            second = scrape(PULSER_PORT)
            if one(first, emitted) == one(second, emitted) == len(stored):
                break
        else:
            raise AssertionError("the pulser's count never matched the stored pulses")
    finally:
        db.dispose()
    assert last is not None
    s = second
    assert one(s, "beacon_last_pulse_timestamp_seconds") == last.time_ms / 1000
    assert one(s, "beacon_pulse_lateness_seconds_count") == len(stored)
    assert one(s, "beacon_pulse_lateness_seconds_bucket", le="+Inf") == len(stored)
    assert one(s, "beacon_pulse_lateness_seconds_sum") >= 0
    assert one(s, "beacon_pulser_leading") == 1
    assert one(s, "beacon_pulse_failures_total") == 0
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert f"serving metrics at http://127.0.0.1:{PULSER_PORT}/metrics" in log.read_text()


def computing_draw(tmp_path: Path) -> str:
    """A deployment in DIR/data whose draw waits in the computing phase *now* (real time),
    with a lease left behind by a worker that died; return the draw's id."""
    now = int(time.time() * 1000)
    start = now - now % PERIOD - 10 * PERIOD  # the freeze falls on the last whole minute
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "data" / "beacon.sqlite3"), start=start)
    try:
        c = Ceremony(d)
        c.definition = definition(start=start)
        c.register()
        c.publish()
        c.commit()
        c.seal_seeds()
        d.advance_to(start + 10 * PERIOD)
        c.reveal()
        c.release()
        draw_id = c.definition.draw_id
        assert record(d, draw_id).phase is Phase.COMPUTING
        with d.runtime.database.write() as session:
            StatementRepository(session).insert_job(
                VdfJob(draw_id=draw_id, owner="dead", lease_until_ms=0, attempts=1, progress=0)
            )
    finally:
        d.runtime.close()
    return draw_id


@pytest.mark.slow
def test_worker_serves_progress_jobs_and_takeovers(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    draw_id = computing_draw(tmp_path)
    log = tmp_path / "worker.log"
    launched = time.time()
    argv = ["worker", "--data-dir", str(tmp_path / "data"), "--signer-bits", "2048"]
    # The port from the environment, as a process manager's unit file gives it.
    proc = launch(argv, log, processes, BEACON_METRICS_PORT=str(WORKER_PORT))
    done = "beacon_vdf_jobs_completed_total"
    s = wait_for("the draw's result", WORKER_PORT, lambda s: one(s, done) == 1, proc, log)
    assert one(s, "beacon_vdf_job_progress_ratio") == 1.0
    assert one(s, "beacon_vdf_job_squarings_done") == VDF_T
    assert one(s, "beacon_vdf_squarings_total") == VDF_T  # the dead worker stored nothing
    assert one(s, "beacon_vdf_job_active") == 0
    assert launched <= one(s, "beacon_vdf_job_start_time_seconds") <= time.time()
    assert one(s, "beacon_vdf_jobs_claimed_total") == 1
    assert one(s, "beacon_vdf_lease_takeovers_total") == 1
    for reason in ("lease_lost", "too_late", "error"):
        assert one(s, "beacon_vdf_jobs_failed_total", reason=reason) == 0
    # No series names the draw.
    assert not [key for key in s if any(draw_id in v for _, v in key[1])]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert f"draw {draw_id}: result logged" in log.read_text()
    db = Database(sqlite_url(tmp_path / "data" / "beacon.sqlite3"))
    try:
        with db.read() as session:
            job = StatementRepository(session).job(draw_id)
            assert job is not None and job.progress == VDF_T and job.owner != "dead"
            assert job.attempts == 2  # the dead worker's, then this one's
    finally:
        db.dispose()


@pytest.mark.parametrize("command", ["pulser", "worker"])
def test_refuses_the_web_multiprocess_folder(tmp_path: Path, command: str) -> None:
    result = CliRunner().invoke(
        main,
        [command, "--data-dir", str(tmp_path), "--metrics-port", str(TAKEN_PORT)],
        env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")},
    )
    assert result.exit_code == 1
    assert "PROMETHEUS_MULTIPROC_DIR is set" in result.output
    assert not (tmp_path / "beacon.sqlite3").exists(), "it opened the deployment first"


@pytest.mark.parametrize("command", ["pulser", "worker"])
def test_a_taken_port_is_a_clear_error(tmp_path: Path, command: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", TAKEN_PORT))
        taken.listen()
        result = CliRunner().invoke(
            main, [command, "--data-dir", str(tmp_path), "--metrics-port", str(TAKEN_PORT)]
        )
    assert result.exit_code == 1
    assert f"--metrics-port: cannot serve metrics on 127.0.0.1:{TAKEN_PORT}" in result.output


@pytest.mark.parametrize("value", ["0", "65536", "eighty"])
def test_a_bad_port_names_the_option(tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(
        main, ["worker", "--data-dir", str(tmp_path)], env={"BEACON_METRICS_PORT": value}
    )
    assert result.exit_code == 2
    assert "--metrics-port" in result.output
