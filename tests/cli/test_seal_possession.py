"""``beacon draw seal`` checks the announced keys' proofs of possession before sealing.

Defence in depth (PROTOCOL.md §9.3): the beacon here leaves its own check out, the
agent announces the centre's key with the centre's proof, and the bidder's command
refuses to seal, naming the announcement, with nothing submitted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

from beacon.cli import main
from beacon.service import draw_rules, tender_rules
from beacon.store import LogRepository, sqlite_url
from beacon.web import create_app
from tests.service.deployment import Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

DRAW = "JS-2026-0142-1"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Deployment, str]]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=1)
    app = create_app({"TESTING": True}, runtime=d.runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield d, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        d.runtime.close()


@pytest.mark.parametrize("copy", [False, True], ids=["honest-keys", "copied-key"])
def test_seal_refuses_a_key_without_a_valid_proof(
    served: tuple[Deployment, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, copy: bool
) -> None:
    d, url = served
    for rules in (draw_rules, tender_rules):
        monkeypatch.setattr(rules, "announce_opening_key", lambda ctx, what: None)
    c = Ceremony(d, bidders=1)
    c.register()
    c.publish()
    centre = c.centre.opening_key(DRAW, ec.generate_private_key(ec.SECP256R1()))
    c.submit(centre)
    body = centre.statement.body
    c.submit(
        c.agent.sign("draw.opening_key", DRAW, body)
        if copy
        else c.agent.opening_key(DRAW, ec.generate_private_key(ec.SECP256R1()))
    )
    with d.runtime.database.read() as session:
        size = LogRepository(session).size()
    result = CliRunner().invoke(
        main,
        [
            "draw",
            "seal",
            DRAW,
            "--server",
            url,
            "--cert",
            str(d.ca_dir / "bidder-1.pem"),
            "--key",
            str(d.ca_dir / "bidder-1.key"),
            "--state-dir",
            str(tmp_path / "state"),
        ],
    )
    if copy:
        assert result.exit_code == 1
        assert (
            f"the agent's opening key for draw {DRAW}: the proof of possession does not verify"
            in result.output
        )
        with d.runtime.database.read() as session:
            assert LogRepository(session).size() == size
    else:
        # The honest keys pass the check; the submission itself is then refused by the
        # service only because the CLI signs with the real clock, far from the fake one.
        assert "proof of possession" not in result.output
        assert "from server time" in result.output
