"""Small helpers shared by the benchmark modules: timing, recording, the results file."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def machine_summary() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def timed(fn: Callable[[], Any], *, repeat: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``fn`` (perf_counter)."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


@dataclass
class Context:
    """What one benchmark module records."""

    name: str
    title: str
    lines: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def table(self, header: list[str], rows: list[list[Any]]) -> None:
        self.line("| " + " | ".join(header) + " |")
        self.line("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.line("| " + " | ".join(str(c) for c in row) + " |")
        self.line()

    def metric(self, key: str, value: Any) -> None:
        self.metrics[key] = value

    def target(self, what: str, value: float, *, op: str, bound: float, unit: str = "") -> bool:
        """Record a target check (``value op bound``) as a line and a metric."""
        met = {"<=": value <= bound, ">=": value >= bound}[op]
        self.metrics.setdefault("targets", []).append(
            {"what": what, "value": value, "op": op, "bound": bound, "met": met}
        )
        self.line(
            f"- {what}: **{value:.4g}{unit}** (target {op} {bound:g}{unit}) {'met' if met else 'NOT MET'}"
        )
        return met

    def markdown(self) -> str:
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        head = [f"## {self.title}", "", f"_Measured {stamp} on {machine_summary()}._", ""]
        return "\n".join(head + self.lines).rstrip() + "\n"

    def save_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "name": self.name,
            "title": self.title,
            "machine": machine_summary(),
            "metrics": self.metrics,
        }
        path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def replace_block(text: str, name: str, body: str, *, first: bool = False) -> str:
    """Replace the ``<!-- bench:name -->`` block of RESULTS.md; add it if missing, at
    the end, or with ``first`` right after the title line."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body}{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    if first:
        title, _, rest = text.partition("\n")
        return f"{title}\n\n{block}\n\n{rest.lstrip()}".rstrip() + "\n"
    return text.rstrip() + "\n\n" + block + "\n"


def run_summary(command: str, done: list[Context]) -> str:
    """The ``run`` block: the exact command and every target of the modules it ran."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Latest run: its targets side by side",
        "",
        f"Command: `{command}` (finished {stamp}, on {machine_summary()}). "
        "Each value below was measured against its baseline within this one run; "
        "the module's section gives the details.",
        "",
        "| benchmark | target | measured | bound | met |",
        "|---|---|---|---|---|",
    ]
    for ctx in done:
        for t in ctx.metrics.get("targets", []):
            lines.append(
                f"| {ctx.name} | {t['what']} | {t['value']:.4g} | {t['op']} {t['bound']:g} "
                f"| {'yes' if t['met'] else 'NO'} |"
            )
    return "\n".join(lines) + "\n"
