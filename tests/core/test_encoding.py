"""Canonical encoding (PROTOCOL.md §2): exact bytes, strict decoding, round trips."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beacon.core import encoding
from beacon.core.encoding import Reader, Writer
from beacon.errors import EncodingError


class TestFieldBytes:
    # Expected bytes written out by hand from the grammar in PROTOCOL.md §2.1.
    @pytest.mark.parametrize(
        ("write", "expected_hex"),
        [
            pytest.param(lambda w: w.bytes(b""), "00000000", id="empty-bytes"),
            pytest.param(lambda w: w.bytes(b"\x01\x02"), "000000020102", id="bytes"),
            pytest.param(lambda w: w.str("K1"), "000000024b31", id="ascii-str"),
            pytest.param(lambda w: w.str("系数"), "00000006e7b3bbe695b0", id="utf8-str"),
            pytest.param(lambda w: w.u8(7), "0000000107", id="u8"),
            pytest.param(lambda w: w.u16(258), "000000020102", id="u16"),
            pytest.param(lambda w: w.u32(1), "0000000400000001", id="u32"),
            pytest.param(lambda w: w.u64(5), "000000080000000000000005", id="u64"),
            pytest.param(lambda w: w.boolean(True), "0000000101", id="bool"),
            pytest.param(
                lambda w: w.str_list(["a", "bc"]),
                "0000001300000004000000020000000161000000026263",
                id="list",
            ),
            pytest.param(lambda w: w.str_list([]), "000000080000000400000000", id="empty-list"),
        ],
    )
    def test_exact_bytes(self, write, expected_hex):
        w = Writer()
        write(w)
        assert w.finish().hex() == expected_hex

    def test_labeled_hash_is_hash_of_field_sequence(self):
        # Independent construction with hashlib and hand-made length prefixes.
        label = b"tender-beacon/v1/test"
        manual = hashlib.sha256(
            len(label).to_bytes(4, "big") + label + b"\x00\x00\x00\x02ab" + b"\x00\x00\x00\x00"
        ).digest()
        assert encoding.sha256_fields("tender-beacon/v1/test", b"ab", b"") == manual

    @pytest.mark.parametrize(
        ("value", "bits"),
        [(-1, 8), (256, 8), (1 << 64, 64), (True, 8)],
        ids=["negative", "u8-overflow", "u64-overflow", "bool-is-not-int"],
    )
    def test_uint_out_of_range(self, value, bits):
        with pytest.raises(EncodingError, match=f"u{bits}"):
            encoding.uint(value, bits)


class TestStrictDecoding:
    @pytest.mark.parametrize(
        ("data_hex", "read", "message"),
        [
            pytest.param("000000", lambda r: r.bytes("x"), "missing the 4-byte", id="short-length"),
            pytest.param(
                "0000000501", lambda r: r.bytes("x"), "field says 5 bytes, 1 remain", id="truncated"
            ),
            pytest.param(
                "0000000400000001",
                lambda r: r.u64("n"),
                "expected exactly 8 bytes, got 4",
                id="wrong-width",
            ),
            pytest.param(
                "0000000102", lambda r: r.boolean("b"), "must be 0 or 1, got 2", id="bad-bool"
            ),
            pytest.param("00000001ff", lambda r: r.str("s"), "not valid UTF-8", id="bad-utf8"),
            pytest.param(
                "00000002c0af", lambda r: r.str("s"), "not valid UTF-8", id="overlong-utf8"
            ),
            pytest.param(
                "0000000c00000004000000020000000161",
                lambda r: r.str_list("l", max_items=4),
                "truncated",
                id="list-count-too-big",
            ),
            pytest.param(
                "000000080000000400000005",
                lambda r: r.str_list("l", max_items=4),
                "at most 4 items allowed, got 5",
                id="list-too-long",
            ),
        ],
    )
    def test_rejects(self, data_hex, read, message):
        with pytest.raises(EncodingError, match=message):
            read(Reader(bytes.fromhex(data_hex), what="rec"))

    def test_trailing_bytes(self):
        r = Reader(bytes.fromhex("000000010700"), what="rec")
        assert r.u8("n") == 7
        with pytest.raises(EncodingError, match="1 trailing byte"):
            r.done()

    def test_trailing_bytes_inside_list(self):
        data = Writer().bytes(Writer().u32(0).str("extra").finish()).finish()
        with pytest.raises(EncodingError, match="trailing"):
            Reader(data, what="rec").str_list("l", max_items=4)

    def test_unknown_tag_is_an_unknown_version(self):
        data = Writer().str("tender-beacon/v1/definition").finish()
        with pytest.raises(EncodingError, match="unknown record type or version"):
            Reader(data, what="definition").tag("tender-beacon/v2/definition")

    def test_error_names_the_field(self):
        with pytest.raises(EncodingError) as info:
            Reader(b"", what="definition").u64("commit_deadline")
        assert info.value.field == "commit_deadline"
        assert "definition.commit_deadline" in str(info.value)


@given(
    st.binary(max_size=64),
    st.text(max_size=32),
    st.integers(0, 2**64 - 1),
    st.booleans(),
    st.lists(st.text(max_size=8), max_size=5),
)
def test_round_trip(blob, text, number, flag, words):
    data = Writer().bytes(blob).str(text).u64(number).boolean(flag).str_list(words).finish()
    r = Reader(data, what="rec")
    decoded = (r.bytes("a"), r.str("b"), r.u64("c"), r.boolean("d"), r.str_list("e", max_items=5))
    r.done()
    assert decoded == (blob, text, number, flag, words)
    again = Writer().bytes(decoded[0]).str(decoded[1]).u64(decoded[2]).boolean(decoded[3])
    assert again.str_list(decoded[4]).finish() == data
