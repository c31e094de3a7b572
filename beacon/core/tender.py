"""The bid-opening state machine (PROTOCOL.md §9.9), pure like the draw lifecycle.

    accepting bids → closed (the first pulse at or after the bid deadline) → releasing
    → opened (both batches released, or the release deadline's pulse) → opening logged

The agent publishes the tender's bid and release deadlines; the agent and the
centre each announce one or two per-tender opening keys (a key and a backup);
bidders submit bid envelopes sealed to every announced key, and may replace or
withdraw them until the bid deadline (only each bidder's standing bid counts); after
the closing pulse each party releases every opening private key it announced in one
statement; the beacon unwraps, recombines, opens and logs the outcome of each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field, replace
from enum import StrEnum

from beacon.core.bodies import EnvelopeReplaceBody, EnvelopeSubmitBody, EnvelopeWithdrawBody
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import CEREMONY_ROLES, Role, StatementKind
from beacon.errors import ConflictError, DeadlineError, InputError, RoleError, StateError

MAX_KEYS_PER_ROLE = 2
# A bidder's bid statements (PROTOCOL.md §9.9 step 3a), replayed in log order.
BID_KINDS = (
    StatementKind.ENVELOPE_SUBMIT,
    StatementKind.ENVELOPE_REPLACE,
    StatementKind.ENVELOPE_WITHDRAW,
)
# kind → (verb, past participle, gerund), for messages.
CHANGES = {
    StatementKind.ENVELOPE_REPLACE: ("replace", "replaced", "replacing"),
    StatementKind.ENVELOPE_WITHDRAW: ("withdraw", "withdrawn", "withdrawing"),
}


class BidState(StrEnum):
    """Where a bid envelope stands (§9.9 step 3a); only a standing bid is opened."""

    STANDING = "standing"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Bid:
    """One bid envelope of the tender's history."""

    envelope_id: str
    bidder: bytes
    leaf_index: int  # of the statement that brought it (envelope.submit or envelope.replace)
    state: BidState = BidState.STANDING
    replaces: str = ""  # the envelope this one replaced, or ""
    replaced_by: str = ""  # the envelope that replaced this one, or ""
    ended_at: int | None = None  # leaf of the statement that replaced or withdrew it


BidBody = EnvelopeSubmitBody | EnvelopeReplaceBody | EnvelopeWithdrawBody


def bid_history(statements: Iterable[tuple[int, bytes, BidBody]]) -> dict[str, Bid]:
    """Every bid envelope by id, in the order they were brought, from the bid statements
    ``(leaf_index, actor, body)`` in log order (§9.9 step 3a).

    The ledger accepts each statement only against the history before it (:func:`check`),
    so each replacement and withdrawal names its signer's standing bid. One that does not
    (a log the beacon forged) changes nothing here; ``beacon-verify tender`` reports it.
    """
    bids: dict[str, Bid] = {}
    for leaf, actor, body in statements:
        if isinstance(body, EnvelopeSubmitBody):
            if body.purpose == "bid":
                bids[body.envelope_id] = Bid(body.envelope_id, actor, leaf)
            continue
        named = body.replaces if isinstance(body, EnvelopeReplaceBody) else body.envelope_id
        old = bids.get(named)
        if old is None or old.bidder != actor or old.state is not BidState.STANDING:
            continue
        if isinstance(body, EnvelopeReplaceBody):
            new = body.envelope_id
            if new in bids:
                continue
            bids[named] = replace(old, state=BidState.REPLACED, replaced_by=new, ended_at=leaf)
            bids[new] = Bid(new, actor, leaf, replaces=named)
        else:
            bids[named] = replace(old, state=BidState.WITHDRAWN, ended_at=leaf)
    return bids


def standing(bids: Mapping[str, Bid]) -> list[Bid]:
    """The standing bids in the log order of the statements that brought them (§9.9 step 4)."""
    return sorted(
        (b for b in bids.values() if b.state is BidState.STANDING), key=lambda b: b.leaf_index
    )


class TenderPhase(StrEnum):
    UNPUBLISHED = "unpublished"
    ACCEPTING = "accepting"  # bids accepted until the bid deadline
    RELEASING = "releasing"  # closed; the parties release their opening keys
    OPENING = "opening"  # both released, or the release deadline passed: the beacon opens
    OPENED = "opened"  # the opening record is logged


@dataclass(frozen=True)
class TenderFacts:
    """What the log says about one tender's bids (built by the service)."""

    tender_id: str
    bid_deadline: int = 0  # 0 until ``tender.publish``
    release_deadline: int = 0
    opening_keys: Mapping[str, int] = field(default_factory=dict)  # role → announced keys
    bids: Mapping[str, Bid] = field(default_factory=dict)  # every bid envelope (bid_history)
    releases: Set[str] = frozenset()
    opened: bool = False
    pulse_ms: int = 0  # the clock of record, as for draws (PROTOCOL.md §13.2)

    @property
    def published(self) -> bool:
        return self.bid_deadline > 0

    @property
    def bidders(self) -> Mapping[bytes, str]:
        """Each bidder with a standing bid → that bid's envelope id."""
        return {b.bidder: b.envelope_id for b in standing(self.bids)}


def phase(f: TenderFacts) -> TenderPhase:
    if f.opened:
        return TenderPhase.OPENED
    if not f.published:
        return TenderPhase.UNPUBLISHED
    if f.pulse_ms < f.bid_deadline:
        return TenderPhase.ACCEPTING
    if set(CEREMONY_ROLES) <= f.releases or f.pulse_ms >= f.release_deadline:
        return TenderPhase.OPENING
    return TenderPhase.RELEASING


def _role(role: str, allowed: tuple[str, ...], kind: str, tender: str) -> None:
    if role not in allowed:
        raise RoleError(
            f"tender {tender}: {kind} may be made by {' or '.join(allowed)}, not by {role}"
        )


