"""``beacon-verify tender`` on a tender whose bidders replaced and withdrew bids (§14.1 step 6).

The fixture runs a bid opening through the service in which one bidder replaced its
bid and another withdrew its own; the bundle carries the whole history and verifies.
Then the history is tampered with (statements left out, a superseded header added,
every field changed), the beacon signs an opening of the wrong envelopes, and the
beacon logs bid statements the service refuses (:func:`_forge`, which appends to the
log past every check): the verifier must say INVALID and name the step.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from beacon.core.bodies import TenderOpeningBody
from beacon.core.envelope.format import read_prefix
from beacon.core.opening import OpeningEntry, OpeningStatus, header_hash
from beacon.core.statement import SignedStatement
from beacon.service.tenders import open_bids
from beacon.store import LogRepository, sqlite_url
from beacon.store.statements import StatementRepository
from tests.service.deployment import TENDER, open_deployment
from tests.service.test_bid_opening import BID_DEADLINE, RELEASE_DEADLINE
from tests.service.test_bid_replace import Bids, Sealed
from tests.verifier.test_tamper import UNSIGNED, dotted, leaves, mutate, put
from verifier.tender import verify_tender


def _history(o: Bids) -> dict[str, Sealed]:
    """Bidder 1 replaces B1-v1 by B1-v2; bidder 2 withdraws B2-v1; bidder 3 bids once."""
    o.prepare()
    files = {"B1-v1": o.submit_new(0, "B1-v1", b"v1: 12,345,678.00 CNY")}
    files["B2-v1"] = o.submit_new(1, "B2-v1", b"to be withdrawn")
    files["B1-v2"] = o.replace(0, "B1-v1", "B1-v2", b"v2: 11,900,000.00 CNY")
    files["B3-v1"] = o.submit_new(2, "B3-v1", b"bidder 3")
    o.withdraw(1, "B2-v1")
    return files


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("history")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"), bidders=4)
    o = Bids(d)
    _history(o)
    o.open()
    d.advance_to(RELEASE_DEADLINE)
    yield o.bundle()
    d.runtime.close()


@pytest.fixture
def o(tmp_path: Path) -> Iterator[Bids]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=4)
    yield Bids(d)
    d.runtime.close()


def _kind(doc: dict[str, Any], kind: str) -> int:
    return next(
        i for i, s in enumerate(doc["statements"]) if s["signed"]["statement"]["kind"] == kind
    )


def _failed(report: Any, check: str, match: str) -> None:
    assert not report.valid
    (failed,) = [c for c in report.checks if c.name == check]
    assert not failed.ok and re.search(match, failed.detail), report.lines()


def test_the_history_verifies_and_only_standing_bids_are_opened(bundle: dict[str, Any]):
    report = verify_tender(bundle)
    assert report.valid, report.lines()
    kinds = [s["signed"]["statement"]["kind"] for s in bundle["statements"]]
    assert kinds.count("envelope.replace") == kinds.count("envelope.withdraw") == 1
    assert [h["envelope_id"] for h in bundle["bid_headers"]] == ["B1-v2", "B3-v1"]
    assert [(b["envelope_id"], b["status"]) for b in report.values["bids"]] == [
        ("B1-v2", "opened"),
        ("B3-v1", "opened"),
    ]
    assert [(s["envelope_id"], s["state"]) for s in report.values["superseded"]] == [
        ("B1-v1", "replaced by B1-v2"),
        ("B2-v1", "withdrawn"),
    ]


def _omit_replacement(doc: dict[str, Any]) -> None:
    del doc["statements"][_kind(doc, "envelope.replace")]


def _omit_withdrawal(doc: dict[str, Any]) -> None:
    del doc["statements"][_kind(doc, "envelope.withdraw")]


@pytest.mark.parametrize(
    "edit", [_omit_replacement, _omit_withdrawal], ids=["replacement", "withdrawal"]
)
def test_an_omitted_replacement_or_withdrawal_breaks_the_chain(bundle: dict[str, Any], edit):
    """§14.1 step 2a: they are statements of the tender's scope like any other."""
    doc = copy.deepcopy(bundle)
    edit(doc)
    _failed(verify_tender(doc), "completeness", "statement\\(s\\) of the tender are missing")


def _superseded_header_added(doc: dict[str, Any]) -> None:
    doc["bid_headers"].insert(0, {**doc["bid_headers"][0], "envelope_id": "B1-v1"})


def _standing_header_dropped(doc: dict[str, Any]) -> None:
    del doc["bid_headers"][0]


@pytest.mark.parametrize(
    ("edit", "check", "match"),
    [
        (_omit_withdrawal, "bids", r"bid_headers \['B1-v2', 'B3-v1'\] are not the frozen bids "
         r"\['B2-v1', 'B1-v2', 'B3-v1'\]"),
        (_superseded_header_added, "bids", r"bid_headers \['B1-v1', 'B1-v2', 'B3-v1'\] are not"),
        (_standing_header_dropped, "bids", r"bid_headers \['B3-v1'\] are not the frozen bids"),
    ],
    ids=["withdrawal-omitted", "superseded-header-added", "standing-header-dropped"],
)  # fmt: skip
def test_headers_must_be_the_standing_bids(bundle: dict[str, Any], edit, check, match):
    doc = copy.deepcopy(bundle)
    edit(doc)
    _failed(verify_tender(doc), check, match)


