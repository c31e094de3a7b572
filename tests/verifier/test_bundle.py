"""The verifier on real proof bundles made by the service (PROTOCOL.md §14).

The expected values come from the service, the other implementation: the verifier's
recomputed summary must equal the one the service wrote, and the ceremony's seeds are
the ones it included.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from beacon.store import sqlite_url
from tests.service.deployment import PERIOD, open_deployment
from tests.service.test_draw_flow import bundle, record, run_to_result
from tests.verifier.conftest import Served
from verifier import identity, verify_bundle
from verifier.errors import ParseError

STEPS = [
    "format",
    "beacon-certificate",
    "log",
    "completeness",
    "time-of-record",
    "time-points",
    "signatures",
    "certificates",
    "roles",
    "publication",
    "commitments",
    "snapshot",
    "reveals",
    "seed-envelopes",
    "result",
    "vdf",
    "picks",
    "after-result",
    "summary",
]


def recomputed(values: dict) -> dict:
    return {k: values[k] for k in ("state", "output", "values", "derived", "seeds")}


def test_untampered_bundle_is_valid_with_its_own_anchors(drawn: Served):
    report = verify_bundle(drawn.bundle)
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert [c.name for c in report.checks] == STEPS
    assert report.values["anchors"] == {"source": "bundle", "count": 1}
    assert recomputed(report.values) == drawn.bundle["summary"]
    assert [s["status"] for s in report.values["seeds"]] == ["included"] * 5


def test_untampered_bundle_is_valid_with_given_anchors(drawn: Served):
    anchors = identity.load_pem(drawn.ca_pem.read_bytes(), "ca.pem")
    report = verify_bundle(drawn.bundle, anchors)
    assert report.valid
    assert report.values["anchors"] == {"source": "given", "count": 1}


def test_excluded_seeds_are_valid_and_reported(excluded: Served):
    """The agent neither revealed nor released: its seed and every bidder's are excluded, with reasons."""
    report = verify_bundle(excluded.bundle)
    assert report.valid, report.failed()
    assert recomputed(report.values) == excluded.bundle["summary"]
    statuses = [(s["role"], s["status"]) for s in report.values["seeds"]]
    assert (
        statuses
        == [("centre", "included"), ("agent", "not-revealed")]
        + [("bidder", "key-not-released")] * 3
    )
    detail = {c.name: c.detail for c in report.checks}
    assert detail["reveals"] == "revealed: ['centre']; not revealed: ['agent']"
    assert (
        detail["seed-envelopes"]
        == "keys released: ['centre']; bidder seeds: {'key-not-released': 3}"
    )
    assert detail["result"].startswith("1 of 5 seeds included")


def _foreign_ca() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "some other CA")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_anchors_the_service_does_not_use_reject_the_bundle(drawn: Served):
    report = verify_bundle(drawn.bundle, [_foreign_ca()])
    assert not report.valid
    assert set(report.failed()) == {"beacon-certificate", "certificates"}
    assert "does not chain to the anchors" in next(
        c.detail for c in report.checks if c.name == "certificates"
    )


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ([], "not a tender-beacon/v2/proof-bundle document"),
        ({"format": "tender-beacon/v2/receipt"}, "not a tender-beacon/v2/proof-bundle document"),
        ({}, "not a tender-beacon/v2/proof-bundle document"),
    ],
    ids=["list", "receipt", "empty"],
)
def test_not_a_bundle_is_unusable(doc: object, match: str):
    with pytest.raises(ParseError, match=match):
        verify_bundle(doc)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda b: b.pop("summary"), r"^bundle: missing member\(s\) \['summary'\]"),
        (lambda b: b.update(extra=1), r"^bundle: unknown member\(s\) \['extra'\]"),
        (
            lambda b: b["statements"][0].update(leaf_index=-1),
            r"^statements\[0\]\.leaf_index: expected an integer",
        ),
        (
            lambda b: b["seed_envelopes"].append(b["seed_envelopes"][0]),
            r"^seed_envelopes: a name appears twice",
        ),
        (
            lambda b: b["time_points"][0].update(name="later"),
            r"^time_points\[0\]\.name: 'later' does not match",
        ),
        (
            lambda b: b["definition"]["selections"][0].update(k=2),
            r"^definition\.selections\[0\]\.k: k = 2 does not fit",
        ),
        (
            lambda b: b.pop("witnesses"),
            r"^bundle: missing member\(s\) \['witnesses'\]",
        ),
        (
            lambda b: b["witnesses"][0]["pulse"]["pulse"].update(timeStamp=0),
            r"^witnesses\[0\]\.pulse\.pulse\.timeStamp: expected YYYY-MM-DDTHH:MM:SS\.sssZ, got 0",
        ),
    ],
    ids=[
        "missing-member",
        "unknown-member",
        "negative-leaf",
        "duplicate-envelope",
        "unknown-time-point",
        "bad-k",
        "no-witnesses",
        "witness-time-not-a-string",
    ],
)
def test_malformed_bundles_fail_the_format_check(drawn: Served, edit, match: str):
    doc = copy.deepcopy(drawn.bundle)
    edit(doc)
    report = verify_bundle(doc)
    assert [(c.name, c.ok) for c in report.checks] == [("format", False)]
    assert re.search(match, report.checks[0].detail)


def test_a_disputed_draw_bundled_after_its_window_verifies(tmp_path: Path):
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"))
    try:
        c = run_to_result(d)
        c.submit(c.bidders[0].object(c.definition.draw_id, "请核对候选值清单"))
        result = record(d).one("draw.result")
        d.advance_to(result.row.received_ms + 7 * PERIOD)  # two periods past the dispute window
        doc = bundle(d).to_dict()
    finally:
        d.runtime.close()
    assert doc["summary"]["state"] == "disputed"
    report = verify_bundle(doc)
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]


@pytest.mark.parametrize("phase", ["published", "committing", "revealing", "opening", "computing"])
def test_an_unfinished_draw_is_valid_and_incomplete(unfinished: dict[str, dict], phase: str):
    """§6.4: every statement so far verifies; the report says there is no result yet."""
    report = verify_bundle(unfinished[phase])
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert (report.values["state"], report.values["complete"]) == (phase, False)
    assert next(c.detail for c in report.checks if c.name == "result") == f"no result yet: {phase}"


def test_a_frozen_draw_cannot_hide_its_freeze(unfinished: dict[str, dict]):
    """Removing the freeze from a frozen draw's bundle is caught: the commit time point is there."""
    doc = copy.deepcopy(unfinished["revealing"])
    doc["statements"] = [
        x for x in doc["statements"] if x["signed"]["statement"]["kind"] != "draw.freeze"
    ]
    report = verify_bundle(doc)
    assert "commitments" in report.failed()
    assert (
        next(c.detail for c in report.checks if c.name == "commitments")
        == "the draw.freeze is missing"
    )
