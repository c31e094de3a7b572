"""deploy/compose.yaml brought up on this machine without Docker, and a draw run on it.

The test reads each beacon service's command and environment from the compose file
and runs them as they are, rewriting only what names this machine (the database
URL's host and database, the data folder, the public URL and the bind address, the
binaries' folder) and, so that a draw takes seconds instead of hours, the
deployment's time scale (:data:`TEST_SCALE`). In the compose order: the one-shot
migration, then gunicorn, the pulser and two workers on a fresh PostgreSQL schema;
then the demo CA's parties run a whole draw through the HTTP API, and the independent
verifier checks its proof bundle.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import make_url

from beacon.core.timefmt import format_ms
from tests.conftest import postgres_schema
from tests.e2e.test_server_process import free_port, get, party_args, run, wait_for
from tests.ops.deployfiles import BIN, beacon_services, service_env

# The deployment's time scale, not its wiring: a 60 s period and T >= 100 * 700 000 * W
# squarings (PROTOCOL.md §11.5) would make this draw last hours. As tests/e2e does.
TEST_SCALE = {
    "BEACON_PULSE_PERIOD": "1",
    "BEACON_MIN_LEAD_SECONDS": "3",
    "BEACON_VDF_RATE": "2000",
    "BEACON_VDF_ADVANTAGE": "1",
}


# -- the compose processes, without Docker -----------------------------------------------------


@pytest.fixture
def ops_database_url() -> Iterator[str]:
    """A fresh schema in this machine's PostgreSQL (compose's ``db`` service)."""
    with postgres_schema("deploy") as url:
        yield url


class Stack:
    """The beacon services of deploy/compose.yaml as processes of this machine."""

    def __init__(self, tmp: Path, database_url: str) -> None:
        self.tmp, self.data, self.port = tmp, tmp / "var-lib-beacon", free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.metrics_ports: list[int] = []
        (tmp / "run").mkdir()

    def env(self, service: dict[str, Any]) -> dict[str, str]:
        env = service_env(service)
        declared = make_url(env["BEACON_DATABASE_URL"])
        assert (declared.host, declared.port, declared.database) == ("db", 5432, "beacon")
        assert env["BEACON_DATA_DIR"] == "/var/lib/beacon"
        assert set(TEST_SCALE) <= set(env)
        env |= {
            "BEACON_DATABASE_URL": self.database_url,  # host, port and database of this machine
            "BEACON_DATA_DIR": str(self.data),
            "BEACON_PUBLIC_URL": self.url,
            **TEST_SCALE,
        }
        # This machine's process plumbing: the venv (and this checkout, when PYTHONPATH
        # points at it) and a runtime folder for gunicorn's control socket.
        env |= {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(self.tmp), "TZ": "UTC"}
        env["XDG_RUNTIME_DIR"] = str(self.tmp / "run")
        if "PYTHONPATH" in os.environ:
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        return env

    def argv(self, service: dict[str, Any]) -> list[str]:
        command = [str(a) for a in service["command"]]
        command = [
            a.replace("--bind=0.0.0.0:8000", f"--bind=127.0.0.1:{self.port}") for a in command
        ]
        # The web's private metrics folder, and each process's own metrics port.
        command = [
            a.replace("=/tmp/beacon-metrics", f"={self.tmp}/beacon-metrics") for a in command
        ]
        command = [a for a in command if a != "--metrics-host=0.0.0.0"]
        if "--metrics-port=9100" in command:
            port = free_port()
            self.metrics_ports.append(port)
            command = [a.replace("--metrics-port=9100", f"--metrics-port={port}") for a in command]
        return [str(BIN / command[0]), *command[1:]]

    def run_once(self, name: str) -> None:
        service = beacon_services()[name]
        done = subprocess.run(
            self.argv(service), env=self.env(service), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self, name: str) -> None:
        service = beacon_services()[name]
        for replica in range(1, service.get("deploy", {}).get("replicas", 1) + 1):
            key = f"{name}-{replica}"
            log = (self.tmp / f"{key}.log").open("wb")
            self.procs[key] = subprocess.Popen(
                self.argv(service), env=self.env(service), stdout=log, stderr=subprocess.STDOUT
            )

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.tmp.glob("*.log")
        )

    def alive(self) -> None:
        dead = {k: p.returncode for k, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"{dead}\n{self.logs()}"

    def stop(self) -> dict[str, int | None]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        codes = {}
        for key, proc in self.procs.items():
            try:
                codes[key] = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[key] = None
        return codes


@pytest.fixture
def stack(tmp_path: Path, ops_database_url: str) -> Iterator[Stack]:
    stack = Stack(tmp_path, ops_database_url)
    try:
        yield stack
    finally:
        stack.stop()


def up(stack: Stack) -> None:
    """Compose's order: migrate to completion, then what depends on it."""
    services = beacon_services()
    after_migrate = [n for n, s in services.items() if "migrate" in s.get("depends_on", {})]
    assert sorted(after_migrate) == ["pulser", "web", "worker"]
    stack.run_once("migrate")
    for name in after_migrate:
        stack.start(name)
    deadline = time.monotonic() + 120
    while True:  # compose's healthcheck of the web, then the first pulses
        stack.alive()
        try:
            get(stack.url + "/api/v1/deployment")
            get(stack.url + "/beacon/2.0/pulse/last")
            return
        except OSError:
            assert time.monotonic() < deadline, stack.logs()
            time.sleep(0.5)


