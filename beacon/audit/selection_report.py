"""Uniformity of every tallied list, corrected across lists (docs/AUDIT.md §8).

Per list: the counts, the test the rules choose (:func:`~beacon.audit.goodness_of_fit.
uniformity_test`: Pearson's χ² when every expected count is ≥ 5, otherwise the
exact multinomial test with its mid-p value) and the G statistic for comparison.
Across lists: Holm's adjusted P-values (family-wise error rate, valid under any
dependence between lists, such as the positions of one pick) and
Benjamini–Hochberg's (false discovery rate). The verdict is Holm's: the audit
rejects equal probability only when some list's Holm-adjusted P-value is ≤ α.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from beacon.audit.goodness_of_fit import (
    GoodnessOfFit,
    benjamini_hochberg,
    g_test,
    holm,
    uniformity_test,
)
from beacon.audit.result import ALPHA
from beacon.audit.tally import ListKey, Tally
from beacon.errors import InputError

#: Lists with at most this many candidates show every count in the text report.
SHOWN_COUNTS: Final = 20


@dataclass(frozen=True)
class ListResult:
    """One list's counts and tests; ``note`` says why a list has no test."""

    key: ListKey
    picks: int
    counts: tuple[int, ...]
    test: GoodnessOfFit | None
    g: GoodnessOfFit | None
    note: str = ""
    holm: float | None = None
    bh: float | None = None

    @property
    def draws(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        return self.key.label(picks=self.picks)

    @property
    def residuals(self) -> tuple[float, ...]:
        """Pearson residuals ``(O − E)/√E`` per candidate; their squares sum to X²."""
        expected = self.draws / len(self.counts)
        return tuple((c - expected) / math.sqrt(expected) for c in self.counts)

    def to_dict(self) -> dict[str, Any]:
        def fit(r: GoodnessOfFit | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {
                "method": r.method,
                "statistic": r.statistic,
                "dof": r.dof,
                "pvalue": r.pvalue,
                "mid_pvalue": r.mid_pvalue,
                "min_expected": r.min_expected,
            }

        return {
            **self.key.to_dict(),
            "picks": self.picks,
            "draws": self.draws,
            "counts": list(self.counts),
            "test": fit(self.test),
            "g_test": fit(self.g),
            "holm": self.holm,
            "bh": self.bh,
            "note": self.note,
        }


@dataclass(frozen=True)
class SelectionReport:
    """Every list's result and the corrected verdict at ``alpha``."""

    alpha: float
    lists: tuple[ListResult, ...]
    source: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tested(self) -> tuple[ListResult, ...]:
        return tuple(r for r in self.lists if r.test is not None)

    def rejected(self, method: str = "holm") -> tuple[ListResult, ...]:
        """The lists whose ``holm`` (or ``bh``) adjusted P-value is ≤ α."""
        if method not in ("holm", "bh"):
            raise InputError(f"method must be 'holm' or 'bh', got {method!r}", field="method")
        adjusted = [(r, r.holm if method == "holm" else r.bh) for r in self.tested]
        return tuple(r for r, p in adjusted if p is not None and p <= self.alpha)

    @property
    def uniform(self) -> bool | None:
        """True when no list is rejected after Holm; None when no list could be tested."""
        return None if not self.tested else not self.rejected("holm")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": dict(self.source),
            "alpha": self.alpha,
            "lists": [r.to_dict() for r in self.lists],
            "rejected_holm": [r.label for r in self.rejected("holm")],
            "rejected_bh": [r.label for r in self.rejected("bh")],
            "uniform": self.uniform,
        }


def _one(key: ListKey, picks: int, counts: np.ndarray) -> ListResult:
    values = tuple(int(c) for c in counts)
    if key.candidates < 2:
        return ListResult(key, picks, values, None, None, "one candidate: nothing is random")
    try:
        test = uniformity_test(counts)
    except InputError as e:
        return ListResult(key, picks, values, None, g_test(counts), f"not tested: {e}")
    return ListResult(key, picks, values, test, g_test(counts))


def selection_report(
    tally: Tally, *, alpha: float = ALPHA, source: Mapping[str, Any] | None = None
) -> SelectionReport:
    """Test every list of ``tally`` and correct across the tested ones."""
    if not 0.0 < alpha < 1.0:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", field="alpha")
    counts = tally.counts()
    if not counts:
        raise InputError("nothing to test: no draw was tallied", field="draws")
    results = [_one(key, tally.picks(key), c) for key, c in counts.items()]
    tested = [i for i, r in enumerate(results) if r.test is not None]
    if tested:
        # The chosen test's P-value, not the mid-p value: the corrections need valid P-values.
        pvalues = [results[i].test.pvalue for i in tested]  # type: ignore[union-attr]
        for i, h, b in zip(tested, holm(pvalues), benjamini_hochberg(pvalues), strict=True):
            r = results[i]
            results[i] = ListResult(
                r.key, r.picks, r.counts, r.test, r.g, r.note, float(h), float(b)
            )
    return SelectionReport(alpha=alpha, lists=tuple(results), source=dict(source or {}))


def _counts_line(counts: tuple[int, ...]) -> str:
    if len(counts) <= SHOWN_COUNTS:
        return " ".join(str(c) for c in counts)
    return f"{len(counts)} cells, min {min(counts)}, max {max(counts)} (all of them in --json)"


def format_selection_report(report: SelectionReport) -> str:
    """A plain-text table: one line per list, then the verdict."""
    lines = [
        f"{'list':<42} {'draws':>9} {'test':<8} {'statistic':>11} {'P':>9} {'mid-p':>9} "
        f"{'G':>10} {'Holm':>9} {'BH':>9}",
        "-" * 124,
    ]
    for r in report.lists:
        g = f"{r.g.statistic:10.3f}" if r.g is not None else f"{'-':>10}"
        if r.test is None:
            lines.append(f"{r.label:<42} {r.draws:>9} {'-':<8} {r.note}")
        else:
            lines.append(
                f"{r.label:<42} {r.draws:>9} {r.test.method:<8} {r.test.statistic:11.3f} "
                f"{r.test.pvalue:9.4f} {r.test.mid_pvalue:9.4f} {g} {r.holm:9.4f} {r.bh:9.4f}"
            )
        lines.append(f"    counts: {_counts_line(r.counts)}")
    lines.append("")
    tested = len(report.tested)
    if report.uniform is None:
        lines.append("No list could be tested.")
    elif report.uniform:
        lines.append(
            f"Equal probability is not rejected: no list of {tested} has a Holm-adjusted "
            f"P-value <= {report.alpha}."
        )
    else:
        names = ", ".join(r.label for r in report.rejected("holm"))
        lines.append(f"REJECTED at alpha = {report.alpha} after Holm's correction: {names}.")
    bh = report.rejected("bh")
    lines.append(f"Benjamini-Hochberg (FDR {report.alpha}): {len(bh)} of {tested} lists rejected.")
    return "\n".join(lines)
