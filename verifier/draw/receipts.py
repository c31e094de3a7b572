"""PROTOCOL.md §14.3b Receipts: every statement of the draw a party holds a receipt for is in
the bundle, as receipted (``beacon-verify draw --receipt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier import encoding as enc
from verifier import records
from verifier.draw.bundle import Bundle
from verifier.draw.results import Chain
from verifier.errors import CheckFailed
from verifier.receipt import verify_receipt
from verifier.steps import check, short


# PROTOCOL.md §14.3b: each receipt verifies (§6.6); one of this draw's scope below the
# bundle's tree size is the very entry the bundle holds at its leaf.
def check_receipts(
    b: Bundle,
    chain: Chain | None,
    receipts: Sequence[Any],
    anchors: Sequence[bytes] | None,
    crls: Sequence[bytes] = (),
) -> str:
    """Each receipt's statement is in the bundle, or says how the bundle falls short.

    A receipt's entry names its place in its scope's chain (§7.6). If it is a statement
    of this draw below the bundle's tree size, the bundle must hold that very entry at
    that leaf; a different entry at the same place of the chain is a fork of the log,
    which the receipt's pulse-signed tree head and the bundle's prove together.
    """
    by_leaf = {x.leaf: x for x in b.statements}
    by_seq = {x.link.seq: x for x in (chain.statements if chain else ())}
    shown = []
    for i, doc in enumerate(receipts):
        report = verify_receipt(doc, anchors=anchors, crls=crls)
        bad = [c for c in report.checks if not c.ok and c.name != "pulse"]
        check(not bad, f"receipt {i + 1} does not verify: {bad[0].detail if bad else ''}")
        leaf = enc.integer(doc["leaf_index"], "receipt.leaf_index")
        entry = enc.hexbytes(doc["entry"], "receipt.entry")
        link, s = records.decode_log_entry(entry)
        what = (
            f"receipt {i + 1} ({s.kind} by {s.role} {short(s.actor)}, leaf {leaf}, seq {link.seq})"
        )
        if (s.tender_id, s.subject) != (b.definition["tender_id"], b.draw_id):
            shown.append(f"{what}: another scope")
            continue
        check(
            leaf < b.head.tree_size,
            f"{what}: the bundle's tree (size {b.head.tree_size}) predates it; "
            "fetch a newer bundle",
        )
        held = by_leaf.get(leaf)
        if held is None or held.entry != entry:
            other = by_seq.get(link.seq)
            fork = (
                f"; the bundle's seq {link.seq} is leaf {other.leaf} ({other.s.kind}): the beacon "
                "logged two entries at one place of the draw's chain"
                if other is not None and other.leaf != leaf
                else ""
            )
            raise CheckFailed(f"{what}: the bundle leaves this statement out{fork}")
        shown.append(f"{what}: in the bundle")
    return "; ".join(shown)
