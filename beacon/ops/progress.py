"""How long operations report progress: ``steps(what, done, total)`` after each step.

``what`` names the step just finished (or the phase now running), ``done`` of
``total`` steps are complete; ``total`` may change between phases (a backup first
counts tables, then files). The command line draws a bar from it
(beacon/cli/progress.py); library callers pass nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Steps = Callable[[str, int, int], None]


def silent(what: str, done: int, total: int) -> None:
    """The default: report nowhere."""
