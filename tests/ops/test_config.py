"""One configuration (issue 13, item 2): every process reads the same BEACON_* variables.

The settings table (beacon.service.config) makes the click options of ``beacon serve``,
``pulser``, ``worker``, ``db`` and ``admin`` and the environment parsing of
``beacon.web.wsgi``; these tests check the commands really take their deployment from
the variables (an option still beats its variable), that a bad value names the
variable, and that a pulse period other than the deployment's is refused at start by
the web and by the pulser, whichever starts first.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import request
from sqlalchemy import update

from beacon.cli import main
from beacon.cli.admin import admin_group
from beacon.cli.db import db_group
from beacon.cli.pulser import pulser_command
from beacon.cli.serve import serve
from beacon.cli.worker import worker_command
from beacon.errors import ConfigurationError
from beacon.service import config
from beacon.service.clock import FakeClock
from beacon.service.entropy import DeterministicEntropy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import Database, PulseRepository, sqlite_url
from beacon.store.chain_tables import PulserState
from beacon.web import context, wsgi
from tests.conftest import ROOT

COMMANDS: dict[str, click.Command] = {
    "serve": serve,
    "pulser": pulser_command,
    "worker": worker_command,
    **{f"db {n}": c for n, c in db_group.commands.items()},
    **{f"admin {n}": c for n, c in admin_group.commands.items()},
}


@pytest.fixture(autouse=True)
def pulser_stops_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``beacon pulser`` opens the deployment, then finds its stop event already set."""

    def stopped() -> threading.Event:
        event = threading.Event()
        event.set()
        return event

    monkeypatch.setattr("beacon.cli.pulser.stop_on_signals", stopped)


def invoke(args: list[str], env: dict[str, str]) -> click.testing.Result:
    return CliRunner().invoke(main, args, env=env)


def recorded_period(database_url: str) -> int | None:
    database = Database(database_url)
    try:
        with database.read() as session:
            return PulseRepository(session).recorded_period()
    finally:
        database.dispose()


def env_of(data: Path, database_url: str, period: int) -> dict[str, str]:
    return {
        "BEACON_DATA_DIR": str(data),
        "BEACON_DATABASE_URL": database_url,
        "BEACON_PULSE_PERIOD": str(period),
        "BEACON_SIGNER_BITS": "2048",
    }


# -- the table and the options made from it ------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_deployment_option_reads_its_variable(name: str) -> None:
    options = [p for p in COMMANDS[name].params if isinstance(p, click.Option)]
    from_table = [p for p in options if p.name in config.BY_KEY]
    assert {"data_dir"} <= {p.name for p in from_table}, name
    for option in from_table:
        setting = config.BY_KEY[str(option.name)]
        assert (option.opts, option.envvar, option.show_envvar) == (
            [setting.option],
            setting.env,
            True,
        ), option.name
        assert option.default == setting.default, option.name


def test_the_wsgi_docstring_names_exactly_the_variables_of_the_web() -> None:
    # The operator reads the docstring: each variable it documents must be one the app reads.
    documented = set(re.findall(r"``(BEACON_[A-Z_]+)``", wsgi.__doc__ or ""))
    assert documented == {config.BY_KEY[k].env for k in config.WEB}


def test_help_shows_the_variable() -> None:
    result = invoke(["pulser", "--help"], {})
    assert result.exit_code == 0
    for name in ("BEACON_DATA_DIR", "BEACON_DATABASE_URL", "BEACON_PULSE_PERIOD"):
        assert f"env var: {name}" in " ".join(result.output.split()), name


# -- the commands take their deployment from the environment ---------------------------


def test_worker_and_pulser_take_their_deployment_from_the_environment(tmp_path: Path) -> None:
    data = tmp_path / "from-env"
    url = sqlite_url(tmp_path / "env.sqlite3")
    result = invoke(["worker", "--once"], env_of(data, url, 7))
    assert result.exit_code == 0, result.output
    assert "no draw is waiting to be computed" in result.output
    assert (data / "ca" / "beacon-signer.key").exists()  # BEACON_DATA_DIR, not ./.beacon
    assert recorded_period(url) == 7000  # BEACON_PULSE_PERIOD, recorded by the first process
    result = invoke(["pulser"], env_of(data, url, 7))
    assert result.exit_code == 0, result.output


