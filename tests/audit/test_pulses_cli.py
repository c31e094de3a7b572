"""``beacon audit pulses``: pulse files, a folder, a served beacon, draw outputs R.

The pulses and bundles come from the in-process beacon of tests/audit/drawn.py, so
every input is something a real beacon served. Expected bit counts are 512 per
value; the tests that may run at a length come from SP 800-22 and AUDIT.md's table
(tests/audit/test_applicability.py pins that table).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from beacon.audit import sources
from beacon.audit.applicability import applicability
from beacon.audit.sources import HttpStatusError
from beacon.cli import main
from beacon.identity import ca
from beacon.web import create_app
from tests.audit.drawn import Drawn, run_draws

URL = "http://beacon.test"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Drawn:
    d = run_draws(tmp_path_factory.mktemp("draws"), jiangsu=2, samples=1)
    yield d
    d.deployment.runtime.close()


@pytest.fixture(scope="module")
def client(drawn: Drawn):
    return create_app({"TESTING": True}, runtime=drawn.deployment.runtime).test_client()


@pytest.fixture(scope="module")
def export(client, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """The chain as the export endpoint serves it, split into two files of one folder."""
    doc = client.get("/api/v1/chains/1/pulses?start=1&end=1000").get_json()
    pulses = doc["pulses"]
    folder = tmp_path_factory.mktemp("export")
    (folder / "a.json").write_text(json.dumps({"pulses": pulses[:10], "tree_heads": []}))
    for p in pulses[10:]:
        (folder / f"pulse-{p['pulse']['pulseIndex']:04d}.json").write_text(json.dumps(p))
    return folder, pulses


@pytest.fixture
def served(client, monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(url: str) -> bytes:
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code != 200:
            raise HttpStatusError(url, response.status_code, response.get_data(as_text=True))
        return response.data

    monkeypatch.setattr(sources, "http_get", fetch)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "pulses", *args])
    return result.exit_code, result.output


def computable(bits: int) -> list[str]:
    return [a.name for a in applicability(bits) if a.computable]


def test_folder_with_certificate(drawn: Drawn, export) -> None:
    folder, pulses = export
    cert = drawn.deployment.ca_dir / f"{ca.SIGNER}.pem"
    code, out = run(str(folder), "--certificate", str(cert), "--json")
    assert code == 0, out
    doc = json.loads(out)
    n = len(pulses)
    assert doc["values"] == n and doc["bits"] == 512 * n
    assert doc["what"] == "pulse outputValues"
    assert f"{n} pulses verified (signatures, outputs, chain rules)" in doc["notes"]
    assert [t["name"] for t in doc["tests"]] == computable(512 * n)


def test_folder_without_certificate_says_so(export) -> None:
    folder, _ = export
    code, out = run(str(folder))
    assert code == 0, out
    assert "outputs checked; signatures not checked (no certificate given)" in out
    assert "Not computable at" in out and "universal" in out


def test_local_random_values(export) -> None:
    folder, _ = export
    code, out = run(str(folder), "--member", "localRandomValue", "--json")
    assert code == 0, out
    assert json.loads(out)["what"] == "pulse localRandomValues"


def test_served_chain_is_verified_with_its_certificates(export, served) -> None:
    _, pulses = export
    code, out = run("--from", URL, "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["values"] == len(pulses)
    assert (
        f"{URL}: {len(pulses)} pulses verified (signatures, outputs, chain rules)" in doc["notes"]
    )
    code, out = run("--from", URL, "--start", "3", "--count", "5", "--json")
    assert json.loads(out)["notes"][0].startswith("5 pulses from 1/3 ")


def test_draw_outputs(drawn: Drawn, served) -> None:
    code, out = run("--draws", *map(str, drawn.files.values()), "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["what"] == "draw outputs R" and doc["values"] == 3 and doc["bits"] == 1536
    code, remote = run("--draws", "--from", URL, "--json")
    assert code == 0, remote
    assert json.loads(remote)["tests"] == doc["tests"]


def test_tampered_pulse_file_is_refused(export, tmp_path: Path) -> None:
    _, pulses = export
    doc = json.loads(json.dumps(pulses[3]))
    value = doc["pulse"]["outputValue"]
    doc["pulse"]["outputValue"] = ("0" if value[0] != "0" else "1") + value[1:]
    (tmp_path / "p.json").write_text(json.dumps(doc))
    code, out = run(str(tmp_path / "p.json"))
    assert code == 1 and "pulse 1/4: outputValue is not SHA-512(message ‖ signature)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give PATH(s) or --from URL, not both and not neither"),
        (["--from", URL, "."], "give PATH(s) or --from URL, not both and not neither"),
        (
            ["--member", "signatureValue", "."],
            "'signatureValue' is not one of 'outputValue', 'localRandomValue'",
        ),
        (["--chain", "2", "."], "--chain applies only with --from, for pulses"),
        (
            ["--draws", "--from", URL, "--start", "2"],
            "--start applies only with --from, for pulses",
        ),
        (
            ["--from", URL, "--certificate", __file__],
            "--certificate applies only with PATH(s) of pulses",
        ),
        (
            ["--draws", ".", "--member", "localRandomValue"],
            "--member applies only with pulses, not --draws",
        ),
    ],
    ids=[
        "nothing",
        "both",
        "member",
        "chain-with-files",
        "start-with-draws",
        "certificate-with-url",
        "member-with-draws",
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code == 2 and message in out


def test_unknown_certificate(export, tmp_path: Path) -> None:
    folder, _ = export
    other = tmp_path / "other"
    ca.init_ca(other, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), bidders=0, signer_bits=2048)
    code, out = run(str(folder), "--certificate", str(other / f"{ca.SIGNER}.pem"))
    assert code == 1 and "no certificate given has certificateId" in out
