"""The store on every backend: migrations, the log, pulses, append-only history.

Runs on SQLite always and on PostgreSQL when BEACON_TEST_DATABASE_URL is set.
Expected roots and proofs come from beacon.core.merkle over the same entries in
memory (itself checked against RFC 9162 vectors in tests/core/test_merkle.py).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import replace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from beacon.core import merkle
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.errors import ConflictError, InputError
from beacon.store import Database, LogRepository, Promise, PulseRepository
from beacon.store.chain_tables import Base
from tests.conftest import VECTORS

ENTRIES = [f"statement {i}".encode() for i in range(40)]


def fill(db: Database, entries: list[bytes]) -> None:
    with db.write() as session:
        LogRepository(session).append_many(entries, now_ms=0)


class TestMigrations:
    def test_schema_matches_models(self, database: Database) -> None:
        with database.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []

    def test_upgrade_is_idempotent(self, database: Database) -> None:
        fill(database, ENTRIES[:3])
        database.upgrade()
        with database.read() as session:
            assert LogRepository(session).size() == 3


class TestLog:
    def test_roots_and_proofs_match_memory(self, database: Database) -> None:
        for i, entry in enumerate(ENTRIES[:20]):
            with database.write() as session:
                assert LogRepository(session).append(entry, now_ms=i) == i
        leaves = [merkle.leaf_hash(e) for e in ENTRIES[:20]]
        memory = merkle.memory_subtrees(leaves)
        with database.read() as session:
            log = LogRepository(session)
            for size in range(21):
                assert log.tree_head(size) == TreeHead(size, merkle.root(leaves[:size]))
            for size in range(1, 21):
                for index in range(size):
                    assert log.inclusion_proof(index, size) == merkle.inclusion_proof(
                        index, size, memory
                    )
                    assert log.consistency_proof(index + 1, size) == merkle.consistency_proof(
                        index + 1, size, memory
                    )
            assert log.entry(7) == ENTRIES[7]
            assert log.entry(20) is None
            assert log.entries(3, 6) == [(3, ENTRIES[3]), (4, ENTRIES[4]), (5, ENTRIES[5])]

    @pytest.mark.parametrize("size", [1000])
    def test_proofs_read_logarithmically_many_rows(self, database: Database, size: int) -> None:
        fill(database, [i.to_bytes(4, "big") for i in range(size)])
        bound = 2 * math.ceil(math.log2(size)) + 1
        with database.read() as session:
            log = LogRepository(session)
            for index in (0, 1, size // 2, size - 2, size - 1):
                log.node_reads = 0
                log.inclusion_proof(index, size)
                assert log.node_reads <= bound, f"leaf {index}: {log.node_reads} reads"
            log.node_reads = 0
            log.consistency_proof(size // 3, size)
            assert log.node_reads <= bound

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            pytest.param(
                lambda log: log.tree_head(4), "tree size 4 is beyond the log's size 3", id="head"
            ),
            pytest.param(
                lambda log: log.inclusion_proof(3, 3),
                "leaf 3 is not in the tree of size 3",
                id="incl",
            ),
            pytest.param(
                lambda log: log.consistency_proof(0, 3), "from tree size 0 to 3", id="cons"
            ),
        ],
    )
    def test_out_of_range(self, database: Database, call, message: str) -> None:
        fill(database, ENTRIES[:3])
        with database.read() as session, pytest.raises(InputError, match=message):
            call(LogRepository(session))

    def test_caller_owns_the_transaction(self, database: Database) -> None:
        fill(database, ENTRIES[:2])
        with pytest.raises(RuntimeError, match="effect failed"), database.write() as session:
            LogRepository(session).append(ENTRIES[2], now_ms=0)
            raise RuntimeError("effect failed")
        with database.read() as session:
            assert LogRepository(session).size() == 2

    @pytest.mark.parametrize(
        "statement",
        [
            pytest.param("UPDATE log_leaves SET entry = entry", id="update-leaf"),
            pytest.param("DELETE FROM log_nodes", id="delete-node"),
            pytest.param("DELETE FROM log_leaves WHERE leaf_index = 0", id="delete-leaf"),
        ],
    )
    def test_history_is_append_only(self, database: Database, statement: str) -> None:
        fill(database, ENTRIES[:2])
        with pytest.raises(ConflictError, match="append-only"), database.write() as session:
            session.execute(text(statement))

    def test_concurrent_appenders_serialise(self, database: Database) -> None:
        errors: list[BaseException] = []

        def worker(name: str) -> None:
            try:
                for i in range(15):
                    with database.write() as session:
                        LogRepository(session).append(f"{name}-{i}".encode(), now_ms=i)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b", "c")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with database.read() as session:
            log = LogRepository(session)
            entries = [e for _, e in log.entries(0, 100)]
            assert sorted(entries) == sorted(f"{n}-{i}".encode() for n in "abc" for i in range(15))
            assert log.tree_head() == TreeHead(
                45, merkle.root([merkle.leaf_hash(e) for e in entries])
            )


def _vector_chain() -> tuple[list[Pulse], list[TreeHead], dict[str, bytes]]:
    doc = json.loads((VECTORS / "pulse" / "chain-valid.json").read_text())
    pulses = [Pulse.from_json(p) for p in doc["pulses"]]
    heads = [TreeHead.from_dict(h) for h in doc["tree_heads"]]
    certs = {
        k: x509.load_pem_x509_certificate(v.encode()).public_bytes(serialization.Encoding.DER)
        for k, v in doc["certificates"].items()
    }
    return pulses, heads, certs


@pytest.fixture
def chain_db(database: Database) -> Database:
    pulses, heads, certs = _vector_chain()
    with database.write() as session:
        repo, log = PulseRepository(session), LogRepository(session)
        for der in certs.values():
            repo.add_certificate(der)
        for pulse, head in zip(pulses, heads, strict=True):
            log.save_tree_head(head)
            repo.append(pulse, head)
    return database


class TestPulses:
    def test_lookups(self, chain_db: Database) -> None:
        pulses, heads, certs = _vector_chain()
        with chain_db.read() as session:
            repo = PulseRepository(session)
            stored = repo.get(1, 3)
            assert (
                stored is not None
                and stored.pulse() == pulses[2]
                and stored.tree_size == heads[2].tree_size
            )
            assert json.loads(stored.document) == pulses[2].to_json()
            last = repo.last()
            assert last is not None and last.pulse_index == 6
            assert repo.get(1, 7) is None
            t = [p.time_ms for p in pulses]
            assert repo.at_or_after(t[1]).pulse_index == 2  # type: ignore[union-attr]
            assert repo.at_or_after(t[3] + 1).pulse_index == 5  # type: ignore[union-attr]  # the gap
            assert repo.before(t[1]).pulse_index == 1  # type: ignore[union-attr]
            assert repo.after(t[1]).pulse_index == 3  # type: ignore[union-attr]
            assert repo.before(t[0]) is None and repo.after(t[5]) is None
            assert [p.pulse_index for p in repo.range(1, 2, 5)] == [2, 3, 4]
            # PROTOCOL.md §8.5: pulse 4 (10:01) links to the first pulse of 10:00, pulse 3.
            assert repo.first_in_period(1, "hour", t[3]).output_value == pulses[2].output_value
            assert repo.first_in_period(1, "day", t[3]).output_value == pulses[0].output_value
            for cid, der in certs.items():
                assert repo.certificate(bytes.fromhex(cid)) == der
            assert LogRepository(session).saved_tree_head(heads[4].tree_size) == heads[4]

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            pytest.param({}, "append-only|UNIQUE|unique|duplicate", id="same-index"),
            pytest.param({"pulse_index": 9}, "UNIQUE|unique|duplicate", id="same-time"),
        ],
    )
    def test_forks_are_refused(
        self, chain_db: Database, change: dict[str, int], message: str
    ) -> None:
        pulses, heads, _ = _vector_chain()
        with pytest.raises(ConflictError, match=message), chain_db.write() as session:
            PulseRepository(session).append(replace(pulses[2], **change), heads[2])

    def test_promise_and_new_chain_request(self, database: Database) -> None:
        with database.write() as session:
            repo = PulseRepository(session)
            assert repo.state() == (None, False)
            repo.promise(Promise(1, 2, bytes(range(64))))
            repo.request_new_chain()
        with database.write() as session:
            repo = PulseRepository(session)
            assert repo.state() == (Promise(1, 2, bytes(range(64))), True)
            repo.promise(None)
            repo.request_new_chain(False)
        with database.read() as session:
            assert PulseRepository(session).state(lock=False) == (None, False)
