"""An exclusive lock on a file, held while one process at a time opens a deployment.

POSIX ``flock``: blocking, released with the file (even when the process is killed).
Where ``fcntl`` does not exist (Windows) there is no lock, which only a single process
can rely on: the server's processes run on POSIX; on Windows only the demo and the
party commands run, one process each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the block."""
    try:
        import fcntl  # here, not at the top: see the module docstring
    except ImportError:
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
