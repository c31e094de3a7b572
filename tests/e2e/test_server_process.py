"""End to end against a real ``beacon serve`` process, on SQLite and on PostgreSQL.

CA → registrations → definition → commitments → bidders' seed envelopes → freeze →
reveals → key releases → VDF (the server's worker) → result → proof bundle over HTTP,
validated against docs/proof-bundle.schema.json. The parties are the real
``beacon party``/``beacon draw`` commands talking HTTP to the server process.
"""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from beacon.cli import main
from beacon.core.timefmt import format_ms
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
SCHEMA = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())
BEACON = str(Path(sys.executable).parent / "beacon")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@pytest.fixture
def server(tmp_path: Path, database_url: str):
    data = tmp_path / "data"
    subprocess.run(
        [
            BEACON,
            "ca",
            "init",
            "--dir",
            str(data / "ca"),
            "--bidders",
            "3",
            "--signer-bits",
            "2048",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            BEACON,
            "serve",
            "--data-dir",
            str(data),
            "--port",
            str(port),
            "--pulse-period",
            "1",
            # §11.5: T = 20000 covers the 10 s exposure window at a declared 2000/s, A_max 1;
            # `draw create` takes both from /api/v1/deployment.
            "--vdf-rate",
            "2000",
            "--vdf-advantage",
            "1",
            "--min-lead-seconds",
            "3",
            "--database-url",
            database_url,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(url + "/beacon/2.0/pulse/last")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(
                "the server did not start: " + (tmp_path / "serve.log").read_text()
            )
        yield url, data / "ca", tmp_path
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def party_args(ca: Path, tmp: Path, name: str) -> list[str]:
    """The options by which party ``name`` of the demo CA acts."""
    return [
        "--cert",
        str(ca / f"{name}.pem"),
        "--key",
        str(ca / f"{name}.key"),
        "--state-dir",
        str(tmp / "state" / name),
    ]


def wait_for(url: str, draw_id: str, states: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        draw = get(f"{url}/api/v1/draws/{draw_id}")
        if draw["state"] in states:
            return draw
        time.sleep(0.3)
    raise AssertionError(f"draw stayed {draw['state']}, expected one of {states}")


def test_whole_ceremony_against_a_server_process(server):
    url, ca, tmp = server
    env = {"BEACON_SERVER": url, "BEACON_PASSPHRASE": "correct horse battery staple"}

    party = functools.partial(party_args, ca, tmp)

    run(
        "party",
        "register",
        "--tender",
        "E2E-1",
        "--role",
        "agent",
        "--party-cert",
        str(ca / "agent.pem"),
        *party("centre"),
        env=env,
    )
    for i in (1, 2, 3):
        run(
            "party",
            "register",
            "--tender",
            "E2E-1",
            "--role",
            "bidder",
            "--party-cert",
            str(ca / f"bidder-{i}.pem"),
            *party("centre"),
            env=env,
        )
    now = int(time.time() * 1000)
    start = now - now % 1000
    definition = {
        "draw_id": "E2E-1-K",
        "tender_id": "E2E-1",
        "title": "e2e coefficient draw",
        "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97", "0.98"]}],
        "deadlines": {
            "commit": format_ms(start + 9000),
            "reveal": format_ms(start + 14000),
            "seed_open": format_ms(start + 19000),
        },
        "dispute_window_ms": 3000,
        "vdf_t": 20000,
    }
    (tmp / "def.json").write_text(json.dumps(definition))
    run("draw", "create", str(tmp / "def.json"), *party("agent"), env=env)
    run("draw", "countersign", "E2E-1-K", *party("centre"), env=env)
    run("draw", "commit", "E2E-1-K", *party("centre"), env=env)
    run("draw", "commit", "E2E-1-K", *party("agent"), env=env)
    for i in (1, 2, 3):
        run("draw", "seal", "E2E-1-K", *party(f"bidder-{i}"), env=env)
    assert get(f"{url}/api/v1/draws/E2E-1-K")["seeds"]["bidder_envelopes"] == 3
    wait_for(url, "E2E-1-K", {"revealing"})
    run("draw", "reveal", "E2E-1-K", *party("centre"), env=env)
    run("draw", "reveal", "E2E-1-K", *party("agent"), env=env)
    wait_for(url, "E2E-1-K", {"opening"})
    run("draw", "release", "E2E-1-K", *party("centre"), env=env)
    run("draw", "release", "E2E-1-K", *party("agent"), env=env)
    drawn = wait_for(url, "E2E-1-K", {"drawn"})
    assert {s["status"] for s in drawn["result"]["seeds"]} == {"included"} and len(
        drawn["result"]["seeds"]
    ) == 5
    status = run("draw", "status", "E2E-1-K", env=env)
    assert "[drawn]" in status and "K: 0.9" in status
    out = tmp / "proof.json"
    for _ in range(50):
        result = CliRunner().invoke(main, ["draw", "proof", "E2E-1-K", "--out", str(out)], env=env)
        if result.exit_code == 0:
            break
        assert "NotYetAvailable" in result.output, result.output
        time.sleep(0.3)
    bundle = json.loads(out.read_text())
    jsonschema.validate(bundle, SCHEMA)
    # The independent verifier, as a bidder runs it at home, with the platform CA it trusts
    # (exit 0 only when VALID against those anchors; 3 without them, PROTOCOL.md §14).
    beacon_verify = str(Path(sys.executable).parent / "beacon-verify")
    verify = subprocess.run(
        [beacon_verify, "draw", str(out), "--anchors", str(ca / "ca.pem")],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.splitlines()[-1] == "VALID", verify.stdout
    unanchored = subprocess.run([beacon_verify, "draw", str(out)], capture_output=True, text=True)
    assert unanchored.returncode == 3, unanchored.stdout + unanchored.stderr
    assert bundle["summary"]["values"][0]["values"][0] in {"0.95", "0.96", "0.97", "0.98"}
    # The supervisor confirms after the dispute window.
    time.sleep(3.5)
    run("draw", "confirm", "E2E-1-K", *party("supervisor"), env=env)
    assert get(f"{url}/api/v1/draws/E2E-1-K")["state"] == "confirmed"


def test_bid_opening_against_a_server_process(server):
    """Keygen → announce → seal → submit → (deadline) → release → opening, all through the CLI."""
    url, ca, tmp = server
    env = {"BEACON_SERVER": url, "BEACON_PASSPHRASE": "opening key passphrase"}

    party = functools.partial(party_args, ca, tmp)

    run(
        "party",
        "register",
        "--tender",
        "E2E-2",
        "--role",
        "agent",
        "--party-cert",
        str(ca / "agent.pem"),
        *party("centre"),
        env=env,
    )
    for i in (1, 2):
        run(
            "party",
            "register",
            "--tender",
            "E2E-2",
            "--role",
            "bidder",
            "--party-cert",
            str(ca / f"bidder-{i}.pem"),
            *party("centre"),
            env=env,
        )
    now = int(time.time() * 1000)
    bid_deadline = now - now % 1000 + 8000
    run(
        "tender",
        "publish",
        "--tender",
        "E2E-2",
        "--title",
        "道路工程",
        "--bid-deadline",
        format_ms(bid_deadline),
        "--release-deadline",
        format_ms(bid_deadline + 60_000),
        *party("agent"),
        env=env,
    )
    for role in ("agent", "centre"):
        run("envelope", "keygen", "--out", str(tmp / role), "--work-factor", "15", env=env)
        run(
            "envelope",
            "announce",
            "--tender",
            "E2E-2",
            "--opening-key",
            str(tmp / f"{role}.key"),
            *party(role),
            env=env,
        )
    bids = {1: "投标报价：12,345,678.00 元\n".encode() * 1000, 2: b"second bid"}
    for i, content in bids.items():
        (tmp / f"bid-{i}.txt").write_bytes(content)
        run(
            "envelope",
            "seal",
            str(tmp / f"bid-{i}.txt"),
            "--tender",
            "E2E-2",
            "--bidder-cert",
            str(ca / f"bidder-{i}.pem"),
            "--agent-pub",
            str(tmp / "agent.pub"),
            "--centre-pub",
            str(tmp / "centre.pub"),
            "--envelope-id",
            f"E2E-2-bid-{i}",
            "--out",
            str(tmp / f"bid-{i}.env"),
            env=env,
        )
        run("envelope", "submit", str(tmp / f"bid-{i}.env"), *party(f"bidder-{i}"), env=env)
    while int(time.time() * 1000) < bid_deadline + 1500:
        time.sleep(0.3)
    for role in ("agent", "centre"):
        run(
            "envelope",
            "release",
            "--tender",
            "E2E-2",
            "--opening-key",
            str(tmp / f"{role}.key"),
            *party(role),
            env=env,
        )
    deadline = time.monotonic() + 60
    while (tender := get(f"{url}/api/v1/tenders/E2E-2"))["phase"] != "opened":
        assert time.monotonic() < deadline, tender
        time.sleep(0.3)
    outcomes = {e["envelope_id"]: e for e in tender["opening"]}
    import hashlib

    for i, content in bids.items():
        assert outcomes[f"E2E-2-bid-{i}"]["status"] == "opened"
        assert outcomes[f"E2E-2-bid-{i}"]["plaintext_sha256"] == hashlib.sha256(content).hexdigest()
    assert "opened" in run("envelope", "status", "--tender", "E2E-2", env=env)
    # The tender bundle, once a pulse covers the opening record: every share recomputed
    # from the released keys by the independent verifier (exit 2 while the service says 409).
    for _ in range(50):
        verify = subprocess.run(
            [
                str(Path(sys.executable).parent / "beacon-verify"),
                "tender",
                "E2E-2",
                "--from",
                url,
                "--anchors",
                str(ca / "ca.pem"),
            ],
            capture_output=True,
            text=True,
        )
        if verify.returncode == 0:
            break
        assert verify.returncode == 2 and "409" in verify.stderr, verify.stdout + verify.stderr
        time.sleep(0.3)
    assert "tender E2E-2: opened" in verify.stdout and verify.stdout.endswith("VALID\n"), (
        verify.stdout
    )
