"""Progress bars for long commands, on stderr only, so that stdout stays byte-identical.

A command that can take more than a few seconds (``beacon audit sp800-22`` on a large
file, ``beacon admin check``, ``backup``, ``restore``) takes ``--progress/--no-progress``:
by default the bar shows only when stderr is a terminal (tqdm's ``disable=None``);
``--progress`` forces it on (for a log file), ``--no-progress`` off. The work reports
through a :data:`beacon.ops.progress.Steps` callback, ``steps(what, done, total)``,
so the library functions know nothing of terminals.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click
from tqdm import tqdm

from beacon.ops.progress import Steps


def option(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--progress/--no-progress`` option (parameter ``progress``: True, False or None)."""
    return click.option(
        "--progress/--no-progress",
        "progress",
        default=None,
        help="Show a progress bar on stderr (default: only when stderr is a terminal).",
    )(command)


@contextlib.contextmanager
def bar(show: bool | None, label: str) -> Iterator[Steps]:
    """A stepped bar labelled ``label``; yields the callback that moves it."""
    with tqdm(
        total=0,
        desc=label,
        unit="step",
        file=sys.stderr,
        disable=None if show is None else not show,
        leave=False,
        dynamic_ncols=True,
    ) as shown:

        def steps(what: str, done: int, total: int) -> None:
            shown.total = total
            shown.n = done
            shown.set_postfix_str(what, refresh=False)
            shown.refresh()

        yield steps
