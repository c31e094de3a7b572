"""The words and limits of a draw definition (PROTOCOL.md §5.1, §11.5, §12.3).

Shared by the record (:mod:`beacon.core.definition`) and its rules
(:mod:`beacon.core.definition_rules`), so that neither imports the other's module
to name a kind of selection.
"""

from __future__ import annotations

from enum import StrEnum

SUITE = 1
MAX_SELECTIONS = 32
MAX_CANDIDATES = 10_000
MAX_LABEL = 200
MAX_T = 2**40  # far beyond any practical delay; keeps T in a u64 with room to spare
MAX_VDF_RATE = 2**40  # squarings per second; far beyond any evaluator
MAX_VDF_ADVANTAGE = 2**20
# PROTOCOL.md §11.5: the result deadline leaves the honest evaluator 5/4 of its
# evaluation time (the proof costs about 1/k more, and a crashed worker resumes).
RESULT_ALLOWANCE = (5, 4)


class Kind(StrEnum):
    """How many candidates a selection picks (PROTOCOL.md §12.3)."""

    PICK_ONE = "pick_one"
    PICK_K = "pick_k"  # k distinct candidates, in draw order
    PERMUTATION = "permutation"  # all candidates, in draw order


class ValueType(StrEnum):
    DECIMAL = "decimal"  # exact decimal strings, e.g. coefficients
    ID = "id"  # opaque identifiers, e.g. bid or expert ids


class Regime(StrEnum):
    """When the draw happens relative to bid decryption (PROTOCOL.md §5.1)."""

    BEFORE_OPENING = "before_opening"  # coefficients, drawn before any bid is decrypted
    AFTER_OPENING = "after_opening"  # picks among the valid bids, after decryption
