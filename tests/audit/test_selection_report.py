"""Tallies and the corrected per-list report (beacon.audit.tally, beacon.audit.selection_report).

Independent expected values: Pearson's χ² from scipy.stats.chisquare; the exact
multinomial P-value and mid-p by brute-force enumeration of every outcome in the
test; Holm (1979) and Benjamini–Hochberg (1995) adjusted P-values written out from
their definitions for three lists.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import chisquare

from beacon.audit.selection_report import format_selection_report, selection_report
from beacon.audit.tally import ListKey, Tally
from beacon.errors import InputError


def tally_of(*lists: tuple[ListKey, list[int], int]) -> Tally:
    t = Tally()
    for key, counts, picks in lists:
        t.add_counts(key, np.asarray(counts), picks=picks)
    return t


def brute_force_exact(counts: list[int]) -> tuple[float, float]:
    """P(X² ≥ obs) and P(X² > obs) + ½P(X² = obs), summing the multinomial over every outcome."""
    k, n = len(counts), sum(counts)

    def x2(c):
        return sum((ci - n / k) ** 2 for ci in c) / (n / k)

    obs = x2(counts)
    ge = gt = eq = 0.0
    for cells in itertools.product(range(k), repeat=n):
        c = np.bincount(cells, minlength=k)
        p = k ** (-n)
        s = x2(c)
        if s > obs + 1e-9:
            gt += p
        elif abs(s - obs) <= 1e-9:
            eq += p
    ge = gt + eq
    return ge, gt + eq / 2


class TestTally:
    def test_positions_are_separate_lists(self) -> None:
        t = Tally()
        t.add("BID", 5, [4, 0])
        t.add("BID", 5, [4, 2])
        t.add("K1", 7, [3])
        counts = t.counts()
        assert list(counts) == [ListKey("BID", 5, 0), ListKey("BID", 5, 1), ListKey("K1", 7, 0)]
        assert counts[ListKey("BID", 5, 0)].tolist() == [0, 0, 0, 0, 2]
        assert counts[ListKey("BID", 5, 1)].tolist() == [1, 0, 1, 0, 0]
        assert t.picks(ListKey("BID", 5, 1)) == 2

    @pytest.mark.parametrize(
        ("indexes", "message"),
        [
            ([1, 1], r"needs 1 to 5 distinct indexes, got \[1, 1\]"),
            ([], r"needs 1 to 5 distinct indexes, got \[\]"),
            ([5, 0], "index 5 is outside 0..4"),
            ([0, -1], "index -1 is outside 0..4"),
            ([0, 1, 2], "picks of 2 and of 3 cannot share a list"),
        ],
        ids=["repeated", "empty", "too-high", "negative", "other-k"],
    )
    def test_bad_picks(self, indexes: list[int], message: str) -> None:
        t = Tally()
        t.add("BID", 5, [0, 1])
        with pytest.raises(InputError, match=message):
            t.add("BID", 5, indexes)

    @pytest.mark.parametrize(
        ("key", "counts", "picks", "message"),
        [
            (ListKey("X", 3), [1, 2], 1, r"expected 3 integer counts, got shape \(2,\)"),
            (ListKey("X", 3), [1.0, 2.0, 3.0], 1, "integer counts"),
            (ListKey("X", 3), [1, -2, 3], 1, "counts must be non-negative"),
            (
                ListKey("X", 3, 2),
                [1, 2, 3],
                2,
                "position 2 of a pick of 2 from 3 candidates does not exist",
            ),
        ],
        ids=["wrong-length", "floats", "negative", "no-such-position"],
    )
    def test_bad_bulk_counts(self, key, counts, picks, message) -> None:
        with pytest.raises(InputError, match=message):
            Tally().add_counts(key, np.asarray(counts), picks=picks)


class TestPerList:
    def test_pearson_when_every_expected_count_is_five_or_more(self) -> None:
        counts = [30, 41, 29, 35, 25]  # 160 draws: expected 32
        r = selection_report(tally_of((ListKey("Q1", 5), counts, 1))).lists[0]
        ref = chisquare(counts)
        assert r.test is not None and r.test.method == "pearson"
        assert r.test.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert r.test.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
        assert r.test.mid_pvalue == r.test.pvalue
        assert r.draws == 160 and r.counts == tuple(counts)

    @pytest.mark.parametrize(
        "counts",
        [[3, 0, 1, 0], [2, 1, 1, 2, 0], [0, 0, 5, 0]],
        ids=["4-cells", "5-cells", "all-in-one"],
    )
    def test_exact_below_five(self, counts: list[int]) -> None:
        r = selection_report(tally_of((ListKey("K", len(counts)), counts, 1))).lists[0]
        p, mid = brute_force_exact(counts)
        assert r.test is not None and r.test.method == "exact"
        assert r.test.pvalue == pytest.approx(p, abs=1e-12)
        assert r.test.mid_pvalue == pytest.approx(mid, abs=1e-12)

    def test_residuals_square_to_the_statistic(self) -> None:
        counts = [30, 41, 29, 35, 25]
        r = selection_report(tally_of((ListKey("Q1", 5), counts, 1))).lists[0]
        assert r.residuals[1] == pytest.approx((41 - 32) / math.sqrt(32), rel=1e-12)
        assert sum(x * x for x in r.residuals) == pytest.approx(
            chisquare(counts).statistic, rel=1e-12
        )

    def test_g_is_reported_beside(self) -> None:
        counts = [3, 0, 1, 0]
        r = selection_report(tally_of((ListKey("K", 4), counts, 1))).lists[0]
        g = 2 * sum(c * math.log(c / 1.0) for c in counts if c)
        assert r.g is not None and r.g.method == "g_test"
        assert r.g.statistic == pytest.approx(g, rel=1e-12)

    def test_single_candidate_is_not_tested(self) -> None:
        report = selection_report(
            tally_of((ListKey("ONLY", 1), [9], 1), (ListKey("K", 2), [5, 5], 1))
        )
        only = next(r for r in report.lists if r.key.code == "ONLY")
        assert only.test is None and only.note == "one candidate: nothing is random"
        assert [r.key.code for r in report.tested] == ["K"]

    def test_exact_table_too_large_is_said_not_hidden(self) -> None:
        counts = np.full(2000, 2)
        counts[:500] = 3  # 4,500 draws over 2,000 candidates: expected 2.25 < 5
        report = selection_report(tally_of((ListKey("BIG", 2000), counts.tolist(), 1)))
        r = report.lists[0]
        assert r.test is None and r.note.startswith("not tested: exact test table of")
        assert r.g is not None
        assert report.uniform is None


LISTS = (
    (ListKey("A", 4), [40, 41, 39, 40], 1),  # p ≈ 1
    (ListKey("B", 4), [70, 30, 30, 30], 1),  # p ≈ 1e-6
    (ListKey("C", 4), [50, 30, 40, 40], 1),  # p ≈ 0.2
)


class TestAcrossLists:
    def test_holm_and_bh_from_their_definitions(self) -> None:
        report = selection_report(tally_of(*LISTS))
        p = [chisquare(c).pvalue for _, c, _ in LISTS]
        order = sorted(range(3), key=lambda i: p[i])
        holm = [0.0] * 3
        running = 0.0
        for rank, i in enumerate(order):  # Holm: max over j <= i of (m - j) p_(j), capped at 1
            running = max(running, min(1.0, (3 - rank) * p[i]))
            holm[i] = running
        bh = [0.0] * 3
        running = 1.0
        for rank in range(2, -1, -1):  # BH: min over j >= i of m p_(j) / j
            i = order[rank]
            running = min(running, 3 * p[i] / (rank + 1))
            bh[i] = running
        for r, h, b in zip(report.lists, holm, bh, strict=True):
            assert r.holm == pytest.approx(h, rel=1e-9)
            assert r.bh == pytest.approx(b, rel=1e-9)

    def test_verdict_follows_holm(self) -> None:
        report = selection_report(tally_of(*LISTS), alpha=0.01)
        assert [r.key.code for r in report.rejected("holm")] == ["B"]
        assert [r.key.code for r in report.rejected("bh")] == ["B"]
        assert report.uniform is False
        text = format_selection_report(report)
        assert "REJECTED at alpha = 0.01 after Holm's correction: B, 4 candidates." in text
        assert report.to_dict()["rejected_holm"] == ["B, 4 candidates"]

    def test_uniform_lists_pass(self) -> None:
        report = selection_report(tally_of(LISTS[0], LISTS[2]))
        assert report.uniform is True
        assert "Equal probability is not rejected: no list of 2" in format_selection_report(report)

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda: selection_report(Tally()), "nothing to test: no draw was tallied"),
            (
                lambda: selection_report(tally_of(*LISTS), alpha=1.0),
                r"alpha must be in \(0, 1\), got 1.0",
            ),
            (
                lambda: selection_report(tally_of(*LISTS)).rejected("bonferroni"),
                "method must be 'holm' or 'bh'",
            ),
        ],
        ids=["empty", "alpha", "method"],
    )
    def test_refusals(self, call, message: str) -> None:
        with pytest.raises(InputError, match=message):
            call()


def test_the_package_name_uniformity_is_the_second_level_check() -> None:
    """beacon.audit.uniformity is one thing, the re-exported second-level check: no module
    of that name shadows it, whatever is imported first."""
    code = (
        "import beacon.audit.selection_report\n"
        "from beacon.audit import uniformity\n"
        "assert callable(uniformity), uniformity\n"
        "assert uniformity.__module__ == 'beacon.audit.sp800_22.second_level'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
