"""PROTOCOL.md §14.1 steps 5 and 6: the announced opening keys, and every bidder's bid
statements replayed (§9.9 step 3a) into the frozen bids and their headers.
"""

from __future__ import annotations

from verifier import envelope, opening_keys
from verifier.envelope import Header
from verifier.errors import CheckFailed, ParseError
from verifier.scope import Logged
from verifier.steps import check, short
from verifier.tender.bundle import PARTIES, TenderBundle, TenderDeadlines
from verifier.tender.results import BidHistory, FrozenBids, OpeningKeys, keys_before
from verifier.vocabulary import Role, StatementKind

K = StatementKind
BID_KINDS = (K.ENVELOPE_SUBMIT, K.ENVELOPE_REPLACE, K.ENVELOPE_WITHDRAW)  # §9.9 step 3a
MAX_KEYS_PER_ROLE = 2


# PROTOCOL.md §14.1 step 5: each tender.opening_key is a 65-byte uncompressed P-256 point
# with a valid proof of possession (§9.3), not announced before (by either role), at most 2
# per role, logged before the closing time point.
def check_opening_keys(b: TenderBundle, dl: TenderDeadlines) -> tuple[str, OpeningKeys]:
    announcements = b.kinds[K.TENDER_OPENING_KEY]
    # §9.3: each announcement proves possession of its key, and no key comes twice.
    opening_keys.check_announcements([(x.leaf, x.s) for x in announcements])
    seen: dict[bytes, Role] = {}
    # check_announcements has checked each point (an uncompressed P-256 point) and that
    # none comes twice; what is left is per role and per window.
    for x in announcements:
        point, role = x.s.body["public_key"], x.s.role
        seen[point] = role
        check(
            list(seen.values()).count(role) <= MAX_KEYS_PER_ROLE,
            f"leaf {x.leaf}: the {role} announces more than {MAX_KEYS_PER_ROLE} keys",
        )
        check(dl.before(x, "closing"), f"leaf {x.leaf}: a key announced after the closing pulse")
    keys = OpeningKeys(tuple((x.leaf, x.s.role, x.s.body["public_key"]) for x in announcements))
    shown = ", ".join(f"{r}: {list(seen.values()).count(r)} key(s)" for r in PARTIES)
    return shown, keys


# PROTOCOL.md §14.1 step 6, §9.9 step 3a: each envelope.submit is a bid by a bidder without a
# standing bid; each envelope.replace or envelope.withdraw names the signer's own standing
# bid; envelope ids are distinct; all before the closing time point, and those that bring an
# envelope after an opening key of each role.
def replay_bids(
    b: TenderBundle, dl: TenderDeadlines, keys: OpeningKeys | None
) -> tuple[list[Logged], dict[str, Logged], dict[str, str]]:
    """The frozen bids in log order, the statement that brought each envelope, and how each
    envelope that no longer stands ended (``replaced by …`` or ``withdrawn``)."""
    standing: dict[bytes, str] = {}  # bidder → the envelope id of its standing bid
    brought: dict[str, Logged] = {}  # envelope id → the statement that brought it
    ended: dict[str, str] = {}  # envelope id → "replaced by …" or "withdrawn"
    for x in b.statements:
        if x.s.kind not in BID_KINDS:
            continue
        body, actor, kind = x.s.body, x.s.actor, x.s.kind
        if kind == K.ENVELOPE_WITHDRAW:
            what = f"leaf {x.leaf} (withdrawal of {body['envelope_id']})"
        else:
            what = f"leaf {x.leaf} ({body['envelope_id']})"
        # §9.9 step 4: the service accepts no bid statement after the bid deadline.
        check(
            dl.before(x, "closing"),
            f"{what}: a bid {'withdrawn' if kind == K.ENVELOPE_WITHDRAW else 'logged'} "
            "after the closing pulse",
        )
        if kind == K.ENVELOPE_SUBMIT:
            check(
                body["purpose"] == "bid", f"{what}: a {body['purpose']} envelope in a tender's bids"
            )
            check(
                actor not in standing,
                f"{what}: a second bid by {short(actor)} while its bid "
                f"{standing.get(actor)} stands (replace or withdraw it first)",
            )
        else:
            named = body["replaces" if kind == K.ENVELOPE_REPLACE else "envelope_id"]
            verb = "replaces" if kind == K.ENVELOPE_REPLACE else "withdraws"
            check(named in brought, f"{what}: {verb} {named}, which is no bid of this tender")
            check(
                brought[named].s.actor == actor,
                f"{what}: {verb} {named}, another bidder's envelope",
            )
            check(
                standing.get(actor) == named,
                f"{what}: {verb} {named}, which was already {ended.get(named)}",
            )
            del standing[actor]
            ended[named] = (
                f"replaced by {body['envelope_id']}" if kind == K.ENVELOPE_REPLACE else "withdrawn"
            )
        if kind != K.ENVELOPE_WITHDRAW:
            check(body["envelope_id"] not in brought, f"{what}: the envelope id is used twice")
            check(
                all(keys_before(keys, r, x.leaf) for r in PARTIES),
                f"{what}: submitted before both parties announced an opening key",
            )
            brought[body["envelope_id"]] = x
            standing[actor] = body["envelope_id"]
    frozen = sorted((brought[e] for e in standing.values()), key=lambda x: x.leaf)
    return frozen, brought, ended


