"""Web test plumbing: the browser test's screenshots are listed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = pytest.StashKey[list[Path]]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for path in config.stash.get(SCREENSHOTS, []):
        terminalreporter.write_line(f"screenshot of the {page_of(path)}: {path}")


def page_of(path: Path) -> str:
    """Which board page a screenshot shows, from its file name (draw-page-en.png, ...)."""
    return "tender page" if path.name.startswith("tender-page") else "draw page"
