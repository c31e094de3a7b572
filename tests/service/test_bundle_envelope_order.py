"""A proof bundle lists the seed envelopes in log order, whatever their ids (PROTOCOL.md §13).

Found by the fault suite, whose bidders use the CLI's default envelope ids
(``DRAW-seed-<fingerprint prefix>``): the bundle sorted the envelopes by id, the
independent verifier requires the log order of their envelope.submit statements,
and so about every other real draw with two or more bidders was INVALID. Here the
ids sort in the reverse of their log order; the bundle keeps the log order and
the independent verifier (verifier/) accepts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beacon.core.envelope.shares import public_bytes
from beacon.store import sqlite_url
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle
from verifier import verify_bundle


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"))
    yield d
    d.runtime.close()


def test_seed_envelopes_stay_in_log_order_when_their_ids_do_not_sort_so(
    deployment: Deployment,
) -> None:
    d = deployment
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    draw = c.definition.draw_id
    submitted = []
    for i, b in enumerate(c.bidders):
        envelope_id = f"{draw}-seed-{'zyx'[i]}"  # z, y, x: the reverse of the log order
        sealed = b.seal_seed(
            draw,
            agent_key=public_bytes(c.keys["agent"].public_key()),
            centre_key=public_bytes(c.keys["centre"].public_key()),
            envelope_id=envelope_id,
        )
        c.submit(sealed.statement, sealed.envelope)
        submitted.append(envelope_id)
    d.advance_to(T0 + 10 * PERIOD)
    c.reveal()
    c.release()
    assert d.runtime.worker("w1").run_once() == draw
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    doc = bundle(d).to_dict()
    assert [e["envelope_id"] for e in doc["seed_envelopes"]] == submitted
    assert submitted != sorted(submitted)
    report = verify_bundle(doc)
    assert report.valid, report.lines()