def test_every_field_change_is_invalid(bundle: dict[str, Any]):
    """Every leaf of the history bundle, the new statements' bodies included, changed once."""
    valid = []
    for path, value in leaves(bundle):
        name = dotted(path)
        if path == ("format",) or UNSIGNED.fullmatch(name):
            continue
        if not verify_tender(put(bundle, path, mutate(name, value))).valid:
            continue
        valid.append(name)
    assert not valid, valid


def _entry(o: Bids, s: Sealed, bidder: int) -> OpeningEntry:
    """What an opening of ``s`` would record: the beacon could sign this for any envelope."""
    prefix = read_prefix(io.BytesIO(s.data))
    return OpeningEntry(
        s.envelope_id,
        o.bidders[bidder].fingerprint,
        header_hash(prefix.header_bytes, prefix.mac),
        OpeningStatus.OPENED,
        "",
        hashlib.sha256(s.plaintext).digest(),
        len(s.plaintext),
    )


OPENINGS: list[tuple[str, Callable[[Bids, dict[str, Sealed], list[OpeningEntry]], list[OpeningEntry]], str]] = [
    ("superseded-opened-instead", lambda o, f, true: [_entry(o, f["B1-v1"], 0), true[1]],
     r"the opening names \['B1-v1', 'B3-v1'\], the frozen set is \['B1-v2', 'B3-v1'\]"),
    ("standing-skipped", lambda o, f, true: [true[1]],
     r"the opening names \['B3-v1'\], the frozen set is \['B1-v2', 'B3-v1'\]"),
    ("withdrawn-opened-too", lambda o, f, true: [true[0], _entry(o, f["B2-v1"], 1), true[1]],
     r"the opening names \['B1-v2', 'B2-v1', 'B3-v1'\], the frozen set is"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("entries", "match"), [c[1:] for c in OPENINGS], ids=[c[0] for c in OPENINGS]
)
def test_an_opening_of_the_wrong_envelopes_is_invalid(o: Bids, entries, match):
    """The beacon signs an opening record that opens a superseded envelope or skips the
    standing one: the verifier recomputes the standing bids and says INVALID."""
    files = _history(o)
    d = o.d
    d.advance_to(BID_DEADLINE)
    o.release("agent")
    o.release("centre")
    record = o.record()
    true = open_bids(record, d.runtime.blobs, d.runtime.settings.data_dir / "opened")
    assert [e.envelope_id for e in true] == ["B1-v2", "B3-v1"]
    with d.runtime.database.write() as session:
        head = LogRepository(session).tree_head(record.closing_size)
        d.runtime.ledger.issue(
            session,
            kind="tender.opening",
            tender_id=TENDER,
            subject="",
            body=TenderOpeningBody(
                tree_size=head.tree_size,
                root_hash=head.root_hash,
                releases=tuple(s.leaf_index for s in record.of_kind("tender.key_release")),
                openings=tuple(entries(o, files, true)),
            ),
            now=d.clock.now_ms(),
        )
    report = verify_tender(o.bundle())
    assert report.failed() == ["opening"], report.lines()
    _failed(report, "opening", match)


def _forge(o: Bids, signed: SignedStatement) -> None:
    """Log a statement as a dishonest beacon would: past every check of the ledger."""
    with o.d.runtime.database.write() as session:
        st = signed.statement
        o.d.runtime.ledger._append(
            session, StatementRepository(session), signed, st.hash(), o.d.clock.now_ms()
        )


def _replace_of(i: int, old: str, new: str) -> Callable[[Bids], SignedStatement]:
    return lambda o: o.bidders[i].replace_bid(old, new, bytes(32), 1000)


FORGED: list[tuple[str, Callable[[Bids], SignedStatement], str]] = [
    ("withdraws-another-bidders", lambda o: o.bidders[2].withdraw_bid("B1-v2"),
     r"withdraws B1-v2, another bidder's envelope"),
    ("withdraws-unknown", lambda o: o.bidders[2].withdraw_bid("B9-v1"),
     r"withdraws B9-v1, which is no bid of this tender"),
    ("withdraws-withdrawn", lambda o: o.bidders[1].withdraw_bid("B2-v1"),
     r"withdraws B2-v1, which was already withdrawn"),
    ("replaces-replaced", _replace_of(0, "B1-v1", "B1-v3"),
     r"replaces B1-v1, which was already replaced by B1-v2"),
    ("reuses-an-envelope-id", _replace_of(2, "B3-v1", "B1-v1"),
     r"\(B1-v1\): the envelope id is used twice"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("statement", "match"), [c[1:] for c in FORGED], ids=[c[0] for c in FORGED]
)
def test_a_bid_statement_the_service_refuses_makes_the_log_invalid(o: Bids, statement, match):
    _history(o)
    _forge(o, statement(o))
    o.d.advance_to(BID_DEADLINE)
    _failed(verify_tender(o.bundle()), "bids", match)


def test_a_withdrawal_after_the_closing_pulse_is_invalid(o: Bids):
    _history(o)
    o.d.advance_to(BID_DEADLINE)
    _forge(o, o.bidders[2].withdraw_bid("B3-v1"))
    _failed(
        verify_tender(o.bundle()),
        "bids",
        r"leaf \d+ \(withdrawal of B3-v1\): a bid withdrawn after the closing pulse",
    )
