"""Monitoring the whole log (PROTOCOL.md §7.6): every entry, every scope chain, no fork.

A proof bundle proves a draw's chain has no gap (§14.3a); what it cannot show by
itself is that the beacon did not write a *second* chain position somewhere else in
its log and leave that entry out. Anyone can rule that out by reading every entry of
the log up to a tree head the beacon signed in a pulse: this module recomputes the
head from the entries and follows every scope's chain link by link, so a fork (two
entries at one ``seq`` of one scope), a gap or a broken link is named with its leaves.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from verifier import merkle, records
from verifier.errors import CheckFailed, VerifyError
from verifier.merkle import TreeHead


def root_of(hashes: list[bytes]) -> bytes:
    """``MTH`` (§7.1) from the leaf hashes, by the same split as :func:`merkle.root`."""
    if not hashes:
        return merkle.root([])
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return merkle.node_hash(root_of(hashes[:k]), root_of(hashes[k:]))


@dataclass
class Chains:
    """What the entries say, scope by scope."""

    heads: dict[tuple[str, str], tuple[int, int, bytes]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (kind, what)
    entries: int = 0

    def add(self, leaf: int, entry: bytes) -> bytes:
        """Follow one entry (in log order); returns its leaf hash."""
        digest = merkle.leaf_hash(entry)
        self.entries += 1
        try:
            link, s = records.decode_log_entry(entry)
        except VerifyError as e:
            self.problems.append(("malformed", f"leaf {leaf}: not a log entry: {e}"))
            return digest
        scope = (s.tender_id, s.subject)
        name = f"scope {s.tender_id}/{s.subject or '-'}"
        expected_seq, expected_leaf, expected_hash = (
            (self.heads[scope][0] + 1, self.heads[scope][1], self.heads[scope][2])
            if scope in self.heads
            else (0, 0, bytes(32))
        )
        if link.seq < expected_seq:
            self.problems.append(
                (
                    "fork",
                    f"leaf {leaf} ({s.kind}): FORK of {name}: a second entry at seq {link.seq}",
                )
            )
        elif link.seq > expected_seq:
            self.problems.append(
                (
                    "gap",
                    f"leaf {leaf} ({s.kind}): {name} jumps from seq {expected_seq - 1} to {link.seq}",
                )
            )
        elif link.previous_leaf != expected_leaf or not hmac.compare_digest(
            link.previous_hash, expected_hash
        ):
            self.problems.append(
                (
                    "broken-link",
                    f"leaf {leaf} ({s.kind}): {name} seq {link.seq} names leaf "
                    f"{link.previous_leaf} as its previous entry, not leaf {expected_leaf}",
                )
            )
        if link.seq >= expected_seq - 1:
            self.heads[scope] = (link.seq, leaf, digest)
        return digest


def check_log(entries: Iterable[tuple[int, bytes]], head: TreeHead) -> str:
    """Every entry up to ``head`` (in order from leaf 0): the head recomputes, no chain forks."""
    chains, hashes = Chains(), []
    for expected, (leaf, entry) in enumerate(entries):
        if leaf != expected:
            raise CheckFailed(f"leaf {expected} is missing (next served is {leaf})")
        hashes.append(chains.add(leaf, entry))
    if len(hashes) != head.tree_size:
        raise CheckFailed(f"{len(hashes)} entries served for a tree of size {head.tree_size}")
    if not hmac.compare_digest(root_of(hashes), head.root_hash):
        raise CheckFailed(f"the {len(hashes)} entries do not hash to the signed tree head")
    if chains.problems:
        shown = "; ".join(what for _, what in chains.problems[:10])
        more = f" (and {len(chains.problems) - 10} more)" if len(chains.problems) > 10 else ""
        raise CheckFailed(f"{len(chains.problems)} chain problem(s): {shown}{more}")
    return (
        f"{chains.entries} entries hash to the signed head; {len(chains.heads)} scope chains, "
        "each without a gap or a fork"
    )
