"""The ``beacon`` command line. Each sub-command group lives in its own module
under ``beacon.cli`` and attaches itself to :data:`main` when imported."""

from __future__ import annotations

import importlib

import click

from beacon import __version__

# One module per command group; each registers with ``@main.command``/``main.add_command``.
_COMMAND_MODULES: tuple[str, ...] = (
    "audit",
    "bids",
    "ca",
    "db",
    "demo",
    "draw",
    "envelope",
    "pulser",
    "serve",
    "worker",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="beacon")
def main() -> None:
    """tender-beacon: verifiable coefficient draws and two-party sealed bids."""


for _name in _COMMAND_MODULES:
    importlib.import_module(f"beacon.cli.{_name}")
