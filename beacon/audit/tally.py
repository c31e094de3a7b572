"""Counting which candidate each draw picked, per list (docs/AUDIT.md §8).

A *list* is one selection code with one number of candidates and one position of
the pick. Under the null hypothesis every position of every pick is uniform over
the ``n`` candidates (PROTOCOL.md §12.3: each ordered k-tuple has probability
(n − k)!/n!, so each position on its own has probability 1/n), and picks of
different draws are independent, so each list's counts are one multinomial
sample with equal cell probabilities: exactly what
:func:`beacon.audit.goodness_of_fit.uniformity_test` tests.

Positions are kept apart rather than pooled: the k indexes of one pick are
distinct, hence dependent, and pooled counts would not be multinomial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from beacon.errors import InputError


@dataclass(frozen=True, order=True)
class ListKey:
    """One tested list: a selection code, its number of candidates, a position of the pick."""

    code: str
    candidates: int
    position: int = 0

    def label(self, *, picks: int = 1) -> str:
        """``"K1, 7 candidates"``; with several picks per draw, also which one."""
        text = f"{self.code}, {self.candidates} candidates"
        return text if picks == 1 else f"{text}, pick {self.position + 1} of {picks}"

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "candidates": self.candidates, "position": self.position}


class Tally:
    """Counts per :class:`ListKey`, filled one pick at a time."""

    def __init__(self) -> None:
        self._counts: dict[ListKey, npt.NDArray[np.int64]] = {}
        self._picks: dict[tuple[str, int], int] = {}

    def add(self, code: str, candidates: int, indexes: Sequence[int]) -> None:
        """Record one draw's pick: ``indexes[p]`` is the candidate at position p."""
        if candidates < 1:
            raise InputError(f"{code}: a list needs at least 1 candidate, got {candidates}")
        if not 1 <= len(indexes) <= candidates or len(set(indexes)) != len(indexes):
            raise InputError(
                f"{code}: a pick of {candidates} candidates needs 1 to {candidates} distinct "
                f"indexes, got {list(indexes)}",
                field="indexes",
            )
        known = self._picks.setdefault((code, candidates), len(indexes))
        if known != len(indexes):
            raise InputError(
                f"{code} with {candidates} candidates: picks of {known} and of {len(indexes)} "
                "cannot share a list",
                field="indexes",
            )
        for position, index in enumerate(indexes):
            if not 0 <= index < candidates:
                raise InputError(
                    f"{code}: index {index} is outside 0..{candidates - 1}", field="indexes"
                )
            key = ListKey(code, candidates, position)
            counts = self._counts.get(key)
            if counts is None:
                counts = self._counts[key] = np.zeros(candidates, dtype=np.int64)
            counts[index] += 1

    def add_counts(self, key: ListKey, counts: npt.ArrayLike, *, picks: int) -> None:
        """Add a whole vector of counts to one list (sources that tally in bulk).

        ``picks`` is how many positions each pick of this code and size has.
        """
        values = np.asarray(counts)
        if values.shape != (key.candidates,) or not np.issubdtype(values.dtype, np.integer):
            raise InputError(
                f"{key.code}: expected {key.candidates} integer counts, got shape {values.shape} "
                f"of {values.dtype}",
                field="counts",
            )
        if (values < 0).any():
            raise InputError(f"{key.code}: counts must be non-negative", field="counts")
        if not 0 <= key.position < picks <= key.candidates:
            raise InputError(
                f"{key.code}: position {key.position} of a pick of {picks} from "
                f"{key.candidates} candidates does not exist",
                field="position",
            )
        known = self._picks.setdefault((key.code, key.candidates), picks)
        if known != picks:
            raise InputError(
                f"{key.code} with {key.candidates} candidates: picks of {known} and of {picks} "
                "cannot share a list",
                field="picks",
            )
        current = self._counts.setdefault(key, np.zeros(key.candidates, dtype=np.int64))
        current += values.astype(np.int64)

    def picks(self, key: ListKey) -> int:
        """How many positions the picks of this list's code and size have."""
        return self._picks[(key.code, key.candidates)]

    def counts(self) -> Mapping[ListKey, npt.NDArray[np.int64]]:
        """A copy of every list's counts, in (code, candidates, position) order."""
        return {k: self._counts[k].copy() for k in sorted(self._counts)}
