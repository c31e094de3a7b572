"""The transparency log in the database (PROTOCOL.md §7).

Appending stores the leaf and every complete subtree it finishes
(:func:`beacon.core.merkle.completed_subtrees`), so roots and proofs need only
O(log n) primary-key reads of ``log_nodes`` and never a scan of the leaves.
``node_reads`` counts those reads, for the benchmark and the tests.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from beacon.core import merkle
from beacon.core.merkle import TreeHead
from beacon.errors import InfrastructureError, InputError, StateError
from beacon.store.chain_tables import LogLeaf, LogNode, LogState, TreeHeadRow

MAX_ENTRY = 1 << 20  # 1 MiB: entries are statements, not payloads (docs/ARCHITECTURE.md §6)


class LogRepository:
    """Append to and read the log through a caller-owned session (never commits)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.node_reads = 0

    def size(self, *, lock: bool = False) -> int:
        """The number of entries; ``lock`` holds the state row until the transaction ends."""
        query = select(LogState.tree_size).where(LogState.id == 1)
        if lock:
            query = query.with_for_update()
        return self._session.execute(query).scalar_one()

    def node(self, level: int, position: int) -> bytes:
        """The stored hash of one complete subtree (a :data:`merkle.SubtreeHash`)."""
        self.node_reads += 1
        found = self._session.execute(
            select(LogNode.hash).where(LogNode.level == level, LogNode.position == position)
        ).scalar_one_or_none()
        if found is None:
            raise InfrastructureError(
                f"log subtree ({level}, {position}) is missing from the store"
            )
        return found

    def append(self, entry: bytes, *, now_ms: int) -> int:
        """Append one entry and return its index (PROTOCOL.md §7.1)."""
        return self.append_many([entry], now_ms=now_ms)[0]

    def append_many(self, entries: Sequence[bytes], *, now_ms: int) -> list[int]:
        """Append entries in order; their indices are consecutive."""
        for i, entry in enumerate(entries):
            if not isinstance(entry, bytes) or len(entry) > MAX_ENTRY:
                raise InputError(
                    f"log entry {i}: expected at most {MAX_ENTRY} bytes", field="entry"
                )
        start = self.size(lock=True)
        pending: dict[tuple[int, int], bytes] = {}

        def subtree(level: int, position: int) -> bytes:
            return pending.get((level, position)) or self.node(level, position)

        leaves, nodes = [], []
        for offset, entry in enumerate(entries):
            index = start + offset
            leaf = merkle.leaf_hash(entry)
            leaves.append(
                {"leaf_index": index, "entry": entry, "leaf_hash": leaf, "appended_ms": now_ms}
            )
            for level, position, digest in merkle.completed_subtrees(index, leaf, subtree):
                pending[(level, position)] = digest
                nodes.append({"level": level, "position": position, "hash": digest})
        if leaves:
            self._session.execute(insert(LogLeaf), leaves)
            self._session.execute(insert(LogNode), nodes)
            self._session.execute(
                update(LogState).where(LogState.id == 1).values(tree_size=start + len(leaves))
            )
        return [start + i for i in range(len(leaves))]

    def entry(self, index: int) -> bytes | None:
        found = self._session.get(LogLeaf, index)
        return None if found is None else found.entry

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """Entries with ``start <= index < end``, in order."""
        rows = self._session.execute(
            select(LogLeaf.leaf_index, LogLeaf.entry)
            .where(LogLeaf.leaf_index >= start, LogLeaf.leaf_index < end)
            .order_by(LogLeaf.leaf_index)
        )
        return [(i, e) for i, e in rows]

    def _checked_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise InputError(
                f"tree size {size} is beyond the log's size {current}", field="tree_size"
            )
        return size

    def tree_head(self, size: int | None = None) -> TreeHead:
        """The tree head at ``size`` (default: now), computed from stored subtrees."""
        size = self._checked_size(size)
        return TreeHead(size, merkle.tree_root(size, self.node))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise InputError(f"leaf {index} is not in the tree of size {size}", field="leaf_index")
        return merkle.inclusion_proof(index, size, self.node)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        size2 = self._checked_size(size2)
        if not 0 < size1 <= size2:
            raise InputError(
                f"no consistency proof from tree size {size1} to {size2}", field="size1"
            )
        return merkle.consistency_proof(size1, size2, self.node)

    def save_tree_head(self, head: TreeHead) -> None:
        """Record a tree head that a pulse commits to (once per size)."""
        stored = self._session.get(TreeHeadRow, head.tree_size)
        if stored is None:
            self._session.execute(
                insert(TreeHeadRow).values(tree_size=head.tree_size, root_hash=head.root_hash)
            )
        elif stored.root_hash != head.root_hash:
            raise StateError(f"a different root is already recorded for tree size {head.tree_size}")

    def saved_tree_head(self, size: int) -> TreeHead | None:
        """The recorded tree head of ``size``, if a pulse committed to it."""
        stored = self._session.get(TreeHeadRow, size)
        return None if stored is None else TreeHead(stored.tree_size, stored.root_hash)


