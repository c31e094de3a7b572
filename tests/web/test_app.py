"""The HTTP API: NIST paths, the log API, cache headers, problem+json, OpenAPI.

Each test gets a fresh app over a fresh database, filled by a real pulser on a
fake clock. Proofs served over HTTP are checked with beacon.core.merkle (itself
checked against RFC 9162 vectors) and pulses with the chain verifier (checked
against real NIST pulses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskClient

from beacon.core import chain, merkle
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse, verify_external
from beacon.core.timefmt import parse_ms
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner
from beacon.service.clock import FakeClock
from beacon.service.entropy import DeterministicEntropy
from beacon.service.pulser import Pulser, PulserConfig
from beacon.store import Database, LogRepository, sqlite_url
from beacon.web import create_app

PERIOD = 60_000
T0 = parse_ms("2026-11-26T09:00:00.000Z")
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> RsaPulseSigner:
    directory = tmp_path_factory.mktemp("ca")
    ca.init_ca(directory, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), bidders=0, signer_bits=2048)
    return RsaPulseSigner.from_files(
        directory / "beacon-signer.key", directory / "beacon-signer.pem"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def app(tmp_path: Path, signer: RsaPulseSigner, clock: FakeClock) -> Iterator[Flask]:
    """Five pulses at T0 … T0+4 periods, with 2, 4, … 10 log entries; now = T0 + 4.5 periods."""
    url = sqlite_url(tmp_path / "beacon.sqlite3")
    database = Database(url)
    database.upgrade()
    pulser = Pulser(
        database, signer, clock, DeterministicEntropy(b"web"), PulserConfig(period_ms=PERIOD)
    )
    for i in range(5):
        if i:
            clock.advance(PERIOD)
        with database.write() as session:
            LogRepository(session).append_many(
                [b"entry %d" % (2 * i), b"entry %d" % (2 * i + 1)], now_ms=0
            )
        pulser.emit_due()
    clock.advance(PERIOD // 2)
    app = create_app(
        {"DATABASE_URL": url, "PULSE_PERIOD_MS": PERIOD, "BEACON_CLOCK": clock, "TESTING": True}
    )
    yield app
    database.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def pulse_of(response: Any) -> Pulse:
    return Pulse.from_json(response.get_json())


class TestNistPaths:
    @pytest.mark.parametrize(
        ("path", "pulse_index", "cache"),
        [
            pytest.param("/beacon/2.0/pulse/last", 5, "public, max-age=30", id="last"),
            pytest.param("/beacon/2.0/chain/1/pulse/3", 3, IMMUTABLE, id="by-index"),
            pytest.param(
                "/beacon/2.0/chain/1/pulse/last", 5, "public, max-age=30", id="chain-last"
            ),
            pytest.param(
                "/beacon/2.0/chain/last/pulse/1", 1, "public, max-age=30", id="last-chain-first"
            ),
            pytest.param(f"/beacon/2.0/pulse/time/{T0 + PERIOD}", 2, IMMUTABLE, id="time-exact"),
            pytest.param(
                f"/beacon/2.0/pulse/time/{T0 + PERIOD + 1}", 3, IMMUTABLE, id="time-next-closest"
            ),
            pytest.param(f"/beacon/2.0/pulse/time/next/{T0 + PERIOD}", 3, IMMUTABLE, id="next"),
            pytest.param(
                f"/beacon/2.0/pulse/time/previous/{T0 + PERIOD}", 1, IMMUTABLE, id="previous"
            ),
            pytest.param(
                f"/beacon/2.0/pulse/time/previous/{T0 + 9 * PERIOD}",
                5,
                "public, max-age=30",
                id="previous-open",
            ),
        ],
    )
    def test_pulse(self, client: FlaskClient, path: str, pulse_index: int, cache: str) -> None:
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        assert pulse_of(response).pulse_index == pulse_index
        assert response.headers["Cache-Control"] == cache

    @pytest.mark.parametrize(
        ("path", "cache"),
        [
            pytest.param(
                f"/beacon/2.0/pulse/time/{T0 + 10 * PERIOD}",
                "public, max-age=330",
                id="future-time",
            ),
            pytest.param("/beacon/2.0/chain/1/pulse/6", "public, max-age=30", id="next-index"),
            pytest.param("/beacon/2.0/chain/2/pulse/1", "public, max-age=30", id="no-chain"),
            pytest.param(
                f"/beacon/2.0/pulse/time/previous/{T0}", "public, max-age=30", id="before-first"
            ),
            pytest.param(
                f"/beacon/2.0/pulse/time/next/{T0 + 4 * PERIOD}",
                "public, max-age=30",
                id="after-last",
            ),
        ],
    )
    def test_not_found_expires_when_due(self, client: FlaskClient, path: str, cache: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.headers["Cache-Control"] == cache
        assert response.get_json()["status"] == 404

    def test_served_bytes_are_the_stored_bytes(self, client: FlaskClient) -> None:
        first = client.get("/beacon/2.0/chain/1/pulse/2").data
        again = client.get(f"/beacon/2.0/pulse/time/{T0 + PERIOD}").data
        assert first == again
        assert json.loads(first) == pulse_of(client.get("/beacon/2.0/chain/1/pulse/2")).to_json()

    def test_certificate_and_whole_chain_verify(self, client: FlaskClient, app: Flask) -> None:
        pulses = [pulse_of(client.get(f"/beacon/2.0/chain/1/pulse/{i}")) for i in range(1, 6)]
        cid = pulses[0].certificate_id.hex()
        response = client.get(f"/beacon/2.0/certificate/{cid}")
        assert response.status_code == 200 and response.headers["Cache-Control"] == IMMUTABLE
        der = x509.load_pem_x509_certificate(response.data).public_bytes(serialization.Encoding.DER)
        assert hashlib.sha512(der).hexdigest() == cid
        verifier = chain.ChainVerifier(lambda _: der)
        exported = client.get("/api/v1/chains/1/pulses?start=1&end=6").get_json()
        heads = {h["tree_size"]: TreeHead.from_dict(h) for h in exported["tree_heads"]}
        for pulse, document in zip(pulses, exported["pulses"], strict=True):
            assert document == pulse.to_json()
            verifier.add(pulse)
        for pulse, size in zip(pulses, (2, 4, 6, 8, 10), strict=True):
            verify_external(pulse, heads[size])

    @pytest.mark.parametrize(
        "path",
        ["/beacon/2.0/certificate/zz", "/beacon/2.0/certificate/" + "00" * 64],
        ids=["not-hex", "unknown"],
    )
    def test_certificate_not_found(self, client: FlaskClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


class TestLogApi:
    def test_tree_heads(self, client: FlaskClient) -> None:
        leaves = [merkle.leaf_hash(b"entry %d" % i) for i in range(10)]
        now = client.get("/api/v1/log/tree-head")
        assert now.headers["Cache-Control"] == "no-store"
        assert TreeHead.from_dict(now.get_json()) == TreeHead(10, merkle.root(leaves))
        past = client.get("/api/v1/log/tree-heads/4")
        assert past.headers["Cache-Control"] == IMMUTABLE
        assert TreeHead.from_dict(past.get_json()) == TreeHead(4, merkle.root(leaves[:4]))

    def test_leaves(self, client: FlaskClient) -> None:
        one = client.get("/api/v1/log/leaves/3").get_json()
        assert one == {
            "leaf_index": 3,
            "entry": b"entry 3".hex(),
            "leaf_hash": merkle.leaf_hash(b"entry 3").hex(),
        }
        some = client.get("/api/v1/log/leaves?start=8&end=20")
        assert [x["leaf_index"] for x in some.get_json()["leaves"]] == [8, 9]
        assert some.headers["Cache-Control"] == "no-store"  # the range is still open

    @pytest.mark.parametrize("size", [None, 7, 10])
    def test_inclusion_proofs_verify(self, client: FlaskClient, size: int | None) -> None:
        query = "" if size is None else f"?tree_size={size}"
        for index in range(size or 10):
            body = client.get(f"/api/v1/log/inclusion-proof/{index}{query}").get_json()
            head = TreeHead.from_dict(body["tree_head"])
            proof = [bytes.fromhex(h) for h in body["proof"]]
            merkle.verify_inclusion(
                index, head.tree_size, merkle.leaf_hash(b"entry %d" % index), proof, head.root_hash
            )

    @pytest.mark.parametrize(("first", "second"), [(1, 10), (3, 7), (4, 8), (10, 10)])
    def test_consistency_proofs_verify(self, client: FlaskClient, first: int, second: int) -> None:
        response = client.get(f"/api/v1/log/consistency-proof?first={first}&second={second}")
        assert response.headers["Cache-Control"] == IMMUTABLE
        body = response.get_json()
        h1, h2 = TreeHead.from_dict(body["tree_head_1"]), TreeHead.from_dict(body["tree_head_2"])
        proof = [bytes.fromhex(h) for h in body["proof"]]
        merkle.verify_consistency(h1.tree_size, h2.tree_size, h1.root_hash, h2.root_hash, proof)

    @pytest.mark.parametrize(
        ("path", "status", "detail"),
        [
            pytest.param("/api/v1/log/leaves/10", 404, "no log leaf 10", id="leaf"),
            pytest.param(
                "/api/v1/log/tree-heads/11", 404, "the log has 10 entries, not 11", id="size"
            ),
            pytest.param(
                "/api/v1/log/inclusion-proof/7?tree_size=7",
                404,
                "not in the tree of size 7",
                id="incl",
            ),
            pytest.param(
                "/api/v1/log/inclusion-proof/1?tree_size=x",
                400,
                "tree_size: expected a non-negative",
                id="q",
            ),
            pytest.param(
                "/api/v1/log/consistency-proof?second=3", 400, "first: required", id="no-first"
            ),
            pytest.param(
                "/api/v1/log/consistency-proof?first=0",
                422,
                "from tree size 0 to 10",
                id="from-zero",
            ),
            pytest.param(
                "/api/v1/log/consistency-proof?first=5&second=4",
                422,
                "from tree size 5 to 4",
                id="down",
            ),
        ],
    )
    def test_problems(self, client: FlaskClient, path: str, status: int, detail: str) -> None:
        response = client.get(path)
        assert response.status_code == status
        assert response.mimetype == "application/problem+json"
        assert detail in response.get_json()["detail"]


class TestFramework:
    def test_openapi_documents_exactly_the_rules(self, app: Flask, client: FlaskClient) -> None:
        document = client.get("/openapi.json").get_json()
        assert document["openapi"] == "3.1.0"
        rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()}
        assert rules == set(document["paths"])
        for path, item in document["paths"].items():
            declared = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path

    def test_method_not_allowed_is_a_problem(self, client: FlaskClient) -> None:
        response = client.post("/beacon/2.0/pulse/last")
        assert response.status_code == 405 and response.mimetype == "application/problem+json"

    def test_request_size_limit(self, tmp_path: Path) -> None:
        url = sqlite_url(tmp_path / "x.sqlite3")
        app = create_app({"DATABASE_URL": url, "MAX_CONTENT_LENGTH": 100})
        response = app.test_client().get("/openapi.json", data=b"x" * 101)
        assert response.status_code == 413 and response.mimetype == "application/problem+json"

    def test_database_down_is_503_with_retry_after(self, tmp_path: Path) -> None:
        app = create_app({"DATABASE_URL": sqlite_url(tmp_path / "missing" / "x.sqlite3")})
        response = app.test_client().get("/beacon/2.0/pulse/last")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["title"] == "InfrastructureError"

    def test_create_app_needs_a_database(self) -> None:
        with pytest.raises(ValueError, match="create_app needs DATABASE_URL"):
            create_app({})


class TestAsciiDigits:
    """PROTOCOL.md §1: numbers in paths are ASCII digits (werkzeug's ``\\d`` is not enough);
    the pulse explorer's queries: tests/web/test_pages.py::test_lookup_problems."""

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            pytest.param("/beacon/2.0/chain/1/pulse/3", 200, id="ascii"),
            pytest.param("/beacon/2.0/chain/１/pulse/３", 404, id="full-width-path"),
            pytest.param("/beacon/2.0/chain/1/pulse/٣", 404, id="arabic-indic-path"),
            pytest.param(f"/beacon/2.0/pulse/time/{T0}", 200, id="ascii-time"),
            pytest.param(
                f"/beacon/2.0/pulse/time/{str(T0).replace('1', '١')}", 404, id="arabic-time"
            ),
        ],
    )
    def test_non_ascii_digits_name_nothing(self, client: FlaskClient, path: str, status: int):
        assert client.get(path).status_code == status