def test_db_upgrade_takes_the_database_from_the_environment(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "upgraded.sqlite3")
    result = invoke(["db", "upgrade"], {"BEACON_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"database at {url} is up to date"


def test_an_option_beats_its_variable(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "beacon.sqlite3")
    env = env_of(tmp_path / "data", url, 3)
    result = invoke(["worker", "--once", "--pulse-period", "2"], env)
    assert result.exit_code == 0, result.output
    assert recorded_period(url) == 2000


@pytest.mark.parametrize(
    ("command", "name", "value", "problem"),
    [
        pytest.param(
            "pulser",
            "BEACON_PULSE_PERIOD",
            "0",
            "expected an integer from 1 to 4294967, got '0'",
            id="pulser-period",
        ),
        pytest.param(
            "worker",
            "BEACON_PULSE_PERIOD",
            "１２",
            "expected an integer from 1 to 4294967, got '１２'",
            id="worker-period-unicode-digits",
        ),
        pytest.param(
            "worker",
            "BEACON_LEASE_SECONDS",
            "3601",
            "expected an integer from 1 to 3600, got '3601'",
            id="worker-lease",
        ),
        pytest.param(
            "pulser",
            "BEACON_PUBLIC_URL",
            "beacon.example",
            "expected a URL starting with http:// or https://, got 'beacon.example'",
            id="pulser-public-url",
        ),
        pytest.param(
            "serve",
            "BEACON_TRUSTED_PROXIES",
            "-1",
            "expected an integer from 0 to 16, got '-1'",
            id="serve-proxies",
        ),
    ],
)
def test_a_bad_variable_is_named(
    tmp_path: Path, command: str, name: str, value: str, problem: str
) -> None:
    result = invoke([command], {"BEACON_DATA_DIR": str(tmp_path / "data"), name: value})
    assert result.exit_code == 2, result.output
    assert f"{problem} (from the environment variable {name})" in result.output
    assert not (tmp_path / "data").exists()  # refused before opening anything


def test_a_bad_option_is_named_as_the_option(tmp_path: Path) -> None:
    result = invoke(["pulser", "--pulse-period", "0"], {"BEACON_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "Invalid value for '--pulse-period'" in result.output
    assert "expected an integer from 1 to 4294967, got '0'" in result.output
    assert "from the environment variable" not in result.output  # it came from the option


# -- one pulse period per deployment -------------------------------------------------------

MISMATCH = (
    "pulse period mismatch: this process has --pulse-period / BEACON_PULSE_PERIOD = {mine} s, "
    "but the deployment's pulse period is {theirs} s"
)


def start_web(data: Path, database_url: str, period: int) -> None:
    wsgi.app_from_env(env_of(data, database_url, period)).extensions[context.EXTENSION].close()


def test_web_first_then_a_pulser_with_another_period(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    start_web(data, database_url, 2)
    result = invoke(["pulser"], env_of(data, database_url, 5))
    assert result.exit_code == 1
    assert MISMATCH.format(mine=5, theirs=2) in result.output
    assert "recorded in the database by the first process started on it" in result.output
    assert "BEACON_PULSE_PERIOD=2" in result.output  # what to do about it
    # The worker too; with the same period both start.
    assert invoke(["worker", "--once"], env_of(data, database_url, 5)).exit_code == 1
    assert invoke(["pulser"], env_of(data, database_url, 2)).exit_code == 0


def test_pulser_first_then_a_web_with_another_period(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    assert invoke(["pulser"], env_of(data, database_url, 2)).exit_code == 0
    with pytest.raises(ConfigurationError, match=re.escape(MISMATCH.format(mine=60, theirs=2))):
        start_web(data, database_url, 60)
    start_web(data, database_url, 2)


def test_the_chain_is_authoritative_on_a_database_without_a_record(
    tmp_path: Path, database_url: str
) -> None:
    """A database from before the record: the newest pulse's period wins, not the caller's."""
    data = tmp_path / "data"
    clock = FakeClock(1_796_000_001_000)  # on a 3 s boundary
    settings = Settings.build(
        data_dir=data, database_url=database_url, period_seconds=3, signer_bits=2048
    )
    runtime = Runtime.open(settings, clock=clock, entropy=DeterministicEntropy(b"period"))
    try:
        runtime.pulser.emit_due()
        with runtime.database.write() as session:  # as on a database migrated from 0005
            session.execute(update(PulserState).values(pulse_period_ms=None))
    finally:
        runtime.close()
    assert recorded_period(database_url) is None
    result = invoke(["pulser"], env_of(data, database_url, 60))
    assert result.exit_code == 1
    assert MISMATCH.format(mine=60, theirs=3) in result.output
    assert "(the period of its newest pulse, 1/1)" in result.output
    assert recorded_period(database_url) == 3000


def test_new_chain_changes_the_deployments_period(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    start_web(data, database_url, 2)
    result = invoke(["pulser", "--new-chain"], env_of(data, database_url, 4))
    assert result.exit_code == 0, result.output
    assert recorded_period(database_url) == 4000
    database = Database(database_url)
    try:
        with database.read() as session:
            assert PulseRepository(session).state(lock=False)[1] is True  # new chain asked
    finally:
        database.dispose()
    # The web must now be restarted with the new period: the old one is refused.
    with pytest.raises(ConfigurationError, match=re.escape(MISMATCH.format(mine=2, theirs=4))):
        start_web(data, database_url, 2)


# -- behind a reverse proxy --------------------------------------------------------------------

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "beacon.example.org",
}


@pytest.mark.parametrize(
    ("proxies", "seen"),
    [
        pytest.param("0", ("http://localhost/", "127.0.0.1"), id="none-trusted"),
        pytest.param("1", ("https://beacon.example.org/", "203.0.113.7"), id="nginx-trusted"),
    ],
)
def test_trusted_proxies_decide_whose_forwarded_headers_count(
    tmp_path: Path, proxies: str, seen: tuple[str, str]
) -> None:
    env = env_of(tmp_path / "data", sqlite_url(tmp_path / "beacon.sqlite3"), 60)
    app = wsgi.app_from_env({**env, "BEACON_TRUSTED_PROXIES": proxies})
    try:
        # What the views see of the request (links are built from request.host_url).
        app.add_url_rule("/_seen", "seen", lambda: [request.host_url, request.remote_addr])
        answer = app.test_client().get(
            "/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert tuple(answer.get_json()) == seen
    finally:
        app.extensions[context.EXTENSION].close()


def test_the_operators_guide_lists_every_setting() -> None:
    guide = (ROOT / "docs" / "OPERATIONS.md").read_text()
    section = guide[guide.index("## 11. Configuration") : guide.index("## 12.")]
    missing = [s.env for s in config.SETTINGS if f"`{s.env}`" not in section]
    assert not missing
