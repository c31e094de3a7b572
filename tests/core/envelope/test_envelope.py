"""Two-party envelopes (PROTOCOL.md §9): round trips, who can open, and every failure.

Each failure is checked twice: the caller sees only the opaque "envelope could not
be opened", and the precise reason is in ``error.reason`` and in the log.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope
from beacon.core.envelope import Reason, format, stream
from beacon.errors import EnvelopeError, InputError
from tests.conftest import ROOT
from tests.core.envelope.helpers import A1, A2, BASE, C1, C2, OUTSIDER, open_bytes, seal, shares

CHUNK = stream.CHUNK_SIZE
OPAQUE = "^envelope could not be opened$"


def expect_failure(
    caplog: pytest.LogCaptureFixture, reason: Reason, call: Callable[[], object]
) -> None:
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger="beacon.envelope"),
        pytest.raises(EnvelopeError, match=OPAQUE) as info,
    ):
        call()
    assert info.value.reason == reason.value
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        f"envelope could not be opened: {reason.value}"
    ]


class Trickle(io.BytesIO):
    """A source that returns at most 1000 bytes per read, like a pipe or socket."""

    def read(self, size: int | None = -1, /) -> bytes:
        return super().read(1000 if size is None or size < 0 else min(size, 1000))


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 77],
    ids=[
        "empty",
        "one-byte",
        "chunk-minus-1",
        "one-full-chunk",
        "chunk-plus-1",
        "three-full-chunks",
        "several-chunks",
    ],
)
def test_round_trip(size: int) -> None:
    plaintext = os.urandom(size)
    data, info = seal(plaintext)
    assert open_bytes(data, **shares(data)) == plaintext
    # §9.5: one chunk per started 64 KiB (at least one), each with a 16-byte tag.
    chunks = max(1, -(-size // CHUNK))
    prefix = format.read_prefix(io.BytesIO(data))
    assert len(data) == info.size == prefix.size + 16 + size + 16 * chunks
    assert stream.plaintext_size(len(data) - prefix.size) == size
    assert info.plaintext_size == size
    assert (info.hash, info.size) == envelope.envelope_hash(io.BytesIO(data))


def test_short_reads_are_retried() -> None:
    plaintext = os.urandom(2 * CHUNK + 5)
    out = io.BytesIO()
    info = envelope.seal(
        Trickle(plaintext),
        out,
        **BASE,
        agent_keys=[A1.public_key()],
        centre_keys=[C1.public_key()],
        random_bytes=os.urandom,
    )
    data = out.getvalue()
    plain = io.BytesIO()
    assert (
        envelope.open(Trickle(data), plain, **shares(data)) == len(plaintext) == info.plaintext_size
    )
    assert plain.getvalue() == plaintext


def test_progress_reports_every_plaintext_byte() -> None:
    seen: list[int] = []
    data, _ = seal(bytes(2 * CHUNK + 3), progress=seen.append)
    assert seen == [CHUNK, CHUNK, 3]
    opened: list[int] = []
    envelope.open(io.BytesIO(data), io.BytesIO(), **shares(data), progress=opened.append)
    assert opened == seen


def test_payload_uses_only_the_given_randomness() -> None:
    """Everything but the HPKE stanzas is a function of random_bytes and the inputs."""
    draws: list[bytes] = []
    for _ in range(2):
        it = iter([bytes([7]) * 16, bytes([9]) * 16, bytes([5]) * 16])
        data, _ = seal(b"same bid", random_bytes=lambda n, it=it: next(it))
        draws.append(data[format.read_prefix(io.BytesIO(data)).size :])
    assert draws[0] == draws[1]
    assert draws[0][:16] == bytes([5]) * 16  # the third draw is the payload nonce


@pytest.mark.parametrize(
    ("agent", "centre"),
    [(A1, C1), (A1, C2), (A2, C1), (A2, C2)],
    ids=["A1+C1", "A1+C2", "A2+C1", "A2+C2"],
)
def test_any_backup_of_each_role_opens(
    agent: ec.EllipticCurvePrivateKey, centre: ec.EllipticCurvePrivateKey
) -> None:
    data, _ = seal(b"backup recipients")
    assert open_bytes(data, **shares(data, agent, centre)) == b"backup recipients"


def test_backups_of_one_role_unwrap_the_same_share() -> None:
    data, _ = seal()
    header = envelope.parse_header(data)
    assert envelope.unwrap_share(header, "agent", A1) == envelope.unwrap_share(header, "agent", A2)
    assert envelope.unwrap_share(header, "centre", C1) == envelope.unwrap_share(
        header, "centre", C2
    )


@pytest.mark.parametrize(
    ("role", "keys", "other"),
    [("agent", [A1, A2], "centre"), ("centre", [C1, C2], "agent")],
    ids=["agent-alone", "centre-alone"],
)
def test_neither_party_opens_alone(
    caplog: pytest.LogCaptureFixture, role: str, keys: list[ec.EllipticCurvePrivateKey], other: str
) -> None:
    """A party with every key of its side gets its own share and nothing else."""
    data, _ = seal(b"the price")
    header = envelope.parse_header(data)
    own = envelope.unwrap_share(header, role, keys[0])
    for key in keys:
        expect_failure(
            caplog, Reason.WRONG_ROLE_KEY, lambda key=key: envelope.unwrap_share(header, other, key)
        )
    # Without the other share nothing opens; guessing it (its own share, zeros) fails the MAC.
    expect_failure(
        caplog,
        Reason.SHARE_MISSING,
        lambda: open_bytes(data, **{f"share_{role}": own, f"share_{other}": None}),
    )
    for guess in (own, bytes(16), bytes([0xFF]) * 16):
        expect_failure(
            caplog,
            Reason.HEADER_MAC_MISMATCH,
            lambda g=guess: open_bytes(data, **{f"share_{role}": own, f"share_{other}": g}),
        )


def test_outsider_key_is_not_a_recipient(caplog: pytest.LogCaptureFixture) -> None:
    header = envelope.parse_header(seal()[0])
    expect_failure(
        caplog, Reason.NOT_A_RECIPIENT, lambda: envelope.unwrap_share(header, "agent", OUTSIDER)
    )


@pytest.mark.parametrize(
    "victim",
    [
        pytest.param({"envelope_id": "bid-8"}, id="other-envelope"),
        pytest.param({"tender_id": "JS-2026-0143"}, id="other-tender"),
        pytest.param({"bidder_fingerprint": bytes(32)}, id="other-bidder"),
        pytest.param(
            {
                "purpose": "seed",
                "draw_id": "JS-2026-0142-1",
                "agent_keys": [A1.public_key()],
                "centre_keys": [C1.public_key()],
            },
            id="other-purpose",
        ),
    ],
)
def test_transplanted_share_does_not_unwrap(
    caplog: pytest.LogCaptureFixture, victim: dict[str, Any]
) -> None:
    """A bidder copies another envelope's stanzas into its own header (§9.3)."""
    stolen = envelope.parse_header(seal(**victim)[0]).stanzas
    thief = envelope.parse_header(seal()[0])
    forged = dataclasses.replace(
        thief, stanzas=stolen[:1] + tuple(s for s in stolen if s.role == "centre")
    )
    expect_failure(
        caplog, Reason.SHARE_UNWRAP_FAILED, lambda: envelope.unwrap_share(forged, "agent", A1)
    )
    expect_failure(
        caplog, Reason.SHARE_UNWRAP_FAILED, lambda: envelope.unwrap_share(forged, "centre", C1)
    )


