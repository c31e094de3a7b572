"""Web test plumbing: the board scene the page tests read (one per module), and the browser
test's screenshots listed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from beacon.store import sqlite_url
from beacon.web import create_app
from tests.web import ceremonies
from tests.web.ceremonies import Scene

SCREENSHOTS = pytest.StashKey[list[Path]]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for path in config.stash.get(SCREENSHOTS, []):
        terminalreporter.write_line(f"screenshot of the {page_of(path)}: {path}")


def page_of(path: Path) -> str:
    """Which board page a screenshot shows, from its file name (draw-page-en.png, ...)."""
    return "tender page" if path.name.startswith("tender-page") else "draw page"


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """The ceremonies of tests/web/ceremonies.py, built once per test module."""
    tmp = tmp_path_factory.mktemp("board")
    built = ceremonies.build(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    yield built
    built.deployment.runtime.close()


@pytest.fixture(scope="module")
def app(scene: Scene) -> Flask:
    return create_app({"TESTING": True}, runtime=scene.deployment.runtime)


@pytest.fixture
def client(app: Flask):
    return app.test_client()  # a fresh cookie jar per test: the language cookie never leaks
