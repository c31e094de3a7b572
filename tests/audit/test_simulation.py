"""Simulated draws through the real selection code (beacon.audit.simulation, AUDIT.md §8).

Every expected count comes from tests/audit/reference_selection.py, a second
implementation of PROTOCOL.md §12 and of the simulated R values written from the
text, sharing no code with beacon.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from beacon.audit.simulation import (
    counter_outputs,
    picks_per_draw,
    random_outputs,
    simulate,
    simulated_selection,
)
from beacon.audit.tally import ListKey
from beacon.core.definition import Kind
from beacon.errors import InputError
from tests.audit import reference_selection as ref

SEED = b"tests"


@pytest.mark.parametrize(
    ("start", "count"), [(0, 5), (1000, 3), (2**64 - 2, 2)], ids=["first", "later", "last"]
)
def test_counter_outputs_match_the_formula(start: int, count: int) -> None:
    got = list(counter_outputs(SEED, count, start=start))
    assert got == [ref.simulated_r(SEED, i) for i in range(start, start + count)]


@pytest.mark.parametrize(
    ("kind", "n", "k", "draws"),
    [
        (Kind.PICK_ONE, 7, 1, 300),
        (Kind.PICK_ONE, 33, 1, 200),
        (Kind.PICK_K, 12, 3, 150),
        (Kind.PERMUTATION, 4, 4, 100),
        (Kind.PICK_ONE, 1, 1, 10),
    ],
    ids=["pick_one-7", "pick_one-33", "pick_k-3-of-12", "permutation-4", "single-candidate"],
)
def test_counts_match_a_second_implementation(kind: Kind, n: int, k: int, draws: int) -> None:
    selection = simulated_selection(n, kind, k)
    assert picks_per_draw(selection) == k
    tally = simulate(counter_outputs(SEED, draws), selection)
    expected = ref.simulated_counts(SEED, draws, n, k)
    counts = tally.counts()
    assert list(counts) == [ListKey("SIM", n, p) for p in range(k)]
    for position in range(k):
        assert counts[ListKey("SIM", n, position)].tolist() == expected[position]
        assert tally.picks(ListKey("SIM", n, position)) == k


def test_random_outputs_takes_64_bytes_per_draw() -> None:
    counter = itertools.count()
    asked: list[int] = []

    def fake(n: int) -> bytes:
        asked.append(n)
        return next(counter).to_bytes(n, "big")

    values = list(random_outputs(fake, 3))
    assert asked == [64, 64, 64]
    assert [int.from_bytes(v, "big") for v in values] == [0, 1, 2]


def test_empty_simulation_has_no_lists() -> None:
    assert simulate(iter(()), simulated_selection(5, Kind.PICK_ONE)).counts() == {}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: simulated_selection(0, Kind.PICK_ONE),
            r"candidates must be in \[1, 10000\], got 0",
        ),
        (
            lambda: simulated_selection(10_001, Kind.PICK_ONE),
            r"candidates must be in \[1, 10000\], got 10001",
        ),
        (lambda: simulated_selection(5, Kind.PICK_K, 6), "pick_k needs 1 <= k <= 5, got k = 6"),
        (lambda: list(counter_outputs(SEED, 2, start=2**64 - 1)), "outside u64"),
        (lambda: list(random_outputs(bytes, -1)), "count must be >= 0, got -1"),
        (
            lambda: simulate([bytes(63)], simulated_selection(3, Kind.PICK_ONE)),
            "R must be 64 bytes, got 63",
        ),
    ],
    ids=[
        "no-candidates",
        "too-many-candidates",
        "k-above-n",
        "counter-overflow",
        "negative-count",
        "short-R",
    ],
)
def test_refusals(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


def test_simulated_counts_are_plausibly_uniform() -> None:
    """Not a proof (notebook 01 is): 20,000 draws of 7 land within 5σ of 20000/7 each."""
    tally = simulate(counter_outputs(SEED, 20_000), simulated_selection(7, Kind.PICK_ONE))
    counts = tally.counts()[ListKey("SIM", 7, 0)]
    sigma = np.sqrt(20_000 * (1 / 7) * (6 / 7))
    assert np.all(np.abs(counts - 20_000 / 7) < 5 * sigma)


def test_several_lists_share_one_tally() -> None:
    tally = simulate(counter_outputs(SEED, 30), simulated_selection(4, Kind.PICK_ONE, code="K"))
    same = simulate(
        counter_outputs(SEED, 30), simulated_selection(5, Kind.PICK_ONE, code="Q1"), into=tally
    )
    assert same is tally
    counts = tally.counts()
    assert list(counts) == [ListKey("K", 4, 0), ListKey("Q1", 5, 0)]
    assert counts[ListKey("K", 4, 0)].tolist() == ref.simulated_counts(SEED, 30, 4, 1)[0]
    assert counts[ListKey("Q1", 5, 0)].tolist() == ref.simulated_counts(SEED, 30, 5, 1)[0]