def test_seed_for_another_draw_does_not_unwrap(caplog: pytest.LogCaptureFixture) -> None:
    seed_args = {
        "agent_key": A1.public_key(),
        "centre_key": C1.public_key(),
        "random_bytes": os.urandom,
    }
    first, second = io.BytesIO(), io.BytesIO()
    fields = {k: v for k, v in BASE.items() if k not in ("purpose", "draw_id")}
    envelope.seal_seed(first, bytes(32), **fields, draw_id="D-1", **seed_args)
    envelope.seal_seed(second, bytes(32), **fields, draw_id="D-2", **seed_args)
    forged = dataclasses.replace(
        envelope.parse_header(second.getvalue()),
        stanzas=envelope.parse_header(first.getvalue()).stanzas,
    )
    expect_failure(
        caplog, Reason.SHARE_UNWRAP_FAILED, lambda: envelope.unwrap_share(forged, "agent", A1)
    )


def test_stanza_relabelled_to_the_other_role_does_not_unwrap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    header = envelope.parse_header(
        seal(agent_keys=[A1.public_key()], centre_keys=[C1.public_key()])[0]
    )
    agent, centre = header.stanzas
    swapped = dataclasses.replace(
        header,
        stanzas=(
            dataclasses.replace(centre, role="agent"),
            dataclasses.replace(agent, role="centre"),
        ),
    )
    expect_failure(
        caplog, Reason.SHARE_UNWRAP_FAILED, lambda: envelope.unwrap_share(swapped, "agent", C1)
    )