def _before(f: TenderFacts, now: int, deadline: int, what: str) -> None:
    """Closed by the server clock, or once any pulse at or after ``deadline`` is out: a
    statement logged after that pulse falls outside the window (PROTOCOL.md §13.2)."""
    if now >= deadline:
        raise DeadlineError(
            f"tender {f.tender_id}: {what} closed at {format_ms(deadline)} (server time {format_ms(now)})"
        )
    if f.pulse_ms >= deadline:
        raise DeadlineError(
            f"tender {f.tender_id}: {what} closed at {format_ms(deadline)}: the pulse of "
            f"{format_ms(f.pulse_ms)} is out, so this statement would be logged after the "
            f"deadline's time point (server time {format_ms(now)})"
        )


def check(
    kind: StatementKind, role: str, f: TenderFacts, now: int, *, actor: bytes = b"", names: str = ""
) -> TenderPhase:
    """Raise unless ``kind`` by ``role`` may be accepted for this tender at ``now``.

    ``names`` is the envelope id a replacement or withdrawal names (§9.9 step 3a).
    """
    t = f.tender_id
    p = phase(f)
    if kind == StatementKind.TENDER_OPENING_KEY:
        _role(role, CEREMONY_ROLES, kind, t)
        if not f.published:
            raise StateError(
                f"tender {t}: publish the bid deadline (tender.publish) before announcing opening keys"
            )
        _before(f, now, f.bid_deadline, "announcing opening keys")
        if f.opening_keys.get(role, 0) >= MAX_KEYS_PER_ROLE:
            raise ConflictError(
                f"tender {t}: the {role} already announced {MAX_KEYS_PER_ROLE} opening keys"
            )
    elif kind == StatementKind.ENVELOPE_SUBMIT:
        _role(role, (Role.BIDDER,), kind, t)
        if not f.published:
            raise StateError(
                f"tender {t} is not accepting bids: no bid deadline has been published"
            )
        _before(f, now, f.bid_deadline, "bid submission")
        missing = [r for r in CEREMONY_ROLES if not f.opening_keys.get(r)]
        if missing:
            raise StateError(
                f"tender {t}: the {' and '.join(missing)} has not announced an opening key yet"
            )
        if actor in f.bidders:
            raise ConflictError(
                f"tender {t}: this bidder's bid {f.bidders[actor]} is standing; replace it "
                "(envelope.replace) or withdraw it (envelope.withdraw) instead of submitting another"
            )
    elif kind in CHANGES:
        verb, _, gerund = CHANGES[kind]
        _role(role, (Role.BIDDER,), kind, t)
        if not f.published:
            raise StateError(
                f"tender {t} is not accepting bids: no bid deadline has been published"
            )
        _before(f, now, f.bid_deadline, f"{gerund} bids")
        if kind == StatementKind.ENVELOPE_REPLACE:
            missing = [r for r in CEREMONY_ROLES if not f.opening_keys.get(r)]
            if missing:  # unreachable while a bid stands, which needed both keys
                raise StateError(
                    f"tender {t}: the {' and '.join(missing)} has not announced an opening key yet"
                )
        bid = f.bids.get(names)
        if bid is None:
            raise InputError(
                f"tender {t}: no bid envelope {names!r} to {verb}", field="envelope_id"
            )
        if bid.bidder != actor:
            raise RoleError(
                f"tender {t}: bid envelope {names} was submitted by another bidder; only the bidder "
                f"who submitted an envelope may {verb} it"
            )
        if bid.state is not BidState.STANDING:
            now_standing = f.bidders.get(actor)
            raise ConflictError(
                f"tender {t}: bid envelope {names} was already "
                + (f"replaced by {bid.replaced_by}" if bid.replaced_by else "withdrawn")
                + (
                    f"; your standing bid is {now_standing}"
                    if now_standing
                    else "; you have no standing bid"
                )
            )
    elif kind == StatementKind.TENDER_KEY_RELEASE:
        _role(role, CEREMONY_ROLES, kind, t)
        _before(f, now, f.release_deadline, "releasing opening keys")
        if p is not TenderPhase.RELEASING:
            raise StateError(
                f"tender {t}: opening keys are released after the bid deadline {format_ms(f.bid_deadline)}, once its "
                f"pulse is out, and before opening (phase {p.value})"
            )
        if role in f.releases:
            raise ConflictError(f"tender {t}: the {role} has already released its opening keys")
    elif kind == StatementKind.TENDER_OPENING:
        _role(role, (Role.BEACON,), kind, t)
        if p is not TenderPhase.OPENING:
            raise StateError(
                f"tender {t}: the opening is logged once both parties released or time ran out (phase {p.value})"
            )
    else:
        raise StateError(f"tender {t}: {kind} is not a tender statement")
    return p


def check_publish(
    tender_id: str,
    role: str,
    *,
    published: bool,
    bid_deadline: int,
    release_deadline: int,
    now: int,
    min_lead_ms: int,
) -> None:
    _role(role, (Role.AGENT,), StatementKind.TENDER_PUBLISH, tender_id)
    if published:
        raise ConflictError(f"tender {tender_id} already has its deadlines; they cannot be changed")
    if bid_deadline - now < min_lead_ms:
        raise DeadlineError(
            f"tender {tender_id}: the bid deadline {format_ms(bid_deadline)} must be at least {min_lead_ms // 1000} s "
            f"after publication (server time {format_ms(now)})"
        )
    if release_deadline <= bid_deadline:
        raise DeadlineError(
            f"tender {tender_id}: the release deadline {format_ms(release_deadline)} must be after the bid deadline "
            f"{format_ms(bid_deadline)}"
        )
