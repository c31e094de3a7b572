"""No Python module of beacon/ or verifier/ is over 500 lines (issue 14).

A module an outside auditor reads one sitting at a time: past 500 lines it is split along
a real seam (as verifier/draw/ is by PROTOCOL.md §14 step). The limit counts every line,
blank lines, comments and docstrings included, as ``wc -l`` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

LIMIT = 500


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def oversized(package: Path) -> list[tuple[str, int]]:
    """``(path, lines)`` of every module under ``package`` over :data:`LIMIT` lines, the path
    relative to ``package``'s parent (``beacon/core/definition.py``)."""
    found = [
        (p.relative_to(package.parent).as_posix(), lines(p))
        for p in sorted(package.rglob("*.py"))
        if "__pycache__" not in p.parts
    ]
    return [(name, n) for name, n in found if n > LIMIT]


@pytest.mark.parametrize("package", ["beacon", "verifier"])
def test_no_module_is_over_the_limit(package: str):
    offenders = oversized(ROOT / package)
    assert not offenders, f"modules over {LIMIT} lines: " + ", ".join(
        f"{name} ({n} lines)" for name, n in offenders
    )


def test_the_scan_counts_lines_and_finds_an_offender(tmp_path: Path):
    """The scan itself (so the test above can fail): 501 lines offend, 500 do not."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "ok.py").write_text("x = 1\n" * LIMIT)
    (package / "sub" / "big.py").write_text("x = 1\n" * (LIMIT + 1))
    assert lines(package / "ok.py") == LIMIT
    assert oversized(package) == [("pkg/sub/big.py", LIMIT + 1)]
