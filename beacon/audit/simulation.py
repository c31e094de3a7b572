"""Simulated draws through the real selection code (docs/AUDIT.md §8).

A simulated draw is exactly what a real one does after the VDF: a 64-byte ``R`` is
handed to :func:`beacon.core.selection.draw_selection`, the function
:func:`beacon.core.draw.picks_from_output` calls for every selection of a
definition. Only ``R`` is simulated. Its default source, :func:`counter_outputs`,
is

    R_i = SHA-512( F("tender-beacon/v1/audit-simulation") ‖ F(seed) ‖ F(u64(i)) ),  i = 0, 1, …

chosen because anyone can regenerate every ``R_i`` byte for byte from the seed
(an audit that cannot be rerun is not an audit), because a real ``R`` is itself a
SHA-512 output (§11.8), and because its own label keeps it apart from the
selection stream's SHA-512 blocks (§12.1). Callers may pass any other iterable of
64-byte values instead, for example from the operating system's generator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Final

import numpy as np

from beacon.audit.tally import ListKey, Tally
from beacon.core import labels
from beacon.core.definition import MAX_CANDIDATES, Kind, Selection, ValueType
from beacon.core.encoding import field, uint
from beacon.core.selection import draw_selection
from beacon.errors import InputError

#: The code simulated selections carry in reports.
SIMULATED_CODE: Final = "SIM"
R_BYTES: Final = 64


def counter_outputs(seed: bytes, count: int, *, start: int = 0) -> Iterator[bytes]:
    """``R_i`` for ``i = start … start + count − 1``, as the module docstring defines it."""
    if count < 0 or start < 0 or start + count > 2**64:
        raise InputError(f"counter range [{start}, {start + count}) is outside u64", field="count")
    # The fields before the counter never change: hash them once and copy the state.
    prefix = hashlib.sha512(field(labels.AUDIT_SIMULATION.encode()) + field(seed))
    for i in range(start, start + count):
        h = prefix.copy()
        h.update(field(uint(i, 64)))
        yield h.digest()


def random_outputs(random_bytes: Callable[[int], bytes], count: int) -> Iterator[bytes]:
    """``count`` values of 64 bytes from ``random_bytes`` (e.g. ``os.urandom``); not reproducible."""
    if count < 0:
        raise InputError(f"count must be >= 0, got {count}", field="count")
    for _ in range(count):
        yield random_bytes(R_BYTES)


def simulated_selection(
    candidates: int, kind: Kind, k: int = 1, *, code: str = SIMULATED_CODE
) -> Selection:
    """A selection over ``candidates`` ids ``"0" … "n-1"`` as a definition would hold it.

    ``code`` names its lists in reports (several simulated lists may share a tally).
    """
    if not 1 <= candidates <= MAX_CANDIDATES:
        raise InputError(
            f"candidates must be in [1, {MAX_CANDIDATES}], got {candidates}", field="candidates"
        )
    if kind is Kind.PICK_ONE:
        k = 1
    elif kind is Kind.PERMUTATION:
        k = 0  # §5.1: a permutation's k is 0 ("all")
    elif not 1 <= k <= candidates:
        raise InputError(f"pick_k needs 1 <= k <= {candidates}, got k = {k}", field="k")
    return Selection(
        code=code,
        label="simulated selection",
        kind=kind,
        k=k,
        value_type=ValueType.ID,
        unit="",
        from_snapshot=False,
        candidates=tuple(str(i) for i in range(candidates)),
    )


def picks_per_draw(selection: Selection) -> int:
    """How many indexes one draw of ``selection`` picks (§12.3)."""
    if selection.kind is Kind.PICK_ONE:
        return 1
    if selection.kind is Kind.PERMUTATION:
        return len(selection.candidates)
    return selection.k


def simulate(
    outputs: Iterable[bytes], selection: Selection, *, index: int = 0, into: Tally | None = None
) -> Tally:
    """Draw ``selection`` once per ``R`` in ``outputs`` and tally every position of every pick.

    ``index`` is the selection's position in its definition, which keys the stream
    (§12.1); any value gives an exactly uniform pick. The counts are added to
    ``into`` when given (and it is returned), else to a new tally.
    """
    n = len(selection.candidates)
    k = picks_per_draw(selection)
    picked: list[list[int]] = [[] for _ in range(k)]
    for r in outputs:
        if len(r) != R_BYTES:
            raise InputError(f"R must be {R_BYTES} bytes, got {len(r)}", field="R")
        pick = draw_selection(r, index, selection, selection.candidates)
        for position, chosen in enumerate(pick.indexes):
            picked[position].append(chosen)
    tally = Tally() if into is None else into
    if picked[0]:
        for position, chosen_list in enumerate(picked):
            counts = np.bincount(np.asarray(chosen_list, dtype=np.int64), minlength=n)
            tally.add_counts(ListKey(selection.code, n, position), counts, picks=k)
    return tally
