"""The parties' commands and ``beacon-verify`` run where there is no ``fcntl`` (Windows).

Each command runs as ``python -m beacon`` / ``python -m verifier`` in a subprocess
whose ``sitecustomize`` sets ``sys.modules["fcntl"] = None``, so that ``import fcntl``
raises ImportError there as it does on Windows: a whole draw (registration, definition,
commitments, a bidder's sealed seed, reveals, releases, the proof bundle and its
verification), the local envelope commands, and ``beacon-verify`` on a NIST pulse vector.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from beacon.client import BeaconClient
from beacon.core.timefmt import format_ms
from tests.cli.conftest import Live
from tests.conftest import ROOT, VECTORS
from tests.service.deployment import PERIOD

pytestmark = pytest.mark.slow
DRAW = "LIVE-2-K"
TENDER = "LIVE-2"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "no-fcntl"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        'import sys\n\nsys.modules["fcntl"] = None  # import fcntl raises ImportError, as on Windows\n'
    )
    return os.environ | {
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        "BEACON_PASSPHRASE": "correct horse battery staple",
    }


def run(env: dict[str, str], module: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(env: dict[str, str], *args: str | Path) -> str:
    done = run(env, "beacon", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_harness_really_hides_fcntl(env: dict[str, str]):
    done = subprocess.run(
        [sys.executable, "-c", "import subprocess\nimport fcntl"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError: import of fcntl halted; None in sys.modules" in done.stderr


def test_a_whole_draw_through_the_party_commands(live: Live, env: dict[str, str], tmp_path: Path):
    party = lambda name: live.party(name, tmp_path / "state")  # noqa: E731
    ca = live.d.ca_dir
    for role, name in (("agent", "agent"), ("bidder", "bidder-1")):
        ok(
            env,
            "party",
            "register",
            "--tender",
            TENDER,
            "--role",
            role,
            "--party-cert",
            ca / f"{name}.pem",
            *party("centre"),
        )
    definition = {
        "draw_id": DRAW,
        "tender_id": TENDER,
        "title": "K draw",
        "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97", "0.98"]}],
        "deadlines": {
            "commit": format_ms(live.start + 2 * PERIOD),
            "reveal": format_ms(live.start + 3 * PERIOD),
            "seed_open": format_ms(live.start + 4 * PERIOD),
        },
        "dispute_window_ms": PERIOD,
    }
    (tmp_path / "definition.json").write_text(json.dumps(definition))
    ok(env, "draw", "create", tmp_path / "definition.json", *party("agent"))
    ok(env, "draw", "countersign", DRAW, *party("centre"))
    for role in ("centre", "agent"):
        assert "seed committed: accepted" in ok(env, "draw", "commit", DRAW, *party(role))
    assert "seed envelope" in ok(env, "draw", "seal", DRAW, *party("bidder-1"))

    live.d.advance_to(live.start + 2 * PERIOD)  # the commit-deadline pulse freezes the draw
    for step in ("reveal", "release"):
        for role in ("centre", "agent"):
            ok(env, "draw", step, DRAW, *party(role))
    assert live.d.runtime.worker("w1").run_once() == DRAW
    live.d.advance_to(live.start + 3 * PERIOD)  # a pulse after the result covers it
    drawn = BeaconClient(live.url).draw(DRAW)
    assert drawn["state"] == "drawn"
    assert [s["status"] for s in drawn["result"]["seeds"]] == ["included"] * 3

    ok(env, "draw", "proof", DRAW, "--server", live.url, "--out", tmp_path / "proof.json")
    verified = run(env, "verifier", "draw", tmp_path / "proof.json", "--anchors", ca / "ca.pem")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "VALID"


def test_the_local_envelope_commands(live: Live, env: dict[str, str], tmp_path: Path):
    for role in ("agent", "centre"):
        ok(env, "envelope", "keygen", "--out", tmp_path / role, "--work-factor", "15")
    bid = bytes(range(256)) * 64  # every byte value, 0x0a and 0x0d among them
    (tmp_path / "bid.bin").write_bytes(bid)
    ok(
        env,
        "envelope",
        "seal",
        tmp_path / "bid.bin",
        "--tender",
        TENDER,
        "--bidder-cert",
        live.d.ca_dir / "bidder-1.pem",
        "--agent-pub",
        tmp_path / "agent.pub",
        "--centre-pub",
        tmp_path / "centre.pub",
        "--out",
        tmp_path / "bid.env",
    )
    assert f"of tender {TENDER}" in ok(env, "envelope", "inspect", tmp_path / "bid.env")
    ok(
        env,
        "envelope",
        "open",
        tmp_path / "bid.env",
        "--agent-key",
        tmp_path / "agent.key",
        "--centre-key",
        tmp_path / "centre.key",
        "--out",
        tmp_path / "bid.out",
    )
    assert (tmp_path / "bid.out").read_bytes() == bid


def test_beacon_verify_on_a_nist_pulse(env: dict[str, str], tmp_path: Path):
    vector = json.loads((VECTORS / "pulse" / "nist-chain-1-pulses-54609-54610.json").read_text())
    previous, pulse = (tmp_path / "54609.json", tmp_path / "54610.json")
    for path, doc in zip((previous, pulse), vector["pulses"], strict=True):
        path.write_text(json.dumps(doc))
    (tmp_path / "nist.pem").write_text("".join(vector["certificates"].values()))
    done = run(
        env, "verifier", "pulse", pulse, "--cert", tmp_path / "nist.pem", "--previous", previous
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "VALID"


def test_the_demo_runs_without_fcntl(env: dict[str, str], tmp_path: Path):
    """``beacon demo`` opens a deployment (beacon.store.locks: no lock where there is no
    fcntl, one process) and its proof bundle verifies."""
    data = tmp_path / "demo"
    ok(
        env,
        "demo",
        "--bidders",
        "1",
        "--vdf-t",
        "1000",
        "--out",
        tmp_path / "p.json",
        "--data-dir",
        data,
    )
    verified = run(
        env, "verifier", "draw", tmp_path / "p.json", "--anchors", data / "ca" / "ca.pem"
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "VALID"
