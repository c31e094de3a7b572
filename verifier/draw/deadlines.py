"""PROTOCOL.md §13.2 Time points: a deadline, and whether a statement was logged before or
after it, as the pulse chain fixes it; read by the steps of §14 that have windows.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.draw.bundle import Bundle
from verifier.draw.results import TimeOfRecord
from verifier.scope import Logged
from verifier.steps import need
from verifier.vocabulary import StatementKind


@dataclass(frozen=True)
class Deadlines:
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

    # PROTOCOL.md §13.2: below the time point's tree size is in time; without the time point,
    # every statement is, when the bundle's last pulse precedes the deadline.
    def before(self, x: Logged, name: str) -> bool:
        """Logged before deadline ``name``."""
        tp = self.bundle.time_points.get(name)
        if tp is not None:
            return x.leaf < tp.head.tree_size
        return self.bundle.pulse.time_ms < self.deadline(name)

    # PROTOCOL.md §13.2: at or above the time point's tree size is after the deadline.
    def after(self, x: Logged, name: str) -> bool:
        """Logged after deadline ``name``: only once its time point is in the bundle."""
        tp = self.bundle.time_points.get(name)
        return tp is not None and x.leaf >= tp.head.tree_size
