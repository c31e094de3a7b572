"""Draw definitions (PROTOCOL.md §5): what is drawn, from what, and by when.

A definition is frozen when published: its canonical bytes are signed by the agent,
countersigned by the centre and logged, and every deadline the service enforces is
in it, so there is no operator-chosen timing. Two JSON forms exist:

* the *authoring* form (:func:`parse_authoring`), which accepts conveniences such as
  ``"range": {"from", "to", "step"}`` and omitted ``k`` for ``pick_one``; and
* the *canonical* form (:meth:`DrawDefinition.to_dict` / :meth:`from_dict`), the
  strict presentation of the signed fields, with every candidate listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from beacon.core import decimals, defaults, labels
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.timefmt import format_ms, parse_ms, parse_rfc3339
from beacon.errors import DefinitionError, EncodingError

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

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CANDIDATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
_UNIT = re.compile(r"[%‰A-Za-z]{0,8}")
_FORMULA = re.compile(r"(\S+) ([+*-]) (\S+)")
_E = TypeVar("_E", bound=StrEnum)


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


@dataclass(frozen=True)
class Selection:
    """One drawn quantity: a code (K1, Q1, BID_SAMPLE …) and its candidates."""

    code: str
    label: str
    kind: Kind
    k: int  # 1 for pick_one, k for pick_k, 0 ("all") for permutation
    value_type: ValueType
    unit: str
    from_snapshot: bool
    candidates: tuple[str, ...]  # empty when from_snapshot

    def encode(self) -> bytes:
        w = Writer().str(labels.TAG_SELECTION).str(self.code).str(self.label).str(self.kind.value)
        w.u32(self.k).str(self.value_type.value).str(self.unit).boolean(self.from_snapshot)
        return w.str_list(self.candidates).finish()

    @classmethod
    def decode(cls, r: Reader) -> Selection:
        r.tag(labels.TAG_SELECTION)
        sel = cls(
            code=r.str("code", max_size=16),
            label=r.str("label", max_size=4 * MAX_LABEL),
            kind=_enum(Kind, r.str("kind", max_size=32), "kind", EncodingError),
            k=r.u32("k"),
            value_type=_enum(
                ValueType, r.str("value_type", max_size=32), "value_type", EncodingError
            ),
            unit=r.str("unit", max_size=32),
            from_snapshot=r.boolean("from_snapshot"),
            candidates=tuple(r.str_list("candidates", max_items=MAX_CANDIDATES, max_size=64)),
        )
        r.done()
        return sel

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "kind": self.kind.value,
            "k": self.k,
            "value_type": self.value_type.value,
            "unit": self.unit,
            "from_snapshot": self.from_snapshot,
            "candidates": list(self.candidates),
        }


@dataclass(frozen=True)
class Derived:
    """A value computed exactly from a drawn one and shown, never drawn (Q2 = 1 - Q1)."""

    code: str
    label: str
    formula: str  # "<operand> <op> <operand>", one operand a pick_one decimal code
    unit: str

    def encode(self) -> bytes:
        w = Writer().str(labels.TAG_DERIVED).str(self.code).str(self.label)
        return w.str(self.formula).str(self.unit).finish()

    @classmethod
    def decode(cls, r: Reader) -> Derived:
        r.tag(labels.TAG_DERIVED)
        d = cls(
            code=r.str("code", max_size=16),
            label=r.str("label", max_size=4 * MAX_LABEL),
            formula=r.str("formula", max_size=128),
            unit=r.str("unit", max_size=32),
        )
        r.done()
        return d

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "formula": self.formula, "unit": self.unit}

    def evaluate(self, values: Mapping[str, str]) -> str:
        """The exact value, given the drawn value of each pick_one code."""
        left, op, right = _split_formula(self.formula, field=f"derived.{self.code}.formula")
        operands = [
            decimals.parse(values[x], field=x) if _CODE.fullmatch(x) else Decimal(x)
            for x in (left, right)
        ]
        return decimals.format_exact(decimals.apply(op, operands[0], operands[1]))


@dataclass(frozen=True)
class Deadlines:
    """Every time limit of the draw, in ms since the epoch (PROTOCOL.md §5.4)."""

    commit: int  # centre/agent commitments and bidder seed envelopes logged before this
    snapshot: int  # 0 unless a selection draws from the snapshot of valid bids
    reveal: int  # centre/agent reveals
    seed_open: int  # opening-key releases for the bidder seed envelopes
    result: int  # the beacon's result; a draw without one by then failed by the beacon's fault
    dispute_window_ms: int  # objections accepted this long after the result


@dataclass(frozen=True)
class DrawDefinition:
    """The signed, frozen definition of one draw."""

    draw_id: str
    tender_id: str
    section: str
    title: str
    regime: Regime
    selections: tuple[Selection, ...]
    derived: tuple[Derived, ...]
    deadlines: Deadlines
    vdf_t: int
    vdf_rate: int  # s: squarings per second of the deployment's evaluator (§11.5)
    vdf_advantage: int  # A_max: how much faster an adversary's evaluator may be (§11.5)
    redraw_of: str  # the voided draw this one replaces, or ""
    suite: int = SUITE

    # -- canonical bytes --------------------------------------------------------------

    def encode(self) -> bytes:
        d = self.deadlines
        w = Writer().str(labels.TAG_DEFINITION).u16(self.suite)
        w.str(self.draw_id).str(self.tender_id).str(self.section).str(self.title).str(
            self.regime.value
        )
        w.list(self.selections, lambda w, s: w.record(s.encode()))
        w.list(self.derived, lambda w, x: w.record(x.encode()))
        w.u64(d.commit).u64(d.snapshot).u64(d.reveal).u64(d.seed_open).u64(d.result)
        w.u64(d.dispute_window_ms).u64(self.vdf_t).u64(self.vdf_rate).u32(self.vdf_advantage)
        return w.str(self.redraw_of).finish()

    @classmethod
    def decode(cls, data: bytes) -> DrawDefinition:
        r = Reader(data, what="definition")
        r.tag(labels.TAG_DEFINITION)
        suite = r.u16("suite")
        if suite != SUITE:
            raise EncodingError(
                f"definition.suite: unsupported suite {suite}, expected {SUITE}", field="suite"
            )
        definition = cls(
            suite=suite,
            draw_id=r.str("draw_id", max_size=64),
            tender_id=r.str("tender_id", max_size=64),
            section=r.str("section", max_size=4 * MAX_LABEL),
            title=r.str("title", max_size=4 * MAX_LABEL),
            regime=_enum(Regime, r.str("regime", max_size=32), "regime", EncodingError),
            selections=tuple(
                r.list(
                    "selections",
                    lambda r, i: Selection.decode(r.record(f"{i}")),
                    max_items=MAX_SELECTIONS,
                )
            ),
            derived=tuple(
                r.list(
                    "derived",
                    lambda r, i: Derived.decode(r.record(f"{i}")),
                    max_items=MAX_SELECTIONS,
                )
            ),
            deadlines=Deadlines(
                commit=r.u64("commit_deadline"),
                snapshot=r.u64("snapshot_deadline"),
                reveal=r.u64("reveal_deadline"),
                seed_open=r.u64("seed_open_deadline"),
                result=r.u64("result_deadline"),
                dispute_window_ms=r.u64("dispute_window_ms"),
            ),
            vdf_t=r.u64("vdf_t"),
            vdf_rate=r.u64("vdf_rate"),
            vdf_advantage=r.u32("vdf_advantage"),
            redraw_of=r.str("redraw_of", max_size=64),
        )
        r.done()
        validate(definition)
        return definition

    def hash(self) -> bytes:
        """SHA-256 with label ``definition-hash`` over the canonical bytes (§5.5)."""
        return sha256_fields(labels.DEFINITION_HASH, self.encode())

    def selection(self, code: str) -> Selection:
        for s in self.selections:
            if s.code == code:
                return s
        raise KeyError(code)

    @property
    def needs_snapshot(self) -> bool:
        return any(s.from_snapshot for s in self.selections)

    # -- JSON presentation ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        d = self.deadlines
        return {
            "suite": self.suite,
            "draw_id": self.draw_id,
            "tender_id": self.tender_id,
            "section": self.section,
            "title": self.title,
            "regime": self.regime.value,
            "selections": [s.to_dict() for s in self.selections],
            "derived": [x.to_dict() for x in self.derived],
            "deadlines": {
                "commit": format_ms(d.commit),
                "snapshot": format_ms(d.snapshot) if d.snapshot else None,
                "reveal": format_ms(d.reveal),
                "seed_open": format_ms(d.seed_open),
                "result": format_ms(d.result),
            },
            "dispute_window_ms": d.dispute_window_ms,
            "vdf_t": self.vdf_t,
            "vdf_rate": self.vdf_rate,
            "vdf_advantage": self.vdf_advantage,
            "redraw_of": self.redraw_of or None,
        }

    @classmethod
    def from_dict(cls, doc: object) -> DrawDefinition:
        """Strict: every field present, nothing unknown, candidates listed explicitly."""
        top = _fields(doc, "definition", required=_TOP_FIELDS)
        if _int(top["suite"], "suite") != SUITE:
            raise DefinitionError(
                f"definition.suite: unsupported suite {top['suite']!r}, expected {SUITE}",
                field="suite",
            )
        selections = []
        for i, raw in enumerate(_list(top["selections"], "selections")):
            s = _fields(raw, f"selections[{i}]", required=_SELECTION_FIELDS)
            selections.append(
                Selection(
                    code=_str(s["code"], f"selections[{i}].code"),
                    label=_str(s["label"], f"selections[{i}].label"),
                    kind=_enum(Kind, s["kind"], f"selections[{i}].kind", DefinitionError),
                    k=_int(s["k"], f"selections[{i}].k"),
                    value_type=_enum(
                        ValueType, s["value_type"], f"selections[{i}].value_type", DefinitionError
                    ),
                    unit=_str(s["unit"], f"selections[{i}].unit"),
                    from_snapshot=_bool(s["from_snapshot"], f"selections[{i}].from_snapshot"),
                    candidates=tuple(
                        _str(c, f"selections[{i}].candidates[{j}]")
                        for j, c in enumerate(_list(s["candidates"], f"selections[{i}].candidates"))
                    ),
                )
            )
        derived = []
        for i, raw in enumerate(_list(top["derived"], "derived")):
            x = _fields(raw, f"derived[{i}]", required=("code", "label", "formula", "unit"))
            derived.append(Derived(**{k: _str(v, f"derived[{i}].{k}") for k, v in x.items()}))
        dl = _fields(
            top["deadlines"],
            "deadlines",
            required=("commit", "snapshot", "reveal", "seed_open", "result"),
        )
        definition = cls(
            suite=SUITE,
            draw_id=_str(top["draw_id"], "draw_id"),
            tender_id=_str(top["tender_id"], "tender_id"),
            section=_str(top["section"], "section"),
            title=_str(top["title"], "title"),
            regime=_enum(Regime, top["regime"], "regime", DefinitionError),
            selections=tuple(selections),
            derived=tuple(derived),
            deadlines=Deadlines(
                commit=_time(dl["commit"], "deadlines.commit"),
                snapshot=0
                if dl["snapshot"] is None
                else _time(dl["snapshot"], "deadlines.snapshot"),
                reveal=_time(dl["reveal"], "deadlines.reveal"),
                seed_open=_time(dl["seed_open"], "deadlines.seed_open"),
                result=_time(dl["result"], "deadlines.result"),
                dispute_window_ms=_int(top["dispute_window_ms"], "dispute_window_ms"),
            ),
            vdf_t=_int(top["vdf_t"], "vdf_t"),
            vdf_rate=_int(top["vdf_rate"], "vdf_rate"),
            vdf_advantage=_int(top["vdf_advantage"], "vdf_advantage"),
            redraw_of="" if top["redraw_of"] is None else _str(top["redraw_of"], "redraw_of"),
        )
        validate(definition)
        return definition


_TOP_FIELDS = (
    "suite",
    "draw_id",
    "tender_id",
    "section",
    "title",
    "regime",
    "selections",
    "derived",
    "deadlines",
    "dispute_window_ms",
    "vdf_t",
    "vdf_rate",
    "vdf_advantage",
    "redraw_of",
)
_SELECTION_FIELDS = (
    "code",
    "label",
    "kind",
    "k",
    "value_type",
    "unit",
    "from_snapshot",
    "candidates",
)


# -- validation (PROTOCOL.md §5.2-§5.4) ------------------------------------------------------


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
    _check(
        isinstance(d.vdf_rate, int) and 1 <= d.vdf_rate <= MAX_VDF_RATE,
        "vdf_rate",
        f"must be an integer in [1, 2^40] squarings per second, got {d.vdf_rate!r}",
    )
    _check(
        isinstance(d.vdf_advantage, int) and 1 <= d.vdf_advantage <= MAX_VDF_ADVANTAGE,
        "vdf_advantage",
        f"must be an integer in [1, 2^20], got {d.vdf_advantage!r}",
    )
    _validate_deadlines(d)
    _validate_delay(d)


def exposure_ms(d: DrawDefinition) -> int:
    """W of PROTOCOL.md §11.5: from the freeze (the commit deadline) to the seed-open
    deadline. From the freeze on, the centre and the agent together can open every seed
    envelope and know every input; the last revealer, and the last key-releaser, each
    know every other input for a part of this span. Nobody short of all contributors
    may learn R before the span ends, so T must outlast all of it."""
    return d.deadlines.seed_open - d.deadlines.commit


def min_vdf_t(d: DrawDefinition) -> int:
    """⌈A_max · s · W⌉ squarings, W in seconds (§11.5)."""
    return -(-d.vdf_advantage * d.vdf_rate * exposure_ms(d) // 1000)


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


def _validate_selection(s: Selection, where: str, codes: set[str]) -> None:
    _check(
        _CODE.fullmatch(s.code), f"{where}.code", f"{s.code!r} must match [A-Z][A-Z0-9_]{{0,15}}"
    )
    _check(s.code not in codes, f"{where}.code", f"duplicate code {s.code!r}")
    codes.add(s.code)
    _check(
        0 < len(s.label) <= MAX_LABEL and s.label.isprintable(),
        f"{where}.label",
        f"must be 1-{MAX_LABEL} printable characters, got {s.label!r}",
    )
    _check(_UNIT.fullmatch(s.unit), f"{where}.unit", f"{s.unit!r} must be up to 8 letters or % ‰")
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


def _split_formula(formula: str, *, field: str) -> tuple[str, str, str]:
    m = _FORMULA.fullmatch(formula)
    if not m:
        raise DefinitionError(
            f"{field}: {formula!r} must be '<operand> <+|-|*> <operand>' with single spaces",
            field=field,
        )
    return m.group(1), m.group(2), m.group(3)


def _validate_derived(x: Derived, where: str, codes: set[str], pick_one_decimals: set[str]) -> None:
    _check(
        _CODE.fullmatch(x.code), f"{where}.code", f"{x.code!r} must match [A-Z][A-Z0-9_]{{0,15}}"
    )
    _check(x.code not in codes, f"{where}.code", f"duplicate code {x.code!r}")
    codes.add(x.code)
    _check(
        0 < len(x.label) <= MAX_LABEL and x.label.isprintable(),
        f"{where}.label",
        f"must be 1-{MAX_LABEL} printable characters, got {x.label!r}",
    )
    _check(_UNIT.fullmatch(x.unit), f"{where}.unit", f"{x.unit!r} must be up to 8 letters or % ‰")
    left, _, right = _split_formula(x.formula, field=f"{where}.formula")
    refs = [t for t in (left, right) if _CODE.fullmatch(t)]
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


# -- authoring form ---------------------------------------------------------------------


def parse_authoring(doc: object) -> DrawDefinition:
    """Build a definition from the authoring JSON form (ranges allowed, k defaulted).

    Each selection gives either ``candidates`` (a list of exact decimal strings or
    ids) or ``range`` ``{"from", "to", "step"}``; a range without ``step`` is
    rejected, never guessed. ``from_snapshot: true`` draws among the valid bids.
    Deadlines may carry any RFC 3339 offset (``2026-12-04T21:42:59+08:00``); the
    definition holds them in milliseconds and shows them in the canonical UTC form.
    """
    top = _fields(
        doc,
        "definition",
        required=("draw_id", "tender_id", "title", "selections", "deadlines"),
        optional=(
            "suite",
            "section",
            "regime",
            "derived",
            "dispute_window_ms",
            "redraw_of",
            "vdf_t",
            "vdf_rate",
            "vdf_advantage",
        ),
    )
    selections = []
    for i, raw in enumerate(_list(top["selections"], "selections")):
        where = f"selections[{i}]"
        s = _fields(
            raw,
            where,
            required=("code", "label"),
            optional=("kind", "k", "value_type", "unit", "from_snapshot", "candidates", "range"),
        )
        kind = _enum(Kind, s.get("kind", "pick_one"), f"{where}.kind", DefinitionError)
        from_snapshot = _bool(s.get("from_snapshot", False), f"{where}.from_snapshot")
        has_list, has_range = "candidates" in s, "range" in s
        if from_snapshot and (has_list or has_range):
            raise DefinitionError(
                f"{where}: from_snapshot selections take no candidates or range",
                field=f"{where}.candidates",
            )
        if not from_snapshot and has_list == has_range:
            raise DefinitionError(
                f"{where}: give exactly one of 'candidates' or 'range'", field=f"{where}.candidates"
            )
        value_type = _enum(
            ValueType,
            s.get("value_type", "id" if from_snapshot else "decimal"),
            f"{where}.value_type",
            DefinitionError,
        )
        if has_range:
            if not isinstance(s["range"], dict):
                raise DefinitionError(
                    f'{where}.range: expected a JSON object {{"from": …, "to": …, "step": …}}, '
                    f"got {_json_type(s['range'])}",
                    field=f"{where}.range",
                )
            rng = _fields(s["range"], f"{where}.range", required=("from", "to"), optional=("step",))
            if "step" not in rng:
                raise DefinitionError(
                    f"{where}.range.step: a range needs an explicit step (from {rng['from']!r} to {rng['to']!r} is ambiguous)",
                    field=f"{where}.range.step",
                )
            if value_type is not ValueType.DECIMAL:
                raise DefinitionError(
                    f"{where}.range: only decimal selections can be given as a range",
                    field=f"{where}.range",
                )
            candidates = decimals.expand_range(
                rng["from"], rng["to"], rng["step"], field=f"{where}.range"
            )
        else:
            if isinstance(s.get("candidates"), dict):
                # PROTOCOL.md §5.3: a range has its own key; an object here is that form misplaced.
                raise DefinitionError(
                    f"{where}.candidates: expected a JSON array of candidates, got an object; to "
                    'give the candidates as a range, write "range": {"from": …, "to": …, "step": …} '
                    'in place of "candidates" (PROTOCOL.md §5.3)',
                    field=f"{where}.candidates",
                )
            candidates = [
                _str(c, f"{where}.candidates[{j}]")
                for j, c in enumerate(_list(s.get("candidates", []), f"{where}.candidates"))
            ]
        default_k = {Kind.PICK_ONE: 1, Kind.PERMUTATION: 0}.get(kind)
        if "k" not in s and default_k is None:
            raise DefinitionError(f"{where}.k: pick_k needs k", field=f"{where}.k")
        selections.append(
            Selection(
                code=_str(s["code"], f"{where}.code"),
                label=_str(s["label"], f"{where}.label"),
                kind=kind,
                k=_int(s["k"], f"{where}.k") if "k" in s else int(default_k or 0),
                value_type=value_type,
                unit=_str(s.get("unit", ""), f"{where}.unit"),
                from_snapshot=from_snapshot,
                candidates=tuple(candidates),
            )
        )
    derived = []
    for i, raw in enumerate(_list(top.get("derived", []), "derived")):
        x = _fields(raw, f"derived[{i}]", required=("code", "label", "formula"), optional=("unit",))
        derived.append(
            Derived(
                code=_str(x["code"], f"derived[{i}].code"),
                label=_str(x["label"], f"derived[{i}].label"),
                formula=_str(x["formula"], f"derived[{i}].formula"),
                unit=_str(x.get("unit", ""), f"derived[{i}].unit"),
            )
        )
    dl = _fields(
        top["deadlines"],
        "deadlines",
        required=("commit", "reveal", "seed_open"),
        optional=("snapshot", "result"),
    )
    for name in ("vdf_rate", "vdf_advantage"):
        if name not in top:
            raise DefinitionError(
                f"{name}: missing; it is the deployment's published delay parameter (PROTOCOL.md "
                "§11.5; `beacon draw create` fills it in from the service)",
                field=name,
            )
    suite = _int(top.get("suite", SUITE), "suite")
    if suite != SUITE:
        raise DefinitionError(
            f"suite: unsupported suite {suite!r}, expected {SUITE}", field="suite"
        )
    definition = DrawDefinition(
        draw_id=_str(top["draw_id"], "draw_id"),
        tender_id=_str(top["tender_id"], "tender_id"),
        section=_str(top.get("section", "-"), "section"),
        title=_str(top["title"], "title"),
        regime=_enum(Regime, top.get("regime", "before_opening"), "regime", DefinitionError),
        selections=tuple(selections),
        derived=tuple(derived),
        deadlines=Deadlines(
            commit=_typed_time(dl["commit"], "deadlines.commit"),
            snapshot=0
            if dl.get("snapshot") is None
            else _typed_time(dl["snapshot"], "deadlines.snapshot"),
            reveal=_typed_time(dl["reveal"], "deadlines.reveal"),
            seed_open=_typed_time(dl["seed_open"], "deadlines.seed_open"),
            result=0,
            dispute_window_ms=_int(top.get("dispute_window_ms", defaults.DISPUTE_WINDOW_MS), "dispute_window_ms"),
        ),
        vdf_t=0,
        vdf_rate=_int(top["vdf_rate"], "vdf_rate"),
        vdf_advantage=_int(top["vdf_advantage"], "vdf_advantage"),
        redraw_of="" if top.get("redraw_of") is None else _str(top["redraw_of"], "redraw_of"),
    )
    # Authoring conveniences (§5.3): the least T the windows allow, and the earliest
    # result deadline that T allows, when the author leaves them out.
    vdf_t = _int(top["vdf_t"], "vdf_t") if "vdf_t" in top else max(1, min_vdf_t(definition))
    result = (
        _typed_time(dl["result"], "deadlines.result")
        if "result" in dl
        else definition.deadlines.seed_open + evaluation_ms(vdf_t, definition.vdf_rate)
    )
    definition = replace(
        definition, vdf_t=vdf_t, deadlines=replace(definition.deadlines, result=result)
    )
    validate(definition)
    return definition


# -- strict JSON field access --------------------------------------------------------------


def _fields(
    doc: object, where: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise DefinitionError(
            f"{where}: expected a JSON object, got {type(doc).__name__}", field=where
        )
    unknown = sorted(set(doc) - set(required) - set(optional))
    if unknown:
        raise DefinitionError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}", field=where
        )
    missing = [k for k in required if k not in doc]
    if missing:
        raise DefinitionError(
            f"{where}: missing field(s) {', '.join(map(repr, missing))}", field=where
        )
    return dict(doc)


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise DefinitionError(
            f"{where}: expected a JSON array, got {type(value).__name__}", field=where
        )
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise DefinitionError(
            f"{where}: expected a string, got {type(value).__name__} {value!r}", field=where
        )
    return value


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(
            f"{where}: expected an integer, got {type(value).__name__} {value!r}", field=where
        )
    if not 0 <= value < 2**63:
        raise DefinitionError(f"{where}: {value} is out of range", field=where)
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise DefinitionError(f"{where}: expected true or false, got {value!r}", field=where)
    return value


def _time(value: object, where: str) -> int:
    try:
        return parse_ms(value, field=where)
    except EncodingError as e:
        raise DefinitionError(str(e), field=where) from e


def _typed_time(value: object, where: str) -> int:
    """A deadline as an author types it: any RFC 3339 date-time with an offset."""
    try:
        return parse_rfc3339(value, field=where)
    except EncodingError as e:
        raise DefinitionError(str(e), field=where) from e


def _enum(enum: type[_E], value: object, where: str, error: type[Exception]) -> _E:
    try:
        return enum(value)  # type: ignore[arg-type]  # a non-str value raises ValueError, reported below
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum)
        raise error(f"{where}: {value!r} is not one of {allowed}") from None
