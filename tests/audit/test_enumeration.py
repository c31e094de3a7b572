"""Exhaustive uniformity of the selection mapping (beacon.audit.enumeration, PROTOCOL.md §12.4).

Expected values are closed forms, not outputs of the code: one attempt of SP 800-90A
A.5.1 has 2^m equally likely inputs of which exactly r are accepted, one per
candidate, and 2^m − r are discarded; a discard-free partial Fisher–Yates shuffle
of k of n reads Σ bitlen(n − 1 − s) bits and accepts exactly n!/(n − k)! inputs,
one per ordered k-tuple. A negative control shows the checker does flag a biased
mapping (modulo reduction).
"""

from __future__ import annotations

from fractions import Fraction
from math import perm

import pytest

from beacon.audit import enumeration
from beacon.audit.enumeration import enumerate_discard, enumerate_shuffle, shuffle_width
from beacon.errors import InputError


@pytest.mark.parametrize("r", range(1, 65), ids=lambda r: f"r={r}")
def test_discard_method_is_exact(r: int) -> None:
    e = enumerate_discard(r)
    m = (r - 1).bit_length()
    assert e.m == m and e.inputs == 2**m
    assert e.hits == (1,) * r
    assert e.discarded == 2**m - r
    assert e.deviations == 0
    assert Fraction(e.discarded, e.inputs) == 1 - Fraction(r, 2**m)
    assert e.discard_rate < 0.5


@pytest.mark.parametrize(
    ("n", "k"),
    [(n, k) for n in range(1, 7) for k in range(n + 1)],
    ids=lambda v: str(v),
)
def test_fisher_yates_gives_every_ordered_tuple_once(n: int, k: int) -> None:
    e = enumerate_shuffle(n, k)
    assert e.width == sum((n - s - 1).bit_length() for s in range(k))
    assert e.expected_tuples == perm(n, k)
    assert len(e.tuples) == perm(n, k)
    assert set(e.tuples.values()) == {1}
    assert all(len(set(t)) == k and all(0 <= i < n for i in t) for t in e.tuples)
    assert e.discarded == 2**e.width - perm(n, k)
    assert e.deviations == 0


def test_a_biased_mapping_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Modulo reduction (no discard) of 2 bits onto 3 candidates hits candidate 0 twice."""

    def modulo(source, r):  # the defect SP 800-90A A.5.1 exists to avoid
        return source.take((r - 1).bit_length()) % r

    monkeypatch.setattr(enumeration, "randbelow", modulo)
    e = enumerate_discard(3)
    assert e.hits == (2, 1, 1)
    assert e.discarded == 0
    assert e.deviations == 2  # one extra hit on 0, one missing discard


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: enumerate_discard(0), "r must be an integer >= 1, got 0"),
        (lambda: enumerate_discard(True), "r must be an integer >= 1, got True"),
        (lambda: enumerate_discard(2**24 + 1), "needs 25 bits; at most 24 are enumerated"),
        (lambda: enumerate_shuffle(3, 4), "need 0 <= k <= n and n >= 1, got k = 4, n = 3"),
        (lambda: enumerate_shuffle(0, 0), "need 0 <= k <= n and n >= 1, got k = 0, n = 0"),
        (lambda: enumerate_shuffle(3, 1.5), "k must be an integer, got 1.5"),
        (lambda: enumerate_shuffle(12, 12), "reads 33 bits; at most 24 are enumerated"),
    ],
    ids=["r-zero", "r-bool", "r-too-wide", "k-above-n", "n-zero", "k-float", "shuffle-too-wide"],
)
def test_refusals(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


def test_shuffle_width_of_twelve() -> None:
    """bitlen(11), bitlen(10), …, bitlen(0) = 4,4,4,4,3,3,3,3,2,2,1,0 → 33."""
    assert shuffle_width(12, 12) == 33
