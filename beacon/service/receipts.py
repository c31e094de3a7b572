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
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.store import LogRepository, PulseRepository

FORMAT = "tender-beacon/v1/receipt"


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


def receipt_for(session: Session, statement_hash: bytes, leaf_index: int) -> Receipt:
    """The receipt of a logged statement.

    Against the first pulse that covers the leaf when there is one, so the receipt
    never changes afterwards; else against the current tree head, without a pulse.
    """
    log = LogRepository(session)
    pulses = PulseRepository(session)
    entry = log.entry(leaf_index)
    assert entry is not None
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
