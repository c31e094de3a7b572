"""PROTOCOL.md §14.11 Result (first part): the beacon's ``draw.result`` in its window, naming
this draw's definition, freeze, snapshot and inputs, with the seed entries steps 9–10 derive
and their combined seed (§10.1). The VDF and the picks are :mod:`verifier.draw.output` and
:mod:`verifier.draw.selections`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from verifier import encoding as enc
from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Commitments, Freeze, Reveals, SeedEnvelopes, Snapshot
from verifier.errors import CheckFailed
from verifier.merkle import TreeHead
from verifier.scope import Logged
from verifier.steps import check, need, short
from verifier.vocabulary import PARTIES, Role, StatementKind

K = StatementKind
SeedEntry = tuple[str, bytes, str, bytes]  # (role, fingerprint, status, seed), §10.1


# PROTOCOL.md §10.1: the combined seed over the included entries, in their given order.
def combined_seed(
    def_hash: bytes,
    freeze: TreeHead,
    entries: Sequence[SeedEntry],
    snapshot: bytes,
) -> bytes:
    """§10.1 over the included (role, fingerprint, status, seed) entries, in their given order."""
    # §10.1, §6.4: the centre and the agent each have an entry, or the draw is blocked.
    missing = [p for p in PARTIES if p not in {r for r, _, _, _ in entries}]
    if missing:
        raise CheckFailed(
            f"no seed entry of the {' and the '.join(missing)}: a draw frozen without both "
            "parties' commitments cannot be computed (§6.4)",
            code="missing-party",
        )
    included = [(r, fp, seed) for r, fp, status, seed in entries if status == "included"]
    if not included:
        raise CheckFailed(
            "no seed is included; the draw cannot be computed (§10.2)", code="no-seed"
        )
    # The triples are not framed one by one (§10.1).
    items = enc.field(enc.uint(len(included), 32)) + b"".join(
        enc.fields(r.encode(), fp, s) for r, fp, s in included
    )
    return enc.labelled(
        "sha512",
        enc.DRAW_SEED,
        def_hash,
        enc.uint(freeze.tree_size, 64),
        freeze.root_hash,
        items,
        snapshot,
    )


# PROTOCOL.md §14.11, §10.1–10.2: the seed entries steps 9–10 give, in canonical order: the
# centre, the agent, then the bidders by fingerprint, each with its status.
def expected_seeds(
    commitments: Commitments | None, reveals: Reveals | None, seed_envelopes: SeedEnvelopes | None
) -> list[SeedEntry]:
    commits = need(commitments, "commits").commits
    seeds = need(reveals, "seeds").seeds
    out: list[SeedEntry] = [
        (
            str(r),
            commits[r].s.actor,
            "included" if r in seeds else "not-revealed",
            seeds.get(r, b""),
        )
        for r in PARTIES
        if r in commits
    ]
    bidders = need(seed_envelopes, "bidder_seeds").bidder_seeds
    return out + [(str(Role.BIDDER), fp, st, seed) for fp, (st, seed) in sorted(bidders.items())]


# PROTOCOL.md §14.11: none if the draw was voided first, or if the bundle was made before the
# result (a valid but incomplete record, reporting the phase reached, §6.4).
def no_result(b: Bundle, freeze: Freeze | None, phase: Callable[[], str]) -> str:
    """What a bundle without a result says; ``phase`` is asked only when it is needed."""
    missing = need(freeze, "missing").missing
    if b.kinds[K.DRAW_VOID]:
        return "no result: the draw was voided"
    if missing:
        return (
            f"no result: blocked at the freeze by the {' and the '.join(missing)}, "
            "awaiting a supervisor's void"
        )
    return f"no result yet: {phase()}"


# PROTOCOL.md §14.11: exactly one draw.result by the beacon, before the result time point and
# in the computing phase (§6.4); its definition hash, freeze tree head, snapshot_hash, vdf_t
# and inputs are the bundle's; its seed entries are those steps 9–10 derive; its
# combined_seed is §10.1's.
def check_result(
    b: Bundle,
    dl: Deadlines,
    result: Logged,
    *,
    freeze: Freeze | None,
    commitments: Commitments | None,
    snapshot: Snapshot | None,
    reveals: Reveals | None,
    seed_envelopes: SeedEnvelopes | None,
) -> str:
    frozen = need(need(freeze, "freeze").statement, "freeze")
    envs = need(commitments, "envelopes").envelopes
    body = result.s.body
    # §6.4: after the result time point the draw has failed; a later result would be a
    # second chance to compute (and the beacon's choice of the moment).
    check(
        dl.before(result, "result"),
        f"the result (leaf {result.leaf}) was logged after the result deadline "
        f"{enc.format_time(dl.deadline('result'))}",
    )
    # §6.4: computing starts with both releases, the seed_open time point, or, without seed
    # envelopes, with the opening phase (both reveals or the reveal time point).
    opening = dl.after(result, "reveal") or b.both_before(K.DRAW_REVEAL, result)
    check(
        dl.after(result, "seed_open")
        or b.both_before(K.DRAW_KEY_RELEASE, result)
        or (not envs and opening),
        "the result precedes the computing phase",
    )
    check(body["definition_hash"] == b.def_hash, "the result names another definition")
    check(
        (body["freeze_tree_size"], body["freeze_root_hash"])
        == (frozen.s.body["tree_size"], frozen.s.body["root_hash"]),
        "the result names another freeze tree head",
    )
    check(
        body["snapshot_hash"] == need(snapshot, "snapshot_hash").digest,
        "the result names another snapshot",
    )
    check(
        body["vdf_t"] == b.definition["vdf_t"],
        f"vdf_t {body['vdf_t']} is not the definition's",
    )
    used = sorted(
        x.leaf for k in (K.DRAW_SNAPSHOT, K.DRAW_REVEAL, K.DRAW_KEY_RELEASE) for x in b.kinds[k]
    )
    check(
        list(body["inputs"]) == used,
        f"the result's inputs {list(body['inputs'])} are not the leaves of the bundle's "
        f"snapshot, reveals and key releases {used}",
    )
    entries = [(e["role"], e["fingerprint"], e["status"], e["seed"]) for e in body["seeds"]]
    check(
        entries == expected_seeds(commitments, reveals, seed_envelopes),
        "the seed entries are not those the statements give (§10)",
    )
    combined = combined_seed(
        b.def_hash,
        TreeHead(body["freeze_tree_size"], body["freeze_root_hash"]),
        entries,
        body["snapshot_hash"],
    )
    check(
        combined == body["combined_seed"],
        "combined_seed is not the §10.1 hash of the included seeds",
    )
    included = sum(e[2] == "included" for e in entries)
    return f"{included} of {len(entries)} seeds included; combined seed {short(combined)}"
