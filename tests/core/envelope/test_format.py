"""Envelope header grammar (PROTOCOL.md §9.2): byte layout, strict parsing, fuzzing."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beacon.core.envelope import Header, Stanza, format, parse_header, read_prefix, unwrap_share
from beacon.errors import EncodingError, EnvelopeError
from tests.core.envelope.helpers import A1, BIDDER, C1, frame, open_bytes, raw_header, seal, shares

MAC = bytes(range(32))
AGENT = ("agent", bytes([1]) * 32, bytes(97))
CENTRE = ("centre", bytes([2]) * 32, bytes(97))


def prefix(header: bytes, mac: bytes = MAC) -> bytes:
    return frame(header) + frame(mac)


def test_encode_matches_the_spec_layout_field_by_field() -> None:
    header = Header("JS-2026-0142", "bid-7", "bid", "", BIDDER, (Stanza(*AGENT), Stanza(*CENTRE)))
    assert header.encode() == raw_header()
    assert Header.decode(raw_header()) == header


def test_layout_example_bytes() -> None:
    """The start of a header, written out by hand from §2.1 and §9.2."""
    data = raw_header()
    tag = b"tender-beacon/v1/envelope"
    assert data.startswith(frame(tag) + frame(b"\x00\x01") + frame(b"JS-2026-0142"))
    stanza = frame(b"agent") + frame(bytes([1]) * 32) + frame(bytes(97))
    assert frame(stanza) in data


@pytest.mark.parametrize(
    ("over", "message"),
    [
        pytest.param(
            {"tag": "tender-beacon/v2/envelope"},
            "unknown record type or version",
            id="future-version",
        ),
        pytest.param(
            {"tag": "tender-beacon/v1/statement"},
            "unknown record type or version",
            id="other-record",
        ),
        pytest.param(
            {"suite": 2}, r"envelope.suite: unsupported suite: expected 1, got 2", id="suite-2"
        ),
        pytest.param(
            {"tender_id": "a b"},
            r"envelope.tender_id: 'a b' is not a valid identifier",
            id="tender-id",
        ),
        pytest.param(
            {"envelope_id": ""},
            r"envelope.envelope_id: '' is not a valid identifier",
            id="empty-envelope-id",
        ),
        pytest.param(
            {"purpose": "tender"},
            r"envelope.purpose: expected one of \['bid', 'seed'\], got 'tender'",
            id="purpose",
        ),
        pytest.param(
            {"draw_id": "D-1"},
            r"envelope.draw_id: must be empty for a bid envelope, got 'D-1'",
            id="bid-with-draw",
        ),
        pytest.param(
            {"purpose": "seed", "stanzas": [AGENT, CENTRE]},
            r"envelope.draw_id: a seed envelope needs a valid draw id, got ''",
            id="seed-without-draw",
        ),
        pytest.param(
            {"bidder": bytes(31)},
            r"envelope.bidder: expected exactly 32 bytes, got 31",
            id="bidder-31",
        ),
        pytest.param(
            {"stanzas": [("agent", bytes(31), bytes(97)), CENTRE]},
            r"key_id: expected exactly 32 bytes, got 31",
            id="key-id-31",
        ),
        pytest.param(
            {"stanzas": [("agent", bytes([1]) * 32, bytes(96)), CENTRE]},
            r"wrapped_share: expected exactly 97 bytes, got 96",
            id="share-96",
        ),
        pytest.param(
            {"stanzas": [("bidder", bytes([1]) * 32, bytes(97)), CENTRE]},
            r"stanzas.0.role: expected one of \['agent', 'centre'\], got 'bidder'",
            id="bad-role",
        ),
        pytest.param(
            {"stanzas": [AGENT]}, r"envelope.stanzas: no stanza for the centre", id="missing-centre"
        ),
        pytest.param(
            {"stanzas": [CENTRE]}, r"envelope.stanzas: no stanza for the agent", id="missing-agent"
        ),
        pytest.param({"stanzas": []}, r"no stanza for the agent", id="no-stanzas"),
        pytest.param(
            {"stanzas": [AGENT, AGENT, CENTRE]},
            r"envelope.stanzas.1.key_id: opening key 0101010101010101… appears twice",
            id="duplicate-key",
        ),
        pytest.param(
            {"stanzas": [AGENT, ("centre", AGENT[1], bytes(97))]},
            r"stanzas.1.key_id: opening key 0101010101010101… appears twice",
            id="key-in-both-roles",
        ),
        pytest.param(
            {"stanzas": [("agent", bytes([i]) * 32, bytes(97)) for i in range(10, 19)] + [CENTRE]},
            r"9 stanzas for the agent: expected 1 to 8 for a bid envelope",
            id="nine-agent-stanzas",
        ),
        pytest.param(
            {"stanzas": [("centre", bytes([i]) * 32, bytes(97)) for i in range(10, 27)] + [AGENT]},
            r"envelope.stanzas: at most 16 items allowed, got 18",
            id="too-many-stanzas",
        ),
        pytest.param(
            {
                "purpose": "seed",
                "draw_id": "D-1",
                "stanzas": [AGENT, ("agent", bytes(32), bytes(97)), CENTRE],
            },
            r"2 stanzas for the agent: expected 1 to 1 for a seed envelope",
            id="seed-with-backup",
        ),
        pytest.param(
            {"extra": b"\x00"},
            r"envelope: 1 trailing byte\(s\) after the last field",
            id="trailing-in-header",
        ),
        pytest.param(
            {"stanza_extra": b"\x00\x00"},
            r"envelope.stanzas.0: 2 trailing byte\(s\)",
            id="trailing-in-stanza",
        ),
        pytest.param(
            {"tender_id": "x" * 65},
            r"envelope.tender_id: at most 64 bytes allowed, got 65",
            id="long-tender-id",
        ),
    ],
)
def test_parser_rejects(over: dict[str, object], message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        parse_header(prefix(raw_header(**over)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", r"envelope.header: truncated: 0 of 4 length bytes", id="empty"),
        pytest.param(
            b"\x00\x00", r"envelope.header: truncated: 2 of 4 length bytes", id="short-length"
        ),
        pytest.param(
            frame(raw_header())[:-1],
            r"envelope.header: truncated: field says \d+ bytes, \d+ remain",
            id="cut-header",
        ),
        pytest.param(
            (format.MAX_HEADER_SIZE + 1).to_bytes(4, "big"),
            r"envelope.header: at most 16384 bytes allowed, got 16385",
            id="huge-header",
        ),
        pytest.param(
            frame(raw_header()), r"envelope.mac: truncated: 0 of 4 length bytes", id="no-mac"
        ),
        pytest.param(
            prefix(raw_header(), bytes(31)),
            r"envelope.mac: expected exactly 32 bytes, got 31",
            id="mac-31",
        ),
        pytest.param(
            frame(raw_header()) + frame(bytes(33)),
            r"envelope.mac: at most 32 bytes allowed, got 33",
            id="mac-33",
        ),
        pytest.param(
            frame(raw_header()) + frame(bytes(32))[:-1],
            r"envelope.mac: truncated: field says 32 bytes, 31 remain",
            id="cut-mac",
        ),
    ],
)
def test_prefix_framing_rejects(data: bytes, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        parse_header(data)


def test_read_prefix_stops_at_the_payload() -> None:
    data, info = seal(b"payload")
    source = io.BytesIO(data)
    p = read_prefix(source)
    assert p.header == info.header
    assert source.tell() == p.size == len(format.marshal_prefix(p.header, p.mac))
    assert p.header.encode() == p.header_bytes


def test_sealed_headers_round_trip() -> None:
    data, info = seal(b"x")
    p = read_prefix(io.BytesIO(data))
    assert data.startswith(format.marshal_prefix(p.header, p.mac))
    assert Header.decode(p.header_bytes) == info.header


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes_only_encoding_errors(data: bytes) -> None:
    try:
        header = parse_header(data)
    except EncodingError:
        return
    assert Header.decode(header.encode()) == header


def edited(original: bytes, max_edits: int) -> st.SearchStrategy[bytes]:
    """``original`` after 1 to ``max_edits`` byte flips, insertions and deletions."""
    edit = st.tuples(
        st.sampled_from(["flip", "insert", "delete"]),
        st.integers(0, len(original) - 1),
        st.integers(0, 255),
    )

    def apply(edits: list[tuple[str, int, int]]) -> bytes:
        data = bytearray(original)
        for op, pos, value in edits:
            pos %= max(len(data), 1)
            if op == "insert":
                data.insert(pos, value)
            elif op == "flip" and data:
                data[pos] ^= value or 1
            elif data:
                del data[pos]
        return bytes(data)

    return st.lists(edit, min_size=1, max_size=max_edits).map(apply)


VALID = prefix(raw_header(stanzas=[AGENT, ("agent", bytes(32), bytes(97)), CENTRE]))


@settings(max_examples=400, deadline=None)
@given(edited(VALID, 4))
def test_fuzz_mutated_headers_reject_or_round_trip(data: bytes) -> None:
    """age's fuzz rule: whatever parses re-marshals to exactly the bytes consumed."""
    source = io.BytesIO(data)
    try:
        p = read_prefix(source)
    except EncodingError:
        return
    assert format.marshal_prefix(p.header, p.mac) == data[: source.tell()]


SEALED, _ = seal(b"fuzzed bid " * 50)
SEALED_SHARES = shares(SEALED)


@settings(max_examples=300, deadline=None)
@given(edited(SEALED, 3))
def test_fuzz_opening_mutated_envelopes_fails_only_opaquely(data: bytes) -> None:
    """Any change to a sealed envelope: unwrap and open raise EnvelopeError and nothing else."""
    if data == SEALED:
        return
    with pytest.raises(EnvelopeError, match="^envelope could not be opened$"):
        try:
            header = parse_header(data)
        except EncodingError as e:
            raise EnvelopeError("header-malformed") from e
        for role, key in (("agent", A1), ("centre", C1)):
            unwrap_share(header, role, key)
        open_bytes(data, **SEALED_SHARES)
