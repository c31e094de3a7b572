"""What draw and tender bundles hold and check alike: their statements and time points,
the scope chain (PROTOCOL.md §7.6), the beacon, the log, certificates and roles."""

from __future__ import annotations

import abc
import hmac
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from verifier import encoding as enc
from verifier import identity, merkle, pulse, records
from verifier.errors import CheckFailed
from verifier.merkle import TreeHead
from verifier.pulse import Pulse
from verifier.records import Signed
from verifier.steps import check
from verifier.vocabulary import Role, StatementKind


@dataclass(frozen=True)
class Logged:
    """A bundle statement (§13): its leaf, its chain link (§7.6), its signed statement and
    its inclusion proof in the bundle's final tree head."""

    leaf: int
    link: records.Link
    s: Signed
    inclusion: list[bytes]

    @property
    def entry(self) -> bytes:
        return records.log_entry(self.link, self.s)

    @classmethod
    def parse(cls, doc: Any, name: str) -> Logged:
        x = enc.members(doc, name, ("leaf_index", "chain", "signed", "inclusion"))
        return cls(
            enc.integer(x["leaf_index"], f"{name}.leaf_index"),
            records.parse_link(x["chain"], f"{name}.chain"),
            records.parse_signed(x["signed"], f"{name}.signed"),
            merkle.proof(x["inclusion"], f"{name}.inclusion"),
        )


@dataclass(frozen=True)
class TimePoint:
    """A deadline's pulse, the pulse before it and the head it commits (§13.2)."""

    deadline: int
    pulse: Pulse
    previous: Pulse
    head: TreeHead
    consistency: list[bytes]

    @classmethod
    def parse(cls, doc: Any, name: str, names: Sequence[str]) -> tuple[str, TimePoint]:
        """``(name, time point)`` of one member of ``time_points``, its name one of ``names``."""
        x = enc.members(
            doc, name, ("name", "deadline", "pulse", "previous", "tree_head", "consistency")
        )
        return enc.string(x["name"], f"{name}.name", "|".join(names)), cls(
            enc.timestamp(x["deadline"], f"{name}.deadline"),
            Pulse.from_json(x["pulse"], f"{name}.pulse"),
            Pulse.from_json(x["previous"], f"{name}.previous"),
            TreeHead.from_json(x["tree_head"], f"{name}.tree_head"),
            merkle.proof(x["consistency"], f"{name}.consistency"),
        )


class Timed(Protocol):
    """What §13.2 reads of a bundle: its time points and its last pulse."""

    @property
    def time_points(self) -> Mapping[str, TimePoint]: ...

    @property
    def pulse(self) -> Pulse: ...


class Deadlines(abc.ABC):
    """§13.2 over a bundle's time points: whether a statement was logged before or after a
    deadline. A draw and a tender differ only in what each deadline is (:meth:`deadline`)."""

    bundle: Timed

    @abc.abstractmethod
    def deadline(self, name: str) -> int:
        """The deadline ``name`` in ms."""

    # PROTOCOL.md §13.2: below the time point's tree size is in time; without the time point,
    # every statement is, when the bundle's last pulse precedes the deadline.
    def before(self, x: Logged, name: str) -> bool:
        """Logged before deadline ``name``."""
        tp = self.bundle.time_points.get(name)
        if tp is not None:
            return x.leaf < tp.head.tree_size
        return self.bundle.pulse.time_ms < self.deadline(name)

    # PROTOCOL.md §13.2: at or above the time point's tree size is after the deadline.
    def after(self, x: Logged, name: str) -> bool:
        """Logged after deadline ``name``: only once its time point is in the bundle."""
        tp = self.bundle.time_points.get(name)
        return tp is not None and x.leaf >= tp.head.tree_size


# PROTOCOL.md §14.4: a time point's deadline is the one it names; both pulses verify;
# previous is pulse's predecessor; previous.timeStamp < deadline ≤ pulse.timeStamp; pulse
# commits tree_head, a prefix of the bundle's final head.
def check_time_point(
    name: str, deadline: int, tp: TimePoint, certs: Mapping[bytes, bytes], head: TreeHead
) -> str:
    """§14.4 for the time point ``name`` of a bundle whose final tree head is ``head``."""
    check(
        tp.deadline == deadline,
        f"time point {name}: deadline {enc.format_time(tp.deadline)}, "
        f"not {enc.format_time(deadline)}",
    )
    pulse.verify_segment([tp.previous, tp.pulse], certs, [None, tp.head])
    check(
        tp.previous.time_ms < deadline <= tp.pulse.time_ms,
        f"time point {name}: its pulses do not straddle the deadline",
    )
    merkle.verify_consistency(tp.head, head, tp.consistency)
    return f"{name} {enc.format_time(deadline)} → {tp.pulse.name()}, tree {tp.head.tree_size}"


def check_signatures(statements: Sequence[Logged]) -> None:
    """§14 step 5: every statement's signature verifies and its actor is its certificate."""
    for x in statements:
        try:
            identity.verify_statement(x.s)
        except CheckFailed as e:
            raise CheckFailed(f"leaf {x.leaf} ({x.s.kind}): {e}") from e


