"""Write a pip constraints file pinning every declared dependency at its lower bound.

Reads pyproject.toml's ``[project] dependencies`` and the optional-dependency groups named
on the command line, and prints ``name==lowest`` for each, where ``lowest`` is the version
after ``>=``. A requirement without a ``>=`` lower bound is an error: the lower-bounds job
(.ci/lower-bounds) exists to test those bounds, so every dependency must declare one. A
package declared twice (psycopg in the postgres and test extras) gets the higher bound,
the lowest version that satisfies both.

    python3 .ci/lower_bounds.py [--pyproject FILE] EXTRA... > lower-bounds.txt

Standard library only: it runs on the system python before any venv exists.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

# name, optional [extras], then a specifier list; an environment marker is not allowed.
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")
LOWER = re.compile(r"^>=\s*([0-9][0-9A-Za-z.]*)$")


def _key(version: str) -> tuple[int, ...]:
    """Release-number order (``1.26`` < ``1.100``); bounds here are plain releases."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", version):
        raise ValueError(f"lower bound {version!r} is not a plain release number")
    return tuple(int(part) for part in version.split("."))


def lower_bounds(pyproject: Path, extras: list[str]) -> dict[str, str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    groups = project.get("optional-dependencies", {})
    unknown = [e for e in extras if e not in groups]
    if unknown:
        raise ValueError(f"{pyproject}: no optional-dependencies group {unknown}")
    requirements = list(project.get("dependencies", []))
    for extra in extras:
        requirements += groups[extra]
    bounds: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match is None or ";" in requirement:
            raise ValueError(f"{pyproject}: cannot read requirement {requirement!r}")
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        lower = [LOWER.match(s.strip()) for s in match.group(2).split(",") if s.strip()]
        found = [m.group(1) for m in lower if m is not None]
        if len(found) != 1:
            raise ValueError(f"{pyproject}: {requirement!r} declares no single '>=' lower bound")
        if name not in bounds or _key(found[0]) > _key(bounds[name]):
            bounds[name] = found[0]
    return bounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extras", nargs="*", help="optional-dependency groups to include")
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    args = parser.parse_args(argv)
    try:
        bounds = lower_bounds(args.pyproject, args.extras)
    except (OSError, KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
        print(f"lower_bounds: {exc}", file=sys.stderr)
        return 2
    which = " ".join(["dependencies", *args.extras])
    print(f"# The declared lower bounds of {args.pyproject} ({which}); .ci/lower_bounds.py")
    for name in sorted(bounds):
        print(f"{name}=={bounds[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
