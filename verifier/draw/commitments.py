"""PROTOCOL.md §14.7 Commitments and envelopes: each party's opening key and seed commitment,
each bidder's seed envelope, all before the commit time point, and the freeze that lists them.
"""

from __future__ import annotations

from verifier import encoding as enc
from verifier import opening_keys
from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Commitments, Freeze
from verifier.errors import CheckFailed
from verifier.scope import Logged
from verifier.steps import check
from verifier.vocabulary import PARTIES, Role, StatementKind

K = StatementKind
AFTER_FREEZE = (K.DRAW_SNAPSHOT, K.DRAW_REVEAL, K.DRAW_KEY_RELEASE, K.DRAW_RESULT)


# PROTOCOL.md §4: a party's seed commitment.
def commitment(draw_id: str, role: str, fingerprint: bytes, seed: bytes) -> bytes:
    """A party's seed commitment (§4)."""
    return enc.labelled(
        "sha256", enc.COMMITMENT, draw_id.encode(), role.encode(), fingerprint, seed
    )


# PROTOCOL.md §14.7: at most one draw.opening_key and one draw.commit per party, and one seed
# envelope.submit per bidder, before the commit time point; each key proves possession (§9.3).
def check_commitments(b: Bundle, dl: Deadlines) -> Commitments:
    keys: dict[Role, Logged] = {}
    commits: dict[Role, Logged] = {}
    for kind, table in ((K.DRAW_OPENING_KEY, keys), (K.DRAW_COMMIT, commits)):
        for x in b.kinds[kind]:
            check(
                x.s.role not in table and dl.before(x, "commit"),
                f"leaf {x.leaf}: a second or late {kind}",
            )
            table[x.s.role] = x
    # §9.3: each key a P-256 point with its proof of possession; no key in both roles.
    opening_keys.check_announcements([(x.leaf, x.s) for x in keys.values()])
    envs: dict[bytes, Logged] = {}
    for x in b.kinds[K.ENVELOPE_SUBMIT]:
        check(
            x.s.body["purpose"] == "seed" and x.s.actor not in envs,
            f"leaf {x.leaf}: not one seed envelope per bidder",
        )
        check(
            b.both_before(K.DRAW_OPENING_KEY, x) and dl.before(x, "commit"),
            f"leaf {x.leaf}: outside its window",
        )
        envs[x.s.actor] = x
    return Commitments(keys, commits, envs)


# PROTOCOL.md §14.7, §6.4: what may follow a freeze only when both parties committed.
def _later(b: Bundle) -> list[str]:
    """The kinds the bundle holds that only a computable draw may follow with."""
    return [str(k) for k in AFTER_FREEZE if b.kinds[k]]


# PROTOCOL.md §14.7: the draw.freeze names exactly the commit time point's pulse and tree
# head and lists exactly the leaves of the commitments and seed envelope submissions.
def check_freeze(b: Bundle, c: Commitments) -> tuple[Freeze, str]:
    """The freeze, and what it froze (or that the commit deadline had not passed)."""
    freeze = b.one(K.DRAW_FREEZE)
    if freeze is None:
        check("commit" not in b.time_points and not _later(b), "the draw.freeze is missing")
        return Freeze(None, ()), "not frozen: the commit deadline had not passed"
    tp, body = b.time_points.get("commit"), freeze.s.body
    if tp is None:
        raise CheckFailed("a freeze without the commit time point")
    check(
        (body["pulse_chain"], body["pulse_index"]) == (tp.pulse.chain, tp.pulse.index),
        "the freeze names another pulse",
    )
    check(
        (body["tree_size"], body["root_hash"]) == (tp.head.tree_size, tp.head.root_hash),
        "the freeze names another tree head",
    )
    check(freeze.leaf >= tp.head.tree_size, "the freeze precedes its pulse")
    frozen = sorted(x.leaf for x in [*c.commits.values(), *c.envelopes.values()])
    check(
        body["commitments"] == frozen,
        f"the freeze lists leaves {body['commitments']}, the bundle has {frozen}",
    )
    # §6.4: without both parties' opening key and commitment in the frozen set, the draw
    # is blocked at the freeze; nothing but a void may follow.
    missing = tuple(r for r in PARTIES if r not in c.keys or r not in c.commits)
    return Freeze(freeze, missing), (
        f"{len(c.commits)} commitments and {len(c.envelopes)} seed envelopes frozen by "
        f"{tp.pulse.name()}"
    )


# PROTOCOL.md §14.7, §6.4: a draw blocked at the freeze has no draw.snapshot, draw.reveal,
# draw.key_release or draw.result; the verifier names the missing party.
def check_blocked(b: Bundle, freeze: Freeze, done: str) -> str:
    if not freeze.missing:
        return done
    who = " and the ".join(freeze.missing)
    later = _later(b)
    check(
        not later,
        f"the draw is blocked at the freeze (no opening key or commitment of the {who}, "
        f"§6.4), yet the bundle has {', '.join(later)}",
    )
    return f"{done}; blocked: no opening key or commitment of the {who} (at fault)"
