"""``beacon serve`` end to end: a fresh data dir, waitress, the in-process pulser."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.core.pulse import Pulse, verify_pulse

BEACON = Path(sys.executable).parent / "beacon"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.mark.slow
def test_serve_fresh_data_dir(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [str(BEACON), "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    args += ["--pulse-period", "1", "--signer-bits", "2048"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline:
            try:
                status, headers, body = get(f"{base}/beacon/2.0/pulse/last")
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, "no pulse served within 60 s"
        pulse = Pulse.from_json(json.loads(body))
        assert pulse.uri.startswith(f"{base}/beacon/2.0/chain/1/pulse/")
        status, headers, pem = get(f"{base}/beacon/2.0/certificate/{pulse.certificate_id.hex()}")
        assert status == 200 and headers["Cache-Control"] == "public, max-age=31536000, immutable"
        verify_pulse(
            pulse, x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
        )
        status, headers, _ = get(f"{base}/api/v1/log/tree-head")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert (tmp_path / "data" / "ca" / "beacon-signer.key").exists()
        assert (tmp_path / "data" / "beacon.sqlite3").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output
    assert "serving the board on" in output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        pytest.param(
            ["--display-offset", "+8"],
            {},
            "--display-offset: expected an offset from UTC like +08:00 or -05:30, got '+8'",
            id="short-offset",
        ),
        pytest.param(
            [],
            {"BEACON_DISPLAY_OFFSET": "UTC+8"},
            "--display-offset: expected an offset from UTC like +08:00 or -05:30, got 'UTC+8'",
            id="env-offset",
        ),
        pytest.param(
            ["--display-zone-en", " Beijing"],
            {},
            "--display-zone-en: expected 1-32 printable characters without leading or trailing "
            "spaces, got ' Beijing'",
            id="padded-name",
        ),
    ],
)
def test_a_bad_display_zone_refuses_to_start(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    from click.testing import CliRunner

    from beacon.cli import main

    data = tmp_path / "data"
    result = CliRunner(env=env).invoke(main, ["serve", "--data-dir", str(data), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not data.exists()  # refused before the deployment is opened
