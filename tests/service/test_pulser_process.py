"""``beacon pulser`` as real processes on the real clock: kill -9 and restart.

The restarted pulser must continue the same chain, keep the precommitment made
before the kill, mark the missed boundaries with status 2 (no backfill), and
never change a pulse that was already stored. A second pulser waiting on the
SQLite file lock must take over when the active one is killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from beacon.core import chain
from beacon.core.pulse import Pulse
from beacon.store import Database, PulseRepository, sqlite_url

BEACON = Path(sys.executable).parent / "beacon"


def start(data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    args = [
        str(BEACON),
        "pulser",
        "--data-dir",
        str(data_dir),
        "--pulse-period",
        "1",
        "--signer-bits",
        "2048",
    ]
    return subprocess.Popen(args, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def documents(db: Database) -> dict[tuple[int, int], str]:
    with db.read() as session:
        repo = PulseRepository(session)
        return {(p.chain_index, p.pulse_index): p.document for p in repo.range(1, 1, 10_000)}


def wait_for_count(db: Database, n: int, timeout: float = 20.0) -> dict[tuple[int, int], str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            docs = documents(db)
        except Exception:
            docs = {}
        if len(docs) >= n:
            return docs
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} pulses after {timeout} s")


@pytest.mark.slow
def test_kill_9_and_restart(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "pulser.log"
    db = Database(sqlite_url(data_dir / "beacon.sqlite3"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        first = start(data_dir, log)
        processes.append(first)
        wait_for_count(db, 3, timeout=60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        before_kill = documents(db)  # whatever was committed before the kill
        time.sleep(2.5)  # at least two boundaries pass with no pulser

        second = start(data_dir, log)
        processes.append(second)
        wait_for_count(db, len(before_kill) + 2)
        standby = start(data_dir, log)  # waits on the file lock
        processes.append(standby)
        time.sleep(1.0)
        os.kill(second.pid, signal.SIGKILL)
        second.wait(10)
        taken_over = len(documents(db))
        wait_for_count(db, taken_over + 2)
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(10) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)

    final = documents(db)
    for key, document in before_kill.items():
        assert final[key] == document, f"pulse {key} changed after it was stored"
    pulses = [Pulse.from_json(json.loads(final[k])) for k in sorted(final)]
    with db.read() as session:
        repo = PulseRepository(session)
        verifier = chain.ChainVerifier(lambda cid: repo.certificate(cid) or b"")
        for pulse in pulses:
            verifier.add(pulse)  # precommitments kept across both kills
    db.dispose()
    assert [p.pulse_index for p in pulses] == list(range(1, len(pulses) + 1))
    restart = pulses[len(before_kill)]
    assert restart.status_code == 2, "the first pulse after the outage must flag the gap"
    assert restart.time_ms - pulses[len(before_kill) - 1].time_ms >= 3000
    assert "this pulser is now the active one" in log.read_text()
