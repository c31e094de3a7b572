"""``beacon-verify tender`` on a real tender bundle: VALID as served, INVALID once tampered.

The fixture runs a whole bid opening through the service (an honest bid, a bid whose
bidder broke its header MAC, a bid whose bidder broke its payload), serves the tender
bundle over HTTP and checks it offline and ``--from`` the beacon; then every member
of the bundle is edited or left out, and the verifier must say INVALID.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from werkzeug.serving import make_server

from beacon.store import sqlite_url
from beacon.web import create_app
from tests.conftest import ROOT
from tests.service.deployment import Deployment, open_deployment
from tests.service.test_bid_opening import (
    BID_DEADLINE,
    RELEASE_DEADLINE,
    Opening,
    _bad_mac,
    _bad_payload,
)
from tests.verifier.test_tamper import UNSIGNED, dotted, leaves, mutate, put
from verifier.cli import INVALID, UNANCHORED, VALID, main
from verifier.errors import ParseError
from verifier.tender import verify_tender

TENDER = "JS-2026-0142"


@dataclass
class Opened:
    deployment: Deployment
    bundle: dict[str, Any]
    url: str


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Opened]:
    tmp = tmp_path_factory.mktemp("tender")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"), bidders=4)
    o = Opening(d)
    o.prepare()
    o.seal(0, b"bid price: 12,345,678.00 CNY\n")
    o.seal(1, b"bad mac", tamper=_bad_mac)
    o.seal(2, bytes(range(256)) * 300, tamper=_bad_payload)
    d.advance_to(BID_DEADLINE)
    o.release("agent")
    o.release("centre")
    d.runtime.worker("w").run_once()
    d.advance_to(RELEASE_DEADLINE)  # so that the bundle has both time points
    doc = o.bundle()
    app = create_app({"TESTING": True}, runtime=d.runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Opened(d, doc, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join()
    d.runtime.close()


def _statement(doc: dict[str, Any], kind: str, role: str | None = None) -> int:
    return next(
        i
        for i, s in enumerate(doc["statements"])
        if s["signed"]["statement"]["kind"] == kind
        and (role is None or s["signed"]["statement"]["role"] == role)
    )


def test_the_served_bundle_is_the_built_one_and_verifies(opened: Opened):
    with urllib.request.urlopen(f"{opened.url}/api/v1/tenders/{TENDER}/proof") as r:
        served = json.loads(r.read())
    assert served == opened.bundle
    report = verify_tender(served)
    assert report.valid, report.lines()
    assert [(b["status"], b["reason"], b["checked"]) for b in report.values["bids"]] == [
        ("opened", "", "shares and MAC rechecked; payload not"),
        ("bidder-fault", "header-mac-mismatch", "rechecked"),
        ("bidder-fault", "payload-auth-failed", "shares and MAC rechecked; payload not"),
    ]
    assert not any("payload" in m for m in map(json.dumps, served["bid_headers"]))


def test_the_bundle_fits_its_schema_which_shares_the_proof_bundles_definitions(opened: Opened):
    schema = json.loads((ROOT / "docs" / "tender-bundle.schema.json").read_text())
    jsonschema.validate(opened.bundle, schema)
    draw = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())["$defs"]
    own = copy.deepcopy(schema["$defs"])
    assert own["statement"]["properties"].pop("kind") != draw["statement"]["properties"]["kind"]
    own["statement"]["properties"]["kind"] = draw["statement"]["properties"]["kind"]
    own["statement"]["properties"]["subject"] = draw["statement"]["properties"]["subject"]
    own["time_point"]["properties"]["name"] = draw["time_point"]["properties"]["name"]
    assert own == {k: draw[k] for k in own}


@pytest.mark.parametrize(
    ("tender", "detail"),
    [
        ("NO-SUCH-TENDER", "no tender 'NO-SUCH-TENDER'"),
        ("JS-2026-0143", "tender JS-2026-0143 has no bid opening: no tender.publish is logged"),
    ],
    ids=["unknown", "registrations-only"],
)
def test_a_tender_without_a_bid_opening_is_404(opened: Opened, tender: str, detail: str):
    d = opened.deployment
    if tender == "JS-2026-0143":  # a tender whose only statements are registrations
        centre = d.actor("centre", "centre", tender=tender)
        d.runtime.ledger.submit(centre.register("agent", d.actor("agent", "agent").certificate))
    with pytest.raises(urllib.error.HTTPError, match="404") as e:
        urllib.request.urlopen(f"{opened.url}/api/v1/tenders/{tender}/proof")
    assert json.loads(e.value.read())["detail"] == detail


def test_cli_offline_and_from_the_beacon(opened: Opened, tmp_path: Path, capsys):
    path = tmp_path / "tender.json"
    path.write_text(json.dumps(opened.bundle))
    assert main(["tender", str(path), "--anchors", str(opened.deployment.ca_dir / "ca.pem")]) == (
        VALID
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "trust anchors: those given with --anchors"
    assert f"tender {TENDER}: opened" in out
    assert any(
        re.fullmatch(
            rf"  {TENDER}-bid-2 of [0-9a-f]{{16}}…: bidder-fault \(header-mac-mismatch\); rechecked",
            line,
        )
        for line in out
    )
    assert out[-1] == "VALID"
    # Without --anchors every check passes against the bundle's own anchors: not a verdict.
    assert main(["tender", TENDER, "--from", opened.url, "--save", str(tmp_path / "s.json")]) == (
        UNANCHORED
    )
    assert json.loads((tmp_path / "s.json").read_text()) == opened.bundle
    capsys.readouterr()
    bad = copy.deepcopy(opened.bundle)
    del bad["bid_headers"][0]
    path.write_text(json.dumps(bad))
    assert main(["tender", str(path)]) == INVALID
    assert "✗ bids: bid_headers" in capsys.readouterr().out


def _edit_opening_status(doc):
    i = _statement(doc, "tender.opening")
    doc["statements"][i]["signed"]["statement"]["body"]["openings"][1]["status"] = "opened"


def _swap_headers(doc):
    h = doc["bid_headers"]
    h[0]["header"], h[2]["header"] = h[2]["header"], h[0]["header"]


def _flip_mac(doc):
    mac = doc["bid_headers"][0]["mac"]
    doc["bid_headers"][0]["mac"] = mac[:-1] + format(int(mac[-1], 16) ^ 1, "x")


def _omit_bid(doc):
    del doc["statements"][_statement(doc, "envelope.submit")]
    del doc["bid_headers"][0]


def _omit_release(doc):
    del doc["statements"][_statement(doc, "tender.key_release", "centre")]


def _omit_key(doc):
    del doc["statements"][_statement(doc, "tender.opening_key", "centre")]


def _omit_release_point(doc):
    doc["time_points"] = [t for t in doc["time_points"] if t["name"] != "release"]


def _omit_registration(doc):  # the centre's registration of the agent
    del doc["statements"][_statement(doc, "tender.register", "centre")]


@pytest.mark.parametrize(
    ("edit", "check", "match"),
    [
        (_edit_opening_status, "signatures", "signature"),
        (_swap_headers, "bids", "names another tender, envelope, purpose or bidder"),
        (_flip_mac, "opening", "committed another header than the bundle's"),
        (_omit_bid, "opening", "the opening names"),
        (_omit_release, "opening", r"the opening used the key releases at leaves \[\d+, \d+\]"),
        (_omit_key, "bids", "submitted before both parties announced an opening key"),
        (_omit_release_point, "time-points", "time point release is missing"),
        (_omit_registration, "roles", "is not registered as agent"),
    ],
    ids=[
        "opening-record-edited",
        "headers-swapped",
        "mac-edited",
        "bid-omitted",
        "key-release-omitted",
        "opening-key-omitted",
        "release-time-point-omitted",
        "registration-omitted",
    ],
)
def test_a_tampered_bundle_is_invalid(opened: Opened, edit, check, match):
    doc = copy.deepcopy(opened.bundle)
    edit(doc)
    report = verify_tender(doc)
    assert not report.valid
    (failed,) = [c for c in report.checks if c.name == check]
    assert not failed.ok and re.search(match, failed.detail), report.lines()


def test_a_draw_bundle_is_not_a_tender_bundle(opened: Opened):
    with pytest.raises(ParseError, match="not a tender-beacon/v2/tender-bundle document"):
        verify_tender({**opened.bundle, "format": "tender-beacon/v1/proof-bundle"})


def test_every_field_change_is_invalid(opened: Opened):
    """Every leaf of the bundle changed once (as tests/verifier/test_tamper.py does for draws)."""
    valid = []
    for path, value in leaves(opened.bundle):
        name = dotted(path)
        if path == ("format",) or UNSIGNED.fullmatch(name):
            continue
        report = verify_tender(put(opened.bundle, path, mutate(name, value)))
        if report.valid:
            valid.append(name)
    assert not valid, valid


@pytest.mark.parametrize(
    "edit",
    [_omit_bid, _omit_release, _omit_key, _omit_registration],
    ids=["bid", "key-release", "opening-key", "registration"],
)
def test_an_omitted_statement_breaks_the_tenders_chain(opened: Opened, edit):
    """§7.6, §14.1: the tender bundle holds the tender's whole scope chain; leaving any of
    its statements out fails the completeness step itself, whatever else it upsets."""
    doc = copy.deepcopy(opened.bundle)
    edit(doc)
    report = verify_tender(doc)
    (failed,) = [c for c in report.checks if c.name == "completeness"]
    assert not failed.ok and "statement(s) of the tender are missing" in failed.detail
