"""PROTOCOL.md §13.2 Time points: a draw's deadlines, over which
:class:`~verifier.scope.Deadlines` says whether a statement was logged before or after
each, as the pulse chain fixes it; read by the steps of §14 that have windows.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier import scope
from verifier.draw.bundle import Bundle
from verifier.draw.results import TimeOfRecord
from verifier.steps import need
from verifier.vocabulary import StatementKind


@dataclass(frozen=True)
class Deadlines(scope.Deadlines):
    """The definition's deadlines over a bundle's time points; ``recorded`` is step 4's time
    of record (``None`` if it failed), which fixes the ``dispute_end`` deadline."""

    bundle: Bundle
    recorded: TimeOfRecord | None

    # PROTOCOL.md §13.2: dispute_end is the result's time of record plus the dispute window.
    def deadline(self, name: str) -> int:
        """The deadline ``name`` in ms: the definition's, or ``dispute_end``'s (§13.2)."""
        b = self.bundle
        if name == "dispute_end":
            recorded = need(self.recorded, "recorded").recorded
            return int(
                recorded[b.the(StatementKind.DRAW_RESULT).leaf] + b.definition["dispute_window_ms"]
            )
        return int(b.definition["deadlines"][name])