# PROTOCOL.md §14.1 step 6: every envelope brought, and whether it still stands (reported).
def history(brought: dict[str, Logged], ended: dict[str, str]) -> BidHistory:
    return BidHistory(tuple((e, x.s.actor, ended.get(e, "standing")) for e, x in brought.items()))


# PROTOCOL.md §14.1 step 6: each frozen bid's header parses (§9.2) and names the tender, the
# envelope id, purpose bid, the empty draw id and the submitter; it has a stanza of each role
# for every key announced before it (§9.9 step 3), and is no longer than the signed size.
def check_header(b: TenderBundle, x: Logged, keys: OpeningKeys | None) -> Header:
    body = x.s.body
    header, mac = b.headers[body["envelope_id"]]
    try:
        h = envelope.parse_prefix(header, mac)
    except ParseError as e:
        raise CheckFailed(f"the header of {body['envelope_id']}: {e}") from e
    bound = (b.tender_id, body["envelope_id"], "bid", "", x.s.actor)
    check(
        (h.tender_id, h.envelope_id, h.purpose, h.draw_id, h.bidder) == bound,
        f"the header of {body['envelope_id']} names another tender, envelope, purpose or bidder",
    )
    check(
        body["size"] >= 8 + len(header) + len(mac),
        f"{body['envelope_id']}: its signed size {body['size']} is shorter than its header",
    )
    for role in PARTIES:  # the service refuses a bid not sealed to every announced key
        have = {s[1] for s in h.stanzas if s[0] == role}
        for k in keys_before(keys, role, x.leaf):
            check(
                envelope.key_id(k) in have,
                f"{body['envelope_id']}: not sealed to the {role} key {short(k)} announced before it",
            )
    return h


# PROTOCOL.md §14.1 step 6: once the closing time point exists, bid_headers are exactly the
# frozen bids in log order (before it, none).
def check_frozen(b: TenderBundle, frozen: list[Logged], keys: OpeningKeys | None) -> FrozenBids:
    closed = "closing" in b.time_points
    ids = [x.s.body["envelope_id"] for x in frozen]
    expected = ids if closed else []
    check(
        list(b.headers) == expected,
        f"bid_headers {list(b.headers)} are not the frozen bids {expected} in log order",
    )
    parsed = {x.s.body["envelope_id"]: check_header(b, x, keys) for x in (frozen if closed else [])}
    return FrozenBids(tuple(frozen) if closed else (), parsed)


# PROTOCOL.md §14.1 step 6: what the step shows: the frozen bids and the changes not counted.
def describe(b: TenderBundle, frozen: list[Logged], ended: dict[str, str]) -> str:
    replaced = sum(v.startswith("replaced") for v in ended.values())
    changes = (
        f" ({replaced} replaced and {len(ended) - replaced} withdrawn envelope(s) not counted)"
        if ended
        else ""
    )
    closing = b.time_points.get("closing")
    return f"{len(frozen)} bid(s){changes}, " + (
        f"all frozen below tree size {closing.head.tree_size}" if closing else "not closed yet"
    )