def check_chain(
    chain: Sequence[Logged], *, scope: str, first_kind: StatementKind | None = None
) -> str:
    """§7.6: ``chain`` (one scope's statements, in log order) is its whole chain from seq 0,
    each naming the one before by leaf index and leaf hash; ``first_kind``, if given, opens it.

    A statement left out anywhere but at the end breaks it; the end is held to account by
    the receipts of its authors and by ``beacon-verify log`` (§14.3b).
    """
    if not chain:
        raise CheckFailed(f"the bundle holds no statement of the {scope}")
    first = chain[0]
    if first.link.seq != 0 or (first_kind is not None and first.s.kind != first_kind):
        opener = f"its {first_kind} " if first_kind else ""
        raise CheckFailed(
            f"leaf {first.leaf} ({first.s.kind}): the {scope}'s chain must start with {opener}at "
            f"seq 0, found seq {first.link.seq}"
        )
    for before, x in itertools.pairwise(chain):
        what = f"leaf {x.leaf} ({x.s.kind})"
        if x.link.seq != before.link.seq + 1:
            raise CheckFailed(
                f"{what}: seq {x.link.seq} follows seq {before.link.seq}: "
                f"{x.link.seq - before.link.seq - 1} statement(s) of the {scope} are missing"
            )
        if x.link.previous_leaf != before.leaf or not hmac.compare_digest(
            x.link.previous_hash, merkle.leaf_hash(before.entry)
        ):
            raise CheckFailed(
                f"{what}: names leaf {x.link.previous_leaf} as the {scope}'s previous statement, "
                f"but the bundle's is leaf {before.leaf}"
            )
    return f"{len(chain)} statements of the {scope}, seq 0–{len(chain) - 1}, none left out"


def check_certificates(
    statements: Sequence[Logged], anchors: tuple[bytes, ...], crls: tuple[bytes, ...]
) -> None:
    """§3.2 at each statement's issued_at, with the profile of its role (§3.1), and §3.3:
    a registration's certificate is the one its fingerprint names, valid as a party's."""
    for x in statements:
        s = x.s
        try:
            identity.validate_chain(
                s.certificate,
                s.chain,
                anchors,
                s.issued_at,
                profile="beacon" if s.role == Role.BEACON else "party",
                crls=crls,
            )
            if s.kind == StatementKind.TENDER_REGISTER:
                if identity.fingerprint(s.body["certificate"]) != s.body["fingerprint"]:
                    raise CheckFailed(
                        "the registered certificate is not the one its fingerprint names"
                    )
                identity.validate_chain(
                    s.body["certificate"], s.chain, anchors, s.issued_at, crls=crls
                )
        except CheckFailed as e:
            raise CheckFailed(f"leaf {x.leaf} ({s.kind} by {s.role}): {e}") from e


def check_role(
    s: Signed,
    what: str,
    registered: dict[bytes, Role],
    kind_roles: Mapping[StatementKind, tuple[Role, ...]],
    beacon_certificates: Collection[bytes],
) -> None:
    """§6.3, §3.3 for one statement in log order: made by a role its kind allows, by a
    beacon certificate of the bundle or a party registered in that role before it; a
    registration grants a role its registrar may grant, once per certificate."""
    if s.role not in kind_roles[s.kind]:
        raise CheckFailed(f"{what}: not made by a {s.role}")
    if s.role == Role.BEACON:
        if s.certificate not in beacon_certificates:
            raise CheckFailed(f"{what}: not a beacon certificate of the bundle")
    elif registered.get(s.actor) != s.role:
        raise CheckFailed(f"{what}: {s.actor.hex()[:12]}… is not registered as {s.role}")
    if s.kind == StatementKind.TENDER_REGISTER:
        grant, fp = Role(s.body["role"]), s.body["fingerprint"]
        allowed = (
            (Role.CENTRE, Role.SUPERVISOR) if s.role == Role.BEACON else (Role.AGENT, Role.BIDDER)
        )
        if grant not in allowed:
            raise CheckFailed(f"{what}: a {s.role} does not register a {grant} (§3.3)")
        if registered.setdefault(fp, grant) != grant:
            raise CheckFailed(f"{what}: {fp.hex()[:12]}… already has another role")


def check_beacon(
    certs: Mapping[bytes, bytes],
    pulses: Sequence[Pulse],
    statements: Sequence[Logged],
    anchors: tuple[bytes, ...],
    crls: tuple[bytes, ...],
) -> str:
    """§14 step 2: every beacon certificate of the bundle is used by one of its pulses or
    beacon statements, is of the beacon profile (§3.1), and passes §3.2 at every pulse it
    signed (statements are checked at their own issued_at, §14 step 5)."""
    for anchor in anchors:
        identity.check_anchor(anchor)
    used = {x.s.certificate for x in statements if x.s.role == Role.BEACON}
    names = []
    for cid, der in certs.items():
        times = sorted({p.time_ms for p in pulses if p.certificate_id == cid})
        if not times and der not in used:
            raise CheckFailed(
                f"beacon certificate {cid.hex()[:12]}… is used by no pulse or statement"
            )
        identity.check_profile(der, "beacon")
        for at in times:
            identity.validate_chain(der, (), anchors, at, profile="beacon", crls=crls)
        names.append(identity.load(der).subject.rfc4514_string())
    return f"{', '.join(names)} of the beacon profile, chain(s) to the anchors at each pulse"


def check_log(
    statements: Sequence[Logged], pulse_: Pulse, certs: Mapping[bytes, bytes], head: TreeHead
) -> str:
    """§14 step 3: the final pulse commits the head, and every entry, re-encoded from its
    chain link and signed statement (§7.6), is included in it at its leaf, in log order."""
    pulse.verify_segment([pulse_], certs, [head])
    leaves = [x.leaf for x in statements]
    if leaves != sorted(set(leaves)):
        raise CheckFailed("leaf indexes are not distinct and increasing")
    for x in statements:
        merkle.verify_inclusion(x.leaf, merkle.leaf_hash(x.entry), x.inclusion, head)
    return f"{len(leaves)} statements in tree {head.tree_size}, committed by {pulse_.name()}"
