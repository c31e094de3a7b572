"""Where the party commands get the passphrase of a stored opening key.

Kept apart from :mod:`beacon.cli.options` (the server commands' options), so that a
party's command imports nothing of the service (PROTOCOL.md §9.8 describes the key file).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

PASSPHRASE_ENV = "BEACON_PASSPHRASE"  # noqa: S105 (the variable's name, not a secret)


def passphrase(what: str, path: Path | None, *, confirm: bool = False) -> bytes:
    """A passphrase from a file, else BEACON_PASSPHRASE, else a prompt on a terminal."""
    if path is not None:
        try:
            text = path.read_bytes()
        except OSError as e:
            raise click.ClickException(f"cannot read the passphrase file {path}: {e}") from e
        return text.removesuffix(b"\n").removesuffix(b"\r")
    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV].encode()
    if sys.stdin.isatty():
        value: str = click.prompt(
            f"Passphrase for {what}", hide_input=True, confirmation_prompt=confirm
        )
        return value.encode()
    raise click.ClickException(
        f"no passphrase for {what}: set {PASSPHRASE_ENV} or pass a passphrase file option"
    )
