"""beacon/core is the protocol and nothing else (docs/ARCHITECTURE.md §2, §8).

It must be importable without a web framework or a database, and it never reads a clock,
draws randomness or touches files and sockets itself: time and randomness are parameters,
so every rule in it can be tested with fixed inputs and replayed by a verifier. The other
imports it may use are the standard library's pure modules, ``cryptography``, ``gmpy2``,
and itself (plus ``beacon.errors``, the error hierarchy it raises).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CORE = ROOT / "beacon" / "core"
SOURCES = sorted(CORE.rglob("*.py"))
# The edges: frameworks, databases, clocks, entropy, files, processes and the network.
FORBIDDEN = {
    "flask", "werkzeug", "sqlalchemy", "alembic", "psycopg", "sqlite3",
    "time", "os", "socket", "ssl", "select", "selectors", "secrets", "random",
    "subprocess", "shutil", "tempfile", "pathlib", "glob", "fcntl", "signal",
    "urllib", "http", "requests", "asyncio", "click", "tqdm", "prometheus_client",
}  # fmt: skip
THIRD_PARTY = {"cryptography", "gmpy2"}
BEACON_ALLOWED = ("beacon.core", "beacon.errors")


def imports(path: Path, root: Path = ROOT) -> list[str]:
    """Dotted module names imported by ``path``; relative imports resolved against its
    package (``root`` is the folder that holds ``beacon/``)."""
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join([*base, *([node.module] if node.module else [])]))
            else:
                names.append(node.module or "")
    return names


def offences(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for name in imports(path, root):
        top = name.split(".")[0]
        if top in FORBIDDEN:
            found.append(name)
        elif top == "beacon":
            if not name.startswith(BEACON_ALLOWED):
                found.append(name)
        elif top not in THIRD_PARTY and top not in sys.stdlib_module_names:
            found.append(name)
    return found


def test_the_whole_core_is_scanned() -> None:
    stems = {p.stem for p in SOURCES}
    assert {"vdf", "merkle", "pulse", "selection", "statement", "definition"} <= stems


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_imports_no_edge(path: Path) -> None:
    assert offences(path) == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import time", ["time"]),
        ("from os import urandom", ["os"]),
        ("import os.path", ["os.path"]),
        ("from flask import g", ["flask"]),
        ("import sqlalchemy.orm as orm", ["sqlalchemy.orm"]),
        ("from beacon.service.clock import SystemClock", ["beacon.service.clock"]),
        ("from ...service import ledger", ["beacon.service"]),
        ("import numpy", ["numpy"]),
        ("from . import labels", []),
        ("from beacon.errors import InputError", []),
        ("import hashlib, hmac", []),
    ],
    ids=[
        "clock", "entropy", "dotted", "web", "database", "service", "relative-up",
        "third-party", "relative-ok", "errors-ok", "stdlib-ok",
    ],
)  # fmt: skip
def test_the_scan_sees(tmp_path: Path, source: str, found: list[str]) -> None:
    """The scan itself finds each form of import, so the test above can fail."""
    probe = tmp_path / "beacon" / "core" / "envelope" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(source + "\n")
    assert offences(probe, root=tmp_path) == found
