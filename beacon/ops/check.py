"""``beacon admin check``: re-verify everything the deployment has stored.

Nothing stored is trusted: every leaf hash is recomputed from its entry, every
stored subtree hash from its children (PROTOCOL.md §7.5), every recorded tree head
from the recomputed leaves (§7.2); the pulse chains are verified as a verifier
would (§8.6), each external value against its recorded tree head (§8.4); each
statement row is compared with the signed statement in its leaf (§6.1) and each
scope's chain of entries is followed link by link (§7.6); each
envelope's bytes with the hash and size recorded at submission (§9.6). Every
inconsistency is reported, naming the row; the check never stops at the first.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from beacon.core import chain, merkle
from beacon.core.envelope.format import envelope_hash
from beacon.core.logentry import ChainFollower, LogEntry
from beacon.core.pulse import Pulse, verify_external
from beacon.errors import BeaconError
from beacon.ops.progress import Steps, silent
from beacon.service.blobs import BlobStore
from beacon.store import Database
from beacon.store.chain_tables import (
    CertificateRow,
    LogLeaf,
    LogNode,
    LogState,
    PulseRow,
    TreeHeadRow,
)
from beacon.store.draw_tables import EnvelopeRow, StatementRow

BATCH = 1000


@dataclass(frozen=True)
class Finding:
    """One inconsistency: what it is about (``log leaf 5``) and what is wrong."""

    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


@dataclass(frozen=True)
class Report:
    """What was checked, and every inconsistency found."""

    counts: dict[str, int]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


#: The check's steps, in order (what ``steps`` reports after each).
STEPS = ("log leaves", "log nodes", "tree heads", "pulses", "statements", "envelopes")


def check(database: Database, blobs: BlobStore, *, steps: Steps = silent) -> Report:
    """Re-verify the log, the pulse chains, the statements and the envelopes."""
    findings: list[Finding] = []
    counts: dict[str, int] = {}
    with database.read() as session:
        steps(STEPS[0], 0, len(STEPS))
        leaves = _leaf_hashes(session, findings)
        stages: list[Callable[[], int]] = [
            lambda: len(leaves),
            lambda: _nodes(session, leaves, findings),
            lambda: _tree_heads(session, leaves, findings),
            lambda: _pulses(session, findings),
            lambda: _statements(session, findings),
            lambda: _envelopes(session, blobs, findings),
        ]
        for done, (name, stage) in enumerate(zip(STEPS, stages, strict=True), 1):
            counts[name] = stage()
            steps(name, done, len(STEPS))
    return Report(counts, tuple(findings))


def _batches(session: Session, query: Any, *order: Any) -> Iterator[Any]:
    """The rows of ``query`` in ``order``, read a batch at a time (large logs)."""
    offset = 0
    while True:
        rows = session.execute(query.order_by(*order).limit(BATCH).offset(offset)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        offset += BATCH


def _leaf_hashes(session: Session, findings: list[Finding]) -> list[bytes]:
    """The recomputed hash of every leaf, in order; mismatches and gaps are findings."""
    size = session.execute(select(LogState.tree_size)).scalar_one()
    hashes: list[bytes] = []
    query = select(LogLeaf.leaf_index, LogLeaf.entry, LogLeaf.leaf_hash)
    for index, entry, stored in _batches(session, query, LogLeaf.leaf_index):
        if index != len(hashes):
            findings.append(Finding(f"log leaf {len(hashes)}", f"missing (next stored is {index})"))
            break
        computed = merkle.leaf_hash(entry)
        if not hmac.compare_digest(computed, stored):
            findings.append(
                Finding(
                    f"log leaf {index}",
                    f"stored leaf_hash {stored.hex()[:16]}… is not SHA-256(0x00 ‖ entry) "
                    f"= {computed.hex()[:16]}…",
                )
            )
        hashes.append(computed)
    if len(hashes) != size:
        findings.append(
            Finding("log state", f"tree_size is {size} but {len(hashes)} leaves are stored")
        )
    return hashes


def _nodes(session: Session, leaves: list[bytes], findings: list[Finding]) -> int:
    """Every complete subtree (§7.5) must be stored, once, with the recomputed hash."""
    expected: dict[tuple[int, int], bytes] = {}
    level, row = 0, leaves
    while row:
        for position, digest in enumerate(row):
            expected[(level, position)] = digest
        row = [merkle.node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        level += 1
    seen = 0
    query = select(LogNode.level, LogNode.position, LogNode.hash)
    for lvl, position, stored in session.execute(query):
        seen += 1
        want = expected.pop((lvl, position), None)
        where = f"log node (level {lvl}, position {position})"
        if want is None:
            findings.append(Finding(where, "stored, but no complete subtree has that position"))
        elif not hmac.compare_digest(want, stored):
            findings.append(
                Finding(
                    where,
                    f"stored hash {stored.hex()[:16]}… is not the recomputed {want.hex()[:16]}…",
                )
            )
    for lvl, position in sorted(expected):
        findings.append(Finding(f"log node (level {lvl}, position {position})", "missing"))
    return seen


def _tree_heads(session: Session, leaves: list[bytes], findings: list[Finding]) -> int:
    subtree = merkle.memory_subtrees(leaves)
    count = 0
    for size, root in session.execute(select(TreeHeadRow.tree_size, TreeHeadRow.root_hash)):
        count += 1
        where = f"tree head {size}"
        if size > len(leaves):
            findings.append(Finding(where, f"larger than the log ({len(leaves)} leaves)"))
            continue
        computed = merkle.tree_root(size, subtree)
        if not hmac.compare_digest(computed, root):
            findings.append(
                Finding(
                    where,
                    f"stored root {root.hex()[:16]}… is not the recomputed {computed.hex()[:16]}…",
                )
            )
    return count


def _pulses(session: Session, findings: list[Finding]) -> int:
    certificates = dict(
        (r[0], r[1])
        for r in session.execute(select(CertificateRow.certificate_id, CertificateRow.der))
    )
    heads = {
        r[0]: r[1] for r in session.execute(select(TreeHeadRow.tree_size, TreeHeadRow.root_hash))
    }

    def certificate(cid: bytes) -> bytes:
        der = certificates.get(cid)
        if der is None:
            raise _Missing(f"certificate {cid.hex()[:16]}… is not stored")
        return der

    verifiers: dict[int, chain.ChainVerifier] = {}
    broken: set[int] = set()
    count = 0
    query = select(PulseRow)
    for (row,) in _batches(session, query, PulseRow.chain_index, PulseRow.pulse_index):
        count += 1
        where = f"pulse {row.chain_index}/{row.pulse_index}"
        try:
            pulse = Pulse.from_json(_json(row.document))
        except BeaconError as e:
            findings.append(Finding(where, f"stored document does not parse: {e}"))
            broken.add(row.chain_index)
            continue
        columns = (
            pulse.chain_index,
            pulse.pulse_index,
            pulse.time_ms,
            pulse.certificate_id,
            pulse.output_value,
        )
        if columns != (
            row.chain_index,
            row.pulse_index,
            row.time_ms,
            row.certificate_id,
            row.output_value,
        ):
            findings.append(Finding(where, "index columns do not match the stored document"))
        if row.chain_index not in broken:
            verifier = verifiers.setdefault(row.chain_index, chain.ChainVerifier(certificate))
            try:
                verifier.add(pulse)
            except (BeaconError, _Missing) as e:
                findings.append(Finding(where, f"chain verification: {e}"))
                broken.add(
                    row.chain_index
                )  # later pulses of this chain cannot be checked against it
        root = heads.get(row.tree_size)
        if root is None:
            findings.append(Finding(where, f"its tree head {row.tree_size} is not recorded"))
            continue
        try:
            verify_external(pulse, merkle.TreeHead(row.tree_size, root))
        except BeaconError as e:
            findings.append(Finding(where, f"external value: {e}"))
    return count


class _Missing(Exception):
    """A stored pulse names a certificate that is not stored."""


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as e:
        return {"not json": str(e)}


def _statements(session: Session, findings: list[Finding]) -> int:
    count = 0
    chains = ChainFollower()
    query = select(StatementRow, LogLeaf.entry).outerjoin(
        LogLeaf, LogLeaf.leaf_index == StatementRow.leaf_index
    )
    for row, entry in _batches(session, query, StatementRow.leaf_index):
        count += 1
        where = f"statement at leaf {row.leaf_index}"
        if entry is None:
            findings.append(Finding(where, "its log leaf is missing"))
            continue
        problem = chains.add(row.leaf_index, entry)
        if problem is not None:  # §7.6: each scope's entries form one chain
            findings.append(
                Finding(where, f"breaks its scope chain ({problem.kind}): {problem.message}")
            )
        try:
            st = LogEntry.decode(entry).signed.statement
        except BeaconError as e:
            findings.append(Finding(where, f"the leaf is not a log entry: {e}"))
            continue
        stored = (
            row.statement_hash,
            row.kind,
            row.role,
            row.actor,
            row.tender_id,
            row.subject,
            row.issued_ms,
        )
        actual = (st.hash(), st.kind, st.role, st.actor, st.tender_id, st.subject, st.issued_at)
        names = ("hash", "kind", "role", "actor", "tender_id", "subject", "issued_ms")
        for name, s, a in zip(names, stored, actual, strict=True):
            if s != a:
                shown = (
                    (s.hex()[:16] + "…", a.hex()[:16] + "…")
                    if isinstance(s, bytes) and isinstance(a, bytes)
                    else (s, a)
                )
                findings.append(
                    Finding(where, f"row says {name} {shown[0]!r}, the leaf says {shown[1]!r}")
                )
    return count


def _envelopes(session: Session, blobs: BlobStore, findings: list[Finding]) -> int:
    count = 0
    for (row,) in session.execute(select(EnvelopeRow).order_by(EnvelopeRow.envelope_id)):
        count += 1
        where = f"envelope {row.envelope_id}"
        path = blobs.path(row.envelope_hash)
        try:
            with path.open("rb") as f:
                digest, size = envelope_hash(f)
        except OSError as e:
            findings.append(Finding(where, f"blob {path} cannot be read: {e.strerror or e}"))
            continue
        if size != row.size or not hmac.compare_digest(digest, row.envelope_hash):
            findings.append(
                Finding(
                    where,
                    f"blob {path.name[:16]}… hashes to {digest.hex()[:16]}… ({size} bytes), "
                    f"recorded {row.envelope_hash.hex()[:16]}… ({row.size} bytes)",
                )
            )
    return count