def _payload_cases() -> list[Any]:
    """(id, edit of (payload, other envelope's payload), reason); payload = nonce ‖ chunks."""
    enc = stream.ENCRYPTED_CHUNK_SIZE

    def chunk(p: bytes, i: int) -> bytes:
        return p[16 + i * enc : 16 + (i + 1) * enc]

    cases: list[tuple[str, Callable[[bytes, bytes], bytes], Reason]] = [
        ("drop-final-chunk", lambda p, o: p[: 16 + 2 * enc], Reason.PAYLOAD_TRUNCATED),
        ("cut-inside-a-chunk", lambda p, o: p[: 16 + enc + 100], Reason.PAYLOAD_AUTH_FAILED),
        ("cut-final-tag", lambda p, o: p[:-16], Reason.PAYLOAD_AUTH_FAILED),
        ("nonce-only", lambda p, o: p[:16], Reason.PAYLOAD_TRUNCATED),
        ("cut-inside-nonce", lambda p, o: p[:9], Reason.NONCE_TRUNCATED),
        ("no-payload", lambda p, o: b"", Reason.NONCE_TRUNCATED),
        (
            "swap-chunks-0-1",
            lambda p, o: p[:16] + chunk(p, 1) + chunk(p, 0) + p[16 + 2 * enc :],
            Reason.PAYLOAD_AUTH_FAILED,
        ),
        (
            "repeat-chunk-0",
            lambda p, o: p[:16] + chunk(p, 0) + chunk(p, 0) + p[16 + 2 * enc :],
            Reason.PAYLOAD_AUTH_FAILED,
        ),
        ("extend-by-one-byte", lambda p, o: p + b"\x00", Reason.PAYLOAD_AUTH_FAILED),
        ("extend-by-a-chunk", lambda p, o: p + chunk(p, 0), Reason.PAYLOAD_AUTH_FAILED),
        (
            "splice-other-chunk-1",
            lambda p, o: p[:16] + chunk(p, 0) + chunk(o, 1) + p[16 + 2 * enc :],
            Reason.PAYLOAD_AUTH_FAILED,
        ),
        ("splice-other-payload", lambda p, o: o, Reason.PAYLOAD_AUTH_FAILED),
        ("flip-nonce-bit", lambda p, o: bytes([p[0] ^ 1]) + p[1:], Reason.PAYLOAD_AUTH_FAILED),
        (
            "flip-ciphertext-bit",
            lambda p, o: p[:100] + bytes([p[100] ^ 0x80]) + p[101:],
            Reason.PAYLOAD_AUTH_FAILED,
        ),
    ]
    return [pytest.param(edit, reason, id=name) for name, edit, reason in cases]


@pytest.mark.parametrize(("edit", "reason"), _payload_cases())
def test_tampered_payload_fails(
    caplog: pytest.LogCaptureFixture, edit: Callable[[bytes, bytes], bytes], reason: Reason
) -> None:
    plaintext = os.urandom(2 * CHUNK + 500)
    data, _ = seal(plaintext)
    other, _ = seal(plaintext)
    cut = format.read_prefix(io.BytesIO(data)).size
    other_cut = format.read_prefix(io.BytesIO(other)).size
    tampered = data[:cut] + edit(data[cut:], other[other_cut:])
    expect_failure(caplog, reason, lambda: open_bytes(tampered, **shares(data)))


def test_trailing_data_after_a_full_final_chunk(caplog: pytest.LogCaptureFixture) -> None:
    data, _ = seal(bytes(CHUNK))
    expect_failure(
        caplog, Reason.PAYLOAD_TRAILING_DATA, lambda: open_bytes(data + b"!", **shares(data))
    )


