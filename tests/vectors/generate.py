"""Deterministic generator of the project's own test vectors.

    python -m tests.vectors.generate            # (re)write tests/vectors/<area>/<case>.json
    python -m tests.vectors.generate --check    # regenerate in memory and diff; exit 1 on change

Each area is a module ``tests/vectors/gen_<area>.py`` with a function
``cases() -> Iterable[tuple[str, dict]]`` yielding (case name, JSON document). A
document carries at least ``comment``, ``provenance`` (how it was made and what
checked it) and ``expect`` (one value of the area's closed set of outcomes). The
generator never reads the clock or the OS entropy source: every random-looking
input is derived from a fixed label, so the files are byte-for-byte reproducible.
``tests/test_vectors_fresh.py`` runs ``--check``.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import pkgutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def areas() -> list[str]:
    return sorted(
        m.name.removeprefix("gen_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("gen_")
    )


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def generate(area: str) -> dict[str, str]:
    """File name → rendered text for one area."""
    module = importlib.import_module(f"tests.vectors.gen_{area}")
    out: dict[str, str] = {}
    cases: Iterable[tuple[str, dict[str, Any]]] = module.cases()
    for name, doc in cases:
        if name in out:
            raise ValueError(f"duplicate vector name {area}/{name}")
        for key in ("comment", "provenance", "expect"):
            if key not in doc:
                raise ValueError(f"vector {area}/{name} lacks {key!r}")
        out[f"{name}.json"] = render(doc)
    return out


def check(area: str) -> list[str]:
    """Differences between the files on disk and a fresh generation (empty if none)."""
    problems: list[str] = []
    fresh = generate(area)
    folder = HERE / area
    on_disk = {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()
    for stale in sorted(on_disk - fresh.keys()):
        problems.append(f"{area}/{stale}: on disk but no longer generated")
    for name, text in sorted(fresh.items()):
        path = folder / name
        if not path.exists():
            problems.append(f"{area}/{name}: generated but missing on disk")
            continue
        old = path.read_text()
        if old != text:
            diff = difflib.unified_diff(
                old.splitlines(), text.splitlines(), "on disk", "generated", lineterm="", n=1
            )
            problems.append(f"{area}/{name} differs:\n" + "\n".join(list(diff)[:40]))
    return problems


def write(area: str) -> int:
    folder = HERE / area
    folder.mkdir(exist_ok=True)
    fresh = generate(area)
    for stale in folder.glob("*.json"):
        if stale.name not in fresh:
            stale.unlink()
    for name, text in fresh.items():
        (folder / name).write_text(text)
    return len(fresh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.vectors.generate")
    parser.add_argument(
        "--check", action="store_true", help="diff against the files on disk instead of writing"
    )
    parser.add_argument(
        "--area", action="append", help=f"only these areas (of: {', '.join(areas())})"
    )
    args = parser.parse_args(argv)
    selected = args.area or areas()
    if args.check:
        problems = [p for a in selected for p in check(a)]
        for p in problems:
            print(p)
        print(
            "vectors up to date" if not problems else f"{len(problems)} vector file(s) out of date"
        )
        return 1 if problems else 0
    for a in selected:
        print(f"{a}: {write(a)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
