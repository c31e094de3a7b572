"""``beacon envelope replace`` and ``beacon envelope withdraw`` against a served beacon.

A bidder submits a sealed bid, replaces it with a new envelope (the standing bid is
looked up on the server), withdraws the replacement, and the service's tender view
and ``beacon envelope status`` show the history (PROTOCOL.md §9.9 step 3a). The
commands sign with the bidder's certificate key, as ``submit`` does.
"""

from __future__ import annotations

import io
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from beacon.cli import main
from beacon.cli.draw import Session
from beacon.core import envelope as env
from beacon.party import Actor
from beacon.store import sqlite_url
from beacon.web import create_app
from tests.service.deployment import TENDER, Deployment, open_deployment
from tests.service.test_bid_replace import Bids


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Deployment, str]]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=4)
    # The commands sign with the wall clock; this deployment runs on a fake one.
    real = Session.actor

    def actor(self: Session, tender_id: str, role: str) -> Actor:
        a = real(self, tender_id, role)
        a.now = d.clock.now_ms
        return a

    monkeypatch.setattr(Session, "actor", actor)
    app = create_app({"TESTING": True}, runtime=d.runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield d, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        d.runtime.close()


def _file(o: Bids, tmp: Path, envelope_id: str, *, purpose: str = "bid") -> Path:
    path = tmp / f"{envelope_id}.env"
    if purpose == "seed":  # a seed envelope's file: the bid commands refuse it unsent
        out = io.BytesIO()
        env.seal(
            io.BytesIO(bytes(32)),
            out,
            tender_id=TENDER,
            envelope_id=envelope_id,
            purpose="seed",
            draw_id="JS-2026-0142-1",
            bidder_fingerprint=o.bidders[0].fingerprint,
            agent_keys=[o.keys["agent"][0].public_key()],
            centre_keys=[o.keys["centre"][0].public_key()],
            random_bytes=o.d.entropy.random_bytes,
        )
        path.write_bytes(out.getvalue())
    else:
        path.write_bytes(o.sealed(0, envelope_id, f"bid {envelope_id}".encode()).data)
    return path


def test_replace_and_withdraw_through_the_cli(served: tuple[Deployment, str], tmp_path: Path):
    d, url = served
    o = Bids(d)
    o.prepare()
    bidder = ["--server", url, "--cert", str(d.ca_dir / "bidder-1.pem")]
    bidder += ["--key", str(d.ca_dir / "bidder-1.key")]

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args))
        return result.exit_code, result.output

    code, out = run("envelope", "submit", str(_file(o, tmp_path, "B1-v1")), *bidder)
    assert code == 0 and "bid B1-v1 submitted" in out, out
    code, out = run("envelope", "replace", str(_file(o, tmp_path, "B1-v2")), *bidder)
    assert code == 0 and "bid B1-v1 replaced by B1-v2" in out, out
    code, out = run(
        "envelope", "replace", str(_file(o, tmp_path, "B1-v3")), "--replaces", "B1-v1", *bidder
    )
    assert code == 1
    assert "bid envelope B1-v1 was already replaced by B1-v2; your standing bid is B1-v2" in out
    code, out = run("envelope", "replace", str(_file(o, tmp_path, "S1", purpose="seed")), *bidder)
    assert code == 1 and "S1.env is a seed envelope; only bid envelopes are replaced here" in out
    code, out = run("envelope", "status", "--tender", TENDER, "--server", url)
    assert code == 0
    assert "2 bid envelope(s), 1 standing, 0 frozen" in out
    assert "B1-v1                        replaced by B1-v2 (not opened)" in out
    code, out = run("envelope", "withdraw", "--tender", TENDER, *bidder)
    assert code == 0 and "bid B1-v2 withdrawn" in out, out
    code, out = run("envelope", "withdraw", "--tender", TENDER, *bidder)
    assert code == 1
    assert f"you have no standing bid in tender {TENDER}: nothing to replace or withdraw" in out
    states = [(b["envelope_id"], b["state"]) for b in _view(url)["bids"]]
    assert states == [("B1-v1", "replaced"), ("B1-v2", "withdrawn")]


def _view(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/api/v1/tenders/{TENDER}") as r:
        return dict(json.loads(r.read()))
