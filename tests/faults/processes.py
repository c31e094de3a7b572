"""One deployment as three real processes on one database: web, pulser and worker.

``beacon serve --no-pulser --no-worker``, ``beacon pulser`` and ``beacon worker``
run as separate subprocesses sharing a data directory (CA, blobs, opened bids) and
a database URL, as docs/ARCHITECTURE.md §6 deploys them. Each can be killed with SIGKILL and
started again; every incarnation appends to its process's log file after a marker
line, so a failure report shows what each incarnation said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BEACON = str(Path(sys.executable).parent / "beacon")
PROCESSES = ("web", "pulser", "worker")
# The cluster's published delay parameters (PROTOCOL.md §11.5): T = 3,000,000 covers the
# ceremony's 60 s exposure window at a declared 25,000 squarings a second, A_max 1, and the
# result deadline then leaves 150 s for the VDF and its crash recoveries.
VDF_RATE, VDF_ADVANTAGE = 25_000, 1
DELAY_OPTIONS = ["--vdf-rate", str(VDF_RATE), "--vdf-advantage", str(VDF_ADVANTAGE)]
PERIOD_SECONDS = 1
START_TIMEOUT = 120.0
# Alembic's first line: the runtime has its database open and is about to run.
READY_LINE = b"alembic.runtime.migration Context impl"
# The checks read the processes' logs as text lines, whatever the caller's log format.
TEXT_LOGS = {k: v for k, v in os.environ.items() if k != "BEACON_LOG_FORMAT"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def init_ca(directory: Path, *, bidders: int) -> None:
    """``beacon ca init``: the demo CA, the beacon signer and every party's key."""
    subprocess.run(
        [
            BEACON,
            "ca",
            "init",
            "--dir",
            str(directory),
            "--bidders",
            str(bidders),
            "--signer-bits",
            "2048",
        ],
        check=True,
        capture_output=True,
    )


@dataclass
class Settings:
    """What the three processes share."""

    data_dir: Path
    database_url: str
    port: int
    min_lead_seconds: int = 3
    lease_seconds: int = 3

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """The web, pulser and worker processes of one deployment."""

    settings: Settings
    logs: Path
    _procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _starts: dict[str, int] = field(default_factory=dict)
    _log_offsets: dict[str, int] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _stopped: bool = False

    def _command(self, name: str) -> list[str]:
        s = self.settings
        common = ["--data-dir", str(s.data_dir), "--database-url", s.database_url]
        common += ["--pulse-period", str(PERIOD_SECONDS), "--public-url", s.url]
        common += ["--signer-bits", "2048"]
        if name == "web":
            web = ["serve", "--no-pulser", "--no-worker", "--port", str(s.port)]
            web += ["--min-lead-seconds", str(s.min_lead_seconds), *DELAY_OPTIONS]
            return [BEACON, *web, *common]
        if name == "pulser":
            return [BEACON, "pulser", *common]
        return [BEACON, "worker", *common, "--lease-seconds", str(s.lease_seconds)]

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def log_text(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self, name: str) -> int:
        """Start ``name`` (it must not be running); return its pid."""
        with self._lock:
            # After stop(), nothing starts again: a late restart would outlive the test.
            assert not self._stopped, f"{name}: the cluster is stopped"
            running = self._procs.get(name)
            assert running is None or running.poll() is not None, f"{name} is already running"
            self._starts[name] = self._starts.get(name, 0) + 1
            self.logs.mkdir(parents=True, exist_ok=True)
            with self.log_path(name).open("ab") as log:
                log.write(f"=== {name} incarnation {self._starts[name]}\n".encode())
                log.flush()
                self._log_offsets[name] = log.tell()
                proc = subprocess.Popen(
                    self._command(name), stdout=log, stderr=subprocess.STDOUT, env=TEXT_LOGS
                )
            self._procs[name] = proc
            return proc.pid

    def start_all(self) -> None:
        """The web first (it creates the schema), then the pulser and the worker."""
        self.start("web")
        self.wait_ready()
        self.start("pulser")
        self.start("worker")

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self._procs["web"]
            if proc.poll() is not None:
                raise AssertionError(f"the web process exited: {self.log_text('web')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.settings.url}/openapi.json", timeout=5):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise AssertionError(f"the web process did not answer in {timeout} s")

    def ready(self, name: str) -> bool:
        """Running and past start-up: the web answers; the others have opened the database."""
        if not self.alive(name):
            return False
        if name == "web":
            try:
                with urllib.request.urlopen(f"{self.settings.url}/openapi.json", timeout=2):
                    return True
            except (OSError, urllib.error.URLError):
                return False
        with self.log_path(name).open("rb") as log:
            log.seek(self._log_offsets[name])
            return READY_LINE in log.read()

    def pid(self, name: str) -> int:
        return self._procs[name].pid

    def alive(self, name: str) -> bool:
        proc = self._procs.get(name)
        return proc is not None and proc.poll() is None

    def kill(self, name: str) -> int:
        """SIGKILL ``name`` and reap it; return the pid that was killed."""
        with self._lock:
            proc = self._procs[name]
            assert proc.poll() is None, f"{name} died on its own: {self.log_text(name)[-3000:]}"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
            return proc.pid

    def exited(self) -> dict[str, int]:
        """Processes that exited without being killed by the harness, with their codes."""
        with self._lock:
            return {
                name: code
                for name, proc in self._procs.items()
                if (code := proc.poll()) is not None and code != -signal.SIGKILL
            }

    def ensure_running(self) -> None:
        """Start whatever is not running (after the chaos stops)."""
        with self._lock:
            for name in PROCESSES:
                if not self.alive(name):
                    self.start(name)
        self.wait_ready()

    def stop(self) -> None:
        """SIGTERM everything, then SIGKILL what is left after a grace period."""
        with self._lock:
            self._stopped = True
            for proc in self._procs.values():
                if proc.poll() is None:
                    proc.terminate()
            for proc in self._procs.values():
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
