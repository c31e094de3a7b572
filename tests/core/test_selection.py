"""Exact uniform selection (PROTOCOL.md §12): exhaustive proofs at reduced width."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections import Counter
from fractions import Fraction
from math import perm

import pytest

from beacon.core.definition import Kind, Selection, ValueType
from beacon.core.selection import SelectionStream, pick, randbelow, shuffle_prefix
from beacon.errors import InputError


class Rejected(Exception):
    """Raised by a source asked for more bits than the enumerated input holds."""


class FixedBits:
    """A bit source over one explicit bit string; running past its end means rejection."""

    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.pos = 0

    def take(self, m: int) -> int:
        if self.pos + m > len(self.bits):
            raise Rejected
        chunk = self.bits[self.pos : self.pos + m]
        self.pos += m
        return int(chunk, 2) if chunk else 0


def all_bit_strings(length: int):
    for value in range(1 << length):
        yield format(value, f"0{length}b") if length else ""


class TestSimpleDiscardIsExact:
    """SP 800-90A A.5.1 maps the 2^m equally likely inputs so that each of the r
    candidates is hit by exactly one accepted input; the rest are discarded."""

    @pytest.mark.parametrize("r", range(1, 65))
    def test_every_candidate_hit_equally_and_rejection_rate_exact(self, r):
        m = (r - 1).bit_length()
        hits: Counter[int] = Counter()
        rejected = 0
        for bits in all_bit_strings(m):
            try:
                hits[randbelow(FixedBits(bits), r)] += 1
            except Rejected:
                rejected += 1
        assert sorted(hits) == list(range(r))
        assert set(hits.values()) == {1}
        # The rejection rate is exactly 1 - r/2^m (and < 1/2, since 2^(m-1) < r).
        assert Fraction(rejected, 1 << m) == 1 - Fraction(r, 1 << m)
        assert Fraction(rejected, 1 << m) < Fraction(1, 2)

    def test_rejected_bits_are_discarded_not_reused(self):
        # r = 5, m = 3: 111 (7) is rejected, then 011 (3) is accepted.
        source = FixedBits("111011")
        assert randbelow(source, 5) == 3
        assert source.pos == 6

    def test_r_equal_one_reads_no_bits(self):
        source = FixedBits("")
        assert randbelow(source, 1) == 0
        assert source.pos == 0

    def test_empty_range_rejected(self):
        with pytest.raises(InputError, match="empty range"):
            randbelow(FixedBits("0"), 0)


class TestFisherYatesIsExact:
    """Enumerate every bit string of the length a rejection-free run consumes: each
    ordered k-tuple of distinct indexes comes out exactly once."""

    @pytest.mark.parametrize(
        ("n", "k"), [(n, k) for n in range(1, 7) for k in range(0, n + 1)], ids=lambda v: str(v)
    )
    def test_each_ordered_tuple_exactly_once(self, n, k):
        length = sum((n - i - 1).bit_length() for i in range(k))
        outcomes: Counter[tuple[int, ...]] = Counter()
        for bits in all_bit_strings(length):
            with contextlib.suppress(Rejected):
                outcomes[tuple(shuffle_prefix(FixedBits(bits), n, k))] += 1
        assert len(outcomes) == perm(n, k)
        assert set(outcomes.values()) == {1}
        assert set(outcomes) == set(itertools.permutations(range(n), k))

    def test_k_above_n_rejected(self):
        with pytest.raises(InputError, match="cannot pick 3 of 2"):
            shuffle_prefix(FixedBits(""), 2, 3)


class TestStream:
    R = bytes(range(64))

    def test_block_bytes_match_an_independent_construction(self):
        # Built by hand from PROTOCOL.md §12.1 with hashlib: F(label) F(R) F(u32 index) F(u64 i).
        label = b"tender-beacon/v1/selection-stream"

        def field(b: bytes) -> bytes:
            return len(b).to_bytes(4, "big") + b

        for index, i in [(0, 0), (3, 0), (3, 7)]:
            manual = hashlib.sha512(
                field(label)
                + field(self.R)
                + field(index.to_bytes(4, "big"))
                + field(i.to_bytes(8, "big"))
            ).digest()
            assert SelectionStream(self.R, index).block(i) == manual

    def test_bits_are_read_msb_first_across_blocks(self):
        stream = SelectionStream(self.R, 2)
        expected = int.from_bytes(stream.block(0) + stream.block(1), "big")
        reader = SelectionStream(self.R, 2)
        got, taken = 0, 0
        for m in [3, 0, 5, 1, 13, 64, 7, 511, 300, 120]:  # crosses the 512-bit block boundary
            got = (got << m) | reader.take(m)
            taken += m
        assert got == expected >> (1024 - taken)
        assert reader.bits_used == taken
        assert reader.blocks_used == 2

    def test_selection_index_separates_streams(self):
        assert SelectionStream(self.R, 0).block(0) != SelectionStream(self.R, 1).block(0)

    def test_r_must_be_64_bytes(self):
        with pytest.raises(InputError, match="R must be 64 bytes, got 32"):
            SelectionStream(bytes(32), 0)


def _selection(kind: Kind, k: int, n: int) -> Selection:
    return Selection(
        code="X",
        label="x",
        kind=kind,
        k=k,
        value_type=ValueType.ID,
        unit="",
        from_snapshot=False,
        candidates=tuple(f"c{i}" for i in range(n)),
    )


class TestPick:
    @pytest.mark.parametrize(
        ("kind", "k", "n", "expected_len"),
        [
            (Kind.PICK_ONE, 1, 7, 1),
            (Kind.PICK_K, 3, 7, 3),
            (Kind.PERMUTATION, 0, 7, 7),
            (Kind.PICK_K, 7, 7, 7),
        ],
        ids=["pick_one", "pick_k", "permutation", "pick_all"],
    )
    def test_shapes(self, kind, k, n, expected_len):
        sel = _selection(kind, k, n)
        result = pick(sel, sel.candidates, SelectionStream(bytes(64), 0))
        assert len(result.indexes) == expected_len == len(set(result.indexes))
        assert result.values == tuple(sel.candidates[i] for i in result.indexes)

    def test_pick_k_above_candidates(self):
        sel = _selection(Kind.PICK_K, 5, 3)
        with pytest.raises(InputError, match="X: k = 5 exceeds the 3 candidates"):
            pick(sel, sel.candidates, SelectionStream(bytes(64), 0))
