"""Real server processes for the load benchmarks: start, wait until they answer, measure, stop.

Everything listens on 127.0.0.1 only. Peak memory is read from ``/proc/PID/status``
(``VmHWM``, the resident high-water mark) of the process and, for gunicorn, of each
of its workers, before they are stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from types import TracebackType

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_hwm_kib(pid: int) -> int | None:
    """The resident high-water mark of ``pid`` in KiB, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds ``pid`` has used so far (0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers), from /proc/*/stat."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after the last ")" do not.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return sorted(out)


class Server:
    """A child process (its own process group) whose output goes to ``log``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            self.command,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_http(self, url: str, *, timeout: float = 60) -> None:
        """Return once ``url`` answers at all (any status); fail with the log if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {url}:\n{self.log.read_text()[-3000:]}")

    def wait_log(self, text: str, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} never logged {text!r}:\n{self.log.read_text()[-3000:]}")

    def peak_rss_mib(self) -> dict[str, float]:
        """VmHWM of the process and of each child (gunicorn workers), in MiB."""
        out: dict[str, float] = {}
        for label, pid in [(self.name, self.pid)] + [
            (f"{self.name} worker {i}", c) for i, c in enumerate(children(self.pid), 1)
        ]:
            kib = vm_hwm_kib(pid)
            if kib is not None:
                out[label] = kib / 1024
        return out

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the process and its children (gunicorn's workers)."""
        return sum(cpu_seconds(pid) for pid in [self.pid, *children(self.pid)])

    def stop(self, *, timeout: float = 30) -> None:
        """SIGTERM the process group (the server and its workers), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self._out.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def gunicorn(
    app: str,
    *,
    port: int,
    log: Path,
    env: Mapping[str, str],
    workers: int = 2,
    threads: int = 1,
    cwd: Path | None = None,
) -> Server:
    """``gunicorn`` serving ``app`` with ``workers`` workers on 127.0.0.1:``port``.

    With ``threads`` > 1 the workers are gthread workers (gunicorn's own rule).
    """
    # gunicorn >= 25.1 opens a control socket at one path per user; two servers would clash.
    major, minor = (int(x) for x in version("gunicorn").split(".")[:2])
    control = ["--no-control-socket"] if (major, minor) >= (25, 1) else []
    return Server(
        f"gunicorn {app}",
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            *control,
            "--log-level",
            "warning",
            app,
        ],
        log=log,
        env=env,
        cwd=cwd,
    )


def beacon(*args: str, name: str, log: Path, env: Mapping[str, str] | None = None) -> Server:
    """A ``beacon`` command of this environment as a server process."""
    return Server(name, [str(BIN / "beacon"), *args], log=log, env=env)
