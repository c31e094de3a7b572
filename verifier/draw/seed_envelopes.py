"""PROTOCOL.md §14.10 Seed envelopes: the parties' opening key releases, and each bidder's
frozen seed envelope opened with them (§9) to its seed, or given its §10.2 status.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric import ec

from verifier import envelope
from verifier.draw.bundle import Bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.results import Commitments, Freeze, Reveals, SeedEnvelopes
from verifier.errors import CheckFailed
from verifier.scope import Logged
from verifier.steps import check, need, short
from verifier.vocabulary import Role, StatementKind

K = StatementKind


# PROTOCOL.md §14.10: each draw.key_release is by a party that announced an opening key,
# after both reveals or the reveal time point and before the seed_open time point; its
# private key matches the announced public key.
def check_releases(
    b: Bundle, dl: Deadlines, announced: Mapping[Role, Logged]
) -> dict[Role, ec.EllipticCurvePrivateKey]:
    released: dict[Role, ec.EllipticCurvePrivateKey] = {}
    for x in b.kinds[K.DRAW_KEY_RELEASE]:
        role, k = x.s.role, announced.get(x.s.role)
        if k is None or k.s.actor != x.s.actor or role in released:
            raise CheckFailed(f"leaf {x.leaf}: no announced key to release")
        check(
            (b.both_before(K.DRAW_REVEAL, x) or dl.after(x, "reveal"))
            and dl.before(x, "seed_open"),
            f"leaf {x.leaf}: release outside its window",
        )
        released[role] = envelope.load_private(
            x.s.body["private_key"], f"leaf {x.leaf}.private_key"
        )
        check(
            envelope.public_bytes(released[role]) == k.s.body["public_key"],
            f"the {role}'s key is not its announced one",
        )
    return released


# PROTOCOL.md §14.10: each frozen seed envelope hashes to its envelope_hash and size; with
# both keys released it opens to 32 bytes under a header naming this tender, envelope, seed
# purpose, draw and bidder (included), or it is envelope-invalid; else key-not-released.
def open_seeds(
    b: Bundle,
    envs: Mapping[bytes, Logged],
    released: Mapping[Role, ec.EllipticCurvePrivateKey],
) -> tuple[dict[bytes, tuple[str, bytes]], list[str]]:
    """Each bidder's ``(status, seed)`` by fingerprint, and a note on each invalid envelope."""
    status: dict[bytes, tuple[str, bytes]] = {}
    notes = []
    for fp, x in sorted(envs.items()):
        body = x.s.body
        data = b.envelopes[body["envelope_id"]]
        check(
            (envelope.envelope_hash(data), len(data)) == (body["envelope_hash"], body["size"]),
            f"envelope {body['envelope_id']} does not match its envelope_hash and size",
        )
        if len(released) < 2:  # §10.2: key-not-released
            status[fp] = ("key-not-released", b"")
            continue
        try:
            h, seed = envelope.open_envelope(data, {str(r): k for r, k in released.items()})
            bound = (b.definition["tender_id"], body["envelope_id"], "seed", b.draw_id, fp)
            check(
                (h.tender_id, h.envelope_id, h.purpose, h.draw_id, h.bidder) == bound,
                "its header names another tender, envelope, draw or bidder",
            )
            status[fp] = ("included", seed)
        except CheckFailed as e:
            status[fp] = ("envelope-invalid", b"")
            notes.append(f"; {short(fp)} envelope-invalid ({e.code}): {e}")
    return status, notes


# PROTOCOL.md §14.10: the releases, then every frozen seed envelope; the bidder seeds and their
# §10.2 statuses, with the count of each shown.
def check_seed_envelopes(
    b: Bundle,
    dl: Deadlines,
    commitments: Commitments | None,
    reveals: Reveals | None,
    freeze: Freeze | None,
) -> tuple[str, SeedEnvelopes]:
    keys = need(commitments, "keys").keys
    envs = need(commitments, "envelopes").envelopes
    need(reveals, "seeds")
    if need(freeze, "freeze").statement is None:
        return "not frozen yet", SeedEnvelopes({}, {})
    released = check_releases(b, dl, keys)
    check(
        set(b.envelopes) == {x.s.body["envelope_id"] for x in envs.values()},
        "seed_envelopes are not the frozen ones",
    )
    status, notes = open_seeds(b, envs, released)
    counts = {
        s: [v[0] for v in status.values()].count(s) for s in sorted({v[0] for v in status.values()})
    }
    return (
        f"keys released: {sorted(map(str, released)) or 'none'}; bidder seeds: {counts or 'none'}"
        + "".join(notes)
    ), SeedEnvelopes(released, status)
