"""The draw service over HTTP (Flask test client): statements, envelopes, draws, proofs.

The same ceremony as tests/service/test_draw_flow.py, but every party statement goes
through ``POST /api/v1/statements`` or ``POST /api/v1/envelopes`` and every read
through the JSON API; the proof bundle downloaded over HTTP validates against the
schema.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema
import pytest

from beacon.web import create_app
from tests.conftest import ROOT
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

SCHEMA = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())


class HttpCeremony(Ceremony):
    def __init__(self, d: Deployment, client) -> None:
        super().__init__(d)
        self.client = client

    def submit(self, signed, payload: bytes | None = None):
        if payload is None:
            response = self.client.post("/api/v1/statements", json=signed.to_dict())
        else:
            response = self.client.post(
                "/api/v1/envelopes",
                data=payload,
                headers={
                    "Beacon-Statement": base64.b64encode(signed.encode()).decode(),
                    "Content-Type": "application/octet-stream",
                },
            )
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def served(tmp_path: Path, database_url: str):
    d = open_deployment(tmp_path, database_url)
    app = create_app({"TESTING": True}, runtime=d.runtime)
    yield d, app.test_client()
    d.runtime.close()


def test_ceremony_over_http(served):
    d, client = served
    c = HttpCeremony(d, client)
    c.register()
    c.publish()
    listing = client.get("/api/v1/draws").get_json()
    assert [x["id"] for x in listing["draws"]] == ["JS-2026-0142-1"]
    assert listing["draws"][0]["state"] == "published"
    c.commit()
    c.seal_seeds()
    detail = client.get("/api/v1/draws/JS-2026-0142-1").get_json()
    assert detail["state"] == "committing" and detail["seeds"]["bidder_envelopes"] == 3
    assert detail["seeds"]["agent"] == {
        "opening_key": True,
        "committed": True,
        "revealed": False,
        "released": False,
    }
    d.advance_to(T0 + 10 * PERIOD)
    c.reveal()
    c.release()
    assert d.runtime.worker("w").run_once() == "JS-2026-0142-1"
    pending = client.get("/api/v1/draws/JS-2026-0142-1/proof")
    assert pending.status_code == 409 and int(pending.headers["Retry-After"]) >= 1
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    proof = client.get("/api/v1/draws/JS-2026-0142-1/proof")
    assert proof.status_code == 200
    jsonschema.validate(proof.get_json(), SCHEMA)
    detail = client.get("/api/v1/draws/JS-2026-0142-1").get_json()
    assert detail["state"] == "drawn" and detail["result"]["values"][0]["code"] == "K1"
    statement_hash = detail["statements"][0]["hash"]
    receipt = client.get(f"/api/v1/statements/{statement_hash}/receipt")
    assert receipt.status_code == 200 and receipt.get_json()["pulse"] is not None
    assert "immutable" in receipt.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/api/v1/statements", b"{not json", 400, "not JSON"),
        ("/api/v1/statements", b'{"statement": {}}', 400, "signed_statement: missing member"),
        ("/api/v1/envelopes", b"x", 400, "missing the Beacon-Statement header"),
    ],
    ids=["not-json", "wrong-shape", "envelope-without-statement"],
)
def test_malformed_writes_are_problems(served, path, body, status, detail):
    _, client = served
    response = client.post(path, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]


def test_no_endpoint_can_set_a_value(served):
    """Every route of the app: the only writes are the two statement endpoints."""
    _, client = served
    app = client.application
    writes = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    )
    assert writes == ["/api/v1/envelopes", "/api/v1/statements"]
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/draws/JS-2026-0142-1").status_code == 405


def _certificate(d, *, name: str, not_before, not_after, foreign: bool = False):
    """A party certificate from the deployment's CA (or a stranger's), with the given window."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from beacon.identity import ca
    from beacon.identity.keys import KeySigner

    if foreign:
        ca_key = ca.new_key("ecdsa-p256")
        ca_cert = ca.issue_ca(
            ca_key,
            organisation="Elsewhere",
            now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            validity=dt.timedelta(days=3650),
        )
    else:
        ca_key = serialization.load_pem_private_key((d.ca_dir / "ca.key").read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate((d.ca_dir / "ca.pem").read_bytes())
    key = ca.new_key("ecdsa-p256")
    cert = ca.issue_party(
        ca_key=ca_key,
        ca_certificate=ca_cert,
        key=key,
        name=name,
        role="centre",
        organisation="tender-beacon demo",
        now=not_before,
        validity=not_after - not_before,
    )
    return KeySigner(key=key, certificate=cert.public_bytes(serialization.Encoding.DER))


@pytest.mark.parametrize(
    ("window", "foreign", "detail"),
    [
        pytest.param((-400, -30), False, "expired before 2026-11-26T08:00:00.000Z", id="expired"),
        pytest.param(
            (30, 400), False, "is not yet valid at 2026-11-26T08:00:00.000Z", id="not-yet-valid"
        ),
        pytest.param(
            (-30, 400), True, "does not chain to a configured trust anchor", id="foreign-ca"
        ),
    ],
)
def test_certificates_outside_their_validity_or_trust_are_refused(served, window, foreign, detail):
    import datetime as dt

    from beacon.party import Actor
    from beacon.store import LogRepository

    d, client = served
    now = dt.datetime.fromtimestamp(T0 / 1000, tz=dt.UTC)
    signer = _certificate(
        d,
        name="centre-x",
        not_before=now + dt.timedelta(days=window[0]),
        not_after=now + dt.timedelta(days=window[1]),
        foreign=foreign,
    )
    actor = Actor(
        signer,
        role="centre",
        tender_id="JS-2026-0142",
        now=d.clock.now_ms,
        random_bytes=d.entropy.random_bytes,
    )
    with d.runtime.database.read() as session:
        before = LogRepository(session).size()
    response = client.post(
        "/api/v1/statements", json=actor.register("agent", signer.certificate).to_dict()
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == before
