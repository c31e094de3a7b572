"""PROTOCOL.md §14.1 steps 7 and 8: the parties' key releases, and the beacon's opening record
rechecked bid by bid with the released keys (§9.9 steps 5–6).

A tender bundle carries every frozen bid's header and MAC but never its payload. From the
released opening keys every share and header MAC is recomputed, so every outcome of the
opening record is rechecked except what only the payload can show (a payload failure,
the plaintext hash): those are reported as not rechecked, and a bidder rechecks its own
with its file.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier import envelope
from verifier.errors import CheckFailed
from verifier.scope import Logged
from verifier.steps import check, need
from verifier.tender.bundle import PARTIES, TenderBundle, TenderDeadlines
from verifier.tender.results import FrozenBids, OpeningKeys, Outcome, Releases, keys_before
from verifier.vocabulary import Role, StatementKind

K = StatementKind
MISSING = {  # §9.9 step 6: which party's keys are missing → the status
    (Role.AGENT,): "agent-key-missing",
    (Role.CENTRE,): "centre-key-missing",
    (Role.AGENT, Role.CENTRE): "both-keys-missing",
}
PAYLOAD_REASONS = (  # §9.7: failures only the payload shows
    "nonce-truncated",
    "payload-truncated",
    "payload-auth-failed",
    "payload-empty-final-chunk",
    "payload-trailing-data",
)


# PROTOCOL.md §14.1 step 7: at most one tender.key_release per role, at or above the closing
# tree size and before the release time point; its keys are exactly the role's announced
# keys, each once (§9.9 step 5).
def check_releases(
    b: TenderBundle, dl: TenderDeadlines, keys: OpeningKeys | None
) -> tuple[str, Releases]:
    released: dict[Role, dict[bytes, ec.EllipticCurvePrivateKey]] = {}
    for x in b.kinds[K.TENDER_KEY_RELEASE]:
        role, what = x.s.role, f"leaf {x.leaf} (the {x.s.role}'s release)"
        check(role not in released, f"{what}: a second release")
        check(dl.after(x, "closing"), f"{what}: logged before the closing pulse")
        check(dl.before(x, "release"), f"{what}: logged after the release deadline's pulse")
        private = {}
        for i, der in enumerate(x.s.body["private_keys"]):
            key = envelope.load_private(der, f"leaf {x.leaf}.private_keys[{i}]")
            private[envelope.public_bytes(key)] = key
        announced = keys_before(keys, role, x.leaf)
        # §9.9 step 5: every announced key, each once, and nothing else.
        check(
            len(private) == len(x.s.body["private_keys"]) and sorted(private) == sorted(announced),
            f"{what}: the released keys are not exactly the {len(announced)} key(s) the {role} announced",
        )
        released[role] = private
    late = [str(r) for r in PARTIES if r not in released and "release" in b.time_points]
    return f"released: {sorted(map(str, released)) or 'nobody'}" + (
        f"; not released by the deadline, the party's fault: {late}" if late else ""
    ), Releases(released)


# PROTOCOL.md §14.1 step 8, §9.9 steps 6.1–6.3: the outcome the released keys and the header
# decide — a missing key, a share or MAC failure — or that only the payload can decide it.
def expected(
    b: TenderBundle,
    x: Logged,
    releases: Releases | None,
    bids: FrozenBids | None,
    keys: OpeningKeys | None,
) -> tuple[str, str, bool]:
    """The outcome the keys and the header prove: (status, reason, payload-decided)."""
    released = need(releases, "released").released
    h = need(bids, "parsed").headers[x.s.body["envelope_id"]]
    missing = tuple(r for r in PARTIES if r not in released)
    if missing:
        return MISSING[missing], "share-missing", False
    try:
        shares = {
            r: envelope.role_share(h, r, [released[r][k] for k in keys_before(keys, r, x.leaf)])
            for r in PARTIES
        }
    except CheckFailed as e:
        return "bidder-fault", e.code, False
    _, mac = b.headers[x.s.body["envelope_id"]]
    if not envelope.mac_matches(h, mac, shares[Role.AGENT], shares[Role.CENTRE]):
        return "bidder-fault", "header-mac-mismatch", False
    return "opened", "", True


# PROTOCOL.md §14.1 step 8: a payload-decided entry is opened with a 32-byte plaintext hash
# and a size that fits the signed envelope size, or a bidder-fault with a §9.5 reason.
def check_by_payload(eid: str, entry: dict[str, Any], payload: int) -> None:
    if entry["status"] == "opened":
        check(
            entry["reason"] == "" and len(entry["plaintext_sha256"]) == 32,
            f"{eid}: an opened record without its plaintext hash",
        )
        check(
            envelope.payload_size(entry["size"]) == payload,
            f"{eid}: {entry['size']} plaintext bytes cannot come from a payload of {payload}",
        )
        return
    check(
        entry["status"] == "bidder-fault"
        and entry["reason"] in PAYLOAD_REASONS
        and (entry["plaintext_sha256"], entry["size"]) == (b"", 0),
        f"{eid}: recorded {entry['status']} ({entry['reason']}), but the keys open its "
        "header: only a payload failure can stop it",
    )
    check(
        payload >= 16 or entry["reason"] == "nonce-truncated",
        f"{eid}: a payload of {payload} bytes fails as nonce-truncated, not {entry['reason']}",
    )


# PROTOCOL.md §14.1 step 8: at most one tender.opening, by the beacon, after both releases or
# the release time point; its tree head is the closing time point's; its releases are the
# bundle's key releases; its entries name exactly the frozen bids, in order, each with the
# header hash of §9.9 and the outcome the keys and headers prove.
def check_opening(
    b: TenderBundle,
    dl: TenderDeadlines,
    bids: FrozenBids | None,
    releases: Releases | None,
    keys: OpeningKeys | None,
) -> tuple[str, tuple[Outcome, ...]]:
    found = b.kinds[K.TENDER_OPENING]
    check(len(found) <= 1, f"{len(found)} opening records")
    frozen, released = need(bids, "frozen").frozen, need(releases, "released").released
    if not found:
        return "no opening record yet", ()
    x = found[0]
    body = x.s.body
    tp = b.time_points.get("closing")
    used = [r.leaf for r in b.kinds[K.TENDER_KEY_RELEASE]]
    check(
        list(body["releases"]) == used,
        f"the opening used the key releases at leaves {list(body['releases'])}, the bundle has {used}",
    )
    if tp is None:
        raise CheckFailed("an opening record without the closing time point")
    check(
        dl.after(x, "release")
        or (
            set(released) == set(PARTIES)
            and all(r.leaf < x.leaf for r in b.kinds[K.TENDER_KEY_RELEASE])
        ),
        "the opening record precedes both releases and the release deadline's pulse",
    )
    check(
        (body["tree_size"], body["root_hash"]) == (tp.head.tree_size, tp.head.root_hash),
        "the opening names another tree head than the closing pulse's",
    )
    entries = body["openings"]
    named = [(e["envelope_id"], e["bidder"]) for e in entries]
    frozen_ids = [(y.s.body["envelope_id"], y.s.actor) for y in frozen]
    check(
        named == frozen_ids,
        f"the opening names {[n for n, _ in named]}, the frozen set is {[n for n, _ in frozen_ids]}",
    )
    outcomes = []
    for y, e in zip(frozen, entries, strict=True):
        eid = e["envelope_id"]
        header, mac = b.headers[eid]
        check(
            e["header_hash"] == envelope.header_hash(header, mac),
            f"{eid}: the opening record committed another header than the bundle's",
        )
        status, reason, by_payload = expected(b, y, releases, bids, keys)
        if not by_payload:
            check(
                (e["status"], e["reason"], e["plaintext_sha256"], e["size"])
                == (status, reason, b"", 0),
                f"{eid}: recorded {e['status']} ({e['reason'] or 'no reason'}), "
                f"the keys and header prove {status} ({reason or 'no reason'})",
            )
            outcomes.append(Outcome(eid, y.s.actor, status, reason, "rechecked"))
            continue
        check_by_payload(eid, e, y.s.body["size"] - 8 - len(header) - len(mac))
        outcomes.append(
            Outcome(
                eid, y.s.actor, e["status"], e["reason"], "shares and MAC rechecked; payload not"
            )
        )
    statuses = [o.status for o in outcomes]
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    return (
        f"{len(outcomes)} outcome(s) match the released keys and headers: {counts}",
        tuple(outcomes),
    )
