"""No ``assert`` in production code under beacon/ (issue 14).

``python -O`` strips assert statements, so a check written as one vanishes exactly
where it would matter; every such check raises a named error instead, or the types
make it unnecessary. The walk uses the ast, so comments and strings do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

BEACON = Path(__file__).resolve().parents[1] / "beacon"


def test_no_assert_statements_under_beacon():
    found = []
    for path in sorted(BEACON.rglob("*.py")):
        rel = path.relative_to(BEACON).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{rel}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    assert found == []
