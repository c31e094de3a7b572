"""Receipts (PROTOCOL.md §6.5): proof that a statement is in the log.

Right after acceptance a receipt holds the leaf index, the tree head just after
the append and the inclusion proof. Once a pulse has committed a tree head that
covers the leaf, the receipt is against that head and carries the signed pulse,
so it can be checked offline with the beacon's certificate alone
(``beacon-verify receipt``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from beacon.core import presentation as pres
from beacon.core.merkle import HASH_SIZE, TreeHead
from beacon.core.pulse import Pulse
from beacon.errors import EncodingError, StateError
from beacon.store import LogRepository, PulseRepository
from beacon.store.log import MAX_ENTRY

FORMAT = "tender-beacon/v2/receipt"
# An inclusion proof has at most one hash per level of a 2^64-leaf tree (PROTOCOL.md §7.3).
MAX_PROOF = 64
_MEMBERS = frozenset(
    {
        "format",
        "statement_hash",
        "leaf_index",
        "entry",
        "tree_head",
        "inclusion",
        "pulse",
        "beacon_certificate",
    }
)


@dataclass(frozen=True)
class Receipt:
    statement_hash: bytes
    leaf_index: int
    entry: bytes  # the signed statement's canonical bytes: the leaf's entry
    tree_head: TreeHead
    inclusion: tuple[bytes, ...]
    pulse: Pulse | None  # the pulse committing ``tree_head``, once there is one
    beacon_certificate: bytes | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "statement_hash": self.statement_hash.hex(),
            "leaf_index": self.leaf_index,
            "entry": self.entry.hex(),
            "tree_head": self.tree_head.to_dict(),
            "inclusion": [h.hex() for h in self.inclusion],
            "pulse": None if self.pulse is None else self.pulse.to_json(),
            "beacon_certificate": None
            if self.beacon_certificate is None
            else pres.b64(self.beacon_certificate),
        }

    @classmethod
    def from_dict(cls, value: Any) -> Receipt:
        """Strict inverse of :meth:`to_dict` (PROTOCOL.md §6.6); checks shape, not proofs."""
        obj = pres.as_object(value, "receipt")
        pres.check_members(obj, "receipt", required=_MEMBERS)
        if obj["format"] != FORMAT:
            raise EncodingError(
                f"receipt.format: expected {FORMAT!r}, got {obj['format']!r}", field="format"
            )
        entry = pres.hex_member(obj, "entry", "receipt", size=None)
        if len(entry) > MAX_ENTRY:
            raise EncodingError(
                f"receipt.entry: at most {MAX_ENTRY} bytes, got {len(entry)}", field="entry"
            )
        head = TreeHead.from_dict(obj["tree_head"])
        leaf_index = pres.integer(obj, "leaf_index", "receipt", bits=64)
        if leaf_index >= head.tree_size:
            raise EncodingError(
                f"receipt.leaf_index: {leaf_index} is not below tree_size {head.tree_size}",
                field="leaf_index",
            )
        inclusion = tuple(
            pres.hex_bytes(h, f"receipt.inclusion.{i}", size=HASH_SIZE)
            for i, h in enumerate(
                pres.array(obj["inclusion"], "receipt.inclusion", max_items=MAX_PROOF)
            )
        )
        if (obj["pulse"] is None) != (obj["beacon_certificate"] is None):
            raise EncodingError(
                "receipt: pulse and beacon_certificate are both present or both null",
                field="beacon_certificate",
            )
        pulse = None if obj["pulse"] is None else Pulse.from_json(obj["pulse"])
        certificate = (
            None
            if obj["beacon_certificate"] is None
            else pres.b64_bytes(obj["beacon_certificate"], "receipt.beacon_certificate")
        )
        return cls(
            statement_hash=pres.hex_member(obj, "statement_hash", "receipt", size=32),
            leaf_index=leaf_index,
            entry=entry,
            tree_head=head,
            inclusion=inclusion,
            pulse=pulse,
            beacon_certificate=certificate,
        )


def receipt_for(session: Session, statement_hash: bytes, leaf_index: int) -> Receipt:
    """The receipt of a logged statement.

    Against the first pulse that covers the leaf when there is one, so the receipt
    never changes afterwards; else against the current tree head, without a pulse.
    """
    log = LogRepository(session)
    pulses = PulseRepository(session)
    entry = log.entry(leaf_index)
    if entry is None:
        raise StateError(f"leaf {leaf_index} is not in the log; no receipt for it")
    covering = pulses.first_covering(leaf_index)
    if covering is None:
        head = log.tree_head()
        proof = tuple(log.inclusion_proof(leaf_index, head.tree_size))
        return Receipt(statement_hash, leaf_index, entry, head, proof, None, None)
    pulse = covering.pulse()
    head = log.tree_head(covering.tree_size)
    proof = tuple(log.inclusion_proof(leaf_index, head.tree_size))
    return Receipt(
        statement_hash,
        leaf_index,
        entry,
        head,
        proof,
        pulse,
        pulses.certificate(pulse.certificate_id),
    )
