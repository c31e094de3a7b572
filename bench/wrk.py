"""Driving wrk (https://github.com/wg/wrk; Debian package ``wrk``) and reading its numbers.

wrk runs for a fixed time; a small Lua script also stops each of its threads after
a fixed number of responses, so a run is bounded in both, and prints the summary
as one JSON line (requests, bytes, errors by kind, latency percentiles in µs).
``errors.status`` is wrk's count of responses whose status is not 2xx or 3xx.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARK = "WRK-JSON "

# Lua callbacks (wrk SCRIPTING): init gets the script arguments, response runs per
# response in each thread, done once at the end with the merged statistics.
SCRIPT = """
local limit, seen = 0, 0
function init(args)
  limit = tonumber(args[1]) or 0
end
function response(status, headers, body)
  seen = seen + 1
  if limit > 0 and seen >= limit then
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    "MARK", summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
""".replace('"MARK"', json.dumps(MARK))


def binary() -> str | None:
    """The wrk executable, or None when it is not installed."""
    return shutil.which("wrk")


@dataclass(frozen=True)
class WrkRun:
    """One wrk run: what was asked and what it measured."""

    url: str
    connections: int
    seconds: float
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    latency_ms: dict[str, float]

    @property
    def rate(self) -> float:
        """Responses per second."""
        return self.requests / self.duration_s

    @property
    def non_2xx_3xx(self) -> int:
        return self.errors["status"]

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "connections": self.connections,
            "seconds": self.seconds,
            "requests": self.requests,
            "duration_s": self.duration_s,
            "bytes": self.bytes,
            "requests_per_s": self.rate,
            "errors": self.errors,
            "latency_ms": self.latency_ms,
        }


class Wrk:
    """A prepared wrk: the executable and its Lua script in ``workdir``."""

    def __init__(self, executable: str, workdir: Path) -> None:
        self.executable = executable
        self.script = workdir / "bounded.lua"
        self.script.write_text(SCRIPT)

    def command(
        self,
        url: str,
        *,
        connections: int,
        seconds: float,
        max_requests: int,
        threads: int = 1,
        timeout_s: float = 10,
    ) -> list[str]:
        per_thread = math.ceil(max_requests / threads)
        return [
            self.executable,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={max(1, round(timeout_s))}s",
            "-s",
            str(self.script),
            url,
            "--",
            str(per_thread),
        ]

    def run(
        self,
        url: str,
        *,
        connections: int,
        seconds: float,
        max_requests: int,
        threads: int = 1,
        timeout_s: float = 10,
    ) -> WrkRun:
        """Run wrk to completion and parse its summary."""
        cmd = self.command(
            url,
            connections=connections,
            seconds=seconds,
            max_requests=max_requests,
            threads=threads,
            timeout_s=timeout_s,
        )
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=seconds + timeout_s + 60, check=False
        )
        return parse(done.stdout, done.stderr, url=url, connections=connections, seconds=seconds)


def parse(stdout: str, stderr: str, *, url: str, connections: int, seconds: float) -> WrkRun:
    """The run described by wrk's output; an error if the summary line is missing."""
    line = next((x for x in stdout.splitlines() if x.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary for {url}:\n{stdout}\n{stderr}")
    doc = json.loads(line[len(MARK) :])
    return WrkRun(
        url=url,
        connections=connections,
        seconds=seconds,
        requests=doc["requests"],
        duration_s=doc["duration_us"] / 1e6,
        bytes=doc["bytes"],
        errors=doc["errors"],
        latency_ms={k: v / 1000 for k, v in doc["latency_us"].items()},
    )
