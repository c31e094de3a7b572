"""The authoring form of a draw definition (PROTOCOL.md §5.3), expanded to the canonical.

An author may leave out what has one sensible value (``k`` of a ``pick_one``, the
unit, the section), give decimal candidates as ``range`` ``{"from", "to", "step"}``,
write deadlines with any RFC 3339 offset, and leave ``vdf_t`` and the result deadline
to the least the windows allow. :func:`canonical_form` turns all of that into the
canonical JSON form, which :func:`beacon.core.definition.parse_authoring` reads with
the one strict parser, ``DrawDefinition.from_dict``.
"""

from __future__ import annotations

from typing import Any

from beacon.core import decimals, defaults
from beacon.core.definition_json import (
    boolean,
    fields,
    integer,
    json_list,
    json_type,
    member,
    typed_time,
)
from beacon.core.definition_rules import check_vdf_rate, evaluation_ms, least_vdf_t
from beacon.core.definition_terms import SUITE, Kind, Regime, ValueType
from beacon.core.timefmt import format_ms
from beacon.errors import DefinitionError


def canonical_form(doc: object) -> dict[str, Any]:
    """The canonical JSON form of an authored definition: every default filled in, every
    range listed, every deadline in UTC. Values pass through unchecked where the canonical
    parser checks them under the same field name."""
    top = fields(
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
    selections = [
        _canonical_selection(raw, f"selections[{i}]")
        for i, raw in enumerate(json_list(top["selections"], "selections"))
    ]
    derived = []
    for i, raw in enumerate(json_list(top.get("derived", []), "derived")):
        x = fields(raw, f"derived[{i}]", required=("code", "label", "formula"), optional=("unit",))
        derived.append({"unit": "", **x})
    dl = fields(
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
    suite = integer(top.get("suite", SUITE), "suite")
    if suite != SUITE:
        raise DefinitionError(
            f"suite: unsupported suite {suite!r}, expected {SUITE}", field="suite"
        )
    deadlines: dict[str, str | None] = {
        name: None if dl.get(name) is None else format_ms(typed_time(dl[name], f"deadlines.{name}"))
        for name in ("commit", "snapshot", "reveal", "seed_open", "result")
    }
    out: dict[str, Any] = {
        "suite": SUITE,
        "draw_id": top["draw_id"],
        "tender_id": top["tender_id"],
        "section": top.get("section", "-"),
        "title": top["title"],
        "regime": top.get("regime", Regime.BEFORE_OPENING.value),
        "selections": selections,
        "derived": derived,
        "deadlines": deadlines,
        "dispute_window_ms": top.get("dispute_window_ms", defaults.DISPUTE_WINDOW_MS),
        "vdf_t": top.get("vdf_t"),
        "vdf_rate": top["vdf_rate"],
        "vdf_advantage": top["vdf_advantage"],
        "redraw_of": top.get("redraw_of"),
    }
    if "vdf_t" not in top or deadlines["result"] is None:
        # The least T the windows allow, and the earliest result deadline that T allows,
        # when the author leaves them out (§11.5), from the fields they follow from.
        rate = integer(top["vdf_rate"], "vdf_rate")
        check_vdf_rate(rate)  # validate()'s rule, needed here to divide by s
        # Parsed again, strictly: a null required deadline is refused here, not subtracted.
        commit = typed_time(dl["commit"], "deadlines.commit")
        seed_open = typed_time(dl["seed_open"], "deadlines.seed_open")
        if "vdf_t" in top:
            vdf_t = integer(top["vdf_t"], "vdf_t")
        else:
            advantage = integer(top["vdf_advantage"], "vdf_advantage")
            vdf_t = max(1, least_vdf_t(advantage, rate, seed_open - commit))
        out["vdf_t"] = vdf_t
        if deadlines["result"] is None:
            deadlines["result"] = format_ms(seed_open + evaluation_ms(vdf_t, rate))
    return out


def _canonical_selection(raw: object, where: str) -> dict[str, Any]:
    s = fields(
        raw,
        where,
        required=("code", "label"),
        optional=("kind", "k", "value_type", "unit", "from_snapshot", "candidates", "range"),
    )
    kind = member(Kind, s.get("kind", Kind.PICK_ONE.value), f"{where}.kind", DefinitionError)
    from_snapshot = boolean(s.get("from_snapshot", False), f"{where}.from_snapshot")
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
    value_type = member(
        ValueType,
        s.get("value_type", ValueType.ID.value if from_snapshot else ValueType.DECIMAL.value),
        f"{where}.value_type",
        DefinitionError,
    )
    candidates: object
    if has_range:
        if not isinstance(s["range"], dict):
            raise DefinitionError(
                f'{where}.range: expected a JSON object {{"from": …, "to": …, "step": …}}, '
                f"got {json_type(s['range'])}",
                field=f"{where}.range",
            )
        rng = fields(s["range"], f"{where}.range", required=("from", "to"), optional=("step",))
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
        candidates = s.get("candidates", [])
        if isinstance(candidates, dict):
            # PROTOCOL.md §5.3: a range has its own key; an object here is that form misplaced.
            raise DefinitionError(
                f"{where}.candidates: expected a JSON array of candidates, got an object; to "
                'give the candidates as a range, write "range": {"from": …, "to": …, "step": …} '
                'in place of "candidates" (PROTOCOL.md §5.3)',
                field=f"{where}.candidates",
            )
    default_k = {Kind.PICK_ONE: 1, Kind.PERMUTATION: 0}.get(kind)
    if "k" not in s and default_k is None:
        raise DefinitionError(f"{where}.k: pick_k needs k", field=f"{where}.k")
    return {
        "code": s["code"],
        "label": s["label"],
        "kind": kind.value,
        "k": s.get("k", default_k),
        "value_type": value_type.value,
        "unit": s.get("unit", ""),
        "from_snapshot": from_snapshot,
        "candidates": candidates,
    }
