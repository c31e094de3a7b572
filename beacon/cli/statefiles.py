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

from pathlib import Path

from beacon import durable


def pending(final: Path) -> Path:
    """Where the secret for ``final`` waits for the server's receipt."""
    return final.with_name(final.name + ".pending")


def write_atomic(path: Path, data: bytes) -> None:
    """Make ``path`` hold exactly ``data`` (mode 0600), durably: after a crash it holds
    either ``data`` or what it held before, never a part."""
    durable.write_atomic(path, data, mode=durable.PRIVATE)


def promote(pending_path: Path, final: Path) -> None:
    """The server accepted the statement: the pending secret becomes the final one."""
    durable.replace(pending_path, final)
