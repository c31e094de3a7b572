"""PROTOCOL.md §14.13 Summary: the bundle's ``summary`` equals the values the statements give,
the derived values computed exactly from the picks (§5.1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from verifier import definition as definitions
from verifier.draw.result import expected_seeds
from verifier.draw.results import Established
from verifier.errors import CheckFailed
from verifier.steps import need


# PROTOCOL.md §5.1: each derived value computed exactly from the drawn ones (§5.2).
def derived(definition: dict[str, Any], drawn: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The derived values (§5.1), computed exactly from the drawn ones."""
    by_code = {p["code"]: p["values"][0] for p in drawn}
    out = []
    for d in definition["derived"]:
        a, op, b = definitions.derived_operands(d["formula"], definition["selections"], "formula")
        value = definitions.compute(by_code.get(a, a), op, by_code.get(b, b))
        out.append({k: d[k] for k in ("code", "label", "unit", "formula")} | {"value": value})
    return out


def _json(x: Any, limit: int = 200) -> str:
    """Canonical JSON of one value, cut at ``limit`` characters (R's 128 digits fit)."""
    text = json.dumps(x, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# PROTOCOL.md §14.13: a summary that differs is named member by member, both values shown.
def differences(expected: Any, got: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Where two JSON values differ: (path, expected, got) at the deepest member that does.

    Compared as canonical JSON, so that 3.0 or true cannot stand for 3 or 1; a member one
    side lacks is the ``...`` Ellipsis on that side, a list of another length differs whole.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        return [
            d
            for k in sorted(expected.keys() | got.keys(), key=str)
            for d in differences(expected.get(k, ...), got.get(k, ...), f"{path}.{k}")
        ]
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [
            d
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            for d in differences(e, g, f"{path}[{i}]")
        ]
    if expected is not ... and got is not ... and _json(expected, 10**9) == _json(got, 10**9):
        return []
    return [(path, expected, got)]


# PROTOCOL.md §13, §14.13: the summary for people: the state, R, each selection's values, the
# derived values and each seed's status, as the statements give them.
def expected_summary(definition: dict[str, Any], e: Established) -> dict[str, Any]:
    final = need(e.final, "final")
    drawn = list(e.picks.picks) if e.picks else []
    by_code = {p["code"]: p for p in drawn}
    values = [
        {k: s[k] for k in ("code", "label", "unit")}
        | {k: by_code[s["code"]][k] for k in ("indexes", "values")}
        for s in definition["selections"]
        if s["code"] in by_code
    ]
    with_result = e.result is not None and e.result.statement is not None
    seeds = [
        {"role": r, "fingerprint": fp.hex(), "status": st}
        for r, fp, st, _ in (
            expected_seeds(e.commitments, e.reveals, e.seed_envelopes) if with_result else []
        )
    ]
    return {
        "state": final,
        "output": e.output.r.hex() if e.output else None,
        "values": values,
        "derived": derived(definition, drawn) if drawn else [],
        "seeds": seeds,
    }


# PROTOCOL.md §14.13: summary equals the values above; a mismatch names each differing member.
def check_summary(expected: dict[str, Any], found: Any) -> str:
    differ = differences(expected, found, "summary")
    if differ:
        shown = [
            f"{path}: expected {'none' if e is ... else _json(e)}, "
            f"the bundle has {'none' if g is ... else _json(g)}"
            for path, e, g in differ[:3]
        ]
        more = f"; and {len(differ) - 3} more" if len(differ) > 3 else ""
        raise CheckFailed(f"the summary is not what the statements give: {'; '.join(shown)}{more}")
    return f"state {expected['state']}"
