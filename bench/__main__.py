"""Run the benchmarks and record their results in bench/RESULTS.md.

Usage: ``python -m bench [--only NAME ...] [--out bench/RESULTS.md]``

Each module ``bench/bench_<name>.py`` defines ``TITLE: str`` and
``run(ctx: bench.harness.Context) -> None``; ``run`` measures, and calls
``ctx.line(...)``/``ctx.table(...)``/``ctx.metric(...)`` to record. Every target that
an issue states as a ratio is measured against its baseline *in the same run*,
because these machines are shared and noisy; a benchmark records the target and
whether it was met, it never fails the run.

RESULTS.md keeps one block per module between ``<!-- bench:NAME -->`` markers, so
``--only vdf`` re-measures and replaces just that block. Raw numbers also go to
``bench/results/NAME.json``. At the top, a ``run`` block states the exact command of
the latest run and every target it measured, side by side, so that targets compared
with each other come from one run on one machine state.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench.harness import Context, machine_summary, replace_block, run_summary

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="*", default=None, help=f"modules to run (of: {', '.join(available())})"
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    names = args.only or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    text = args.out.read_text() if args.out.exists() else "# Benchmark results\n"
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    done: list[Context] = []
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name}: {module.TITLE}", flush=True)
        ctx = Context(name=name, title=module.TITLE)
        module.run(ctx)
        ctx.save_json(HERE / "results" / f"{name}.json")
        text = replace_block(text, name, ctx.markdown())
        done.append(ctx)
        text = replace_block(text, "run", run_summary(command, done), first=True)
        args.out.write_text(text)  # after each module, so a long run keeps partial results
    print(f"machine: {machine_summary()}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
