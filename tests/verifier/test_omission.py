"""A beacon that leaves statements out of a bundle (PROTOCOL.md §7.6, §14.3a, §14.3b).

Two real draws run through the service: one with every statement kind a draw can have
but the void (a snapshot, an objection and a confirmation after the result), and one
voided. Leaving out any statement but the last of a draw's chain fails the
completeness step; leaving out the last one (which the chain cannot see past) fails
once its author shows its receipt.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from beacon.service.demo import bid_sample_definition
from beacon.service.receipts import receipt_for
from beacon.store import sqlite_url
from beacon.store.statements import StatementRepository
from tests.service.deployment import DELAY, PERIOD, T0, TENDER, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, record
from verifier import verify_bundle

DRAW = "JS-2026-0142-9"


def _next_pulse(d: Deployment) -> None:
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, dict]]:
    tmp = tmp_path_factory.mktemp("every-kind")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    c = Ceremony(d)
    c.definition = bid_sample_definition(
        draw_id=DRAW, tender_id=TENDER, commit=T0 + 10 * PERIOD, snapshot=T0 + 12 * PERIOD,
        reveal=T0 + 15 * PERIOD, seed_open=T0 + 20 * PERIOD, vdf_t=2000, k=2, **DELAY,
    )  # fmt: skip
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)
    c.submit(c.agent.snapshot(DRAW, ["BID-1", "BID-2", "BID-3"]))
    c.reveal()
    c.release()
    assert d.runtime.worker("w").run_once() == DRAW
    c.submit(c.bidders[0].object(DRAW, "请核对有效标清单"))
    result = record(d, DRAW).one("draw.result")
    assert result is not None
    _next_pulse(d)
    ends = record(d, DRAW).facts.dispute_ends
    assert ends is not None
    d.advance_to(ends)
    c.submit(c.supervisor.confirm(DRAW, result.row.statement_hash))
    _next_pulse(d)
    yield d, bundle(d, DRAW).to_dict()
    d.runtime.close()


@pytest.fixture(scope="module")
def voided(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, dict]]:
    tmp = tmp_path_factory.mktemp("voided")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.submit(c.supervisor.void(c.definition.draw_id, "招标文件修改，重新抽取"))
    _next_pulse(d)
    yield d, bundle(d, c.definition.draw_id).to_dict()
    d.runtime.close()


def chain_positions(doc: dict[str, Any]) -> list[int]:
    return [
        i
        for i, x in enumerate(doc["statements"])
        if x["signed"]["statement"]["subject"] == doc["draw_id"]
    ]


def _without(doc: dict[str, Any], position: int) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    gone = out["statements"].pop(position)["signed"]["statement"]
    if gone["kind"] == "envelope.submit":
        out["seed_envelopes"] = [
            e for e in out["seed_envelopes"] if e["envelope_id"] != gone["body"]["envelope_id"]
        ]
    return out


def _kind(doc: dict[str, Any], position: int) -> str:
    return str(doc["statements"][position]["signed"]["statement"]["kind"])


EVERY_KIND_BUT_THE_LAST = [
    "draw.publish",
    "draw.countersign",
    "draw.opening_key",
    "draw.commit",
    "envelope.submit",
    "draw.freeze",
    "draw.snapshot",
    "draw.reveal",
    "draw.key_release",
    "draw.result",
    "draw.objection",
]


def test_the_fixtures_hold_every_statement_kind(every_kind, voided):
    kinds = [_kind(every_kind[1], i) for i in chain_positions(every_kind[1])]
    assert sorted(set(kinds[:-1])) == sorted(EVERY_KIND_BUT_THE_LAST)
    assert kinds[-1] == "draw.confirm"
    assert _kind(voided[1], chain_positions(voided[1])[-1]) == "draw.void"
    assert verify_bundle(every_kind[1]).valid and verify_bundle(voided[1]).valid


@pytest.mark.parametrize("kind", EVERY_KIND_BUT_THE_LAST)
def test_each_kind_left_out_breaks_the_chain(every_kind, kind: str):
    doc = every_kind[1]
    for position in [i for i in chain_positions(doc) if _kind(doc, i) == kind]:
        report = verify_bundle(_without(doc, position))
        assert "completeness" in report.failed(), (kind, position, report.lines())


@pytest.mark.parametrize("fixture", ["every_kind", "voided"])
def test_the_last_statement_left_out_is_caught_by_its_receipt(fixture: str, request):
    """§14.3b: a cut at the end of the chain keeps the chain whole (the bundle looks as if
    made before the last statement); its author's receipt shows the cut."""
    d, doc = request.getfixturevalue(fixture)
    last = doc["statements"][chain_positions(doc)[-1]]
    with d.runtime.database.read() as session:
        found = next(
            x
            for x in StatementRepository(session).about(TENDER, doc["draw_id"])
            if x.leaf_index == last["leaf_index"]
        )
        receipt = receipt_for(session, found.row.statement_hash, found.leaf_index).to_dict()
    assert verify_bundle(doc, receipts=[receipt]).valid
    report = verify_bundle(_without(doc, chain_positions(doc)[-1]), receipts=[receipt])
    assert "receipts" in report.failed()
    assert "the bundle leaves this statement out" in next(
        c.detail for c in report.checks if c.name == "receipts"
    )
