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

and tenders at every bid-opening phase (PROTOCOL.md §9.9), as in
tests/service/test_bid_opening.py:

    JS-2026-0142  opened     three bids: one opens, one with a bad header MAC, one with a
                             broken payload (both the bidders' doing)
    JS-2026-0143  opened     the agent released nothing: every bid misses the agent's share
    JS-2026-0144  opened     the centre released nothing
    JS-2026-0145  opened     nobody released
    JS-2026-0146  releasing  the centre released, the agent not yet (deadline ahead)
    JS-2026-0147  accepting  keys announced, one bid in, the bid deadline ahead
    JS-2026-0148  unpublished  an agent registered, no bid opening published
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.lifecycle import Phase
from beacon.core.tender import TenderPhase
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
from tests.service.test_bid_opening import _bad_mac, _bad_payload
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

OPENED_TENDER = TENDER  # the draws' tender also holds a bid opening
AGENT_SILENT = "JS-2026-0143"
CENTRE_SILENT = "JS-2026-0144"
NOBODY_RELEASED = "JS-2026-0145"
RELEASING = "JS-2026-0146"
ACCEPTING = "JS-2026-0147"
UNPUBLISHED = "JS-2026-0148"
TENDER_PHASES = {
    OPENED_TENDER: TenderPhase.OPENED,
    AGENT_SILENT: TenderPhase.OPENED,
    CENTRE_SILENT: TenderPhase.OPENED,
    NOBODY_RELEASED: TenderPhase.OPENED,
    RELEASING: TenderPhase.RELEASING,
    ACCEPTING: TenderPhase.ACCEPTING,
    UNPUBLISHED: TenderPhase.UNPUBLISHED,
}
TENDER_TITLE = "市政道路工程施工"
# What the scene's bidders seal: bidder i bids the line i times.
BID_TEXT = "投标报价：12,345,678.00 元\n".encode()


class WorkerDied(Exception):
    """Raised from the progress callback: the worker process stops mid-evaluation."""


class TenderCeremony:
    """The parties of one tender's bid opening, acting in order (as tests/service/test_bid_opening.py)."""

    def __init__(self, d: Deployment, tender_id: str, *, bidders: int = 3) -> None:
        self.d = d
        self.tender_id = tender_id
        self.centre = d.actor("centre", "centre", tender_id)
        self.agent = d.actor("agent", "agent", tender_id)
        self.bidders = [d.actor(f"bidder-{i}", "bidder", tender_id) for i in range(1, bidders + 1)]
        self.keys = {role: ec.generate_private_key(ec.SECP256R1()) for role in ("agent", "centre")}
        self.files: dict[str, bytes] = {}  # envelope id → the bytes submitted
        self.plain: dict[str, bytes] = {}  # envelope id → what the bidder sealed

    def submit(self, signed, payload: bytes | None = None):
        staged = (
            None
            if payload is None
            else self.d.runtime.blobs.stage_bytes(payload, max_bytes=1 << 20)
        )
        return self.d.runtime.ledger.submit(signed, payload=staged)

    def party(self, role: str):
        return self.agent if role == "agent" else self.centre

    def register(self) -> None:
        self.submit(self.centre.register("agent", self.agent.certificate))
        for b in self.bidders:
            self.submit(self.centre.register("bidder", b.certificate))

    def publish(self, *, bid_deadline: int, release_deadline: int) -> None:
        self.submit(
            self.agent.tender_publish(
                TENDER_TITLE, bid_deadline=bid_deadline, release_deadline=release_deadline
            )
        )
        for role in ("agent", "centre"):
            self.submit(self.party(role).tender_opening_key(self.keys[role]))

    def bid(self, i: int, plaintext: bytes, *, tamper: Any = None) -> None:
        """Bidder ``i`` (from 1) seals and submits; ``tamper`` is the bidder's own doing."""
        bidder = self.bidders[i - 1]
        envelope_id = envelope(self.tender_id, i)
        out = io.BytesIO()
        env.seal(
            io.BytesIO(plaintext),
            out,
            tender_id=self.tender_id,
            envelope_id=envelope_id,
            purpose="bid",
            draw_id="",
            bidder_fingerprint=bidder.fingerprint,
            agent_keys=[self.keys["agent"].public_key()],
            centre_keys=[self.keys["centre"].public_key()],
            random_bytes=self.d.entropy.random_bytes,
        )
        data = out.getvalue() if tamper is None else tamper(self, out.getvalue())
        digest, size = env.envelope_hash(io.BytesIO(data))
        self.files[envelope_id], self.plain[envelope_id] = data, plaintext
        self.submit(bidder.submit_bid(envelope_id, digest, size), data)

    def release(self, role: str) -> None:
        self.submit(self.party(role).release_tender_keys([self.keys[role]]))

    def open(self) -> None:
        self.d.runtime.worker("tender-opener").open_tender(self.tender_id)


def envelope(tender_id: str, i: int) -> str:
    return f"{tender_id}-bid-{i}"


@dataclass
class Scene:
    deployment: Deployment
    ceremonies: dict[str, Ceremony]
    tenders: dict[str, TenderCeremony] = field(default_factory=dict)

    def phase(self, draw_id: str) -> Phase:
        return record(self.deployment, draw_id).phase

    def tender_phase(self, tender_id: str) -> TenderPhase:
        from beacon.service.tenders import load_tender

        with self.deployment.runtime.database.read() as session:
            return load_tender(session, tender_id).phase


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
    t = {OPENED_TENDER: TenderCeremony(d, OPENED_TENDER)}  # registered with the draws
    for tender_id, bidders in ((AGENT_SILENT, 2), (CENTRE_SILENT, 1), (NOBODY_RELEASED, 1)):
        t[tender_id] = TenderCeremony(d, tender_id, bidders=bidders)
        t[tender_id].register()
    for tender_id in (OPENED_TENDER, AGENT_SILENT, CENTRE_SILENT, NOBODY_RELEASED):
        t[tender_id].publish(bid_deadline=T0 + 10 * PERIOD, release_deadline=T0 + 15 * PERIOD)
        for i in range(1, len(t[tender_id].bidders) + 1):
            tamper = {2: _bad_mac, 3: _bad_payload}.get(i) if tender_id == OPENED_TENDER else None
            t[tender_id].bid(i, BID_TEXT * i, tamper=tamper)
    for draw_id in (DRAWN, COMPUTING, VOIDED, EXCLUDED, SAMPLE):
        c[draw_id].publish()
    c[VOIDED].submit(c[VOIDED].supervisor.void(VOIDED, VOID_REASON))
    for draw_id in (DRAWN, COMPUTING, EXCLUDED, SAMPLE):
        c[draw_id].commit()
        c[draw_id].seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)  # the commit-deadline pulse freezes all four
    c[SAMPLE].submit(c[SAMPLE].agent.snapshot(SAMPLE, BIDS))
    for tender_id, roles in (
        (OPENED_TENDER, ("agent", "centre")),
        (AGENT_SILENT, ("centre",)),
        (CENTRE_SILENT, ("agent",)),
    ):
        for role in roles:
            t[tender_id].release(role)
    t[OPENED_TENDER].open()  # both released: the opening need not wait for the deadline
    for draw_id in (DRAWN, COMPUTING):
        c[draw_id].reveal()
        c[draw_id].release()
    x = c[EXCLUDED]
    x.submit(x.centre.reveal(EXCLUDED, x.seeds["centre"]))
    _compute(d, COMPUTING, "worker-a", die_at=STOP_AT)
    d.advance_to(T0 + 15 * PERIOD)  # the reveal-deadline pulse: the agent never revealed
    x.submit(x.centre.release(EXCLUDED, x.keys["centre"]))
    for tender_id in (AGENT_SILENT, CENTRE_SILENT, NOBODY_RELEASED):
        t[tender_id].open()  # the release-deadline pulse is out: open with what was released
    t[RELEASING] = TenderCeremony(d, RELEASING, bidders=1)
    t[RELEASING].register()
    t[RELEASING].publish(bid_deadline=T0 + 17 * PERIOD, release_deadline=T0 + 40 * PERIOD)
    t[RELEASING].bid(1, BID_TEXT)
    d.advance_to(T0 + 20 * PERIOD)  # the seed-open pulse: the agent never released
    _compute(d, DRAWN, "worker-b")
    _compute(d, EXCLUDED, "worker-b")
    t[RELEASING].release("centre")
    now = d.clock.now_ms()
    t[ACCEPTING] = TenderCeremony(d, ACCEPTING, bidders=2)
    t[ACCEPTING].register()
    t[ACCEPTING].publish(bid_deadline=now + 10 * PERIOD, release_deadline=now + 20 * PERIOD)
    t[ACCEPTING].bid(1, BID_TEXT)
    t[UNPUBLISHED] = TenderCeremony(d, UNPUBLISHED, bidders=0)
    t[UNPUBLISHED].submit(t[UNPUBLISHED].centre.register("agent", t[UNPUBLISHED].agent.certificate))
    c[PUBLISHED] = _ceremony(d, PUBLISHED, start=now)
    c[PUBLISHED].publish()
    c[COMMITTING] = _ceremony(d, COMMITTING, start=now)
    c[COMMITTING].bidders = c[COMMITTING].bidders[:2]
    c[COMMITTING].publish()
    c[COMMITTING].commit()
    c[COMMITTING].seal_seeds()
    d.advance_to(now + PERIOD)  # a pulse covers every result, so the proofs exist
    scene = Scene(d, c, t)
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
    assert {k: scene.tender_phase(k) for k in TENDER_PHASES} == TENDER_PHASES
    return scene
