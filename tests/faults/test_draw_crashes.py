"""A whole draw while web, pulser and worker are killed with SIGKILL and restarted.

commit → seal → freeze → reveal → release → VDF → result → confirm, on SQLite and
PostgreSQL, with the parties talking HTTP to the web process (retrying the same
signed bytes when it dies). Besides the seeded random kills, the worker is killed
in the middle of the VDF (T large enough to take seconds) and must resume from
its stored checkpoints. After the invariants every scenario checks, the draw's
own checks (tests/faults/draw_ceremony.py): the result equals an uninterrupted
run, the VDF resumed, the proof bundle verifies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.draw_ceremony import (
    BIDDERS,
    DrawParties,
    check_bundle,
    check_result,
    check_resumed,
)
from tests.faults.scenario import fault_scenario
from tests.faults.summary import Summary

pytestmark = [pytest.mark.faults, pytest.mark.slow]

MIN_KILLS = 13  # two scenarios per backend: at least 26 kills on each


def test_a_draw_survives_kill_9_of_every_process(
    tmp_path: Path, database_url: str, fault_summary: Summary
) -> None:
    with fault_scenario(
        "draw",
        tmp_path=tmp_path,
        database_url=database_url,
        summary=fault_summary,
        bidders=BIDDERS,
        min_kills=MIN_KILLS,
    ) as sc:
        parties = DrawParties(sc)
        parties.prepare(kill_web=True)
        parties.reveal()
        parties.release()
        parties.kill_worker_mid_vdf()
        parties.confirm(parties.await_result())
        store = sc.settle()
        check_result(sc, parties)
        check_resumed(sc, store.vdf_attempts)
        check_bundle(sc, tmp_path)
