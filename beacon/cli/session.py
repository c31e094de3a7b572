"""What every party command shares: the options naming the server, the certificate and the
state folder, and one :class:`Session` per invocation that holds them.

``beacon draw …``, ``beacon party …`` and ``beacon bid …`` are thin commands over a Session:
it loads the signer, asks the server about the draw, submits signed statements and prints
their receipts, and turns a refusal into a one-line error.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from beacon.cli.passphrase import passphrase
from beacon.client import BeaconClient, ServiceError
from beacon.core.statement import SignedStatement
from beacon.core.vocabulary import Role
from beacon.errors import BeaconError
from beacon.identity.keys import load_signer
from beacon.party import Actor

# The per-user data folder: %LOCALAPPDATA% on Windows, else the XDG data home.
DEFAULT_STATE = (
    Path(
        os.environ["LOCALAPPDATA"]
        if os.name == "nt" and "LOCALAPPDATA" in os.environ
        else os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")
    )
    / "tender-beacon"
)


def party_options(function: Callable[..., None]) -> Callable[..., None]:
    """--server, --cert, --key, --state-dir, --passphrase-file, --json, handed to the
    command as one :class:`Session` (its first argument)."""

    @functools.wraps(function)
    def command(*args: Any, **kwargs: Any) -> None:
        names = ("server", "cert", "key", "state_dir", "passphrase_file", "as_json")
        session = Session(*(kwargs.pop(n) for n in names))
        function(session, *args, **kwargs)

    for decorator in reversed(
        [
            click.option(
                "--server",
                envvar="BEACON_SERVER",
                default="http://127.0.0.1:8080",
                show_default=True,
                help="The beacon's base URL.",
            ),
            click.option(
                "--cert",
                type=click.Path(path_type=Path, exists=True, dir_okay=False),
                required=True,
                help="Your certificate (PEM; intermediates may follow).",
            ),
            click.option(
                "--key",
                type=click.Path(path_type=Path, exists=True, dir_okay=False),
                required=True,
                help="Your certificate's private key (PEM).",
            ),
            click.option(
                "--state-dir",
                type=click.Path(path_type=Path, file_okay=False),
                default=DEFAULT_STATE,
                show_default=True,
                help="Where seeds and opening keys wait between commands.",
            ),
            click.option(
                "--passphrase-file",
                type=click.Path(path_type=Path, exists=True, dir_okay=False),
                default=None,
                help="Passphrase of the stored opening key (else BEACON_PASSPHRASE).",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON."),
        ]
    ):
        command = decorator(command)
    return command


class Session:
    """One invocation: the server, the signer and what the server says about the draw."""

    def __init__(
        self,
        server: str,
        cert: Path,
        key: Path,
        state_dir: Path,
        passphrase_file: Path | None,
        as_json: bool,
    ) -> None:
        self.as_json = as_json
        self.client = BeaconClient(server)
        try:
            self.signer = load_signer(cert, key)
        except BeaconError as e:
            raise click.ClickException(str(e)) from e
        self.state_dir = state_dir
        self.passphrase_file = passphrase_file

    def actor(self, tender_id: str, role: str) -> Actor:
        return Actor(
            self.signer,
            role=Role(role),
            tender_id=tender_id,
            now=lambda: time.time_ns() // 1_000_000,
            random_bytes=secrets.token_bytes,
        )

    def draw(self, draw_id: str) -> dict[str, Any]:
        result: dict[str, Any] = call(lambda: self.client.draw(draw_id))
        return result

    def role_in(self, tender_id: str, parties: list[dict[str, Any]], *roles: str) -> str:
        """This certificate's role in the tender (from a served ``parties`` list), one of ``roles``."""
        mine = self.signer.fingerprint.hex()
        found = [str(p["role"]) for p in parties if p["fingerprint"] == mine]
        if not found:
            raise click.ClickException(
                f"your certificate {mine[:16]}… is not registered in tender {tender_id}; ask the centre to register it"
            )
        if roles and found[0] not in roles:
            raise click.ClickException(
                f"this command is for the {' or '.join(roles)}; you are registered as {found[0]}"
            )
        return found[0]

    def draw_actor(self, draw_id: str, *roles: str) -> tuple[dict[str, Any], Actor]:
        draw = self.draw(draw_id)
        role = self.role_in(draw["tender_id"], draw["parties"], *roles)
        return draw, self.actor(draw["tender_id"], role)

    def send(self, signed: SignedStatement, what: str) -> None:
        """Submit one signed statement and print its receipt (or the server's refusal)."""
        report(call(lambda: self.client.submit(signed)), what, self.as_json)

    def secret_path(self, draw_id: str, role: str, what: str) -> Path:
        folder = self.state_dir / draw_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder / f"{role}-{self.signer.fingerprint.hex()[:16]}.{what}"

    def passphrase(self, what: str, *, confirm: bool = False) -> bytes:
        return passphrase(what, self.passphrase_file, confirm=confirm)


def call(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except ServiceError as e:
        raise click.ClickException(str(e)) from e
    except BeaconError as e:
        raise click.ClickException(str(e)) from e


def report(receipt: dict[str, Any], what: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(receipt, indent=2))
        return
    click.echo(
        f"{what}: accepted as log leaf {receipt['leaf_index']} (statement {receipt['statement_hash'][:16]}…)"
    )
