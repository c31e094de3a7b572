"""Two-party envelopes: sealed so that only the agent and the centre together open them.

The layout follows age (PROTOCOL.md §9): :mod:`~beacon.core.envelope.format` is
the header grammar and its MAC, :mod:`~beacon.core.envelope.stream` the age v1
payload, :mod:`~beacon.core.envelope.shares` the split file key and its HPKE
stanzas; this module only composes them.

* :func:`seal` — bidder side: stream a plaintext into an envelope.
* :func:`parse_header`, :func:`unwrap_share`, :func:`unwrap_shares_batch` — each
  party, on its own, recovers its share of every envelope (one batch).
* :func:`open` — with both shares, check the header MAC and stream the plaintext.
* :func:`seal_seed`, :func:`open_seed` — a bidder's 32-byte draw seed (§7 of DESIGN).

Randomness is a parameter (``random_bytes(n) -> n bytes``); the core reads no
clock and no OS entropy, except HPKE's ephemeral key (see :mod:`.shares`).
Every opening failure is one opaque :class:`~beacon.errors.EnvelopeError`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core.envelope import stream
from beacon.core.envelope.failures import Fault, Reason, fail
from beacon.core.envelope.format import (
    SHARE_SIZE,
    Header,
    Prefix,
    Stanza,
    envelope_hash,
    header_mac,
    mac_matches,
    marshal_prefix,
    parse_header,
    read_prefix,
)
from beacon.core.envelope.pipeline import HashingPipeline
from beacon.core.envelope.shares import (
    check_p256,
    key_id,
    share_info,
    unwrap_share,
    unwrap_shares_batch,
    wrap,
    xor,
)
from beacon.core.envelope.stream import Progress, Sink, Source
from beacon.core.vocabulary import Role
from beacon.errors import EncodingError, InputError

__all__ = [
    "SEED_SIZE",
    "EnvelopeInfo",
    "Fault",
    "Header",
    "Prefix",
    "RandomBytes",
    "Reason",
    "Stanza",
    "envelope_hash",
    "key_id",
    "open",
    "open_seed",
    "parse_header",
    "read_prefix",
    "seal",
    "seal_seed",
    "unwrap_share",
    "unwrap_shares_batch",
]

RandomBytes = Callable[[int], bytes]
"""``random_bytes(n)`` returns ``n`` bytes from a CSPRNG (``os.urandom`` at the edges)."""

SEED_SIZE = 32


@dataclass(frozen=True)
class EnvelopeInfo:
    """What sealing produced: the envelope hash the bidder signs, its size, its header."""

    hash: bytes
    size: int
    header: Header
    plaintext_size: int


def _random(random_bytes: RandomBytes, size: int, what: str) -> bytes:
    value = random_bytes(size)
    if not isinstance(value, bytes) or len(value) != size:
        got = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise InputError(f"random_bytes({size}) for the {what}: expected {size} bytes, got {got}")
    return value


def _keys(keys: Sequence[ec.EllipticCurvePublicKey], name: str) -> list[ec.EllipticCurvePublicKey]:
    if not keys:
        raise InputError(f"{name}: at least one opening key is needed", field=name)
    for i, k in enumerate(keys):
        check_p256(k, name=f"{name}[{i}]")
    return list(keys)


def seal(
    reader: Source,
    writer: Sink,
    *,
    tender_id: str,
    envelope_id: str,
    purpose: str,
    draw_id: str,
    bidder_fingerprint: bytes,
    agent_keys: Sequence[ec.EllipticCurvePublicKey],
    centre_keys: Sequence[ec.EllipticCurvePublicKey],
    random_bytes: RandomBytes,
    progress: Progress | None = None,
) -> EnvelopeInfo:
    """Stream ``reader`` into an envelope written to ``writer`` (PROTOCOL.md §9.1).

    ``random_bytes`` is called three times, in this order: the 16-byte file key K,
    the agent's 16-byte share (the centre's is ``K ⊕ K_A``) and the 16-byte payload
    nonce. Several keys per role are backups: any one of each role opens.
    """
    agent = _keys(agent_keys, "agent_keys")
    centre = _keys(centre_keys, "centre_keys")
    if {key_id(k) for k in agent} & {key_id(k) for k in centre}:
        raise InputError(
            "the same opening key is among agent_keys and centre_keys: its holder could open alone",
            field="centre_keys",
        )
    info = functools.partial(
        share_info,
        tender_id=tender_id,
        envelope_id=envelope_id,
        purpose=purpose,
        draw_id=draw_id,
        bidder=bidder_fingerprint,
    )
    file_key = _random(random_bytes, SHARE_SIZE, "file key")
    agent_share = _random(random_bytes, SHARE_SIZE, "agent share")
    stanzas = wrap(agent_share, agent, role=Role.AGENT, info=info(role=Role.AGENT))
    stanzas += wrap(
        xor(file_key, agent_share), centre, role=Role.CENTRE, info=info(role=Role.CENTRE)
    )
    header = Header(
        tender_id, envelope_id, purpose, draw_id, bytes(bidder_fingerprint), tuple(stanzas)
    )
    # The envelope hash runs in a second thread beside the encryption (.pipeline):
    # the same bytes in the same order, so the same digest as hashing in line.
    with HashingPipeline(writer) as sink:
        sink.write(marshal_prefix(header, header_mac(file_key, header.encode())))
        nonce = _random(random_bytes, stream.NONCE_SIZE, "payload nonce")
        size = stream.encrypt(reader, sink, file_key=file_key, nonce=nonce, progress=progress)
        digest, envelope_size = sink.finish()
    return EnvelopeInfo(digest, envelope_size, header, size)


def open(
    reader: Source,
    writer: Sink,
    *,
    share_agent: bytes | None,
    share_centre: bytes | None,
    progress: Progress | None = None,
) -> int:
    """Check the header MAC with ``K = share_agent ⊕ share_centre``, then stream the plaintext.

    Returns the plaintext size. Any failure is :class:`~beacon.errors.EnvelopeError`
    (reason logged); plaintext already written before a payload failure must be
    discarded by the caller. A share of the wrong length is the caller's InputError.
    """
    try:
        prefix = read_prefix(reader)
    except EncodingError as e:
        raise fail(Reason.HEADER_MALFORMED, str(e)) from e
    where = f"envelope {prefix.header.envelope_id!r}"
    if share_agent is None or share_centre is None:
        missing = Role.AGENT if share_agent is None else Role.CENTRE
        raise fail(Reason.SHARE_MISSING, f"{where}: no {missing} share")
    for name, share in (("share_agent", share_agent), ("share_centre", share_centre)):
        if len(share) != SHARE_SIZE:
            raise InputError(f"{name}: expected {SHARE_SIZE} bytes, got {len(share)}", field=name)
    file_key = xor(share_agent, share_centre)
    # age: the header MAC is checked only once the file key is known, here after
    # recombination; a mismatch means the shares do not belong to this header.
    if not mac_matches(file_key, prefix.header_bytes, prefix.mac):
        raise fail(Reason.HEADER_MAC_MISMATCH, f"{where}: header MAC does not verify")
    return stream.decrypt(reader, writer, file_key=file_key, progress=progress)


class _SeedSink:
    """Collects a seed payload, refusing anything past :data:`SEED_SIZE` bytes."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes, /) -> None:
        if len(self.data) + len(data) > SEED_SIZE:
            raise fail(Reason.SEED_SIZE_MISMATCH, f"seed payload exceeds {SEED_SIZE} bytes")
        self.data += data


