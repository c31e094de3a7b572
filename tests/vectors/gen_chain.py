"""Scope-chain vectors (PROTOCOL.md §7.6): small logs whose entries carry each statement's
place in its scope. expect ∈ {"valid", "fork", "gap", "broken-link", "malformed"}.

Each file is a whole log from leaf 0 (``entries``, hex) with its tree head (§7.2); a
reader re-derives every link and reports the first problem: ``fork`` for a second entry
at a ``seq`` a scope already has, ``gap`` for a skipped ``seq``, ``broken-link`` for an
entry naming another previous leaf or leaf hash, ``malformed`` for an entry that breaks
§7.6's own rule (a first entry with a previous hash, a later one without). The
statements are well-formed but not signed by real certificates: chains are about
positions, and a monitor reads them without checking signatures.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import Any

from beacon.core import merkle
from beacon.core.logentry import ChainLink, LogEntry
from beacon.core.statement import SignedStatement, Statement
from tests.vectors.common import det_bytes

PROVENANCE = (
    "tests/vectors/gen_chain.py: every entry laid out by hand with struct from the PROTOCOL.md "
    "§7.6 table and compared with beacon.core.logentry.LogEntry.encode; the tree head by "
    "hashlib from §7.1; read by beacon.core.logentry (tests/core/test_vectors.py) and by "
    "verifier/monitor.py (tests/verifier/test_vectors.py)"
)
TENDER, DRAW = "JS-2026-0142", "JS-2026-0142-1"


def _field(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def entry_by_hand(seq: int, previous_leaf: int, previous_hash: bytes, signed: bytes) -> bytes:
    return b"".join(
        _field(x)
        for x in (
            b"tender-beacon/v2/log-entry",
            struct.pack(">Q", seq),
            struct.pack(">Q", previous_leaf),
            previous_hash,
            signed,
        )
    )


def _statement(i: int, subject: str) -> SignedStatement:
    body: dict[str, Any] = (
        {"reason": f"objection {i}"}
        if subject
        else {"title": "t", "bid_deadline": 1, "release_deadline": 2}
    )
    st = Statement(
        kind="draw.objection" if subject else "tender.publish",
        tender_id=TENDER,
        subject=subject,
        role="bidder" if subject else "agent",
        actor=det_bytes(f"chain/actor/{i}", 32),
        issued_at=1_795_680_000_000 + i,
        nonce=det_bytes(f"chain/nonce/{i}", 16),
        body=body,
    )
    return SignedStatement(
        st, "ed25519", det_bytes(f"chain/sig/{i}", 64), det_bytes(f"chain/cert/{i}", 40)
    )


def _mth(hashes: list[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


def _log(scopes: list[str], edit: Any = None) -> list[bytes]:
    """Entries for statements of the given scopes (subject per leaf), linked honestly;
    ``edit(i, link) -> link`` changes the link of leaf ``i``."""
    entries: list[bytes] = []
    heads: dict[str, tuple[ChainLink, int, bytes]] = {}
    for i, subject in enumerate(scopes):
        h = heads.get(subject)
        link = ChainLink.first() if h is None else h[0].after(h[1], h[2])
        if edit is not None:
            link = edit(i, link)
        signed = _statement(i, subject).encode()
        entry = entry_by_hand(link.seq, link.previous_leaf, link.previous_hash, signed)
        assert entry == LogEntry(link, _statement(i, subject)).encode()
        entries.append(entry)
        heads[subject] = (link, i, entry)
    return entries


def _doc(name: str, entries: list[bytes], expect: str, comment: str) -> tuple[str, dict[str, Any]]:
    hashes = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    assert hashes == [merkle.leaf_hash(e) for e in entries]
    return name, {
        "comment": comment,
        "provenance": PROVENANCE,
        "entries": [e.hex() for e in entries],
        "tree_head": {"suite": 1, "tree_size": len(entries), "root_hash": _mth(hashes).hex()},
        "expect": expect,
    }


# Two scopes interleaved: the draw (subject DRAW) and the tender itself (empty subject).
SCOPES = ["", DRAW, DRAW, "", DRAW, DRAW]


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    yield _doc(
        "two-scopes",
        _log(SCOPES),
        "valid",
        "a draw's chain and its tender's chain interleaved in one log, each linked to its own",
    )

    def fork(i: int, link: ChainLink) -> ChainLink:  # leaf 5 takes seq 2 again, after leaf 2
        return ChainLink(2, 2, merkle.leaf_hash(_log(SCOPES)[2])) if i == 5 else link

    yield _doc(
        "second-entry-at-one-seq",
        _log(SCOPES, fork),
        "fork",
        "leaf 5 claims the draw's seq 2, which leaf 4 already follows: two entries at one place",
    )

    def gap(i: int, link: ChainLink) -> ChainLink:
        return ChainLink(link.seq + 1, link.previous_leaf, link.previous_hash) if i == 4 else link

    yield _doc(
        "skipped-seq",
        _log(SCOPES[:5], gap),
        "gap",
        "leaf 4 says seq 3 where the draw's chain is at seq 2: a statement is missing",
    )

    def other_leaf(i: int, link: ChainLink) -> ChainLink:
        return ChainLink(link.seq, 0, link.previous_hash) if i == 4 else link

    yield _doc(
        "previous-leaf-of-another-scope",
        _log(SCOPES[:5], other_leaf),
        "broken-link",
        "leaf 4 names leaf 0 (the tender's) as the draw's previous entry, not leaf 2",
    )

    def other_hash(i: int, link: ChainLink) -> ChainLink:
        return (
            ChainLink(link.seq, link.previous_leaf, det_bytes("chain/other", 32))
            if i == 2
            else link
        )

    yield _doc(
        "previous-hash-not-the-leafs",
        _log(SCOPES[:3], other_hash),
        "broken-link",
        "leaf 2 names leaf 1 but not its leaf hash",
    )

    def first_with_previous(i: int, link: ChainLink) -> ChainLink:
        return ChainLink(0, 0, det_bytes("chain/first", 32)) if i == 1 else link

    yield _doc(
        "first-entry-with-a-previous-hash",
        _log(SCOPES[:2], first_with_previous),
        "malformed",
        "the draw's first entry (seq 0) names a previous entry: §7.6 forbids it",
    )