_SIZE = select(LogState.tree_size).where(LogState.id == 1)
_SIZE_SQL: dict[str, str] = {}  # compiled once per dialect: compiling costs more than the query


def _size_sql(engine: Engine) -> str:
    sql = _SIZE_SQL.get(engine.dialect.name)
    if sql is None:
        sql = str(_SIZE.compile(engine, compile_kwargs={"literal_binds": True}))
        _SIZE_SQL[engine.dialect.name] = sql
    return sql


def _size_from(raw: Any, sql: str) -> Any:
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchone()
    finally:
        cursor.close()


def _checked(row: Any) -> int:
    if row is None:
        raise InfrastructureError("the log's state row is missing: is the database migrated?")
    return int(row[0])


class SizeProbe:
    """:func:`probe_size` on a connection of its own per thread, kept between calls.

    For a read path that asks "has the log grown?" on every request (beacon.web.memo):
    most of :func:`probe_size`'s cost is checking a connection out of the pool and
    resetting it on return. The probe instead keeps one DBAPI connection per thread,
    detached from the pool (it counts against no pool limit and closes when dropped),
    runs the same query on it and at once ends whatever transaction the driver began
    (rollback), so it holds no snapshot and no lock between calls and each call sees
    the latest commit. After a fork (gunicorn ``--preload``) or a failed call, the
    next call opens a fresh connection.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sql = _size_sql(engine)
        self._local = threading.local()
        self._inherited: list[Any] = []

    def __call__(self) -> int:
        dbapi_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        kept = getattr(self._local, "raw", None) is not None
        try:
            return self._probe()
        except dbapi_error as e:
            self._drop()
            if kept:
                # As the pool's pre-ping would: a kept connection may have died with
                # the server's restart, so try once more on a fresh one.
                try:
                    return self._probe()
                except dbapi_error as again:
                    self._drop()
                    raise InfrastructureError(f"database unavailable: {again}") from again
            raise InfrastructureError(f"database unavailable: {e}") from e
        except BaseException:
            self._drop()
            raise

    def _probe(self) -> int:
        raw = getattr(self._local, "raw", None)
        if raw is None or self._local.pid != os.getpid():
            if raw is not None:
                # The parent's connection, inherited through fork: never use or close
                # it here (SQLite forbids both); keep it referenced so that it is not
                # closed by garbage collection either.
                self._inherited.append(raw)
            raw = self.engine.raw_connection()
            raw.detach()
            self._local.raw, self._local.pid = raw, os.getpid()
        row = _size_from(raw, self._sql)
        raw.rollback()
        return _checked(row)

    def _drop(self) -> None:
        raw = getattr(self._local, "raw", None)
        self._local.raw = None
        if raw is not None and self._local.pid == os.getpid():
            with contextlib.suppress(Exception):  # already failing: the caller's error is raised
                raw.close()


def probe_size(engine: Engine) -> int:
    """The log's size now, read on a bare pooled connection outside any session.

    For hot read paths that only ask "has the log grown?" (beacon.web.memo): a
    :class:`Session` round trip costs about 1 ms of Python, this about 30 µs on SQLite
    (bench/bench_http.py). The query has no parameters, so its compiled text runs on
    any driver's cursor.
    """
    sql = _size_sql(engine)
    dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
    try:
        raw = engine.raw_connection()
        try:
            row = _size_from(raw, sql)
        finally:
            raw.close()  # back to the pool, which rolls back whatever the driver began
    except dbapi_error as e:
        raise InfrastructureError(f"database unavailable: {e}") from e
    return _checked(row)
