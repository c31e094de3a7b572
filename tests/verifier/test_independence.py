"""verifier/ is a second implementation: it imports nothing from beacon/ (docs/ARCHITECTURE.md §2).

Besides the standard library it may import only ``cryptography`` and, optionally,
``gmpy2``, so that ``pip install cryptography`` is all a bidder needs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Every module, those of its subpackages (verifier/draw/, verifier/tender/) included.
SOURCES = sorted(p for p in (ROOT / "verifier").rglob("*.py") if "__pycache__" not in p.parts)
ALLOWED = {"cryptography", "gmpy2", "verifier"} | set(sys.stdlib_module_names)


def imported(path: Path) -> list[str]:
    """Top-level package names imported by ``path``, relative imports as ``verifier``."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("verifier" if node.level else (node.module or "").split(".")[0])
    return names


def _name(path: Path) -> str:
    return path.relative_to(ROOT / "verifier").with_suffix("").as_posix()


def test_every_module_is_checked():
    assert {_name(p) for p in SOURCES} >= {
        "draw/procedure",
        "draw/bundle",
        "pulse",
        "vdf",
        "envelope",
        "merkle",
        "cli",
    }


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_imports_nothing_from_beacon(path: Path):
    names = imported(path)
    assert "beacon" not in names
    assert set(names) <= ALLOWED, f"{path.name} imports {sorted(set(names) - ALLOWED)}"


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import beacon", ["beacon"]),
        ("from beacon.core import vdf", ["beacon"]),
        ("import beacon.core.vdf as v", ["beacon"]),
        ("from . import pulse", ["verifier"]),
        ("import numpy", ["numpy"]),
    ],
    ids=["import", "from-import", "dotted-as", "relative", "third-party"],
)
def test_the_import_scan_sees(tmp_path: Path, source: str, found: list[str]):
    """The scan itself finds each form of import (so the tests above can fail)."""
    module = tmp_path / "m.py"
    module.write_text(source + "\n")
    assert imported(module) == found