def scrape(url: str) -> dict[str, float]:
    """Each sample name's total over its label sets, from a Prometheus text page."""
    totals: dict[str, float] = {}
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


@pytest.mark.slow
@pytest.mark.postgres
def test_the_compose_processes_run_a_draw(stack: Stack) -> None:
    up(stack)
    assert sorted(stack.procs) == ["pulser-1", "web-1", "worker-1", "worker-2"]
    deployment = get(stack.url + "/api/v1/deployment")
    assert (deployment["pulse_period_ms"], deployment["vdf_rate"]) == (1000, 2000)
    url, ca, tmp = stack.url, stack.data / "ca", stack.tmp  # the demo CA of the first start
    env = {"BEACON_SERVER": url, "BEACON_PASSPHRASE": "compose draw passphrase"}
    party = functools.partial(party_args, ca, tmp)
    for role, cert in [("agent", "agent"), ("bidder", "bidder-1"), ("bidder", "bidder-2")]:
        run(
            *("party", "register", "--tender", "OPS-1", "--role", role),
            *("--party-cert", str(ca / f"{cert}.pem"), *party("centre")),
            env=env,
        )
    now = int(time.time() * 1000)
    start = now - now % 1000
    definition = {
        "draw_id": "OPS-1-K",
        "tender_id": "OPS-1",
        "title": "compose deployment draw",
        "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97"]}],
        # Room for the nine signed requests before the commit deadline on a loaded machine.
        "deadlines": {
            "commit": format_ms(start + 25_000),
            "reveal": format_ms(start + 30_000),
            "seed_open": format_ms(start + 35_000),
        },
        "dispute_window_ms": 3000,
        # PROTOCOL.md §11.5: T >= A_max * s * W = 1 * 2000 * 10 s.
        "vdf_t": 20000,
    }
    (tmp / "def.json").write_text(json.dumps(definition))
    run("draw", "create", str(tmp / "def.json"), *party("agent"), env=env)
    run("draw", "countersign", "OPS-1-K", *party("centre"), env=env)
    for name in ("centre", "agent"):
        run("draw", "commit", "OPS-1-K", *party(name), env=env)
    for name in ("bidder-1", "bidder-2"):
        run("draw", "seal", "OPS-1-K", *party(name), env=env)
    wait_for(url, "OPS-1-K", {"revealing"}, timeout=90)
    for name in ("centre", "agent"):
        run("draw", "reveal", "OPS-1-K", *party(name), env=env)
    wait_for(url, "OPS-1-K", {"opening"})
    for name in ("centre", "agent"):
        run("draw", "release", "OPS-1-K", *party(name), env=env)
    drawn = wait_for(
        url, "OPS-1-K", {"drawn"}, timeout=90
    )  # frozen by the pulser, computed by a worker
    assert len(drawn["result"]["seeds"]) == 4
    out = tmp / "proof.json"
    for _ in range(50):
        fetched = subprocess.run(
            [str(BIN / "beacon"), "draw", "proof", "OPS-1-K", "--out", str(out)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        if fetched.returncode == 0:
            break
        assert "NotYetAvailable" in fetched.stdout + fetched.stderr, fetched.stderr
        time.sleep(0.3)
    verify = subprocess.run(
        [str(BIN / "beacon-verify"), "draw", str(out), "--anchors", str(ca / "ca.pem")],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0 and verify.stdout.splitlines()[-1] == "VALID", verify.stdout
    stack.alive()
    # The metrics as compose wires them: the web adds up its gunicorn workers; the pulser
    # and each worker serve their own (one of the two workers computed the draw).
    web = scrape(stack.url + "/metrics")
    assert web.get("beacon_http_request_duration_seconds_count", 0) > 0, sorted(web)
    own = [scrape(f"http://127.0.0.1:{port}/metrics") for port in stack.metrics_ports]
    assert len(own) == 3
    assert sum(m.get("beacon_pulses_emitted_total", 0) for m in own) > 0
    assert sum(m.get("beacon_vdf_jobs_completed_total", 0) for m in own) == 1
    # SIGTERM (docker compose stop, systemctl stop): every process finishes and exits 0.
    assert stack.stop() == dict.fromkeys(stack.procs, 0), stack.logs()
