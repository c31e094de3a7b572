"""CLI start-up: ``beacon --help`` wall time and peak RSS against a bare interpreter.

Target (issue 12): ``beacon --help`` starts in <= 0.3 s (it took 1.8-2.1 s and 157 MB
while every command group imported scipy, numpy, SQLAlchemy and Flask). Each command
runs as a fresh process, RUNS times after one warm-up run (median); peak RSS is the
child's own ``ru_maxrss`` from ``os.wait4``. In the same run, as the baseline,
``python -c pass`` with the same interpreter; and for scale, a bidder's ``beacon draw
--help`` and the import of every command module (what ``--help`` cost before the
groups were loaded lazily). POSIX only (``os.wait4``), like the other benchmarks.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Context

TITLE = "CLI start-up: `beacon --help`"
RUNS = 21
EAGER_RUNS = 5  # the reference that takes seconds a run
TARGET_S = 0.3
EVERY_MODULE = (
    "import importlib, pkgutil, beacon.cli\n"
    "for m in pkgutil.iter_modules(beacon.cli.__path__):\n"
    "    importlib.import_module('beacon.cli.' + m.name)"
)


def beacon() -> list[str]:
    """The installed console script, as a user types it; else ``python -m beacon``."""
    script = Path(sys.executable).parent / "beacon"
    return [str(script)] if script.exists() else [sys.executable, "-m", "beacon"]


def once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``argv``."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    err = child.stderr.read()
    child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(f"{argv} exited {child.returncode}: {err.decode(errors='replace')}")
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss = usage.ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
    return wall, rss


def measure(argv: list[str], runs: int = RUNS) -> tuple[float, float]:
    """Median wall seconds and median peak RSS (MiB) over ``runs`` runs, after a warm-up."""
    once(argv)
    timings = [once(argv) for _ in range(runs)]
    return statistics.median(w for w, _ in timings), statistics.median(r for _, r in timings)


def run(ctx: Context) -> None:
    cases = [
        ("`python -c pass` (baseline)", [sys.executable, "-c", "pass"]),
        ("`beacon --help`", [*beacon(), "--help"]),
        ("`beacon draw --help` (a party's group)", [*beacon(), "draw", "--help"]),
        ("every command module imported (the old `--help`)", [sys.executable, "-c", EVERY_MODULE]),
    ]
    results = {
        what: measure(argv, EAGER_RUNS if argv[-1] == EVERY_MODULE else RUNS)
        for what, argv in cases
    }
    base_wall, base_rss = results[cases[0][0]]
    ctx.line(
        f"Each command in a fresh process, median of {RUNS} runs ({EAGER_RUNS} for the last row) "
        "after one warm-up; peak RSS "
        f"from `os.wait4`. `beacon` is {'the console script' if len(beacon()) == 1 else '`python -m beacon`'}. "
        "Command: `.venv/bin/python -m bench --only cli`."
    )
    ctx.line()
    ctx.table(
        ["command", "wall (ms)", "over baseline (ms)", "peak RSS (MiB)"],
        [
            [what, f"{wall * 1000:.0f}", f"{(wall - base_wall) * 1000:+.0f}", f"{rss:.0f}"]
            for what, (wall, rss) in results.items()
        ],
    )
    wall, rss = results[cases[1][0]]
    ctx.metric("runs", RUNS)
    ctx.metric("wall_s", {what: w for what, (w, _) in results.items()})
    ctx.metric("rss_mib", {what: r for what, (_, r) in results.items()})
    ctx.target("`beacon --help` wall time (s)", wall, op="<=", bound=TARGET_S, unit=" s")
    ctx.line(
        f"- `beacon --help` peak RSS: {rss:.0f} MiB ({rss - base_rss:+.0f} MiB over the baseline)"
    )
