"""Web test plumbing: the browser test's screenshots are listed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = pytest.StashKey[list[Path]]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for path in config.stash.get(SCREENSHOTS, []):
        terminalreporter.write_line(f"screenshot of the draw page: {path}")
