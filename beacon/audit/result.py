"""The result objects every SP 800-22 test returns (AUDIT.md §2).

Modelled on ``scipy.stats`` results: the same field names across all fifteen tests,
the inputs that shaped the result (``n``, ``parameters``) kept beside the numbers,
and ``passed`` as a follow-up method rather than a stored verdict, because the
significance level is the reader's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from beacon.errors import InputError

#: SP 800-22 Rev.1a §4.2.1 and sts-2.1.2 ``ALPHA``: the default significance level.
ALPHA: Final = 0.01


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class TestResult:
    """The outcome of one SP 800-22 test on one sequence.

    ``pvalues[i]`` belongs to ``labels[i]`` (for example ``"forward"``/``"reverse"``
    for the cumulative sums test, ``"x=-4"`` for random excursions, the template for
    the non-overlapping template test) and ``statistics[i]`` is the statistic it was
    computed from (a chi-square, a normal deviate, ...). ``details`` holds the
    intermediate counts that sts-2.1.2 prints in its ``stats.txt``.

    ``applicable`` is false when sts-2.1.2 declares the test not applicable to this
    sequence (random excursions with too few cycles); then ``reason`` says why and
    ``pvalues`` is empty.
    """

    __test__ = False  # not a pytest test class, despite the name

    name: str
    n: int
    parameters: Mapping[str, object]
    labels: tuple[str, ...]
    statistics: tuple[float, ...]
    pvalues: tuple[float, ...]
    applicable: bool = True
    reason: str = ""
    details: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _frozen(self.parameters))
        object.__setattr__(self, "details", _frozen(self.details))
        if self.applicable and not (len(self.labels) == len(self.statistics) == len(self.pvalues)):
            raise ValueError(
                f"{self.name}: {len(self.labels)} labels, {len(self.statistics)} statistics "
                f"and {len(self.pvalues)} P-values must match"
            )

    @property
    def pvalue(self) -> float:
        """The P-value of a single-P-value test (``scipy.stats`` spelling)."""
        if len(self.pvalues) != 1:
            raise InputError(
                f"{self.name} has {len(self.pvalues)} P-values, not 1; use .pvalues", field="pvalue"
            )
        return self.pvalues[0]

    @property
    def statistic(self) -> float:
        """The statistic of a single-P-value test (``scipy.stats`` spelling)."""
        if len(self.statistics) != 1:
            raise InputError(
                f"{self.name} has {len(self.statistics)} statistics, not 1; use .statistics",
                field="statistic",
            )
        return self.statistics[0]

    def passed(self, alpha: float = ALPHA) -> bool | None:
        """True when every P-value is ``>= alpha``; None when the test is not applicable.

        sts-2.1.2 prints ``p_value < ALPHA ? "FAILURE" : "SUCCESS"``, so a P-value equal
        to ``alpha`` passes.
        """
        if not 0.0 < alpha < 1.0:
            raise InputError(f"alpha must be in (0, 1), got {alpha}", field="alpha")
        if not self.applicable:
            return None
        return all(p >= alpha for p in self.pvalues)


def not_applicable(
    name: str,
    n: int,
    parameters: Mapping[str, object],
    reason: str,
    details: Mapping[str, object] | None = None,
) -> TestResult:
    """A result for a sequence the test does not apply to (no P-values)."""
    return TestResult(
        name=name,
        n=n,
        parameters=parameters,
        labels=(),
        statistics=(),
        pvalues=(),
        applicable=False,
        reason=reason,
        details=details or {},
    )
