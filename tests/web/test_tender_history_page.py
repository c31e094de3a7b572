"""The tender page shows a bidder's replaced and withdrawn envelopes as not opened.

Driven through the real service (tests/service/test_bid_replace.py's ceremony): one bidder
replaces its bid twice, another withdraws and bids again. Expected states come from that
script, not from the view the page renders (PROTOCOL.md §9.9 step 3a).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.store import sqlite_url
from beacon.web import create_app, messages
from tests.service.deployment import TENDER, Deployment, open_deployment
from tests.service.test_bid_replace import Bids
from tests.web.test_pages import page


@pytest.fixture
def bids(tmp_path: Path) -> Iterator[Bids]:
    d: Deployment = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=4)
    o = Bids(d)
    o.prepare()
    o.submit_new(0, "B1-v1", b"first price")
    o.replace(0, "B1-v1", "B1-v2", b"second price")
    o.replace(0, "B1-v2", "B1-v3", b"final price")
    o.submit_new(1, "B2-v1", b"withdrawn")
    o.withdraw(1, "B2-v1")
    o.submit_new(1, "B2-v2", b"again")
    yield o
    d.runtime.close()


# What the script above made of each envelope, and the board's word for it before and after
# the opening: replaced and withdrawn envelopes are never opened.
BEFORE = {
    "B1-v1": "bid.replaced",
    "B1-v2": "bid.replaced",
    "B1-v3": "bid.submitted",
    "B2-v1": "bid.withdrawn",
    "B2-v2": "bid.submitted",
}
AFTER = {**BEFORE, "B1-v3": "bid.frozen", "B2-v2": "bid.frozen"}


def states(o: Bids, lang: str) -> dict[str, tuple[str, str]]:
    client = create_app({"TESTING": True}, runtime=o.d.runtime).test_client()
    root = page(client, f"/tenders/{TENDER}?lang={lang}")
    rows = root.find("section", id="bids").find("tbody").find_all("tr")
    out = {}
    for row in rows:
        envelope_id = row.attrs["id"].removeprefix("bid-")
        outcome = row.find_all(class_="outcome")
        out[envelope_id] = (row.find(class_="state").text(), outcome[0].text() if outcome else "")
    return out


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_replaced_and_withdrawn_envelopes_are_listed_and_not_opened(bids: Bids, lang: str):
    labels = messages.MESSAGES[lang]
    before = states(bids, lang)
    assert {k: v[0] for k, v in before.items()} == {k: labels[v] for k, v in BEFORE.items()}
    bids.open()
    after = states(bids, lang)
    assert {k: v[0] for k, v in after.items()} == {k: labels[v] for k, v in AFTER.items()}
    opened = labels["outcome.opened"]
    assert {k for k, v in after.items() if v[1] == opened} == {"B1-v3", "B2-v2"}
    assert not any(v[1] for k, v in after.items() if k not in ("B1-v3", "B2-v2"))
