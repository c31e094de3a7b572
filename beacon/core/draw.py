"""Draw computation (PROTOCOL.md §10-§12): seeds → combined seed → VDF → R → picks.

Everything here is a pure function of published inputs, so a verifier that has the
proof bundle recomputes the same values: the definition, the tree head that froze
the commitment set, the included seeds, the snapshot of valid bids (if any), and
the VDF proof.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from beacon.core import labels, vdf
from beacon.core.commitment import SeedEntry, SeedStatus
from beacon.core.definition import DrawDefinition, Kind, ValueType
from beacon.core.encoding import Writer
from beacon.core.selection import Pick, draw_selection
from beacon.core.vocabulary import CEREMONY_ROLES
from beacon.errors import InputError


def order_seeds(entries: Sequence[SeedEntry]) -> list[SeedEntry]:
    """Canonical order (§10.1): centre, agent, then bidders by fingerprint; no party twice."""
    ordered = sorted(entries, key=lambda e: e.party.sort_key)
    for a, b in itertools.pairwise(ordered):
        if a.party == b.party:
            raise InputError(f"party {a.party} appears twice among the seeds")
    return ordered


def snapshot_hash(bid_ids: Sequence[str]) -> bytes:
    """SHA-256(F(label) ‖ F(list of bid ids)) over the sorted, unique valid bid ids (§10.1)."""
    if list(bid_ids) != sorted(set(bid_ids)):
        raise InputError("snapshot bid ids must be sorted and unique")
    return hashlib.sha256(Writer().str(labels.SNAPSHOT_HASH).str_list(bid_ids).finish()).digest()


def combine_seed(
    definition_hash: bytes,
    tree_size: int,
    root_hash: bytes,
    entries: Sequence[SeedEntry],
    snapshot: bytes | None,
) -> bytes:
    """The combined seed (§10.1), over the *included* seeds in canonical order.

    SHA-512(F(label) ‖ F(definition hash) ‖ F(u64 tree size) ‖ F(root hash) ‖
    list of (F(role) ‖ F(fingerprint) ‖ F(seed)) ‖ F(snapshot hash or empty)).
    """
    ordered = order_seeds(entries)
    # §10.1: the centre and the agent each have an entry (included or not); a draw frozen
    # without both is blocked (§6.4) and is never combined.
    missing = [r for r in CEREMONY_ROLES if r not in {e.party.role for e in ordered}]
    if missing:
        raise InputError(
            f"the seed entries have no {' and no '.join(missing)} entry: a draw without both "
            "parties' commitments cannot be computed"
        )
    included = [e for e in ordered if e.status is SeedStatus.INCLUDED]
    if not included:
        raise InputError("no seed was included: the draw cannot be computed")
    w = Writer().str(labels.DRAW_SEED).bytes(definition_hash).u64(tree_size).bytes(root_hash)
    w.list(included, lambda w, e: w.str(e.party.role).bytes(e.party.fingerprint).bytes(e.seed))
    w.bytes(snapshot or b"")
    return hashlib.sha512(w.finish()).digest()


def candidates_for(
    definition: DrawDefinition, index: int, snapshot_ids: Sequence[str] | None
) -> Sequence[str]:
    selection = definition.selections[index]
    if not selection.from_snapshot:
        return selection.candidates
    if snapshot_ids is None:
        raise InputError(
            f"{selection.code} draws from the snapshot of valid bids, but there is none"
        )
    return snapshot_ids


def picks_from_output(
    definition: DrawDefinition, output: bytes, snapshot_ids: Sequence[str] | None
) -> tuple[Pick, ...]:
    """Each selection's pick from R, selection i using stream index i (§12)."""
    return tuple(
        draw_selection(output, i, s, candidates_for(definition, i, snapshot_ids))
        for i, s in enumerate(definition.selections)
    )


def derived_values(definition: DrawDefinition, picks: Sequence[Pick]) -> dict[str, str]:
    """Derived values (e.g. Q2 = 1 - Q1), computed exactly from the picks."""
    drawn = {
        p.code: p.values[0]
        for p, s in zip(picks, definition.selections, strict=True)
        if s.kind is Kind.PICK_ONE and s.value_type is ValueType.DECIMAL
    }
    return {x.code: x.evaluate(drawn) for x in definition.derived}


@dataclass(frozen=True)
class Outcome:
    """Everything a draw computes, as the result statement records it."""

    combined_seed: bytes
    x: int
    proof: vdf.VdfProof
    output: bytes
    picks: tuple[Pick, ...]
    derived: Mapping[str, str]


def compute(
    definition: DrawDefinition,
    *,
    tree_size: int,
    root_hash: bytes,
    seeds: Sequence[SeedEntry],
    snapshot_ids: Sequence[str] | None,
    on_progress: Callable[[int, int], None] | None = None,
    on_checkpoint: Callable[[vdf.Checkpoint], None] | None = None,
    resume: Sequence[vdf.Checkpoint] = (),
) -> Outcome:
    """Run the whole computation; the VDF evaluation is the slow part (T squarings)."""
    if definition.needs_snapshot != (snapshot_ids is not None):
        raise InputError(
            f"draw {definition.draw_id}: a snapshot is needed exactly when a selection draws from it"
        )
    snap = snapshot_hash(snapshot_ids) if snapshot_ids is not None else None
    combined = combine_seed(definition.hash(), tree_size, root_hash, seeds, snap)
    x = vdf.hash_to_group(combined)
    y, checkpoints = vdf.evaluate(
        x, definition.vdf_t, on_progress=on_progress, on_checkpoint=on_checkpoint, resume=resume
    )
    proof = vdf.prove(x, definition.vdf_t, y, checkpoints)
    output = vdf.output(proof.y)
    picks = picks_from_output(definition, output, snapshot_ids)
    return Outcome(combined, x, proof, output, picks, derived_values(definition, picks))
