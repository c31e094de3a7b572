"""Log entries: each statement in its scope's hash chain (PROTOCOL.md §7.6).

A log leaf's entry is not the bare signed statement but this record around it,
written by the service when it appends: the statement's position ``seq`` in its
*scope* (one draw, or one tender's own business) and the leaf index and leaf hash of
the scope's previous entry. The scope chain is what lets a verifier prove that a
proof bundle holds *every* statement of a draw, not only correct ones: a bundle
that leaves a logged statement out either breaks the chain, or rests on a log in
which the beacon wrote two entries at one position of one scope, a fork that the
left-out party's receipt (whose entry names its position) proves against the
beacon's own signed tree heads.
"""

from __future__ import annotations

from dataclasses import dataclass

from beacon.core import labels, merkle
from beacon.core.encoding import Reader, Writer
from beacon.core.statement import SignedStatement, Statement
from beacon.errors import EncodingError

NO_PREVIOUS = bytes(32)


def scope_of(statement: Statement) -> tuple[str, str]:
    """The scope of a statement: ``(tender_id, subject)``.

    Statements about a draw carry its id as their subject (§6.1, §6.3); those about
    the tender itself (registrations, the bid opening, bid envelopes) an empty one.
    """
    return statement.tender_id, statement.subject


@dataclass(frozen=True)
class ChainLink:
    """Where an entry stands in its scope: its ``seq`` and the entry before it."""

    seq: int
    previous_leaf: int  # 0 for seq 0
    previous_hash: bytes  # the RFC 9162 leaf hash of that entry; 32 zero bytes for seq 0

    @classmethod
    def first(cls) -> ChainLink:
        return cls(0, 0, NO_PREVIOUS)

    def after(self, leaf_index: int, entry: bytes) -> ChainLink:
        """The link of the entry that follows ``entry`` (at ``leaf_index``, with this link)."""
        return ChainLink(self.seq + 1, leaf_index, merkle.leaf_hash(entry))


@dataclass(frozen=True)
class LogEntry:
    """Tagged record ``tender-beacon/v2/log-entry`` (§7.6)."""

    link: ChainLink
    signed: SignedStatement

    def encode(self) -> bytes:
        w = Writer().str(labels.TAG_LOG_ENTRY).u64(self.link.seq)
        w.u64(self.link.previous_leaf).bytes(self.link.previous_hash)
        return w.bytes(self.signed.encode()).finish()

    @classmethod
    def decode(cls, data: bytes) -> LogEntry:
        r = Reader(data, what="log_entry")
        r.tag(labels.TAG_LOG_ENTRY)
        link = ChainLink(
            seq=r.u64("seq"),
            previous_leaf=r.u64("previous_leaf"),
            previous_hash=r.bytes("previous_hash", size=32),
        )
        signed = SignedStatement.decode(r.bytes("statement"))
        r.done()
        if (link.seq == 0) != (link.previous_hash == NO_PREVIOUS):
            raise EncodingError(
                f"log_entry: seq {link.seq} with previous_hash {link.previous_hash.hex()[:16]}…: "
                "exactly the first entry of a scope has no previous entry",
                field="previous_hash",
            )
        if link.seq == 0 and link.previous_leaf != 0:
            raise EncodingError(
                f"log_entry: the first entry of a scope names previous_leaf {link.previous_leaf}, not 0",
                field="previous_leaf",
            )
        return cls(link, signed)


def statement_of(entry: bytes) -> SignedStatement:
    """The signed statement a log entry carries."""
    return LogEntry.decode(entry).signed


@dataclass(frozen=True)
class ChainProblem:
    """What is wrong with one entry's place in its scope (PROTOCOL.md §7.6)."""

    kind: str  # "fork" | "gap" | "broken-link" | "malformed"
    message: str


class ChainFollower:
    """Follows every scope chain of a log, entry by entry in leaf order (§7.6)."""

    def __init__(self) -> None:
        self._heads: dict[tuple[str, str], tuple[ChainLink, int, bytes]] = {}

    @property
    def scopes(self) -> int:
        return len(self._heads)

    def add(self, leaf: int, entry: bytes) -> ChainProblem | None:
        """Take the entry at ``leaf``; the problem with its link, if any."""
        try:
            decoded = LogEntry.decode(entry)
        except EncodingError as e:
            return ChainProblem("malformed", f"leaf {leaf}: not a log entry: {e}")
        link, scope = decoded.link, scope_of(decoded.signed.statement)
        head = self._heads.get(scope)
        expected = ChainLink.first() if head is None else head[0].after(head[1], head[2])
        name = f"scope {scope[0]}/{scope[1] or '-'}"
        problem = None
        if link.seq < expected.seq:
            problem = ChainProblem(
                "fork", f"leaf {leaf}: a second entry at seq {link.seq} of {name}"
            )
        elif link.seq > expected.seq:
            problem = ChainProblem(
                "gap", f"leaf {leaf}: {name} jumps from seq {expected.seq - 1} to {link.seq}"
            )
        elif link != expected:
            problem = ChainProblem(
                "broken-link",
                f"leaf {leaf}: {name} seq {link.seq} names leaf {link.previous_leaf} as its "
                f"previous entry, expected leaf {expected.previous_leaf}",
            )
        if head is None or link.seq >= head[0].seq:
            self._heads[scope] = (link, leaf, entry)
        return problem
