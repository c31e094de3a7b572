"""Durable, all-or-nothing file writes: the one way the beacon and the party CLI put a file
in place.

A file is written to a temporary name in its own folder, flushed and ``fsync``-ed, moved
over the target with ``os.replace`` (atomic on POSIX and NTFS), and then the folder is
``fsync``-ed so that the rename itself survives a crash. After a crash the target holds
either the new content or what it held before, never a part. This matters most for the
party's secrets (a seed committed by ``draw commit`` must outlive a crash, PROTOCOL.md
§10.2), for the CA's and the signer's private keys, and for the opened bids.

Private files are created with mode 0600 from the start (not chmod-ed afterwards), so a
key is never readable by others, not even for a moment.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600
PUBLIC = 0o644

# Windows opens files in text mode unless told otherwise, which would turn a seed's 0x0a
# bytes into 0x0d 0x0a; elsewhere the flag does not exist and is not needed.
_BINARY: int = getattr(os, "O_BINARY", 0)


def temporary_path(path: Path) -> Path:
    """A fresh hidden name beside ``path``, on the same file system, for its next version."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


@contextlib.contextmanager
def atomic_output(path: Path, *, mode: int = PRIVATE) -> Iterator[BinaryIO]:
    """Stream the new content of ``path``; it replaces ``path`` only if the block succeeds.

    On any exception (including KeyboardInterrupt) the temporary file is removed and
    ``path`` is untouched.
    """
    temporary = temporary_path(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            if os.name != "nt":
                os.fchmod(f.fileno(), mode)  # the umask must not widen or narrow it
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    """Make ``path`` hold exactly ``data``, durably (see the module docstring)."""
    with atomic_output(path, mode=mode) as f:
        f.write(data)


def write_text_atomic(path: Path, text: str, *, mode: int = PUBLIC) -> None:
    """:func:`write_atomic` of ``text`` in UTF-8 (no newline translation on any platform)."""
    write_atomic(path, text.encode("utf-8"), mode=mode)


def replace(source: Path, target: Path) -> None:
    """Move a complete, already ``fsync``-ed file ``source`` over ``target``, durably."""
    os.replace(source, target)
    sync_folder(target.parent)


def install_folder(source: Path, target: Path) -> None:
    """Move a complete folder ``source`` (its files written with :func:`write_atomic`) to
    ``target``, which must be missing or empty (``os.rename`` refuses otherwise), durably."""
    os.rename(source, target)
    sync_folder(target.parent)


def sync_folder(folder: Path) -> None:
    """Persist a rename in ``folder`` (POSIX; NTFS journals it and cannot open a folder)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
