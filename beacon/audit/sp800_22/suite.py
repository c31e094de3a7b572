"""All fifteen SP 800-22 tests in sts-2.1.2's order, with its default parameters."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from beacon.audit.bits import Bits, as_bits
from beacon.audit.result import TestResult
from beacon.audit.sp800_22 import (
    approximate_entropy,
    block_frequency,
    cumulative_sums,
    dft,
    frequency,
    linear_complexity,
    longest_run,
    non_overlapping_template,
    overlapping_template,
    random_excursions,
    random_excursions_variant,
    rank,
    runs,
    serial,
    universal,
)
from beacon.errors import InputError


@dataclass(frozen=True)
class SuiteTest:
    """One test of the suite: its name, function, and the fewest bits its defaults need."""

    name: str
    run: Callable[[Bits], TestResult]
    min_bits: int
    why: str


#: sts-2.1.2's order (``nist_test_suite``). ``min_bits`` is where each test with its
#: default parameters can be computed at all; SP 800-22 §2.x.7 recommends more.
TESTS: Final = (
    SuiteTest(frequency.NAME, frequency.frequency, 1, "one bit"),
    SuiteTest(block_frequency.NAME, block_frequency.block_frequency, 128, "one block of M = 128"),
    SuiteTest(cumulative_sums.NAME, cumulative_sums.cumulative_sums, 1, "one bit"),
    SuiteTest(runs.NAME, runs.runs, 1, "one bit"),
    SuiteTest(longest_run.NAME, longest_run.longest_run, longest_run.MIN_BITS, "blocks of M = 8"),
    SuiteTest(rank.NAME, rank.rank, 32 * 32, "one 32x32 matrix"),
    SuiteTest(dft.NAME, dft.dft, 2, "one coefficient"),
    SuiteTest(
        non_overlapping_template.NAME,
        non_overlapping_template.non_overlapping_template,
        8 * 9,
        "8 blocks of at least m = 9",
    ),
    SuiteTest(
        overlapping_template.NAME,
        overlapping_template.overlapping_template,
        1032,
        "one block of M = 1032",
    ),
    SuiteTest(
        universal.NAME, universal.universal, universal.MIN_BITS, "sts-2.1.2's smallest L = 6"
    ),
    SuiteTest(
        approximate_entropy.NAME,
        approximate_entropy.approximate_entropy,
        11,
        "one window of m + 1 = 11",
    ),
    SuiteTest(
        random_excursions.NAME,
        random_excursions.random_excursions,
        1,
        "one bit; not applicable below 500 cycles",
    ),
    SuiteTest(
        random_excursions_variant.NAME,
        random_excursions_variant.random_excursions_variant,
        1,
        "one bit; not applicable below 500 cycles",
    ),
    SuiteTest(serial.NAME, serial.serial, 16, "one window of m = 16"),
    SuiteTest(
        linear_complexity.NAME, linear_complexity.linear_complexity, 500, "one block of M = 500"
    ),
)

NAMES: Final = tuple(t.name for t in TESTS)
#: The fewest bits for which every test of the suite runs with its defaults.
MIN_BITS: Final = max(t.min_bits for t in TESTS)


def too_short(n: int, names: Sequence[str] = NAMES) -> list[SuiteTest]:
    """The tests (of ``names``) that cannot run on ``n`` bits with their defaults."""
    return [t for t in TESTS if t.name in names and n < t.min_bits]


def run_suite(
    bits: object,
    *,
    names: Sequence[str] = NAMES,
    steps: Callable[[str, int, int], None] | None = None,
) -> list[TestResult]:
    """Run the chosen tests (default: all fifteen) with sts-2.1.2's default parameters.

    A sequence too short for any chosen test is refused up front with one error
    listing every such test and the bits it needs. ``steps(name, done, total)``, if
    given, hears of each test as it starts and once all are done.
    """
    eps = as_bits(bits)
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        raise InputError(
            f"unknown test(s) {unknown}; expected some of {list(NAMES)}", field="names"
        )
    short = too_short(eps.size, names)
    if short:
        needs = "; ".join(f"{t.name} needs {t.min_bits} ({t.why})" for t in short)
        raise InputError(f"sequence too short: {eps.size} bits. {needs}", field="bits")
    chosen = [t for t in TESTS if t.name in names]
    results = []
    for done, test in enumerate(chosen):
        if steps is not None:
            steps(test.name, done, len(chosen))
        results.append(test.run(eps))
    if steps is not None:
        steps("done", len(chosen), len(chosen))
    return results
