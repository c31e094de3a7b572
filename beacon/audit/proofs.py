"""The draws recorded in proof bundles, for the uniformity and output audits (docs/AUDIT.md §8).

The values tallied are the beacon's signed ``draw.result`` (PROTOCOL.md §6.3), not
the bundle's ``summary``, which is only a presentation. Before a draw is counted
its numbers are rechecked where that is cheap and bears on the audit: the VDF
proof for the recorded combined seed and ``T`` (§11.7), ``R`` from ``y`` (§11.8),
and every pick from ``R`` (§12). A mismatch is a :class:`VerificationError`, never
a silently skipped draw: a bundle whose picks do not follow from ``R`` is exactly
what an audit must not average away. Signatures, log proofs and time points are
the verifier's business (``beacon-verify``).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from beacon.audit.tally import Tally
from beacon.core import vdf
from beacon.core.bodies import DrawResultBody, DrawSnapshotBody
from beacon.core.bundle import ProofBundle
from beacon.core.draw import candidates_for, picks_from_output
from beacon.core.rsa_group import decode_element
from beacon.core.selection import Pick
from beacon.core.vocabulary import StatementKind
from beacon.errors import InputError, VerificationError

RESULT = StatementKind.DRAW_RESULT
SNAPSHOT = StatementKind.DRAW_SNAPSHOT
VOID = StatementKind.DRAW_VOID


@dataclass(frozen=True)
class DrawnResult:
    """One draw's result as the beacon signed it, rechecked against R."""

    draw_id: str
    leaf_index: int  # of the draw.result statement: a global order over one beacon's draws
    output: bytes  # R
    picks: tuple[Pick, ...]
    candidates: Mapping[str, int]  # selection code → number of candidates drawn from
    voided: bool


def drawn_result(bundle: ProofBundle) -> DrawnResult | None:
    """The checked result of ``bundle``'s draw, or None when it has no result yet."""
    name = f"draw {bundle.draw_id}"
    results = [s for s in bundle.statements if s.signed.statement.kind == RESULT]
    if not results:
        return None
    if len(results) > 1:
        raise VerificationError(f"{name}: {len(results)} draw.result statements, expected one")
    logged = results[0]
    if logged.signed.statement.role != "beacon":
        raise VerificationError(
            f"{name}: draw.result is made by role {logged.signed.statement.role!r}, not beacon"
        )
    body = logged.signed.statement.body_as(DrawResultBody)
    if body.vdf_t != bundle.definition.vdf_t:
        raise VerificationError(
            f"{name}: the result's T = {body.vdf_t} is not the definition's "
            f"{bundle.definition.vdf_t}",
            field="vdf_t",
        )
    try:
        proof = vdf.VdfProof(
            y=decode_element(body.y, name="y"),
            pi=decode_element(body.pi, name="pi", identity_ok=True),
        )
        seed = body.combined_seed
        r = vdf.verify_run(seed, body.vdf_t, vdf.hash_to_group(seed), proof)
    except InputError as e:
        raise VerificationError(f"{name}: the VDF does not verify ({e})", field="pi") from e
    if not hmac.compare_digest(r, body.output):
        raise VerificationError(f"{name}: output is not R computed from y", field="output")
    snapshots = [s for s in bundle.statements if s.signed.statement.kind == SNAPSHOT]
    snapshot_ids = (
        snapshots[-1].signed.statement.body_as(DrawSnapshotBody).bid_ids if snapshots else None
    )
    try:
        expected = picks_from_output(bundle.definition, r, snapshot_ids)
        sizes = {
            s.code: len(candidates_for(bundle.definition, i, snapshot_ids))
            for i, s in enumerate(bundle.definition.selections)
        }
    except InputError as e:
        raise VerificationError(f"{name}: the picks cannot be recomputed ({e})") from e
    picks: tuple[Pick, ...] = tuple(body.picks)
    if picks != expected:
        raise VerificationError(f"{name}: the recorded picks do not follow from R", field="picks")
    return DrawnResult(
        draw_id=bundle.draw_id,
        leaf_index=logged.leaf_index,
        output=r,
        picks=picks,
        candidates=sizes,
        voided=any(s.signed.statement.kind == VOID for s in bundle.statements),
    )


@dataclass(frozen=True)
class BundleTally:
    """The tally of a set of bundles, the draws counted, and the bundles left out and why."""

    tally: Tally
    draws: tuple[DrawnResult, ...]  # in log order of their results
    skipped: tuple[tuple[str, str], ...]  # (draw id, reason)


def tally_bundles(bundles: Iterable[ProofBundle]) -> BundleTally:
    """Tally every pick of every drawn bundle; each draw may appear once.

    Voided draws are counted (and flagged on :class:`DrawnResult`): a void after the
    result must not be able to remove an unwelcome value from the audit.
    """
    seen: set[str] = set()
    draws: list[DrawnResult] = []
    skipped: list[tuple[str, str]] = []
    for bundle in bundles:
        if bundle.draw_id in seen:
            raise InputError(
                f"draw {bundle.draw_id} is given twice; counting it twice would bias the tally",
                field="draw_id",
            )
        seen.add(bundle.draw_id)
        result = drawn_result(bundle)
        if result is None:
            skipped.append((bundle.draw_id, "no draw.result yet"))
        else:
            draws.append(result)
    draws.sort(key=lambda d: d.leaf_index)
    tally = Tally()
    for d in draws:
        for p in d.picks:
            tally.add(p.code, d.candidates[p.code], p.indexes)
    return BundleTally(tally=tally, draws=tuple(draws), skipped=tuple(skipped))
