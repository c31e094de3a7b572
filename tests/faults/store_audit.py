"""Nothing half-written: the database and the blob store read directly, after the faults.

PROTOCOL.md §6.5 writes a statement, its effect and its log leaf in one
transaction, so after any crash every leaf is a statement with its index row,
every index row has its leaf, every effect row (registration, draw, envelope)
points at a statement of its own kind, and the stored subtree hashes and tree
heads are those of the leaves (recomputed here from the entries, §7.5). Envelope
rows must have their bytes in the blob store. Files a crash can leave behind
without harm (a staged upload, a blob whose statement was never committed) are
counted, not failed: they are invisible, and a retry reuses the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from beacon.core import merkle
from beacon.core.envelope.format import EnvelopeDigest
from beacon.core.logentry import statement_of
from beacon.store import Database
from beacon.store.chain_tables import LogLeaf, LogNode, LogState, PulseRow, TreeHeadRow
from beacon.store.draw_tables import DrawRow, EnvelopeRow, Registration, StatementRow, VdfJob

# Each effect row names the statement that made it; that statement must be of this kind.
EFFECTS = (
    ("registrations", Registration.statement_hash, "tender.register"),
    ("draws", DrawRow.statement_hash, "draw.publish"),
    ("envelopes", EnvelopeRow.statement_hash, "envelope.submit"),
)


@dataclass(frozen=True)
class StoreReport:
    leaves: int
    statements: int
    nodes: int
    tree_heads: int
    envelopes: int
    staged_leftovers: int  # uploads cut off by a kill, never visible
    unreferenced_blobs: int  # bytes stored for a submission whose transaction never committed
    vdf_attempts: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _envelope_digest(path: Path) -> tuple[bytes, int]:
    digest = EnvelopeDigest()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.digest(), digest.size


def audit(database_url: str, data_dir: Path) -> StoreReport:
    """Check the store's own consistency; raise AssertionError naming the first damage."""
    db = Database(database_url)
    try:
        with db.read() as s:
            size = s.execute(select(LogState.tree_size)).scalar_one()
            leaves = list(s.execute(select(LogLeaf).order_by(LogLeaf.leaf_index)).scalars())
            assert [leaf.leaf_index for leaf in leaves] == list(range(size)), (
                f"log_state says {size} leaves, the table holds {len(leaves)} (or has holes)"
            )
            hashes = []
            for leaf in leaves:
                assert leaf.leaf_hash == merkle.leaf_hash(leaf.entry), (
                    f"leaf {leaf.leaf_index}: wrong hash"
                )
                hashes.append(leaf.leaf_hash)
            rows = {r.leaf_index: r for r in s.execute(select(StatementRow)).scalars()}
            assert sorted(rows) == list(range(size)), (
                f"leaves without a statement row: {sorted(set(range(size)) - set(rows))}; "
                f"statement rows without a leaf: {sorted(set(rows) - set(range(size)))}"
            )
            for leaf in leaves:
                st = statement_of(leaf.entry).statement
                row = rows[leaf.leaf_index]
                assert (row.statement_hash, row.kind, row.tender_id, row.subject, row.actor) == (
                    st.hash(),
                    st.kind,
                    st.tender_id,
                    st.subject,
                    st.actor,
                ), f"leaf {leaf.leaf_index}: the statement row does not describe the leaf"
            by_hash = {r.statement_hash: r for r in rows.values()}

            subtree = merkle.memory_subtrees(hashes)
            nodes = list(s.execute(select(LogNode)).scalars())
            expected = {(lv, p) for lv in range(size.bit_length()) for p in range(size >> lv)}
            assert {(n.level, n.position) for n in nodes} == expected, (
                "log_nodes is not every complete subtree"
            )
            for n in nodes:
                assert n.hash == subtree(n.level, n.position), (
                    f"log node ({n.level}, {n.position}) is wrong"
                )
            heads = list(s.execute(select(TreeHeadRow)).scalars())
            for h in heads:
                assert h.root_hash == merkle.root(hashes[: h.tree_size]), (
                    f"tree head {h.tree_size} is wrong"
                )
            orphan_pulses = s.execute(
                select(func.count()).select_from(PulseRow).where(PulseRow.tree_size > size)
            ).scalar_one()
            assert orphan_pulses == 0, "a pulse commits a tree larger than the log"

            for table, column, kind in EFFECTS:
                for statement_hash in s.execute(select(column)).scalars():
                    cause = by_hash.get(statement_hash)
                    assert cause is not None and cause.kind == kind, (
                        f"a row of {table} without its {kind} statement"
                    )
            envelopes = [
                (e.envelope_id, e.envelope_hash, e.size)
                for e in s.execute(select(EnvelopeRow)).scalars()
            ]
            attempts = {j.draw_id: j.attempts for j in s.execute(select(VdfJob)).scalars()}
    finally:
        db.dispose()

    blobs = data_dir / "blobs"
    referenced = set()
    for envelope_id, envelope_hash, envelope_size in envelopes:
        path = blobs / envelope_hash.hex()[:2] / envelope_hash.hex()
        assert path.is_file(), f"envelope {envelope_id}: its bytes are not in the blob store"
        assert _envelope_digest(path) == (envelope_hash, envelope_size), (
            f"envelope {envelope_id}: bytes changed"
        )
        referenced.add(path)
    stored = {p for p in blobs.glob("??/*") if p.is_file()}
    staging = blobs / "staging"
    return StoreReport(
        leaves=size,
        statements=len(rows),
        nodes=len(nodes),
        tree_heads=len(heads),
        envelopes=len(envelopes),
        staged_leftovers=sum(1 for _ in staging.iterdir()) if staging.is_dir() else 0,
        unreferenced_blobs=len(stored - referenced),
        vdf_attempts=attempts,
    )
