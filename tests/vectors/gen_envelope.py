"""Envelope vectors (PROTOCOL.md §9).

expect ∈ {"valid"} ∪ the reasons of §9.7 (``header-malformed``, ``not-a-recipient``,
``wrong-role-key``, ``share-unwrap-failed``, ``header-mac-mismatch``,
``nonce-truncated``, ``payload-truncated``, ``payload-auth-failed``,
``seed-size-mismatch`` …). Each file holds the opening keys (PKCS#8, as
``draw.key_release`` publishes them), the envelope bytes, which key opens which
role, and the outcome of opening with exactly those keys.

How the files stay byte-for-byte reproducible. ``cryptography``'s HPKE draws its
ephemeral key internally, so ``beacon.core.envelope.seal`` cannot be replayed.
Rather than store envelopes sealed once and only check them (which would make the
regenerate-and-diff test compare the files with themselves), the generator builds
each envelope from the §9 layout with fixed randomness, and wraps the shares with
:mod:`tests.vectors.hpke_sender`, a second RFC 9180 SealBase implementation that
takes a fixed ephemeral key (RFC 9180 §7.1.3 allows any scalar; ours is a
labelled hash). That sender is checked against RFC 9180 Appendix A.3.1 in the
tests; here every stanza is opened by ``cryptography``'s HPKE (through
``beacon.core.envelope.unwrap_share``) and every envelope's payload is compared
with what ``beacon.core.envelope.seal`` writes from the same randomness, before a
file is written. Deterministic ECDH ephemerals are fine for test data only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope
from beacon.core.envelope import Header, Stanza, format, shares, stream
from beacon.errors import EncodingError, EnvelopeError
from tests.vectors.common import det_bytes
from tests.vectors.hpke_sender import seal_base

PROVENANCE = (
    "tests/vectors/gen_envelope.py: envelope composed from PROTOCOL.md §9 with fixed randomness; stanzas by "
    "tests/vectors/hpke_sender.py (RFC 9180 SealBase, checked against RFC 9180 A.3.1) and opened by "
    "cryptography's HPKE; payload compared with beacon.core.envelope.seal; outcome from beacon.core.envelope"
)
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 group order


def det_p256(name: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(
        int.from_bytes(det_bytes("p256/" + name, 40)) % (_ORDER - 1) + 1, ec.SECP256R1()
    )


KEYS = {name: det_p256(name) for name in ("A1", "A2", "C1", "C2", "outsider")}
ROLE_OF = {"A1": "agent", "A2": "agent", "C1": "centre", "C2": "centre", "outsider": "none"}
BIDDER = hashlib.sha256(b"bidder-1 certificate (test vector)").digest()


@dataclasses.dataclass
class Built:
    data: bytes
    file_key: bytes
    shares: dict[str, bytes]


def build(
    name: str,
    plaintext: bytes,
    *,
    envelope_id: str = "bid-7",
    purpose: str = "bid",
    draw_id: str = "",
    agents: tuple[str, ...] = ("A1", "A2"),
    centres: tuple[str, ...] = ("C1", "C2"),
) -> Built:
    """An envelope per §9.1, with randomness named after the case."""
    draws = iter(
        [
            det_bytes(f"envelope/{name}/file-key", 16),
            det_bytes(f"envelope/{name}/agent-share", 16),
            det_bytes(f"envelope/{name}/nonce", 16),
        ]
    )
    file_key, agent_share, nonce = next(draws), next(draws), next(draws)
    context = {
        "tender_id": "JS-2026-0142",
        "envelope_id": envelope_id,
        "purpose": purpose,
        "draw_id": draw_id,
        "bidder": BIDDER,
    }
    split = {"agent": agent_share, "centre": shares.xor(file_key, agent_share)}
    stanzas = []
    for role, names in (("agent", agents), ("centre", centres)):
        for key_name in names:
            pk = KEYS[key_name].public_key()
            sealed = seal_base(
                pk,
                shares.share_info(**context, role=role),
                split[role],
                sk_e=det_p256(f"ephemeral/{name}/{key_name}"),
            )
            stanzas.append(Stanza(role, shares.key_id(pk), sealed.enc + sealed.ct))
    header = Header(context["tender_id"], envelope_id, purpose, draw_id, BIDDER, tuple(stanzas))
    payload = io.BytesIO()
    stream.encrypt(io.BytesIO(plaintext), payload, file_key=file_key, nonce=nonce)
    data = (
        format.marshal_prefix(header, format.header_mac(file_key, header.encode()))
        + payload.getvalue()
    )
    _cross_check(name, data, plaintext, header, split, context, agents, centres)
    return Built(data, file_key, split)


def _cross_check(
    name: str,
    data: bytes,
    plaintext: bytes,
    header: Header,
    split: dict[str, bytes],
    context: dict[str, Any],
    agents: tuple[str, ...],
    centres: tuple[str, ...],
) -> None:
    for role, names in (("agent", agents), ("centre", centres)):
        for key_name in names:
            assert envelope.unwrap_share(header, role, KEYS[key_name]) == split[role], (
                name,
                key_name,
            )
    randomness = iter(
        [
            det_bytes(f"envelope/{name}/file-key", 16),
            det_bytes(f"envelope/{name}/agent-share", 16),
            det_bytes(f"envelope/{name}/nonce", 16),
        ]
    )
    by_core = io.BytesIO()
    envelope.seal(
        io.BytesIO(plaintext),
        by_core,
        tender_id=context["tender_id"],
        envelope_id=context["envelope_id"],
        purpose=context["purpose"],
        draw_id=context["draw_id"],
        bidder_fingerprint=BIDDER,
        agent_keys=[KEYS[n].public_key() for n in agents],
        centre_keys=[KEYS[n].public_key() for n in centres],
        random_bytes=lambda n: next(randomness),
    )
    core = by_core.getvalue()
    cut, core_cut = (
        format.read_prefix(io.BytesIO(data)).size,
        format.read_prefix(io.BytesIO(core)).size,
    )
    assert core[core_cut:] == data[cut:], f"{name}: payload differs from beacon.core.envelope.seal"


def outcome(data: bytes, open_with: dict[str, str]) -> tuple[str, bytes | None]:
    """What opening ``data`` with the named keys gives, through beacon.core.envelope."""
    try:
        header = envelope.parse_header(data)
    except EncodingError:
        return "header-malformed", None
    try:
        got = {
            role: envelope.unwrap_share(header, role, KEYS[key]) for role, key in open_with.items()
        }
        out = io.BytesIO()
        if header.purpose == "seed":
            out.write(
                envelope.open_seed(data, share_agent=got["agent"], share_centre=got["centre"])
            )
        else:
            envelope.open(
                io.BytesIO(data), out, share_agent=got["agent"], share_centre=got["centre"]
            )
    except EnvelopeError as e:
        return e.reason, None
    return "valid", out.getvalue()


def key_table() -> dict[str, dict[str, str]]:
    table = {}
    for name, key in KEYS.items():
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        table[name] = {
            "role": ROLE_OF[name],
            "private_key_pkcs8": der.hex(),
            "public_key": shares.public_bytes(key.public_key()).hex(),
            "key_id": shares.key_id(key.public_key()).hex(),
        }
    return table


def document(
    comment: str, data: bytes, open_with: dict[str, str], expect: str, built: Built
) -> dict[str, Any]:
    got, plaintext = outcome(data, open_with)
    assert got == expect, f"{comment}: expected {expect}, got {got}"
    try:
        header: dict[str, Any] | None = envelope.parse_header(data).to_dict()
    except EncodingError:
        header = None
    digest, size = envelope.envelope_hash(io.BytesIO(data))
    doc: dict[str, Any] = {
        "comment": comment,
        "provenance": PROVENANCE,
        "keys": key_table(),
        "open_with": open_with,
        "envelope": data.hex(),
        "envelope_hash": digest.hex(),
        "size": size,
        "header": header,
        "file_key": built.file_key.hex(),
        "shares": {role: share.hex() for role, share in built.shares.items()},
    }
    if plaintext is not None:
        doc["plaintext_sha256"] = hashlib.sha256(plaintext).hexdigest()
        doc["plaintext"] = plaintext.hex() if len(plaintext) <= 256 else None
    doc["expect"] = expect
    return doc


def _edit_payload(built: Built, edit: Callable[[bytes], bytes]) -> bytes:
    cut = format.read_prefix(io.BytesIO(built.data)).size
    return built.data[:cut] + edit(built.data[cut:])


def cases() -> Iterator[tuple[str, dict[str, Any]]]:
    primary = {"agent": "A1", "centre": "C1"}
    bid = build("bid", "投标报价：9,876,543.21 元 (a sealed bid)".encode())
    yield (
        "valid-bid",
        document("a bid opened with the primary keys A1 and C1", bid.data, primary, "valid", bid),
    )
    yield (
        "valid-bid-backup-keys",
        document(
            "the same bid opened with the backups A2 and C2",
            bid.data,
            {"agent": "A2", "centre": "C2"},
            "valid",
            bid,
        ),
    )
    empty = build("empty", b"")
    yield (
        "valid-empty-payload",
        document("an empty plaintext: one empty final chunk", empty.data, primary, "valid", empty),
    )
    two = build(
        "two-chunks",
        det_bytes("plaintext/two-chunks", stream.CHUNK_SIZE + 1),
        agents=("A1",),
        centres=("C1",),
    )
    yield (
        "valid-two-chunks",
        document(
            "64 KiB + 1 byte: a full chunk and a 1-byte final chunk",
            two.data,
            primary,
            "valid",
            two,
        ),
    )
    seed = build(
        "seed",
        det_bytes("seed/bidder-1", 32),
        envelope_id="seed-7",
        purpose="seed",
        draw_id="JS-2026-0142-1",
        agents=("A1",),
        centres=("C1",),
    )
    yield (
        "valid-seed",
        document(
            "a bidder's 32-byte draw seed, one key per role", seed.data, primary, "valid", seed
        ),
    )
    short_seed = build(
        "short-seed",
        bytes(31),
        envelope_id="seed-8",
        purpose="seed",
        draw_id="JS-2026-0142-1",
        agents=("A1",),
        centres=("C1",),
    )
    yield (
        "seed-size-mismatch",
        document(
            "a seed envelope holding 31 bytes",
            short_seed.data,
            primary,
            "seed-size-mismatch",
            short_seed,
        ),
    )

    prefix = format.read_prefix(io.BytesIO(bid.data))
    bad_mac = (
        format.marshal_prefix(prefix.header, bytes([prefix.mac[0] ^ 1]) + prefix.mac[1:])
        + bid.data[prefix.size :]
    )
    yield (
        "header-mac-mismatch",
        document(
            "the bid with one bit of its header MAC flipped",
            bad_mac,
            primary,
            "header-mac-mismatch",
            bid,
        ),
    )
    yield (
        "payload-auth-failed",
        document(
            "the bid with one ciphertext bit flipped",
            _edit_payload(bid, lambda p: p[:20] + bytes([p[20] ^ 4]) + p[21:]),
            primary,
            "payload-auth-failed",
            bid,
        ),
    )
    yield (
        "payload-truncated",
        document(
            "the bid cut after its payload nonce",
            _edit_payload(bid, lambda p: p[:16]),
            primary,
            "payload-truncated",
            bid,
        ),
    )
    yield (
        "nonce-truncated",
        document(
            "the bid cut inside its payload nonce",
            _edit_payload(bid, lambda p: p[:8]),
            primary,
            "nonce-truncated",
            bid,
        ),
    )
    other = build("other-bid", b"another bidder's bid", envelope_id="bid-8")
    other_prefix = format.read_prefix(io.BytesIO(other.data))
    forged = dataclasses.replace(other_prefix.header, stanzas=prefix.header.stanzas)
    transplanted = format.marshal_prefix(forged, other_prefix.mac) + other.data[other_prefix.size :]
    yield (
        "transplanted-share",
        document(
            "bid-8 carrying the stanzas of bid-7 (share transplant): the agent's stanza does not unwrap",
            transplanted,
            primary,
            "share-unwrap-failed",
            other,
        ),
    )
    yield (
        "wrong-role-key",
        document(
            "the bid, with the centre's key C1 presented for the agent role",
            bid.data,
            {"agent": "C1", "centre": "C1"},
            "wrong-role-key",
            bid,
        ),
    )
    yield (
        "not-a-recipient",
        document(
            "the bid, with a key that is no recipient",
            bid.data,
            {"agent": "outsider", "centre": "C1"},
            "not-a-recipient",
            bid,
        ),
    )
    future = bid.data.replace(b"tender-beacon/v1/envelope", b"tender-beacon/v2/envelope", 1)
    yield (
        "header-malformed-version",
        document("an unknown header version tag", future, primary, "header-malformed", bid),
    )
