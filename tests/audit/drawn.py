"""Several real draws on an in-process beacon, for the audit tests of proof bundles.

The same Runtime, ledger, worker and bundle builder as ``beacon serve`` (via
tests/service/deployment.py) and the demo parties of beacon.service.demo, which act
only through signed statements. All draws share one tender and one set of
deadlines, so one clock run takes them all to their results.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from beacon.core.bundle import ProofBundle
from beacon.service import bundles
from beacon.service.demo import DemoParties, bid_sample_definition, jiangsu_definition
from beacon.store import sqlite_url
from tests.service.deployment import DELAY, PERIOD, T0, TENDER, Deployment, open_deployment

#: The valid bids of the snapshot draw (k = 3 of 7, from the snapshot).
BIDS = [f"B{i:02d}" for i in range(1, 8)]
SAMPLE_K = 3
VDF_T = 2000  # the least a multiple of 1000 over A_max · s · W = 1 · 3/s · 600 s


@dataclass
class Drawn:
    """A deployment after its draws, and each draw's bundle (parsed and as a file)."""

    deployment: Deployment
    bundles: dict[str, ProofBundle]
    files: dict[str, Path]


def run_draws(tmp: Path, *, jiangsu: int, samples: int) -> Drawn:
    """``jiangsu`` K1/Q1 draws and ``samples`` BID_SAMPLE draws, all the way to their bundles."""
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    parties = DemoParties(d.runtime, d.ca_dir, TENDER, bidders=3)
    parties.register()
    deadlines = {
        "commit": T0 + 10 * PERIOD,
        "reveal": T0 + 15 * PERIOD,
        "seed_open": T0 + 20 * PERIOD,
    }
    definitions = [
        jiangsu_definition(
            draw_id=f"{TENDER}-K{i}", tender_id=TENDER, vdf_t=VDF_T, **deadlines, **DELAY
        )
        for i in range(1, jiangsu + 1)
    ]
    definitions += [
        bid_sample_definition(
            draw_id=f"{TENDER}-S{i}",
            tender_id=TENDER,
            snapshot=T0 + 12 * PERIOD,
            vdf_t=VDF_T,
            k=SAMPLE_K,
            **deadlines,
            **DELAY,
        )
        for i in range(1, samples + 1)
    ]
    for definition in definitions:
        parties.publish(definition)
        parties.commit(definition.draw_id)
        parties.seal_seeds(definition.draw_id)
    d.advance_to(deadlines["commit"])  # the commit-deadline pulse freezes every draw
    for definition in definitions:
        if definition.needs_snapshot:
            parties.snapshot(definition.draw_id, BIDS)
        parties.reveal(definition.draw_id)
        parties.release(definition.draw_id)
    worker = d.runtime.worker("audit-tests")
    while worker.run_once() is not None:
        pass
    d.advance_to(
        d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD
    )  # a pulse covers the results
    out: dict[str, ProofBundle] = {}
    files: dict[str, Path] = {}
    folder = tmp / "bundles"
    folder.mkdir()
    with d.runtime.database.read() as session:
        for definition in definitions:
            bundle = bundles.build(
                session,
                definition.draw_id,
                blobs=d.runtime.blobs,
                anchors=d.runtime.trust.anchor_ders(),
                period_ms=PERIOD,
            )
            out[definition.draw_id] = bundle
            files[definition.draw_id] = folder / f"{definition.draw_id}-proof.json"
            files[definition.draw_id].write_text(json.dumps(bundle.to_dict()))
    return Drawn(d, out, files)
