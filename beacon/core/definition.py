"""Draw definitions (PROTOCOL.md §5): what is drawn, from what, and by when.

A definition is frozen when published: its canonical bytes are signed by the agent,
countersigned by the centre and logged, and every deadline the service enforces is
in it, so there is no operator-chosen timing. Two JSON forms exist:

* the *canonical* form (:meth:`DrawDefinition.to_dict` / :meth:`from_dict`), the
  strict presentation of the signed fields, with every candidate listed; and
* the *authoring* form (:func:`parse_authoring`), which accepts conveniences such as
  ``"range": {"from", "to", "step"}`` and omitted ``k`` for ``pick_one``, expands
  them into the canonical form and reads that with :meth:`DrawDefinition.from_dict`,
  so there is one strict parser.

The rules every definition satisfies are in :mod:`beacon.core.definition_rules`, its
kinds and limits in :mod:`beacon.core.definition_terms`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beacon.core import decimals, labels
from beacon.core.definition_authoring import canonical_form
from beacon.core.definition_json import (
    boolean,
    fields,
    integer,
    json_list,
    member,
    string,
    time,
)
from beacon.core.definition_rules import (
    CODE,
    evaluation_ms,
    exposure_ms,
    min_vdf_t,
    split_formula,
    validate,
)
from beacon.core.definition_terms import (
    MAX_CANDIDATES,
    MAX_LABEL,
    MAX_SELECTIONS,
    MAX_T,
    MAX_VDF_ADVANTAGE,
    MAX_VDF_RATE,
    RESULT_ALLOWANCE,
    SUITE,
    Kind,
    Regime,
    ValueType,
)
from beacon.core.encoding import Reader, Writer, sha256_fields
from beacon.core.timefmt import format_ms
from beacon.errors import DefinitionError, EncodingError

__all__ = [
    "MAX_CANDIDATES",
    "MAX_LABEL",
    "MAX_SELECTIONS",
    "MAX_T",
    "MAX_VDF_ADVANTAGE",
    "MAX_VDF_RATE",
    "RESULT_ALLOWANCE",
    "SUITE",
    "Deadlines",
    "Derived",
    "DrawDefinition",
    "Kind",
    "Regime",
    "Selection",
    "ValueType",
    "evaluation_ms",
    "exposure_ms",
    "min_vdf_t",
    "parse_authoring",
    "validate",
]


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
            kind=member(Kind, r.str("kind", max_size=32), "kind", EncodingError),
            k=r.u32("k"),
            value_type=member(
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
        left, op, right = split_formula(self.formula, field=f"derived.{self.code}.formula")
        operands = [
            decimals.parse(values[x], field=x) if CODE.fullmatch(x) else Decimal(x)
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
            regime=member(Regime, r.str("regime", max_size=32), "regime", EncodingError),
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
        definition = cls._parse(doc)
        validate(definition)
        return definition

    @classmethod
    def _parse(cls, doc: object) -> DrawDefinition:
        """The canonical JSON form, field by field; :meth:`from_dict` then validates it."""
        top = fields(doc, "definition", required=_TOP_FIELDS)
        if integer(top["suite"], "suite") != SUITE:
            raise DefinitionError(
                f"definition.suite: unsupported suite {top['suite']!r}, expected {SUITE}",
                field="suite",
            )
        selections = []
        for i, raw in enumerate(json_list(top["selections"], "selections")):
            s = fields(raw, f"selections[{i}]", required=_SELECTION_FIELDS)
            selections.append(
                Selection(
                    code=string(s["code"], f"selections[{i}].code"),
                    label=string(s["label"], f"selections[{i}].label"),
                    kind=member(Kind, s["kind"], f"selections[{i}].kind", DefinitionError),
                    k=integer(s["k"], f"selections[{i}].k"),
                    value_type=member(
                        ValueType, s["value_type"], f"selections[{i}].value_type", DefinitionError
                    ),
                    unit=string(s["unit"], f"selections[{i}].unit"),
                    from_snapshot=boolean(s["from_snapshot"], f"selections[{i}].from_snapshot"),
                    candidates=tuple(
                        string(c, f"selections[{i}].candidates[{j}]")
                        for j, c in enumerate(
                            json_list(s["candidates"], f"selections[{i}].candidates")
                        )
                    ),
                )
            )
        derived = []
        for i, raw in enumerate(json_list(top["derived"], "derived")):
            x = fields(raw, f"derived[{i}]", required=("code", "label", "formula", "unit"))
            derived.append(Derived(**{k: string(v, f"derived[{i}].{k}") for k, v in x.items()}))
        dl = fields(
            top["deadlines"],
            "deadlines",
            required=("commit", "snapshot", "reveal", "seed_open", "result"),
        )
        definition = cls(
            suite=SUITE,
            draw_id=string(top["draw_id"], "draw_id"),
            tender_id=string(top["tender_id"], "tender_id"),
            section=string(top["section"], "section"),
            title=string(top["title"], "title"),
            regime=member(Regime, top["regime"], "regime", DefinitionError),
            selections=tuple(selections),
            derived=tuple(derived),
            deadlines=Deadlines(
                commit=time(dl["commit"], "deadlines.commit"),
                snapshot=0
                if dl["snapshot"] is None
                else time(dl["snapshot"], "deadlines.snapshot"),
                reveal=time(dl["reveal"], "deadlines.reveal"),
                seed_open=time(dl["seed_open"], "deadlines.seed_open"),
                result=time(dl["result"], "deadlines.result"),
                dispute_window_ms=integer(top["dispute_window_ms"], "dispute_window_ms"),
            ),
            vdf_t=integer(top["vdf_t"], "vdf_t"),
            vdf_rate=integer(top["vdf_rate"], "vdf_rate"),
            vdf_advantage=integer(top["vdf_advantage"], "vdf_advantage"),
            redraw_of="" if top["redraw_of"] is None else string(top["redraw_of"], "redraw_of"),
        )
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


# -- authoring form (PROTOCOL.md §5.3) ------------------------------------------------------


def parse_authoring(doc: object) -> DrawDefinition:
    """Build a definition from the authoring JSON form (ranges allowed, k defaulted).

    Each selection gives either ``candidates`` (a list of exact decimal strings or
    ids) or ``range`` ``{"from", "to", "step"}``; a range without ``step`` is
    rejected, never guessed. ``from_snapshot: true`` draws among the valid bids.
    Deadlines may carry any RFC 3339 offset (``2026-12-04T21:42:59+08:00``); the
    definition holds them in milliseconds and shows them in the canonical UTC form.
    The conveniences are expanded into the canonical form, which
    :meth:`DrawDefinition.from_dict` then reads and validates.
    """
    return DrawDefinition.from_dict(canonical_form(doc))
