"""The database goes away in the middle of a draw, twice, and comes back (PostgreSQL).

Web, pulser and worker run as separate processes on a private PostgreSQL server
(tests/faults/postgres.py). The server is stopped with ``pg_ctl stop -m fast``
once while the parties reveal, and once while the worker evaluates the VDF. While
it is down, every read and every write the web gets is answered 503 with
Retry-After as problem+json (never a 500), and the pulser and the worker log the
failure and keep retrying instead of dying. Once it is back, the same processes
(no restart) carry on: a statement refused with 503 during the outage is accepted
when sent again (the 503 wrote nothing), the pulser resumes with a status-2 gap,
the worker resumes the VDF from its stored checkpoints, and the draw ends as an
uninterrupted run would. Then nothing may be half-written: the invariants every
scenario checks, and the store audit (every statement with its leaf, no orphan
rows). The server is stopped and deleted in the fixture's teardown, whatever
happens.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from beacon.client import BeaconClient, ServiceError
from beacon.core.logentry import statement_of
from tests.faults.courier import Unreachable, fetch
from tests.faults.draw_ceremony import (
    BIDDERS,
    DRAW_ID,
    PATH,
    TENDER,
    DrawParties,
    check_bundle,
    check_result,
    check_resumed,
)
from tests.faults.postgres import PrivateServer, unavailable
from tests.faults.processes import PROCESSES, free_port
from tests.faults.scenario import Scenario, fault_scenario
from tests.faults.summary import Summary

pytestmark = [pytest.mark.faults, pytest.mark.slow]

OUTAGE_S = 8.0
# What each process says while it waits for the database (either line will do for the
# pulser: it fails an emission, or it lost its lock connection and cannot take it back).
RETRYING = {
    "pulser": ("could not emit a pulse", "cannot reach the database to lead"),
    "worker": ("worker step failed; retrying",),
}


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason=reason)
    pg = PrivateServer(free_port())
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.destroy()  # stopped and deleted even when the test failed mid-outage


def reads(sc: Scenario) -> list[str]:
    """A read of every kind the service answers from the database."""
    first = sc.courier.deliveries[0]
    return [
        "/beacon/2.0/pulse/last",
        "/beacon/2.0/chain/1/pulse/1",
        "/api/v1/chains/1/pulses?start=1&end=3",
        "/api/v1/log/tree-head",
        "/api/v1/log/leaves/0",
        f"/api/v1/log/inclusion-proof/{first.leaf_index}",
        f"/api/v1/statements/{first.statement_hash.hex()}/receipt",
        "/api/v1/draws",
        PATH,
        f"{PATH}/proof",
        f"/api/v1/tenders/{TENDER}",
    ]


def expect_503(what: str, status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 503, f"{what}: HTTP {status} while the database is down: {body[:300]!r}"
    assert headers.get("Retry-After", "").isdigit(), f"{what}: no Retry-After: {headers}"
    assert headers.get("Content-Type", "").startswith("application/problem+json"), what
    assert b"database unavailable" in body, f"{what}: {body[:300]!r}"


def probe(url: str, path: str, known: set[bytes], probes: Counter[str]) -> None:
    """One read while the database is down: 503 + Retry-After, or an answer already served.

    The web may answer from memory (beacon.web.memo: the newest pulse until its period
    ends); such an answer must be one the service gave before (``known``).
    """
    try:
        status, headers, body = fetch(url + path, timeout=30)
    except Unreachable as e:
        raise AssertionError(f"GET {path}: the web process stopped answering: {e}") from e
    if status == 200:
        assert body in known, f"GET {path}: a 200 while the database is down, never served before"
        probes["reads answered from memory"] += 1
        return
    expect_503(f"GET {path}", status, headers, body)
    probes["reads"] += 1
    probes[f"503 {path}"] += 1


def post_expecting_503(what: str, send: Callable[[], object]) -> None:
    try:
        send()
    except ServiceError as e:
        assert e.status == 503, f"{what}: {e}"
        assert e.retry_after is not None, f"{what}: 503 without Retry-After"
        assert "InfrastructureError" in str(e), f"{what}: {e}"
        return
    raise AssertionError(f"{what}: accepted while the database was down")


def log_since(sc: Scenario, process: str, offset: int) -> str:
    return sc.cluster.log_text(process)[offset:]


def outage(
    sc: Scenario, server: PrivateServer, name: str, writes: dict[str, Callable[[], object]]
) -> None:
    """Stop the server for OUTAGE_S seconds, probing every read and write; start it again."""
    pids = {p: sc.cluster.pid(p) for p in PROCESSES}
    marks = {p: len(sc.cluster.log_text(p)) for p in ("pulser", "worker")}
    probes: Counter[str] = Counter()
    before = {path: sc.courier.get_raw(path)[2] for path in reads(sc)}
    server.stop("fast")
    started = time.monotonic()
    try:
        while time.monotonic() - started < OUTAGE_S:
            for path in before:
                known = {before[path], *sc.observer.pulses.values()}
                probe(sc.settings.url, path, known, probes)
            for what, send in writes.items():
                post_expecting_503(what, send)
                probes["writes"] += 1
            sc.check()
            time.sleep(0.2)
        unanswered = [path for path in before if not probes[f"503 {path}"]]
        assert not unanswered, f"never a 503 while the database was down: {unanswered}"
        for process, lines in RETRYING.items():
            said = log_since(sc, process, marks[process])
            assert any(line in said for line in lines), (
                f"the {process} did not log that it waits for the database: {said[-2000:]}"
            )
    finally:
        server.start()
    assert {p: sc.cluster.pid(p) for p in PROCESSES} == pids and not sc.cluster.exited(), (
        "a process died or was restarted during the outage"
    )
    summary = {k: v for k, v in probes.items() if not k.startswith("503 ")}
    sc.facts.setdefault("outages", []).append({"during": name, "seconds": OUTAGE_S, **summary})


def wait_for_recovery(sc: Scenario) -> None:
    """The same processes serve and pulse again, by themselves."""
    before = time.monotonic()
    first = sc.courier.get("/beacon/2.0/pulse/last")["pulse"]
    sc.courier.wait_for(
        "/beacon/2.0/pulse/last",
        lambda doc: doc["pulse"]["pulseIndex"] > first["pulseIndex"],
        timeout=60,
        what="a pulse after the outage",
    )
    sc.facts.setdefault("recovered_in_s", []).append(round(time.monotonic() - before, 1))


def test_the_service_rides_out_a_database_outage(
    tmp_path: Path, server: PrivateServer, fault_summary: Summary
) -> None:
    with fault_scenario(
        "database-outage",
        tmp_path=tmp_path,
        database_url=server.url,
        summary=fault_summary,
        bidders=BIDDERS,
        min_kills=0,
        chaos=False,
    ) as sc:
        parties = DrawParties(sc)
        parties.prepare()
        client = BeaconClient(sc.settings.url, timeout=30)
        # A reveal signed now, refused with 503 during the outage, accepted afterwards.
        centre_reveal = parties.centre.reveal(DRAW_ID, parties.seeds[parties.centre.party])
        late = parties.sealed_seed(parties.bidders[-1])  # an envelope probe (refused later anyway)
        writes: dict[str, Callable[[], object]] = {
            "POST /api/v1/statements": lambda: client.submit(centre_reveal),
            "POST /api/v1/envelopes": lambda: client.submit_envelope(
                late.statement, io.BytesIO(late.envelope), len(late.envelope)
            ),
        }
        outage(sc, server, "the reveals", writes)
        wait_for_recovery(sc)
        delivered = sc.courier.submit(centre_reveal)
        assert not delivered.replayed, "the reveal refused with 503 had been written"
        parties.reveal(already=("centre",))
        parties.release()
        parties.wait_for_vdf(sc.rng.uniform(0.2, 0.5))
        del writes["POST /api/v1/statements"]
        outage(sc, server, "the VDF", writes)
        wait_for_recovery(sc)
        parties.confirm(parties.await_result())
        store = sc.settle()
        assert sc.invariants["status_2_gaps"] >= 2, "each outage must leave a status-2 gap"
        check_result(sc, parties)
        check_resumed(sc, store.vdf_attempts)
        check_bundle(sc, tmp_path)
        assert statement_of(bytes.fromhex(delivered.receipt["entry"])) == centre_reveal
