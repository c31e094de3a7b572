"""One deployment holding a draw in every phase the board shows, built by real ceremonies.

Shared by the page tests (Flask test client) and the browser test (a real server).
Every draw gets where it is through signed statements, the pulser and the VDF
worker, exactly as in tests/service/test_draw_flow.py; the only fakes are the
clock and the entropy.

    1  drawn      every seed included; result at T0+20P, dispute window to T0+25P
    2  computing  the worker died half-way: its lease row holds the progress
    3  voided     voided by the supervisor right after publication
    4  published  countersigned, no opening key yet
    5  committing opening keys, commitments and two sealed bidder seeds
    6  drawn      the agent neither revealed nor released: seeds excluded, with reasons
    7  computing  k of the valid bids: the snapshot was signed, then nobody revealed or
                  released, so no seed can be included and the draw is blocked
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from beacon.core.lifecycle import Phase
from beacon.service.demo import bid_sample_definition
from tests.service.deployment import (
    DELAY,
    PERIOD,
    T0,
    TENDER,
    Deployment,
    definition,
    open_deployment,
)
from tests.service.test_draw_flow import Ceremony, record

DRAWN = "JS-2026-0142-1"
COMPUTING = "JS-2026-0142-2"
VOIDED = "JS-2026-0142-3"
PUBLISHED = "JS-2026-0142-4"
COMMITTING = "JS-2026-0142-5"
EXCLUDED = "JS-2026-0142-6"
SAMPLE = "JS-2026-0142-7"
BIDS = ["BID-01", "BID-02", "BID-03"]
VOID_REASON = "招标文件更正，本次抽取作废并重新抽取"
COMPUTING_T = 40_000
STOP_AT = COMPUTING_T // 2


class WorkerDied(Exception):
    """Raised from the progress callback: the worker process stops mid-evaluation."""


@dataclass
class Scene:
    deployment: Deployment
    ceremonies: dict[str, Ceremony]

    def phase(self, draw_id: str) -> Phase:
        return record(self.deployment, draw_id).phase


def _ceremony(d: Deployment, draw_id: str, *, start: int = T0, **over: object) -> Ceremony:
    c = Ceremony(d)
    c.definition = definition(draw_id=draw_id, start=start, **over)
    return c


def _compute(d: Deployment, draw_id: str, owner: str, *, die_at: int | None = None) -> None:
    def progress(_draw: str, done: int, _total: int) -> None:
        if die_at is not None and done >= die_at:
            raise WorkerDied(f"{owner} stopped at {done}")

    worker = d.runtime.worker(owner)
    worker.progress = progress
    if die_at is not None:
        # The worker publishes its progress a few times per lease (real seconds); a short
        # lease makes it publish on every step, so the row holds where it died.
        worker.config = dataclasses.replace(worker.config, lease_ms=5)
    assert worker.claim(draw_id)
    try:
        worker.compute(draw_id)
    except WorkerDied:
        assert die_at is not None


def build(tmp: Path, database_url: str) -> Scene:
    d = open_deployment(tmp, database_url)
    c = {
        DRAWN: _ceremony(d, DRAWN),
        COMPUTING: _ceremony(d, COMPUTING, vdf_t=COMPUTING_T),
        VOIDED: _ceremony(d, VOIDED),
        EXCLUDED: _ceremony(d, EXCLUDED),
        SAMPLE: Ceremony(d),
    }
    c[SAMPLE].definition = bid_sample_definition(
        draw_id=SAMPLE, tender_id=TENDER, commit=T0 + 10 * PERIOD, snapshot=T0 + 12 * PERIOD,
        reveal=T0 + 15 * PERIOD, seed_open=T0 + 20 * PERIOD, vdf_t=2000, k=2, **DELAY,
    )  # fmt: skip
    c[DRAWN].register()
    for draw_id in (DRAWN, COMPUTING, VOIDED, EXCLUDED, SAMPLE):
        c[draw_id].publish()
    c[VOIDED].submit(c[VOIDED].supervisor.void(VOIDED, VOID_REASON))
    for draw_id in (DRAWN, COMPUTING, EXCLUDED, SAMPLE):
        c[draw_id].commit()
        c[draw_id].seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)  # the commit-deadline pulse freezes all four
    c[SAMPLE].submit(c[SAMPLE].agent.snapshot(SAMPLE, BIDS))
    for draw_id in (DRAWN, COMPUTING):
        c[draw_id].reveal()
        c[draw_id].release()
    x = c[EXCLUDED]
    x.submit(x.centre.reveal(EXCLUDED, x.seeds["centre"]))
    _compute(d, COMPUTING, "worker-a", die_at=STOP_AT)
    d.advance_to(T0 + 15 * PERIOD)  # the reveal-deadline pulse: the agent never revealed
    x.submit(x.centre.release(EXCLUDED, x.keys["centre"]))
    d.advance_to(T0 + 20 * PERIOD)  # the seed-open pulse: the agent never released
    _compute(d, DRAWN, "worker-b")
    _compute(d, EXCLUDED, "worker-b")
    now = d.clock.now_ms()
    c[PUBLISHED] = _ceremony(d, PUBLISHED, start=now)
    c[PUBLISHED].publish()
    c[COMMITTING] = _ceremony(d, COMMITTING, start=now)
    c[COMMITTING].bidders = c[COMMITTING].bidders[:2]
    c[COMMITTING].publish()
    c[COMMITTING].commit()
    c[COMMITTING].seal_seeds()
    d.advance_to(now + PERIOD)  # a pulse covers every result, so the proofs exist
    scene = Scene(d, c)
    expected = {
        DRAWN: Phase.DRAWN,
        COMPUTING: Phase.COMPUTING,
        VOIDED: Phase.VOIDED,
        PUBLISHED: Phase.PUBLISHED,
        COMMITTING: Phase.COMMITTING,
        EXCLUDED: Phase.DRAWN,
        SAMPLE: Phase.COMPUTING,
    }
    assert {k: scene.phase(k) for k in expected} == expected
    return scene
