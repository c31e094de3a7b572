"""What a length of bits allows (beacon.audit.applicability).

Expected sets come from two published tables, not from the code: the fewest bits
each test needs with sts-2.1.2's defaults (docs/AUDIT.md §2, from the sts-2.1.2
source) and SP 800-22 Rev.1a's input size recommendations §2.1.7–§2.15.7
(n ≥ 100 for frequency, block frequency, runs, cumulative sums; 128 longest run;
38,912 rank; 1000 DFT; 10^6 overlapping template, linear complexity, both random
excursion tests; 387,840 universal; m < ⌊log2 n⌋ − 2 serial, m < ⌊log2 n⌋ − 5
approximate entropy).
"""

from __future__ import annotations

import pytest

from beacon.audit.applicability import applicability
from beacon.audit.sp800_22.suite import NAMES
from beacon.errors import InputError

ALL = set(NAMES)
MILLION = {
    "overlapping_template",
    "random_excursions",
    "random_excursions_variant",
    "linear_complexity",
}


@pytest.mark.parametrize(
    ("bits", "not_computable", "below"),
    [
        (0, ALL, set()),
        (100, ALL - {"frequency", "cumulative_sums", "runs", "approximate_entropy", "random_excursions",
                     "random_excursions_variant", "serial", "dft", "non_overlapping_template"},
         {"approximate_entropy", "random_excursions", "random_excursions_variant", "serial", "dft"}),
        (1_024, {"overlapping_template", "universal"},
         {"rank", "approximate_entropy", "serial", "random_excursions", "random_excursions_variant",
          "linear_complexity"}),
        (38_912, {"universal"}, MILLION | {"approximate_entropy", "serial"}),
        (65_536, {"universal"}, MILLION | {"serial"}),
        (387_840, set(), MILLION | {"serial"}),
        (524_288, set(), MILLION),
        (1_000_000, set(), set()),
    ],
    ids=["empty", "100", "one-matrix", "rank-recommended", "apen-recommended", "universal-computable",
         "serial-recommended", "full"],
)  # fmt: skip
def test_status_at_length(bits: int, not_computable: set[str], below: set[str]) -> None:
    status = applicability(bits)
    assert [a.name for a in status] == list(NAMES)
    assert {a.name for a in status if a.status == "not computable"} == not_computable
    assert {a.name for a in status if a.status == "below recommendation"} == below
    assert {a.name for a in status if a.status == "recommended"} == ALL - not_computable - below


@pytest.mark.parametrize("bits", [-1, 1.5, True], ids=["negative", "float", "bool"])
def test_refusals(bits: object) -> None:
    with pytest.raises(InputError, match="bits must be a non-negative integer"):
        applicability(bits)  # type: ignore[arg-type]
