"""Writers are serialised from their first statement, so no check can be raced (both backends).

PROTOCOL.md §6.5: a statement is checked against the record (replay, registration,
phase) and applied in one transaction. On PostgreSQL the row lock used to come
only at the log append, after the checks: two commitments by one party sent at
the same moment were both accepted (seen by the fault suite's retries). These
tests send conflicting statements from two threads released together: exactly
one must be accepted, the other refused with its reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from beacon.core.statement import SignedStatement
from beacon.errors import BeaconError, ConflictError
from beacon.store import Database, LogRepository
from tests.service.deployment import Deployment, definition, open_deployment

ROUNDS = 4  # a fresh tender each round; the race is lost at random without the lock


@pytest.fixture
def deployment(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, database_url)
    yield d
    d.runtime.close()


def two_commitments(d: Deployment, tender: str) -> tuple[SignedStatement, SignedStatement]:
    centre, agent = d.actor("centre", "centre", tender), d.actor("agent", "agent", tender)
    spec = definition(draw_id=f"{tender}-1", tender_id=tender, start=d.clock.now_ms())
    for signed in (
        centre.register("agent", agent.certificate),
        agent.publish(spec),
        centre.countersign(spec),
    ):
        d.runtime.ledger.submit(signed)
    return centre.commit(spec.draw_id, centre.new_seed()), centre.commit(
        spec.draw_id, centre.new_seed()
    )


def two_registrations(d: Deployment, tender: str) -> tuple[SignedStatement, SignedStatement]:
    centre, bidder = d.actor("centre", "centre", tender), d.actor("bidder-1", "bidder", tender)
    return centre.register("bidder", bidder.certificate), centre.register(
        "bidder", bidder.certificate
    )


def one_statement_twice(d: Deployment, tender: str) -> tuple[SignedStatement, SignedStatement]:
    signed = two_registrations(d, tender)[0]
    return signed, signed


CASES = [
    pytest.param(
        two_commitments, "the centre has already committed", id="two commitments by one party"
    ),
    pytest.param(
        two_registrations, "is already registered as bidder", id="one bidder registered twice"
    ),
    pytest.param(one_statement_twice, "replayed statement", id="one statement sent twice at once"),
]


def race(d: Deployment, statements: tuple[SignedStatement, SignedStatement]) -> list[object]:
    barrier = threading.Barrier(len(statements))
    outcomes: list[object] = []

    def submit(signed: SignedStatement) -> None:
        barrier.wait()
        try:
            outcomes.append(d.runtime.ledger.submit(signed).leaf_index)
        except BeaconError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=submit, args=(s,)) for s in statements]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize(("make", "refusal"), CASES)
def test_exactly_one_of_two_conflicting_statements_is_accepted(
    deployment: Deployment,
    make: Callable[[Deployment, str], tuple[SignedStatement, SignedStatement]],
    refusal: str,
) -> None:
    for round_ in range(ROUNDS):
        tender = f"RACE-{make.__name__.upper().replace('_', '-')}-{round_}"
        outcomes = race(deployment, make(deployment, tender))
        accepted = [o for o in outcomes if isinstance(o, int)]
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(accepted) == 1, f"round {round_}: accepted {len(accepted)} of 2: {outcomes}"
        assert len(refused) == 1 and isinstance(refused[0], ConflictError), outcomes
        with pytest.raises(ConflictError, match=refusal):
            raise refused[0]


def test_a_writer_waits_for_the_writer_before_it(database: Database) -> None:
    """The mechanism: a second write transaction reads nothing until the first commits."""
    seen: list[int] = []

    def second() -> None:
        with database.write() as session:
            seen.append(LogRepository(session).size())

    with database.write() as session:
        LogRepository(session).append(b"first entry", now_ms=1)
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "the second writer ran while the first was open"
    waiting.join(30)
    assert seen == [1], "the second writer must see the first one's append"