def _header_cases() -> list[Any]:
    def reencode(**change: Any) -> Callable[[format.Prefix], bytes]:
        return lambda p: format.marshal_prefix(dataclasses.replace(p.header, **change), p.mac)

    cases: list[tuple[str, Callable[[format.Prefix], bytes], Reason]] = [
        ("other-envelope-id", reencode(envelope_id="bid-8"), Reason.HEADER_MAC_MISMATCH),
        ("other-tender", reencode(tender_id="JS-2026-0143"), Reason.HEADER_MAC_MISMATCH),
        ("other-bidder", reencode(bidder=bytes(32)), Reason.HEADER_MAC_MISMATCH),
        (
            "backup-stanza-dropped",
            lambda p: format.marshal_prefix(
                dataclasses.replace(p.header, stanzas=p.header.stanzas[1:]), p.mac
            ),
            Reason.HEADER_MAC_MISMATCH,
        ),
        (
            "mac-bit-flipped",
            lambda p: format.marshal_prefix(p.header, bytes([p.mac[0] ^ 1]) + p.mac[1:]),
            Reason.HEADER_MAC_MISMATCH,
        ),
        (
            "header-length-corrupted",
            lambda p: b"\xff" + format.marshal_prefix(p.header, p.mac)[1:],
            Reason.HEADER_MALFORMED,
        ),
        (
            "unknown-version",
            lambda p: format.marshal_prefix(p.header, p.mac).replace(
                b"tender-beacon/v1/envelope", b"tender-beacon/v9/envelope"
            ),
            Reason.HEADER_MALFORMED,
        ),
        (
            "mac-missing",
            lambda p: format.marshal_prefix(p.header, p.mac)[:-33],
            Reason.HEADER_MALFORMED,
        ),
    ]
    return [pytest.param(edit, reason, id=name) for name, edit, reason in cases]


@pytest.mark.parametrize(("edit", "reason"), _header_cases())
def test_tampered_header_fails(
    caplog: pytest.LogCaptureFixture, edit: Callable[[format.Prefix], bytes], reason: Reason
) -> None:
    data, _ = seal(b"bid")
    p = format.read_prefix(io.BytesIO(data))
    tampered = edit(p) + data[p.size :]
    expect_failure(caplog, reason, lambda: open_bytes(tampered, **shares(data)))


def test_share_of_wrong_length_is_a_caller_error() -> None:
    data, _ = seal()
    with pytest.raises(InputError, match=r"share_centre: expected 16 bytes, got 15"):
        open_bytes(data, share_agent=bytes(16), share_centre=bytes(15))


SEAL_ERRORS = [
    pytest.param(
        {"tender_id": "a/b"},
        InputError,
        r"envelope.tender_id: 'a/b' is not a valid identifier",
        id="tender-id",
    ),
    pytest.param(
        {"purpose": "tender"}, InputError, r"envelope.purpose: expected one of", id="purpose"
    ),
    pytest.param(
        {"draw_id": "D-1"}, InputError, r"must be empty for a bid envelope", id="bid-with-draw"
    ),
    pytest.param(
        {"purpose": "seed"},
        InputError,
        r"a seed envelope needs a valid draw id",
        id="seed-without-draw",
    ),
    pytest.param(
        {"purpose": "seed", "draw_id": "D-1"},
        InputError,
        r"2 stanzas for the agent: expected 1 to 1 for a seed envelope",
        id="seed-with-backups",
    ),
    pytest.param(
        {"bidder_fingerprint": bytes(31)},
        InputError,
        r"envelope.bidder: expected 32 bytes, got 31",
        id="bidder-31",
    ),
    pytest.param(
        {"agent_keys": []},
        InputError,
        r"agent_keys: at least one opening key is needed",
        id="no-agent-key",
    ),
    pytest.param(
        {"centre_keys": [C1.public_key(), A1.public_key()]},
        InputError,
        r"the same opening key is among agent_keys and centre_keys",
        id="key-in-both-roles",
    ),
    pytest.param(
        {"agent_keys": [A1.public_key(), A1.public_key()]},
        InputError,
        r"envelope.stanzas.1.key_id: opening key [0-9a-f]{16}… appears twice",
        id="duplicate-key",
    ),
    pytest.param(
        {"agent_keys": [ec.generate_private_key(ec.SECP384R1()).public_key()]},
        InputError,
        r"agent_keys\[0\]: expected a P-256 key, got curve secp384r1",
        id="p384-key",
    ),
    pytest.param(
        {"centre_keys": ["not a key"]},
        InputError,
        r"centre_keys\[0\]: expected a P-256 key, got str",
        id="not-a-key",
    ),
    pytest.param(
        {"random_bytes": lambda n: bytes(n - 1)},
        InputError,
        r"random_bytes\(16\) for the file key: expected 16 bytes, got 15 bytes",
        id="short-randomness",
    ),
]


