"""``beacon.web.wsgi``: the production entry point configured from the environment.

Defaults must be those of ``beacon serve`` (read from the click command itself, so
the two entry points cannot drift apart); bad values refuse to start naming the
variable; the app serves the whole API; and a real ``gunicorn 'beacon.web.wsgi:app'``
with two workers boots on a fresh data folder and serves what a pulser writes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from beacon.cli.serve import serve
from beacon.errors import ConfigurationError
from beacon.service.clock import SystemClock
from beacon.service.entropy import SystemEntropy
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import sqlite_url
from beacon.web import wsgi
from tests.e2e.test_server_process import free_port

SERVE_DEFAULTS = {p.name: p.default for p in serve.params}


def test_defaults_are_those_of_beacon_serve() -> None:
    config = wsgi.config_from_env({})
    assert config.settings.data_dir == Path(SERVE_DEFAULTS["data_dir"])
    assert config.settings.database_url == sqlite_url(
        Path(SERVE_DEFAULTS["data_dir"]) / "beacon.sqlite3"
    )
    assert config.settings.pulser.period_ms == SERVE_DEFAULTS["pulse_period"] * 1000
    assert config.policy.min_vdf_t == SERVE_DEFAULTS["min_vdf_t"]
    assert config.policy.min_lead_ms == SERVE_DEFAULTS["min_lead_seconds"] * 1000
    assert config.policy.skew_ms == SERVE_DEFAULTS["skew_seconds"] * 1000
    assert config.policy.max_envelope_bytes == SERVE_DEFAULTS["max_envelope_mb"] << 20
    assert config.settings.signer_bits == SERVE_DEFAULTS["signer_bits"]
    assert config.public_url is None
    assert config.display_zone.offset == SERVE_DEFAULTS["display_offset"] == "+08:00"
    assert (config.display_zone.name_zh, config.display_zone.name_en) == (
        "北京时间",
        "Beijing time",
    )


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        pytest.param(
            "BEACON_DATA_DIR", "/srv/beacon", lambda c: str(c.settings.data_dir), id="data-dir"
        ),
        pytest.param(
            "BEACON_DATABASE_URL",
            "postgresql+psycopg://b:b@db/beacon",
            lambda c: c.settings.database_url,
            id="database-url",
        ),
        pytest.param(
            "BEACON_PULSE_PERIOD", "1", lambda c: c.settings.pulser.period_ms // 1000, id="period"
        ),
        pytest.param(
            "BEACON_PUBLIC_URL", "https://beacon.example", lambda c: c.public_url, id="public-url"
        ),
        pytest.param(
            "BEACON_SIGNER_BITS", "3072", lambda c: c.settings.signer_bits, id="signer-bits"
        ),
        pytest.param("BEACON_MIN_VDF_T", "3000000", lambda c: c.policy.min_vdf_t, id="min-vdf-t"),
        pytest.param(
            "BEACON_MIN_LEAD_SECONDS", "0", lambda c: c.policy.min_lead_ms // 1000, id="min-lead"
        ),
        pytest.param("BEACON_SKEW_SECONDS", "120", lambda c: c.policy.skew_ms // 1000, id="skew"),
        pytest.param(
            "BEACON_MAX_ENVELOPE_MB",
            "4096",
            lambda c: c.policy.max_envelope_bytes >> 20,
            id="max-envelope",
        ),
        pytest.param(
            "BEACON_DISPLAY_OFFSET", "-05:30", lambda c: c.display_zone.offset, id="display-offset"
        ),
        pytest.param(
            "BEACON_DISPLAY_ZONE_ZH", "乌鲁木齐时间", lambda c: c.display_zone.name_zh, id="zone-zh"
        ),
        pytest.param(
            "BEACON_DISPLAY_ZONE_EN", "Urumqi time", lambda c: c.display_zone.name_en, id="zone-en"
        ),
    ],
)
def test_each_variable_is_read(name: str, value: str, read) -> None:
    got = read(wsgi.config_from_env({name: value}))
    assert str(got) == value


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param(
            "BEACON_PULSE_PERIOD",
            "0",
            "BEACON_PULSE_PERIOD: expected an integer from 1 to 4294967, got '0'",
            id="period-zero",
        ),
        pytest.param(
            "BEACON_PULSE_PERIOD",
            "1.5",
            "BEACON_PULSE_PERIOD: expected an integer from 1 to 4294967, got '1.5'",
            id="period-fraction",
        ),
        pytest.param(
            "BEACON_PULSE_PERIOD",
            "sixty",
            "BEACON_PULSE_PERIOD: expected an integer from 1 to 4294967, got 'sixty'",
            id="period-word",
        ),
        pytest.param(
            "BEACON_SKEW_SECONDS",
            "301",
            "BEACON_SKEW_SECONDS: expected an integer from 1 to 300, got '301'",
            id="skew-too-large",
        ),
        pytest.param(
            "BEACON_MAX_ENVELOPE_MB",
            "0",
            "BEACON_MAX_ENVELOPE_MB: expected an integer from 1 to 4096, got '0'",
            id="envelope-zero",
        ),
        pytest.param(
            "BEACON_MIN_VDF_T",
            "-1",
            "BEACON_MIN_VDF_T: expected an integer from 1 to 1099511627776, got '-1'",
            id="vdf-t-negative",
        ),
        pytest.param(
            "BEACON_MIN_LEAD_SECONDS",
            "1e3",
            "BEACON_MIN_LEAD_SECONDS: expected an integer from 0 to 31536000, got '1e3'",
            id="lead-exponent",
        ),
        pytest.param(
            "BEACON_SIGNER_BITS",
            "1024",
            "BEACON_SIGNER_BITS: expected an integer from 2048 to 16384, got '1024'",
            id="signer-bits-too-small",
        ),
        pytest.param(
            "BEACON_PUBLIC_URL",
            "ftp://beacon.example",
            "BEACON_PUBLIC_URL: expected a URL starting with http:// or https://, got 'ftp://beacon.example'",
            id="public-url-scheme",
        ),
        pytest.param(
            "BEACON_DISPLAY_OFFSET",
            "+8",
            "BEACON_DISPLAY_OFFSET: expected an offset from UTC like +08:00 or -05:30, got '+8'",
            id="display-offset-short",
        ),
        pytest.param(
            "BEACON_DISPLAY_ZONE_EN",
            "x" * 33,
            "BEACON_DISPLAY_ZONE_EN: expected 1-32 printable characters without leading or "
            f"trailing spaces, got '{'x' * 33}'",
            id="zone-name-long",
        ),
    ],
)
def test_bad_values_refuse_to_start(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"^{re.escape(message)}$"):
        wsgi.config_from_env({name: value})


def test_app_serves_the_whole_api_of_a_fresh_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = wsgi.app_from_env(
        {"BEACON_DATA_DIR": str(data), "BEACON_PULSE_PERIOD": "1", "BEACON_SIGNER_BITS": "2048"}
    )
    client = app.test_client()
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/api/v1/statements", "/api/v1/envelopes", "/api/v1/draws/{draw_id}/proof"} <= set(
        paths
    )
    assert (
        data / "ca" / "beacon-signer.key"
    ).exists()  # first start makes the demo CA, as serve does
    missing = client.get("/beacon/2.0/pulse/last")
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    assert app.config["PULSE_PERIOD_MS"] == 1000
    # A second app on the same folder opens it again (the start-up lock was released),
    # with the deployment's period (another one is refused: tests/ops/test_config.py).
    again = wsgi.app_from_env({"BEACON_DATA_DIR": str(data), "BEACON_PULSE_PERIOD": "1"})
    assert again.config["PULSE_PERIOD_MS"] == 1000


def test_module_attribute_app_is_built_once_from_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BEACON_SIGNER_BITS", "2048")
    monkeypatch.setattr(wsgi, "_app", None)
    first = wsgi.app
    assert first is wsgi.app
    assert first.config["DATABASE_URL"] == sqlite_url(tmp_path / "data" / "beacon.sqlite3")
    with pytest.raises(
        AttributeError, match="module 'beacon.web.wsgi' has no attribute 'application'"
    ):
        wsgi.application  # noqa: B018 (the access is the test)


GUNICORN = Path(sys.executable).parent / "gunicorn"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.slow
def test_gunicorn_with_two_workers_serves_a_fresh_folder(tmp_path: Path) -> None:
    gunicorn = pytest.importorskip(
        "gunicorn", reason="gunicorn is not installed: pip install -e '.[server]'"
    )
    data = tmp_path / "data"  # fresh: the first worker to boot makes the CA, the other waits
    port = free_port()
    # gunicorn >= 25.1 opens a control socket at one path per user; parallel runs would clash.
    control = ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            str(GUNICORN),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            *control,
            "beacon.web.wsgi:app",
        ],
        env={
            "BEACON_DATA_DIR": str(data),
            "BEACON_PULSE_PERIOD": "1",
            "BEACON_SIGNER_BITS": "2048",
            "PATH": "/usr/bin:/bin",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/beacon/2.0/pulse/last"
    try:
        for _ in range(100):
            try:
                status, body = _get(url)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError((tmp_path / "gunicorn.log").read_text())
        assert status == 404 and json.loads(body)["detail"] == "no pulse yet"
        settings = Settings.build(data_dir=data, period_seconds=1)
        runtime = Runtime.open(settings, clock=SystemClock(), entropy=SystemEntropy())
        try:
            emitted = runtime.pulser.emit_due()
        finally:
            runtime.close()
        assert emitted is not None
        answers = {_get(url) for _ in range(6)}  # both workers, whichever answers
        assert answers == {(200, emitted.document.encode())}
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
