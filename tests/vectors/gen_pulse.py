"""Pulse vectors (PROTOCOL.md §8): real NIST pulses and a project chain.

Outcomes (closed set): ``valid``, ``parse-error``, ``certificate-invalid``,
``signature-invalid``, ``output-invalid``, ``chain-invalid``, ``external-invalid``.

Each document holds ``certificates`` (certificateId hex → PEM), ``pulses`` (the
``{"pulse": ...}`` documents in chain order, as served) and ``tree_heads`` (per
pulse, the tree head its external value commits to, or null for NIST pulses). A
verifier checks the pulses as one chain segment and reports the first failure.

The project chain is signed by two fixed 2048-bit RSA test keys stored in
``data/`` (RSA PKCS#1 v1.5 is deterministic) behind self-signed certificates with
fixed dates and serials, so every byte is reproducible.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from beacon.core import chain, labels, merkle
from beacon.core.encoding import sha512_fields, uint
from beacon.core.pulse import Pulse, certificate_id, precommitment, sign, tree_head_external
from beacon.identity.signer import RsaPulseSigner

DATA = Path(__file__).resolve().parent / "data"
BASE = "https://beacon.example.org"
PERIOD = 60_000
T0 = 1795687080000  # 2026-11-26T09:58:00.000Z


def _signer(name: str) -> RsaPulseSigner:
    key = serialization.load_pem_private_key((DATA / f"pulse-signer-{name}.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tender-beacon test vectors"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "centre"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"beacon-signer-{name}"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(0x7E57 + ord(name))
        .not_valid_before(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2036, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return RsaPulseSigner(key, certificate)


def _pem(signer: RsaPulseSigner) -> str:
    return (
        x509.load_der_x509_certificate(signer.certificate_der)
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )


def _random(i: int) -> bytes:
    return sha512_fields(labels.DEMO_SEED, b"pulse-vector-local-random", uint(i, 64))


def _tree_head(size: int) -> merkle.TreeHead:
    leaves = [merkle.leaf_hash(f"vector leaf {i}".encode()) for i in range(size)]
    return merkle.TreeHead(size, merkle.root(leaves))


# (minutes after T0, signer, tree size): a new hour at 10:00, a gap after 10:01
# (10:02 and 10:03 missed), and a certificate change at 10:05.
PLAN = [(0, "a", 0), (1, "a", 1), (2, "a", 3), (3, "a", 3), (6, "a", 7), (7, "b", 8)]


def project_chain(
    **override: Any,
) -> tuple[list[Pulse], list[merkle.TreeHead], dict[str, RsaPulseSigner]]:
    """The project chain; ``override`` maps a pulse index to changes made before signing."""
    signers = {"a": _signer("a"), "b": _signer("b")}
    pulses: list[Pulse] = []
    heads: list[merkle.TreeHead] = []
    for i, (minutes, key, size) in enumerate(PLAN):
        head = _tree_head(size)
        signer = signers[key]

        def first_in_period(kind: str) -> chain.PulseRef:
            start = chain.period_start(kind, pulses[-1].time_ms)
            return chain.PulseRef.of(next(p for p in pulses if p.time_ms >= start))

        unsigned = chain.next_pulse(
            previous=pulses[-1] if pulses else None,
            first_in_period=first_in_period,
            chain_index=1,
            time_ms=T0 + minutes * PERIOD,
            period=PERIOD,
            base_uri=BASE,
            certificate_id=certificate_id(signer.certificate_der),
            local_random_value=_random(i),
            precommitment_value=precommitment(_random(i + 1)),
            external=tree_head_external(head),
        )
        changes = override.get(str(i + 1), {})
        pulses.append(sign(replace(unsigned, **changes), signer))
        heads.append(head)
    return pulses, heads, signers


def _doc(
    comment: str,
    provenance: str,
    expect: str,
    pulses: list[dict[str, Any]],
    heads: list[merkle.TreeHead | None],
    certificates: dict[str, str],
) -> dict[str, Any]:
    return {
        "comment": comment,
        "provenance": provenance,
        "expect": expect,
        "certificates": certificates,
        "pulses": pulses,
        "tree_heads": [h.to_dict() if h else None for h in heads],
    }


PROJECT = (
    "tests/vectors/gen_pulse.py: beacon.core.chain.next_pulse + beacon.core.pulse.sign "
    "with the fixed test keys in tests/vectors/data; the signing input layout is the one "
    "that verifies the real NIST "
    "pulses in nist-* vectors"
)


def _project_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    pulses, heads, signers = project_chain()
    certs = {certificate_id(s.certificate_der).hex(): _pem(s) for s in signers.values()}
    docs = [p.to_json() for p in pulses]
    yield (
        "chain-valid",
        _doc(
            "A six-pulse chain: chain start (status 1), a new UTC hour, "
            "a two-period gap (status 2) and a "
            "certificate change (status 4); every external value commits to a log tree head.",
            PROJECT,
            "valid",
            docs,
            list(heads),
            certs,
        ),
    )

    def tampered(
        name: str, comment: str, expect: str, edit: Any, certificates: dict[str, str] = certs
    ) -> None:
        changed = copy.deepcopy(docs)
        edit(changed)
        cases.append(
            (
                name,
                _doc(
                    comment,
                    PROJECT + "; then edited as the comment says",
                    expect,
                    changed,
                    list(heads),
                    certificates,
                ),
            )
        )

    def flip(hex_text: str) -> str:
        return ("0" if hex_text[0] != "0" else "1") + hex_text[1:]

    cases: list[tuple[str, dict[str, Any]]] = []
    tampered(
        "signature-flipped",
        "Pulse 2's signatureValue with its first hex digit changed.",
        "signature-invalid",
        lambda d: d[1]["pulse"].update(signatureValue=flip(d[1]["pulse"]["signatureValue"])),
    )
    tampered(
        "time-stamp-edited",
        "Pulse 2's timeStamp moved by one second after signing.",
        "signature-invalid",
        lambda d: d[1]["pulse"].update(timeStamp="2026-11-26T09:59:01.000Z"),
    )
    tampered(
        "output-flipped",
        "Pulse 3's outputValue with its first hex digit changed.",
        "output-invalid",
        lambda d: d[2]["pulse"].update(outputValue=flip(d[2]["pulse"]["outputValue"])),
    )
    wrong = {k: certs[next(iter(certs))] for k in certs}
    tampered(
        "certificate-swapped",
        "The second certificate is served under the first one's id.",
        "certificate-invalid",
        lambda d: None,
        certificates=wrong,
    )
    tampered(
        "unknown-member",
        "Pulse 1 carries an extra member.",
        "parse-error",
        lambda d: d[0]["pulse"].update(extra=1),
    )
    tampered(
        "non-hex",
        "Pulse 1's localRandomValue has a non-hex digit.",
        "parse-error",
        lambda d: d[0]["pulse"].update(
            localRandomValue="G" + d[0]["pulse"]["localRandomValue"][1:]
        ),
    )
    tampered(
        "version-unknown",
        "Pulse 1 claims version 3.0.",
        "parse-error",
        lambda d: d[0]["pulse"].update(version="3.0"),
    )
    yield from cases

    base = project_chain()[0]
    wrong_previous = list(base[3].list_values)
    wrong_previous[0] = replace(wrong_previous[0], value=base[1].output_value, uri=base[1].uri)
    resigned = [
        (
            "precommitment-broken",
            {"4": {"local_random_value": _random(99)}},
            "Pulse 4 is validly signed but its localRandomValue is not "
            "the one pulse 3 precommitted to.",
        ),
        (
            "gap-unflagged",
            {"5": {"status_code": 0}},
            "Pulse 5 follows a two-period gap but is validly signed "
            "with statusCode 0 instead of 2.",
        ),
        (
            "certificate-change-unflagged",
            {"6": {"status_code": 0}},
            "Pulse 6 is signed by a new certificate but carries statusCode 0 instead of 4.",
        ),
        (
            "previous-link-wrong",
            {"4": {"list_values": tuple(wrong_previous)}},
            "Pulse 4 is validly signed but its previous link is pulse 2's output.",
        ),
        (
            "hour-link-wrong",
            {"4": {"list_values": base[3].list_values[:1] + base[2].list_values[1:]}},
            "Pulse 4 (10:01) is validly signed but its hour link points to 09:58, not to 10:00.",
        ),
        (
            "external-other-tree-head",
            {"3": {"external": tree_head_external(_tree_head(2))}},
            "Pulse 3 is validly signed but commits to tree size 2 while the log served size 3.",
        ),
    ]
    for name, override, comment in resigned:
        changed = project_chain(**override)[0]
        expect = "external-invalid" if name.startswith("external") else "chain-invalid"
        yield (
            name,
            _doc(
                comment,
                PROJECT + "; re-signed with the change so only the chain rule fails",
                expect,
                [p.to_json() for p in changed],
                list(heads),
                certs,
            ),
        )


def _nist_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    data = json.loads((DATA / "nist-pulses.json").read_text())
    source = data["source"]
    pem = (DATA / "nist-beacon-2018.pem").read_text()
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    certs = {certificate_id(der).hex(): pem}
    provenance = (
        f"Real beacon.nist.gov pulses: {source['repository']}, {source['path']}, "
        f"commit {source['commit']}. "
        f"{source['note']}"
    )
    first, p54609, p54610 = data["pulses"]
    yield (
        "nist-chain-1-pulse-1",
        _doc(
            "NIST chain 1's first pulse (statusCode 1, null link URIs, version 'Version 2.0').",
            provenance,
            "valid",
            [first],
            [None],
            certs,
        ),
    )
    yield (
        "nist-chain-1-pulses-54609-54610",
        _doc(
            "Two consecutive NIST pulses: signature, output, precommitment "
            "and previous link all check.",
            provenance,
            "valid",
            [p54609, p54610],
            [None, None],
            certs,
        ),
    )
    edited = copy.deepcopy(p54610)
    edited["pulse"]["timeStamp"] = "2018-08-30T17:45:00.000Z"
    yield (
        "nist-pulse-54610-time-edited",
        _doc(
            "NIST pulse 54610 with its timeStamp moved one minute: "
            "the real signature no longer verifies.",
            provenance + " Edited here.",
            "signature-invalid",
            [edited],
            [None],
            certs,
        ),
    )


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from _project_cases()
    yield from _nist_cases()