def seal_seed(
    writer: Sink,
    seed: bytes,
    *,
    tender_id: str,
    envelope_id: str,
    draw_id: str,
    bidder_fingerprint: bytes,
    agent_key: ec.EllipticCurvePublicKey,
    centre_key: ec.EllipticCurvePublicKey,
    random_bytes: RandomBytes,
) -> EnvelopeInfo:
    """Seal a bidder's 32-byte draw seed to the draw's two opening keys (one per role)."""
    if len(seed) != SEED_SIZE:
        raise InputError(f"seed: expected {SEED_SIZE} bytes, got {len(seed)}", field="seed")
    return seal(
        io.BytesIO(seed),
        writer,
        tender_id=tender_id,
        envelope_id=envelope_id,
        purpose="seed",
        draw_id=draw_id,
        bidder_fingerprint=bidder_fingerprint,
        agent_keys=[agent_key],
        centre_keys=[centre_key],
        random_bytes=random_bytes,
    )


def open_seed(envelope: bytes, *, share_agent: bytes | None, share_centre: bytes | None) -> bytes:
    """The 32-byte seed of a seed envelope; ``seed-size-mismatch`` if it holds anything else.

    A bid envelope passed here is the caller's mistake (its purpose is public): InputError.
    """
    try:
        purpose = parse_header(envelope).purpose
    except EncodingError as e:
        raise fail(Reason.HEADER_MALFORMED, str(e)) from e
    if purpose != "seed":
        raise InputError(f"envelope purpose: expected 'seed', got {purpose!r}", field="purpose")
    sink = _SeedSink()
    open(io.BytesIO(envelope), sink, share_agent=share_agent, share_centre=share_centre)
    if len(sink.data) != SEED_SIZE:
        raise fail(
            Reason.SEED_SIZE_MISMATCH, f"seed payload is {len(sink.data)} bytes, not {SEED_SIZE}"
        )
    return sink.data
