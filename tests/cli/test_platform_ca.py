"""A deployment on the platform's CA (docs/OPERATIONS.md "Using the platform's CA").

The CA, its CRL, the beacon signer and the parties' certificates are built with
``cryptography`` alone (tests/identity/platform_pki.py), never with beacon's demo CA.
After ``beacon ca import``:

* in process (the Runtime ``beacon serve`` builds, on a fake clock): a whole draw by
  the platform's parties, whose proof bundle the independent verifier (verifier/)
  accepts with ``--anchors`` the platform CA and ``--crl`` its CRL, and refuses
  against another CA; a revoked party and a foreign CA's party cannot be registered;
* as processes (``beacon ca import`` with ``--crl-url`` on a local HTTP server, then
  ``beacon serve`` reading BEACON_DATA_DIR): the board serves the platform CA as
  ``/ca.pem``, no demo CA is created, and ``beacon party register`` is accepted for a
  platform party and refused, with the reason, for the revoked and the foreign one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from beacon.errors import VerificationError
from beacon.identity import platform_ca
from beacon.identity.keys import load_signer
from beacon.service import bundles
from beacon.service.clock import FakeClock
from beacon.service.demo import DemoParties, advance, next_boundary
from beacon.service.entropy import DeterministicEntropy
from beacon.service.ledger import Policy
from beacon.service.pulser import PulserConfig
from beacon.service.runtime import Runtime
from beacon.service.settings import Settings
from beacon.store import sqlite_url
from tests.conftest import ROOT
from tests.identity.platform_pki import Distribution, PlatformPki, pem
from tests.service.deployment import DELAY, PERIOD, T0, TENDER, definition
from verifier.cli import INVALID, VALID
from verifier.cli import main as verify

BEACON = [sys.executable, "-m", "beacon"]
CRL_PORT, SERVE_PORT = 18151, 18152  # this helper's range: 18150-18199


def utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def test_a_draw_under_the_platform_ca_verifies_against_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pki = PlatformPki(utc(T0), tmp_path / "platform")
    data = tmp_path / "data"
    platform_ca.import_platform_ca(
        data / "ca",
        **pki.import_args(),
        centres=[pki.party("centre")[0]],
        supervisors=[pki.party("supervisor")[0]],
        now=utc(T0),
    )
    clock = FakeClock(T0)
    settings = Settings(
        data_dir=data,
        database_url=sqlite_url(data / "beacon.sqlite3"),
        pulser=PulserConfig(period_ms=PERIOD, base_uri="http://beacon.test"),
        signer_bits=2048,
    )
    runtime = Runtime.open(
        settings,
        clock=clock,
        entropy=DeterministicEntropy(b"platform"),
        policy=Policy(min_lead_ms=60_000, **DELAY),
    )
    try:
        # The platform CA is the only anchor, the imported signer signs, no demo CA appeared.
        assert runtime.trust.anchors == (pki.ca,)
        assert runtime.pulse_signer.certificate_der == pki.signer.public_bytes(Encoding.DER)
        assert not (data / "ca" / "ca.key").exists()
        runtime.pulser.emit_due()
        parties = DemoParties(runtime, pki.root / "parties", TENDER, 3)
        parties.register()
        for name, reason in [
            ("bidder-revoked", "bidder-revoked.* was revoked"),
            ("bidder-foreign", "does not chain to a configured trust anchor"),
        ]:
            other = load_signer(*pki.party(name))
            with pytest.raises(VerificationError, match=reason):
                parties.submit(parties.centre.register("bidder", other.certificate))
        d = definition(start=T0)
        parties.publish(d)
        parties.commit(d.draw_id)
        parties.seal_seeds(d.draw_id)
        advance(runtime, clock, d.deadlines.commit)
        parties.reveal(d.draw_id)
        parties.release(d.draw_id)
        runtime.worker("test").run_once()
        advance(runtime, clock, next_boundary(runtime, clock))
        advance(
            runtime, clock, clock.now_ms() + d.deadlines.dispute_window_ms
        )  # the dispute window
        parties.confirm(d.draw_id)
        advance(runtime, clock, next_boundary(runtime, clock))
        with runtime.database.read() as session:
            bundle = bundles.build(
                session,
                d.draw_id,
                blobs=runtime.blobs,
                anchors=runtime.trust.anchor_ders(),
                period_ms=PERIOD,
            )
    finally:
        runtime.close()
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(bundle.to_dict()))
    root = pki.root
    anchors = ["--anchors", str(root / "platform-ca.pem"), "--crl", str(root / "platform.crl")]
    assert verify(["draw", str(proof), *anchors, "--json"]) == VALID
    report = json.loads(capsys.readouterr().out)
    assert (report["verdict"], report["anchored"]) == ("VALID", True)
    assert report["values"]["state"] == "confirmed", report["values"]
    assert verify(["draw", str(proof), "--anchors", str(root / "foreign-ca.pem")]) == INVALID
    # A CRL revoking the centre from before the draw makes the same bundle invalid.
    revoked = pki.write_crl(
        "after.crl", revoked=["centre"], number=2, this_update=utc(T0 - 86_400_000)
    )
    capsys.readouterr()
    assert (
        verify(
            ["draw", str(proof), "--anchors", str(root / "platform-ca.pem"), "--crl", str(revoked)]
        )
        == INVALID
    )
    assert "revoked" in capsys.readouterr().out


def beacon(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BEACON, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PYTHONPATH": str(ROOT)} | (env or {}),
    )


def test_serve_uses_the_imported_ca(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    pki = PlatformPki(now, tmp_path / "platform")
    point = Distribution(CRL_PORT)
    point.body = (pki.root / "platform.crl").read_bytes()
    data = tmp_path / "data"
    args = pki.import_args()
    try:
        done = beacon(
            "ca",
            "import",
            "--data-dir",
            str(data),
            "--ca-cert",
            str(args["ca_cert"]),
            "--crl-url",
            point.url,
            "--signer-cert",
            str(args["signer_cert"]),
            "--signer-key",
            str(args["signer_key"]),
            "--centre-cert",
            str(pki.party("centre")[0]),
            "--supervisor-cert",
            str(pki.party("supervisor")[0]),
        )
    finally:
        point.close()
    assert done.returncode == 0, done.stderr
    assert point.requests == 1 and "1 revoked" in done.stdout
    assert (data / "ca" / "ca.crl").read_bytes() == point.body
    env = {"BEACON_DATA_DIR": str(data)}  # serve finds the data dir as the import wrote it
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [*BEACON, "serve", "--port", str(SERVE_PORT), "--pulse-period", "1", "--no-worker"],
        env=os.environ | {"PYTHONPATH": str(ROOT)} | env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{SERVE_PORT}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(url + "/ca.pem", timeout=5) as r:
                    served = r.read()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
        else:
            raise AssertionError("no server: " + (tmp_path / "serve.log").read_text())
        assert served == pem(pki.ca)
        assert sorted(p.name for p in (data / "ca").iterdir()) == [
            "beacon-signer.key",
            "beacon-signer.pem",
            "ca.crl",
            "ca.pem",
            "centre-1.pem",
            "manifest.json",
            "supervisor-1.pem",
        ]
        assert not (tmp_path / ".beacon").exists()  # the default data dir was not used
        centre = pki.party("centre")
        acts = ["--server", url, "--cert", str(centre[0]), "--key", str(centre[1])]
        acts += ["--state-dir", str(tmp_path / "state")]
        outcomes = {}
        for name in ("bidder-1", "bidder-revoked", "bidder-foreign"):
            cert = str(pki.party(name)[0])
            outcomes[name] = beacon(
                "party",
                "register",
                "--tender",
                "T-1",
                "--role",
                "bidder",
                "--party-cert",
                cert,
                *acts,
            )
        assert outcomes["bidder-1"].returncode == 0, outcomes["bidder-1"].stderr
        assert "registered bidder-1.pem as bidder: accepted" in outcomes["bidder-1"].stdout
        assert outcomes["bidder-revoked"].returncode == 1
        assert "was revoked" in outcomes["bidder-revoked"].stderr
        assert outcomes["bidder-foreign"].returncode == 1
        assert "does not chain to a configured trust anchor" in outcomes["bidder-foreign"].stderr
    finally:
        server.terminate()
        server.wait(20)
        log.close()
