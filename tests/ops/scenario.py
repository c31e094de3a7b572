"""One deployment's whole history: a bid opening and a draw on the same tender.

Shared by the backup, check and parser-fuzzing tests, which need every kind of
stored thing at once: party and beacon statements of every lifecycle step, bid and
seed envelopes in the blob store, opened bids, VDF checkpoints, pulses with gaps
of none, tree heads, a proof bundle.
"""

from __future__ import annotations

from pathlib import Path

from beacon.core.lifecycle import Phase
from beacon.core.tender import TenderPhase
from tests.service.deployment import PERIOD, T0, TENDER, Deployment, open_deployment
from tests.service.test_bid_opening import BID_DEADLINE, Opening
from tests.service.test_draw_flow import Ceremony, record

DRAW = "JS-2026-0142-1"


def full_history(tmp: Path, database_url: str) -> Deployment:
    """A deployment (4 bidders) where tender JS-2026-0142 is opened and its draw drawn."""
    d = open_deployment(tmp, database_url, bidders=4)
    o = Opening(d)
    o.prepare()  # registers the agent and bidders 1-4 for the tender
    o.seal(0, b"bid price: 12,345,678.00 CNY\n")
    o.seal(1, bytes(range(256)) * 300)  # two payload chunks
    c = Ceremony(d)
    c.publish()
    c.commit()
    c.seal_seeds()
    assert BID_DEADLINE == T0 + 10 * PERIOD
    d.advance_to(BID_DEADLINE)  # freezes the draw and closes the bids
    c.reveal()
    o.release("agent")
    o.release("centre")
    c.release()
    worker = d.runtime.worker("w")
    assert {worker.run_once(), worker.run_once()} == {DRAW, TENDER}
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    assert record(d, DRAW).phase is Phase.DRAWN
    assert o.record().phase is TenderPhase.OPENED
    return d
