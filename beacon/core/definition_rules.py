"""The rules every published draw definition satisfies (PROTOCOL.md §5.2-§5.4, §11.5).

:func:`validate` is applied by every way a definition comes into being (canonical
bytes, canonical JSON, the authoring form); each failure is a
:class:`~beacon.errors.DefinitionError` naming the field and the value.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from beacon.core import decimals
from beacon.core.definition_terms import (
    MAX_CANDIDATES,
    MAX_LABEL,
    MAX_SELECTIONS,
    MAX_T,
    MAX_VDF_ADVANTAGE,
    MAX_VDF_RATE,
    RESULT_ALLOWANCE,
    Kind,
    Regime,
    ValueType,
)
from beacon.core.timefmt import format_ms
from beacon.errors import DefinitionError

if TYPE_CHECKING:
    from beacon.core.definition import Derived, DrawDefinition, Selection

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CANDIDATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
_UNIT = re.compile(r"[%‰A-Za-z]{0,8}")
_FORMULA = re.compile(r"(\S+) ([+*-]) (\S+)")


def validate(d: DrawDefinition) -> None:
    """Every rule a published definition must satisfy; the message names field and value."""
    _check(
        _ID.fullmatch(d.draw_id),
        "draw_id",
        f"{d.draw_id!r} must be 1-64 of A-Z a-z 0-9 . _ - (starting alphanumeric)",
    )
    _check(
        _ID.fullmatch(d.tender_id),
        "tender_id",
        f"{d.tender_id!r} must be 1-64 of A-Z a-z 0-9 . _ - (starting alphanumeric)",
    )
    if d.redraw_of:
        _check(_ID.fullmatch(d.redraw_of), "redraw_of", f"{d.redraw_of!r} is not a valid draw id")
        _check(
            d.redraw_of != d.draw_id,
            "redraw_of",
            f"a re-draw needs a new draw id, got the same {d.draw_id!r}",
        )
    for name in ("section", "title"):
        value = getattr(d, name)
        _check(
            0 < len(value) <= MAX_LABEL and value.isprintable(),
            name,
            f"must be 1-{MAX_LABEL} printable characters, got {value!r}",
        )
    _check(
        1 <= len(d.selections) <= MAX_SELECTIONS,
        "selections",
        f"need 1 to {MAX_SELECTIONS} selections, got {len(d.selections)}",
    )
    codes: set[str] = set()
    for i, s in enumerate(d.selections):
        _validate_selection(s, f"selections[{i}]", codes)
    if d.regime is Regime.BEFORE_OPENING:
        for i, s in enumerate(d.selections):
            _check(
                not s.from_snapshot,
                f"selections[{i}].from_snapshot",
                f"{s.code}: a before_opening draw cannot pick from the snapshot of valid bids (there is none yet)",
            )
    pick_one_decimals = {
        s.code
        for s in d.selections
        if s.kind is Kind.PICK_ONE and s.value_type is ValueType.DECIMAL and not s.from_snapshot
    }
    for i, x in enumerate(d.derived):
        _validate_derived(x, f"derived[{i}]", codes, pick_one_decimals)
    _check(
        isinstance(d.vdf_t, int) and 1 <= d.vdf_t <= MAX_T,
        "vdf_t",
        f"must be an integer in [1, 2^40], got {d.vdf_t!r}",
    )
    check_vdf_rate(d.vdf_rate)
    _check(
        isinstance(d.vdf_advantage, int) and 1 <= d.vdf_advantage <= MAX_VDF_ADVANTAGE,
        "vdf_advantage",
        f"must be an integer in [1, 2^20], got {d.vdf_advantage!r}",
    )
    _validate_deadlines(d)
    _validate_delay(d)


def check_vdf_rate(rate: object) -> None:
    """§11.5: the published rate s, in squarings per second (it divides T in evaluation_ms)."""
    _check(
        isinstance(rate, int) and 1 <= rate <= MAX_VDF_RATE,
        "vdf_rate",
        f"must be an integer in [1, 2^40] squarings per second, got {rate!r}",
    )


def exposure_ms(d: DrawDefinition) -> int:
    """W of PROTOCOL.md §11.5: from the freeze (the commit deadline) to the seed-open
    deadline. From the freeze on, the centre and the agent together can open every seed
    envelope and know every input; the last revealer, and the last key-releaser, each
    know every other input for a part of this span. Nobody short of all contributors
    may learn R before the span ends, so T must outlast all of it."""
    return d.deadlines.seed_open - d.deadlines.commit


def min_vdf_t(d: DrawDefinition) -> int:
    """⌈A_max · s · W⌉ squarings, W in seconds (§11.5)."""
    return least_vdf_t(d.vdf_advantage, d.vdf_rate, exposure_ms(d))


def least_vdf_t(vdf_advantage: int, vdf_rate: int, window_ms: int) -> int:
    """⌈A_max · s · W⌉ for W = ``window_ms`` (§11.5)."""
    return -(-vdf_advantage * vdf_rate * window_ms // 1000)


def evaluation_ms(vdf_t: int, vdf_rate: int) -> int:
    """The honest evaluator's time for T squarings, with the §11.5 allowance, in ms."""
    num, den = RESULT_ALLOWANCE
    return -(-vdf_t * 1000 * num // (vdf_rate * den))


def _validate_delay(d: DrawDefinition) -> None:
    needed = min_vdf_t(d)
    _check(
        d.vdf_t >= needed,
        "vdf_t",
        f"{d.vdf_t} squarings is below A_max · s · W = {d.vdf_advantage} · {d.vdf_rate}/s · "
        f"{exposure_ms(d) / 1000:g} s = {needed} (W runs from the commit deadline to the "
        "seed-open deadline, §11.5); raise vdf_t or shorten the windows",
    )
    earliest = d.deadlines.seed_open + evaluation_ms(d.vdf_t, d.vdf_rate)
    _check(
        d.deadlines.result >= earliest,
        "deadlines.result",
        f"{format_ms(d.deadlines.result)} leaves the evaluator less than 5/4 of T/s = "
        f"{evaluation_ms(d.vdf_t, d.vdf_rate) / 1000:g} s after the seed-open deadline; "
        f"the earliest allowed is {format_ms(earliest)} (§11.5)",
    )


def _validate_names(x: Selection | Derived, where: str, codes: set[str]) -> None:
    """The code (unique among ``codes``, to which it is added), label and unit that a
    selection and a derived value both carry."""
    _check(CODE.fullmatch(x.code), f"{where}.code", f"{x.code!r} must match [A-Z][A-Z0-9_]{{0,15}}")
    _check(x.code not in codes, f"{where}.code", f"duplicate code {x.code!r}")
    codes.add(x.code)
    _check(
        0 < len(x.label) <= MAX_LABEL and x.label.isprintable(),
        f"{where}.label",
        f"must be 1-{MAX_LABEL} printable characters, got {x.label!r}",
    )
    _check(_UNIT.fullmatch(x.unit), f"{where}.unit", f"{x.unit!r} must be up to 8 letters or % ‰")


def _validate_selection(s: Selection, where: str, codes: set[str]) -> None:
    _validate_names(s, where, codes)
    n = len(s.candidates)
    if s.from_snapshot:
        _check(
            n == 0,
            f"{where}.candidates",
            f"{s.code}: must be empty when drawing from the snapshot, got {n} candidates",
        )
        _check(
            s.value_type is ValueType.ID,
            f"{where}.value_type",
            f"{s.code}: snapshot entries are bid ids, so value_type must be 'id'",
        )
    else:
        _check(n > 0, f"{where}.candidates", f"{s.code}: the candidate list is empty")
        _check(
            n <= MAX_CANDIDATES,
            f"{where}.candidates",
            f"{s.code}: {n} candidates, at most {MAX_CANDIDATES}",
        )
        seen: dict[object, str] = {}
        for j, c in enumerate(s.candidates):
            key: object
            if s.value_type is ValueType.DECIMAL:
                key = decimals.parse(c, field=f"{where}.candidates[{j}]")
            else:
                _check(
                    _CANDIDATE_ID.fullmatch(c),
                    f"{where}.candidates[{j}]",
                    f"{c!r} is not a valid id (1-64 of A-Z a-z 0-9 . _ : -)",
                )
                key = c
            _check(
                key not in seen,
                f"{where}.candidates[{j}]",
                f"{s.code}: {c!r} duplicates {seen.get(key)!r}",
            )
            seen[key] = c
    if s.kind is Kind.PICK_ONE:
        _check(s.k == 1, f"{where}.k", f"{s.code}: pick_one has k = 1, got {s.k}")
    elif s.kind is Kind.PERMUTATION:
        _check(
            s.k == 0,
            f"{where}.k",
            f"{s.code}: a permutation orders all candidates; k must be 0, got {s.k}",
        )
    else:
        _check(s.k >= 1, f"{where}.k", f"{s.code}: pick_k needs k >= 1, got {s.k}")
        if not s.from_snapshot:
            _check(s.k <= n, f"{where}.k", f"{s.code}: k = {s.k} exceeds the {n} candidates")


def split_formula(formula: str, *, field: str) -> tuple[str, str, str]:
    m = _FORMULA.fullmatch(formula)
    if not m:
        raise DefinitionError(
            f"{field}: {formula!r} must be '<operand> <+|-|*> <operand>' with single spaces",
            field=field,
        )
    return m.group(1), m.group(2), m.group(3)


def _validate_derived(x: Derived, where: str, codes: set[str], pick_one_decimals: set[str]) -> None:
    _validate_names(x, where, codes)
    left, _, right = split_formula(x.formula, field=f"{where}.formula")
    refs = [t for t in (left, right) if CODE.fullmatch(t)]
    _check(
        len(refs) == 1,
        f"{where}.formula",
        f"{x.formula!r} must use exactly one selection code and one decimal constant",
    )
    _check(
        refs[0] in pick_one_decimals,
        f"{where}.formula",
        f"{x.formula!r}: {refs[0]!r} is not a pick_one decimal selection of this definition",
    )
    constant = right if refs[0] == left else left
    _check(
        decimals.is_decimal(constant),
        f"{where}.formula",
        f"{x.formula!r}: {constant!r} is not an exact decimal",
    )


def _validate_deadlines(d: DrawDefinition) -> None:
    dl = d.deadlines
    for name in ("commit", "reveal", "seed_open"):
        _check(getattr(dl, name) > 0, f"deadlines.{name}", "must be set")
    if d.needs_snapshot:
        _check(
            dl.snapshot > 0,
            "deadlines.snapshot",
            "a draw that picks from the snapshot of valid bids needs a snapshot deadline",
        )
        _order(dl.commit, dl.snapshot, "deadlines.snapshot", "commit")
        _order(dl.snapshot, dl.reveal, "deadlines.reveal", "snapshot")
    else:
        _check(
            dl.snapshot == 0,
            "deadlines.snapshot",
            f"no selection draws from the snapshot, so it must be null, got {format_ms(dl.snapshot)}",
        )
        _order(dl.commit, dl.reveal, "deadlines.reveal", "commit")
    _order(dl.reveal, dl.seed_open, "deadlines.seed_open", "reveal")
    _order(dl.seed_open, dl.result, "deadlines.result", "seed_open")
    _check(
        dl.dispute_window_ms > 0,
        "dispute_window_ms",
        f"must be positive, got {dl.dispute_window_ms}",
    )


def _order(earlier: int, later: int, field: str, earlier_name: str) -> None:
    _check(
        later > earlier,
        field,
        f"{format_ms(later)} must be after the {earlier_name} deadline {format_ms(earlier)}",
    )


def _check(ok: object, field: str, message: str) -> None:
    if not ok:
        raise DefinitionError(f"{field}: {message}", field=field)
