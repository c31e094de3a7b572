"""The ``beacon`` command line. Each sub-command group lives in its own module
under ``beacon.cli`` and attaches itself to :data:`main` when imported.

The root group imports a group's module only when that group is invoked (click's
documented lazy-loading pattern): ``beacon --help`` and a bidder's ``beacon draw
seal`` never pay for scipy, numpy, SQLAlchemy or Flask, which only the audit and
server commands use.
"""

from __future__ import annotations

import importlib
from typing import Any

import click
from click.shell_completion import CompletionItem

from beacon import __version__

# Every top-level command: the modules that define it and its sub-commands (a group
# may be extended by a second module, as ``bids`` adds to ``envelope``), and its
# one-line help, shown by ``beacon --help`` without importing anything.
# tests/cli/test_lazy.py checks this table against the commands the modules define.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "admin": (("admin",), "Operate a deployment: backup, restore, check, rotate the signer."),
    "audit": (
        ("audit",),
        "Statistical audits: SP 800-22 on bits, pulses and draw outputs; uniformity of draws.",
    ),
    "ca": (("ca",), "The deployment's CA: a demo CA, or the platform's CA imported."),
    "db": (("db",), "Database maintenance."),
    "demo": (
        ("demo",),
        "Run a complete draw with a centre, an agent and N bidders, and write its proof bundle.",
    ),
    "draw": (
        ("draw",),
        "Act in a draw: create, commit, seal, reveal, release, snapshot, object, confirm, void; "
        "status, proof.",
    ),
    "envelope": (
        ("envelope", "bids"),
        "Two-party envelopes: only the agent and the centre together open them.",
    ),
    "party": (("draw",), "Parties of a tender (the centre registers agents and bidders)."),
    "pulser": (("pulser",), "Emit one pulse per period at the period boundaries until stopped."),
    "serve": (
        ("serve",),
        "Serve the board, the API and the NIST Beacon 2.0 paths; emit pulses; compute draws.",
    ),
    "tender": (("bids",), "A tender's bid opening: deadlines and status."),
    "worker": (
        ("worker",),
        "Compute draws' VDFs with stored checkpoints; several workers share the work safely.",
    ),
}


class LazyGroup(click.Group):
    """A group that knows its commands' names and help, and imports a command's
    modules only when it is looked up to run (or to show its own help)."""

    def __init__(
        self, *args: Any, lazy: dict[str, tuple[tuple[str, ...], str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            modules, _ = self.lazy[cmd_name]
            for module in modules:
                importlib.import_module(f"{__name__}.{module}")
            if cmd_name not in self.commands:
                raise RuntimeError(f"beacon.cli: {modules} did not define the command {cmd_name!r}")
        return super().get_command(ctx, cmd_name)

    def listed_help(self, ctx: click.Context, cmd_name: str, limit: int) -> str:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            # A bare Command only to shorten the text exactly as click shortens a docstring.
            return click.Command(cmd_name, help=self.lazy[cmd_name][1]).get_short_help_str(limit)
        command = self.get_command(ctx, cmd_name)
        return "" if command is None else command.get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but from the table: listing the commands imports none of them."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self.listed_help(ctx, n, limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names with their help from the table, then the group's own options."""
        items = [
            CompletionItem(n, help=self.listed_help(ctx, n, 45))
            for n in self.list_commands(ctx)
            if n.startswith(incomplete)
        ]
        return items + click.Command.shell_complete(self, ctx, incomplete)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="beacon")
def main() -> None:
    """tender-beacon: verifiable coefficient draws and two-party sealed bids."""
