"""The root ``beacon`` group loads command modules lazily (beacon/cli/__init__.py).

``beacon --help`` and the party commands' help must not import the statistics, database
or web stacks; the root help must still list every command with its own help text, and
the table the root group lists from must match what the modules define. The speed
itself is measured in bench/bench_cli.py, not here.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import beacon.cli
from beacon.cli import COMMANDS, main
from tests.conftest import ROOT

HEAVY = ("numpy", "scipy", "sqlalchemy", "flask", "fcntl")
# Runs the CLI in a fresh interpreter and reports which heavy modules it imported.
PROBE = f"""
import json, sys
from beacon.cli import main
try:
    main(sys.argv[1:], prog_name="beacon")
except SystemExit:
    pass
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""


def fresh(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        env=os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "80"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def every_command() -> dict[str, click.Command]:
    """The commands as the modules define them, all imported eagerly."""
    for module in pkgutil.iter_modules(beacon.cli.__path__):
        importlib.import_module(f"beacon.cli.{module.name}")
    return dict(main.commands)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["draw", "--help"],
        ["draw", "commit", "--help"],
        ["envelope", "--help"],
        ["party", "--help"],
        ["tender", "--help"],
        ["--version"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_help_imports_no_heavy_module(argv: list[str]):
    done = fresh("-c", PROBE, *argv)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []
    assert done.stdout.startswith("Usage: beacon" if argv != ["--version"] else "beacon, version")


def test_the_table_lists_every_command_with_its_own_help():
    commands = every_command()
    assert sorted(COMMANDS) == sorted(commands)
    for name, command in commands.items():
        assert COMMANDS[name][1] == command.get_short_help_str(limit=1000), name


def test_every_subcommand_comes_from_a_module_its_group_names():
    """A module that adds to another module's group must be named in that group's entry,
    or the lazily loaded group would miss its sub-commands."""
    for name, command in every_command().items():
        modules = {f"beacon.cli.{m}" for m in COMMANDS[name][0]}
        subcommands = getattr(command, "commands", {"": command}).values()
        for sub in subcommands:
            assert sub.callback is not None
            assert sub.callback.__module__ in modules, (name, sub.name, sub.callback.__module__)


def test_root_help_is_what_click_would_print_from_the_loaded_commands():
    """`python -m beacon --help` in a fresh interpreter (nothing loaded) prints exactly the
    help of an ordinary click group holding the real, loaded commands."""
    reference = click.Group(
        "beacon",
        commands=every_command(),
        params=main.params,
        help=main.help,
        context_settings=main.context_settings,
    )
    expected = CliRunner().invoke(reference, ["--help"], prog_name="beacon", terminal_width=78)
    done = fresh("-m", "beacon", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected.output
    for name in COMMANDS:
        assert f"\n  {name} " in done.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _beacon_completion beacon"),
        ("zsh", "#compdef beacon"),
        ("fish", "complete --no-files --command beacon"),
    ],
)
def test_the_completion_script_generates(shell: str, marker: str):
    done = fresh("-m", "beacon", _BEACON_COMPLETE=f"{shell}_source")
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("beacon dr", "1", ["plain,draw"]),
        ("beacon draw co", "2", ["plain,commit", "plain,confirm", "plain,countersign"]),
        ("beacon envelope ke", "2", ["plain,keygen"]),
    ],
)
def test_completion_completes_lazily_loaded_commands(words: str, cword: str, expected: list[str]):
    done = fresh(
        "-m", "beacon", _BEACON_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=cword
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == expected
