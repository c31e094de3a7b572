"""Pulse format and chain rules (PROTOCOL.md §8).

Independent sources: real beacon.nist.gov pulses with NIST's certificate
(tests/vectors/pulse/nist-*, provenance in each file), whose signatures only
verify if our signing input is byte-for-byte NIST's; and signing inputs and
hashes rebuilt below with struct/hashlib from the text of PROTOCOL.md §8.2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.core import chain, merkle
from beacon.core.pulse import (
    EXTERNAL_SOURCE_ID,
    Pulse,
    verify_external,
    verify_pulse,
)
from beacon.core.timefmt import format_ms, parse_ms
from beacon.errors import EncodingError, VerificationError
from beacon.identity import ca
from tests.conftest import VECTORS

PULSE_VECTORS = sorted((VECTORS / "pulse").glob("*.json"))
PARSEABLE = [p for p in PULSE_VECTORS if json.loads(p.read_text())["expect"] != "parse-error"]
OUTCOMES = {
    "valid",
    "parse-error",
    "certificate-invalid",
    "signature-invalid",
    "output-invalid",
    "chain-invalid",
    "external-invalid",
}


def _der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


def _outcome_of(error: VerificationError) -> str:
    field = error.field or ""
    if field.startswith("external."):
        return "external-invalid"
    return {
        "certificateId": "certificate-invalid",
        "signatureValue": "signature-invalid",
        "outputValue": "output-invalid",
    }.get(field, "chain-invalid")


def run_vector(doc: dict[str, Any]) -> str:
    certificates = {k: _der(v) for k, v in doc["certificates"].items()}

    def certificate(cid: bytes) -> bytes:
        if cid.hex() not in certificates:
            raise VerificationError(f"no certificate {cid.hex()[:16]}", field="certificateId")
        return certificates[cid.hex()]

    try:
        pulses = [Pulse.from_json(p) for p in doc["pulses"]]
    except EncodingError:
        return "parse-error"
    verifier = chain.ChainVerifier(certificate)
    try:
        for pulse, head in zip(pulses, doc["tree_heads"], strict=True):
            verifier.add(pulse)
            if head is not None:
                verify_external(pulse, merkle.TreeHead.from_dict(head))
    except VerificationError as e:
        return _outcome_of(e)
    return "valid"


class TestVectors:
    @pytest.mark.parametrize("path", PULSE_VECTORS, ids=[p.stem for p in PULSE_VECTORS])
    def test_outcome(self, path: Path) -> None:
        doc = json.loads(path.read_text())
        assert doc["expect"] in OUTCOMES
        assert run_vector(doc) == doc["expect"]

    @pytest.mark.parametrize("path", PARSEABLE, ids=[p.stem for p in PARSEABLE])
    def test_round_trip(self, path: Path) -> None:
        doc = json.loads(path.read_text())
        for served in doc["pulses"]:
            assert Pulse.from_json(served).to_json() == served

    def test_real_nist_pulses_are_present(self) -> None:
        names = {p.stem for p in PULSE_VECTORS}
        assert {"nist-chain-1-pulse-1", "nist-chain-1-pulses-54609-54610"} <= names


def _chain_valid() -> tuple[list[Pulse], dict[str, bytes]]:
    doc = json.loads((VECTORS / "pulse" / "chain-valid.json").read_text())
    return [Pulse.from_json(p) for p in doc["pulses"]], {
        k: _der(v) for k, v in doc["certificates"].items()
    }


class TestSigningInput:
    def test_bytes_rebuilt_by_hand(self) -> None:
        pulses, _ = _chain_valid()
        p = pulses[1]

        def f(b: bytes) -> bytes:
            return struct.pack(">I", len(b)) + b

        expected = (
            f(p.uri.encode())
            + f(b"2.0")
            + struct.pack(">II", 0, 60000)
            + f(p.certificate_id)
            + struct.pack(">QQ", 1, 2)
            + f(b"2026-11-26T09:59:00.000Z")
            + f(p.local_random_value)
            + f(EXTERNAL_SOURCE_ID)
            + struct.pack(">I", 0)
            + f(p.external.value)
            + b"".join(f(v.value) for v in p.list_values)
            + f(p.precommitment_value)
            + struct.pack(">I", 0)
        )
        assert p.signing_input() == expected
        assert p.output_value == hashlib.sha512(expected + p.signature_value).digest()

    def test_external_source_id_by_hand(self) -> None:
        label, text = b"tender-beacon/v1/external-source", b"rfc9162-tree-head"
        manual = hashlib.sha512(
            struct.pack(">I", len(label)) + label + struct.pack(">I", len(text)) + text
        )
        assert manual.digest() == EXTERNAL_SOURCE_ID


class TestTime:
    @pytest.mark.parametrize(
        ("ms", "text"),
        [
            pytest.param(0, "1970-01-01T00:00:00.000Z", id="epoch"),
            pytest.param(1535651040000, "2018-08-30T17:44:00.000Z", id="nist-54610"),
            pytest.param(1709164800123, "2024-02-29T00:00:00.123Z", id="leap-day-ms"),
        ],
    )
    def test_round_trip(self, ms: int, text: str) -> None:
        assert format_ms(ms) == text
        assert parse_ms(text) == ms

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            pytest.param(
                "2018-08-30T17:44:00Z",
                "is not of the form YYYY-MM-DDTHH:MM:SS.sssZ",
                id="no-millis",
            ),
            pytest.param("2018-08-30 17:44:00.000Z", "is not of the form", id="space"),
            pytest.param("2018-08-30T17:44:00.000+00:00", "is not of the form", id="offset"),
            pytest.param("2018-02-30T17:44:00.000Z", "not a valid date and time", id="feb-30"),
        ],
    )
    def test_rejects(self, text: str, message: str) -> None:
        with pytest.raises(EncodingError, match=message):
            parse_ms(text)


def _served() -> dict[str, Any]:
    doc = json.loads((VECTORS / "pulse" / "chain-valid.json").read_text())
    return doc["pulses"][1]


def _edit(path: list[Any], value: Any) -> dict[str, Any]:
    served = json.loads(json.dumps(_served()))
    target = served["pulse"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return served


class TestParseRejects:
    @pytest.mark.parametrize(
        ("document", "message"),
        [
            pytest.param({"pulse": {}}, r"missing member\(s\)", id="empty"),
            pytest.param(
                {**_served(), "more": 1},
                r"document: unknown member\(s\) \['more'\]",
                id="outer-extra",
            ),
            pytest.param(
                _edit(["cipherSuite"], True), "cipherSuite: expected an integer", id="bool-suite"
            ),
            pytest.param(
                _edit(["external"], [{}]),
                "pulse.external: expected a JSON object",
                id="clcert-list",
            ),
            pytest.param(
                _edit(["listValues", 1, "type"], "day"),
                r"listValues\[1\].type: expected 'hour'",
                id="list-order",
            ),
            pytest.param(
                _edit(["listValues", 0, "uri"], 5), "expected a string or null", id="uri-type"
            ),
            pytest.param(_edit(["listValues"], []), "a list of 5 objects", id="list-short"),
            pytest.param(
                _edit(["outputValue"], "aB" * 64), "hex digits of one case", id="mixed-case"
            ),
            pytest.param(
                _edit(["outputValue"], "AB" * 63),
                r"expected 64 bytes \(128 hex digits\)",
                id="short",
            ),
            pytest.param(_edit(["version"], "Version 1.0"), "expected one of", id="version"),
            pytest.param(
                _edit(["timeStamp"], "2026-11-26T09:59:00Z"),
                "pulse.timeStamp: .* is not of the form",
                id="time",
            ),
        ],
    )
    def test_from_json(self, document: dict[str, Any], message: str) -> None:
        with pytest.raises(EncodingError, match=message):
            Pulse.from_json(document)

    def test_lower_case_hex_is_accepted(self) -> None:
        # Other 2.0 beacons (e.g. Inmetro) serve lower-case hex; the signed bytes are the same.
        served = _served()
        lower = _edit(["outputValue"], served["pulse"]["outputValue"].lower())
        assert Pulse.from_json(lower) == Pulse.from_json(served)


class TestVerifyPulse:
    def test_other_cipher_suite(self) -> None:
        pulses, certs = _chain_valid()
        with pytest.raises(VerificationError, match="cipherSuite 1 is not supported"):
            verify_pulse(replace(pulses[0], cipher_suite=1), certs[pulses[0].certificate_id.hex()])

    def test_non_rsa_certificate(self, tmp_path: Path) -> None:
        ca.init_ca(
            tmp_path, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), bidders=0, signer_bits=2048
        )
        der = ca.load_certificate(tmp_path / "agent.pem").public_bytes(serialization.Encoding.DER)
        pulses, _ = _chain_valid()
        forged = replace(pulses[0], certificate_id=hashlib.sha512(der).digest())
        with pytest.raises(VerificationError, match="cipherSuite 0 needs an RSA certificate"):
            verify_pulse(forged, der)


class TestChainRules:
    @pytest.mark.parametrize(
        ("kind", "ms", "start"),
        [
            pytest.param(
                "hour",
                parse_ms("2026-11-26T10:59:59.999Z"),
                "2026-11-26T10:00:00.000Z",
                id="hour",
            ),
            pytest.param(
                "day", parse_ms("2026-11-26T10:01:00.000Z"), "2026-11-26T00:00:00.000Z", id="day"
            ),
            pytest.param(
                "month",
                parse_ms("2024-02-29T23:00:00.000Z"),
                "2024-02-01T00:00:00.000Z",
                id="month",
            ),
            pytest.param(
                "year",
                parse_ms("2026-12-31T23:59:00.000Z"),
                "2026-01-01T00:00:00.000Z",
                id="year",
            ),
        ],
    )
    def test_period_start(self, kind: str, ms: int, start: str) -> None:
        assert chain.period_start(kind, ms) == parse_ms(start)
        assert chain.period_key(kind, ms) == chain.period_key(kind, parse_ms(start))
        assert chain.period_key(kind, parse_ms(start) - 1) != chain.period_key(kind, ms)

    @pytest.mark.parametrize(
        ("gap_periods", "new_certificate", "status"),
        [
            pytest.param(1, False, 0, id="next"),
            pytest.param(3, False, 2, id="gap"),
            pytest.param(1, True, 4, id="certificate"),
            pytest.param(5, True, 6, id="both"),
        ],
    )
    def test_status_for(self, gap_periods: int, new_certificate: bool, status: int) -> None:
        pulses, _ = _chain_valid()
        previous = pulses[1]
        cid = bytes(64) if new_certificate else previous.certificate_id
        time_ms = previous.time_ms + gap_periods * previous.period
        assert (
            chain.status_for(previous, time_ms=time_ms, period=previous.period, certificate_id=cid)
            == status
        )
        assert (
            chain.status_for(None, time_ms=time_ms, period=previous.period, certificate_id=cid) == 1
        )

    @pytest.mark.parametrize(
        ("time_offset", "chain_index", "message"),
        [
            pytest.param(30_000, 1, "not a period boundary", id="half-period"),
            pytest.param(0, 1, "not a period boundary", id="same-time"),
            pytest.param(60_000, 2, "on chain 1, not 2", id="other-chain"),
        ],
    )
    def test_next_pulse_rejects(self, time_offset: int, chain_index: int, message: str) -> None:
        pulses, _ = _chain_valid()
        previous = pulses[-1]
        with pytest.raises(ValueError, match=message):
            chain.next_pulse(
                previous=previous,
                first_in_period=lambda kind: chain.PulseRef.of(previous),
                chain_index=chain_index,
                time_ms=previous.time_ms + time_offset,
                period=previous.period,
                base_uri="https://x",
                certificate_id=previous.certificate_id,
                local_random_value=bytes(64),
                precommitment_value=bytes(64),
                external=previous.external,
            )

    def test_verification_may_start_mid_chain(self) -> None:
        pulses, certs = _chain_valid()
        verifier = chain.ChainVerifier(lambda cid: certs[cid.hex()])
        for pulse in pulses[2:]:
            verifier.add(pulse)
        assert verifier.count == 4

    @pytest.mark.parametrize(
        ("order", "message"),
        [
            pytest.param([0, 2], "expected pulse 1/2 next", id="skipped"),
            pytest.param([0, 0], "expected pulse 1/2 next", id="repeated"),
        ],
    )
    def test_order(self, order: list[int], message: str) -> None:
        pulses, certs = _chain_valid()
        verifier = chain.ChainVerifier(lambda cid: certs[cid.hex()])
        verifier.add(pulses[order[0]])
        with pytest.raises(VerificationError, match=message):
            verifier.add(pulses[order[1]])