@pytest.mark.parametrize(("over", "error", "message"), SEAL_ERRORS)
def test_seal_rejects_bad_input(over: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        seal(**over)


SEED_KEYS = {
    "agent_key": A1.public_key(),
    "centre_key": C1.public_key(),
    "random_bytes": os.urandom,
}
SEED_FIELDS = {
    "tender_id": "JS-2026-0142",
    "envelope_id": "seed-7",
    "draw_id": "JS-2026-0142-1",
    "bidder_fingerprint": bytes(32),
}


def test_seed_round_trip() -> None:
    out = io.BytesIO()
    seed = os.urandom(32)
    info = envelope.seal_seed(out, seed, **SEED_FIELDS, **SEED_KEYS)
    assert info.header.purpose == "seed" and info.plaintext_size == 32
    assert envelope.open_seed(out.getvalue(), **shares(out.getvalue())) == seed


@pytest.mark.parametrize(
    "size", [0, 31, 33, CHUNK + 1], ids=["empty", "31-bytes", "33-bytes", "two-chunks"]
)
def test_seed_envelope_with_wrong_payload_size(caplog: pytest.LogCaptureFixture, size: int) -> None:
    data, _ = seal(
        bytes(size),
        purpose="seed",
        draw_id="D-1",
        agent_keys=[A1.public_key()],
        centre_keys=[C1.public_key()],
    )
    expect_failure(
        caplog, Reason.SEED_SIZE_MISMATCH, lambda: envelope.open_seed(data, **shares(data))
    )


def test_seed_helpers_reject_misuse(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(InputError, match=r"seed: expected 32 bytes, got 31"):
        envelope.seal_seed(io.BytesIO(), bytes(31), **SEED_FIELDS, **SEED_KEYS)
    bid, _ = seal()
    with pytest.raises(InputError, match=r"envelope purpose: expected 'seed', got 'bid'"):
        envelope.open_seed(bid, **shares(bid))
    expect_failure(
        caplog,
        Reason.HEADER_MALFORMED,
        lambda: envelope.open_seed(b"\x00\x00", share_agent=bytes(16), share_centre=bytes(16)),
    )


def test_batch_unwrap_keeps_order_and_records_failures() -> None:
    good = [envelope.parse_header(seal(envelope_id=f"bid-{i}")[0]) for i in range(3)]
    foreign = envelope.parse_header(seal(agent_keys=[A2.public_key()])[0])
    transplanted = dataclasses.replace(good[0], envelope_id="bid-9")
    results = envelope.unwrap_shares_batch(
        [good[0], foreign, good[1], transplanted, good[2]], "agent", A1
    )
    assert [r.reason if isinstance(r, EnvelopeError) else "share" for r in results] == [
        "share",
        "not-a-recipient",
        "share",
        "share-unwrap-failed",
        "share",
    ]
    assert [results[i] for i in (0, 2, 4)] == [envelope.unwrap_share(h, "agent", A1) for h in good]


@pytest.mark.parametrize(
    ("role", "key", "message"),
    [
        ("bidder", A1, r"role: expected one of \['agent', 'centre'\], got 'bidder'"),
        (
            "agent",
            ec.generate_private_key(ec.SECP384R1()),
            r"private_key: expected a P-256 key, got curve secp384r1",
        ),
    ],
    ids=["bad-role", "p384-key"],
)
def test_unwrap_rejects_bad_arguments(role: str, key: Any, message: str) -> None:
    header = envelope.parse_header(seal()[0])
    with pytest.raises(InputError, match=message):
        envelope.unwrap_share(header, role, key)
    with pytest.raises(InputError, match=message):
        envelope.unwrap_shares_batch([header], role, key)


def test_fault_table_matches_the_specification() -> None:
    """PROTOCOL.md §9.7 lists every reason with its fault; the code agrees with it."""
    text = (ROOT / "docs" / "PROTOCOL.md").read_text()
    section = text[text.index("### 9.7") : text.index("## 10.")]
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (bidder|party|opener) \|", section, re.M))
    assert rows == {r.value: r.fault.value for r in Reason}


@pytest.mark.parametrize(
    "payload_size",
    [0, 15, 16, 31, 16 + stream.ENCRYPTED_CHUNK_SIZE + 16],
    ids=["empty", "short-nonce", "nonce-only", "short-tag", "empty-final-chunk"],
)
def test_no_payload_has_these_sizes(payload_size: int) -> None:
    assert stream.plaintext_size(payload_size) is None
