"""A party's secrets in ``--state-dir`` between commands: durable, and never half-written.

A secret that a statement commits to (a seed, a per-draw opening key) must outlive a
crash once the server has accepted the statement, or the party can no longer reveal
or release and is excluded by name (PROTOCOL.md §10.2). So a secret is first written
*pending* (temporary file, fsync, rename, fsync of the folder) before its statement is
sent, becomes *final* by a rename when the server's receipt arrives, and is removed
when the server refuses the statement (a refused request leaves no trace, §6.5). A
pending secret left by a lost answer is reused by the next attempt, which asks the
server what it holds.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# Windows opens files in text mode unless told otherwise, which would turn a seed's
# 0x0a bytes into 0x0d 0x0a; elsewhere the flag does not exist and is not needed.
_BINARY: int = getattr(os, "O_BINARY", 0)


def pending(final: Path) -> Path:
    """Where the secret for ``final`` waits for the server's receipt."""
    return final.with_name(final.name + ".pending")


def write_atomic(path: Path, data: bytes) -> None:
    """Make ``path`` hold exactly ``data`` (mode 0600), durably: after a crash it holds
    either ``data`` or what it held before, never a part."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def promote(pending_path: Path, final: Path) -> None:
    """The server accepted the statement: the pending secret becomes the final one."""
    os.replace(pending_path, final)
    _sync_folder(final.parent)


def _sync_folder(folder: Path) -> None:
    """Persist a rename in ``folder`` (POSIX; NTFS journals it and cannot open a folder)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
