"""Second-level checks over many sequences, as sts-2.1.2's ``finalAnalysisReport``
(``assess.c`` ``computeMetrics``) and SP 800-22 Rev.1a §4.2.

sts-2.1.2 writes each P-value with ``"%f"`` (6 decimals) and reads it back as a C
``float``; both checks here do the same rounding first (:func:`as_reported`), so
that a P-value sitting on a bin edge or on α lands where sts-2.1.2 puts it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincc

from beacon.audit.result import ALPHA, TestResult
from beacon.errors import InputError

BINS = 10


def as_reported(pvalues: Sequence[float]) -> np.ndarray:
    """P-values as sts-2.1.2's report sees them: printed with %f, read as float32."""
    rounded = [float(f"{p:.6f}") for p in pvalues]
    return np.asarray(rounded, dtype=np.float32).astype(np.float64)


@dataclass(frozen=True)
class Proportion:
    """Proportion of passing sequences (§4.2.1) with sts-2.1.2's integer bounds."""

    passed: int
    sample_size: int
    minimum: int
    maximum: int
    alpha: float

    @property
    def acceptable(self) -> bool:
        """False when sts-2.1.2 flags the row with ``*`` (outside the 3σ interval)."""
        return self.sample_size > 0 and self.minimum <= self.passed <= self.maximum


def proportion(pvalues: Sequence[float], *, alpha: float = ALPHA) -> Proportion:
    """Count the sequences with P-value ≥ α and the confidence interval p̂ ± 3√(p̂(1−p̂)/m).

    The bounds are truncated to integers as sts-2.1.2 stores them
    (``proportion_threshold_min/max`` are ``int``).
    """
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", field="alpha")
    values = as_reported(pvalues)
    size = values.size
    if size == 0:
        return Proportion(0, 0, 0, 0, alpha)
    passed = size - int(np.count_nonzero(values < alpha))
    p_hat = 1.0 - alpha
    spread = 3.0 * math.sqrt(p_hat * alpha / size)
    return Proportion(
        passed, size, int((p_hat - spread) * size), int((p_hat + spread) * size), alpha
    )


@dataclass(frozen=True)
class Uniformity:
    """Uniformity of P-values over ten bins (§4.2.2): ``P-value_T = igamc(9/2, χ²/2)``."""

    histogram: tuple[int, ...]
    statistic: float
    pvalue: float | None

    @property
    def acceptable(self) -> bool | None:
        """sts-2.1.2 marks P-value_T < 0.0001 with ``*``; None when undefined (< 10 sequences)."""
        return None if self.pvalue is None else self.pvalue >= 0.0001


def uniformity(pvalues: Sequence[float]) -> Uniformity:
    """Histogram of P-values in [0, 0.1), …, [0.9, 1.0] and the chi-square of its flatness.

    As sts-2.1.2, the expected count per bin is the *integer* ``m // 10``; with fewer
    than ten sequences the P-value is undefined (sts-2.1.2 prints ``----``).
    """
    values = as_reported(pvalues)
    if values.size and (values.min() < 0.0 or values.max() > 1.0):
        raise InputError("P-values must lie in [0, 1]", field="pvalues")
    positions = np.minimum(np.floor(values * 10).astype(np.int64), BINS - 1)
    histogram = np.bincount(positions, minlength=BINS)
    expected = values.size // BINS
    if expected == 0:
        return Uniformity(tuple(int(h) for h in histogram), 0.0, None)
    chi2 = float(np.sum((histogram - expected) ** 2 / expected))
    return Uniformity(
        tuple(int(h) for h in histogram), chi2, float(gammaincc(9.0 / 2.0, chi2 / 2.0))
    )


@dataclass(frozen=True)
class ReportRow:
    """One line of the final analysis report: a test (and P-value label) over all sequences."""

    name: str
    label: str
    uniformity: Uniformity
    proportion: Proportion


def final_analysis_report(
    runs: Sequence[Sequence[TestResult]], *, alpha: float = ALPHA
) -> list[ReportRow]:
    """One row per test and P-value label over many sequences' results.

    ``runs[s]`` holds the results of sequence ``s`` (for example from
    :func:`~beacon.audit.sp800_22.suite.run_suite`). Sequences where a test was not
    applicable are left out of that test's rows, as sts-2.1.2 leaves out the random
    excursion P-values it wrote as 0 (AUDIT.md §4 explains the one difference).
    """
    columns: dict[tuple[str, str], list[float]] = {}
    for results in runs:
        for result in results:
            if not result.applicable:
                continue
            for label, p in zip(result.labels, result.pvalues, strict=True):
                columns.setdefault((result.name, label), []).append(p)
    return [
        ReportRow(name, label, uniformity(values), proportion(values, alpha=alpha))
        for (name, label), values in columns.items()
    ]


def format_report(rows: Sequence[ReportRow]) -> str:
    """The rows laid out like sts-2.1.2's ``finalAnalysisReport.txt``."""
    lines = [" C1  C2  C3  C4  C5  C6  C7  C8  C9 C10  P-VALUE  PROPORTION  STATISTICAL TEST"]
    for row in rows:
        bins = "".join(f"{h:3d} " for h in row.uniformity.histogram)
        p = row.uniformity.pvalue
        uni = "    ----    " if p is None else f" {p:8.6f}{' * ' if p < 0.0001 else '   '}"
        prop = row.proportion
        mark = "*" if prop.sample_size and not prop.acceptable else " "
        name = row.name + (f" {row.label}" if row.label else "")
        share = (
            " ------   "
            if prop.sample_size == 0
            else f"{prop.passed:4d}/{prop.sample_size:<4d} {mark}"
        )
        lines.append(f"{bins}{uni}{share}  {name}")
    return "\n".join(lines) + "\n"
