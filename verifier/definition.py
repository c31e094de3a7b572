"""Draw definitions (PROTOCOL.md §5) from their JSON: validated strictly and re-encoded to
their canonical bytes; the exact decimal arithmetic of derived values (§5.1, §5.2).
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from typing import Any

from verifier import encoding as enc
from verifier.codecs import (
    CODE,
    DECIMAL,
    ID,
    ID_VALUE,
    boolean,
    listof,
    member_path,
    parse_fields,
    record,
    text,
    uint,
)
from verifier.errors import ParseError

SELECTION = (
    ("code", text(CODE)),
    ("label", text()),
    ("kind", text("pick_one|pick_k|permutation")),
    ("k", uint(32)),
    ("value_type", text("decimal|id")),
    ("unit", text()),
    ("from_snapshot", boolean),
    ("candidates", listof(text(), limit=10_000)),
)
DERIVED = (("code", text(CODE)), ("label", text()), ("formula", text()), ("unit", text()))


DEADLINES = ("commit", "snapshot", "reveal", "seed_open", "result")


def _deadlines(v: Any, n: str) -> tuple[dict[str, int], bytes]:
    doc = enc.members(v, n, DEADLINES)
    out = {
        k: 0 if k == "snapshot" and doc[k] is None else enc.timestamp(doc[k], f"{n}.{k}")
        for k in doc
    }
    # §5.1 fields 10–14 sit inline in the definition record, not as a nested record.
    return out, b"".join(enc.field(enc.uint(out[k], 64)) for k in DEADLINES)


def _redraw_of(v: Any, n: str) -> tuple[str, bytes]:
    s = "" if v is None else enc.string(v, n, ID)  # the JSON form of the empty text is null
    return s, enc.field(s.encode())


DEFINITION = (
    ("suite", uint(16)),
    ("draw_id", text(ID)),
    ("tender_id", text(ID)),
    ("section", text()),
    ("title", text()),
    ("regime", text("before_opening|after_opening")),
    ("selections", listof(record(*SELECTION, tag="tender-beacon/v1/selection"), limit=32)),
    ("derived", listof(record(*DERIVED, tag="tender-beacon/v1/derived"), limit=32)),
    ("deadlines", _deadlines),
    ("dispute_window_ms", uint(64)),
    ("vdf_t", uint(64)),
    ("vdf_rate", uint(64)),
    ("vdf_advantage", uint(32)),
    ("redraw_of", _redraw_of),
)


def _printable(s: str, name: str) -> None:
    if not 1 <= len(s) <= 200 or not s.isprintable():
        raise ParseError(name, "expected 1–200 printable characters")


def _unit(s: str, name: str) -> None:
    if s not in ("", "%", "‰") and not (len(s) <= 8 and s.isalpha()):
        raise ParseError(name, f"unit {s!r} is not empty, up to 8 letters, % or ‰")


def parse_definition(doc: Any, name: str = "") -> tuple[dict[str, Any], bytes]:
    """Validate a definition's JSON (§5) and return it with its canonical bytes.

    Errors name the field by its path below ``name`` (``selections[0].candidates[1]``).
    """
    try:
        return _definition(doc)
    except ParseError as e:
        raise ParseError(member_path(name, e.field), str(e).split(": ", 1)[1]) from e


def _definition(doc: Any) -> tuple[dict[str, Any], bytes]:
    d, body = parse_fields(DEFINITION, doc, "")
    if d["suite"] != 1:
        raise ParseError("suite", f"unknown suite {d['suite']} (§2.5: only 1)")
    _printable(d["section"], "section")
    _printable(d["title"], "title")
    if not d["selections"]:
        raise ParseError("selections", "at least one selection")
    codes: set[str] = set()
    for i, s in enumerate(d["selections"] + d["derived"]):
        name = (
            f"selections[{i}]"
            if i < len(d["selections"])
            else f"derived[{i - len(d['selections'])}]"
        )
        if s["code"] in codes:
            raise ParseError(f"{name}.code", f"code {s['code']} appears twice")
        codes.add(s["code"])
        _unit(s["unit"], f"{name}.unit")
        if "kind" in s:
            _selection(s, name, d["regime"])
    for i, x in enumerate(d["derived"]):
        derived_operands(x["formula"], d["selections"], f"derived[{i}].formula")
    dl = d["deadlines"]
    order = list(DEADLINES)
    if not any(s["from_snapshot"] for s in d["selections"]):
        if dl["snapshot"]:
            raise ParseError("deadlines.snapshot", "must be null without a snapshot selection")
        order.remove("snapshot")
    for a, b in itertools.pairwise(order):
        if dl[b] <= dl[a]:
            raise ParseError(f"deadlines.{b}", f"must be after the {a} deadline (§5.4)")
    if d["dispute_window_ms"] == 0:
        raise ParseError("dispute_window_ms", "must be positive")
    if not 1 <= d["vdf_t"] <= 1 << 40:
        raise ParseError("vdf_t", f"{d['vdf_t']} is outside [1, 2^40]")
    if not 1 <= d["vdf_rate"] <= 1 << 40:
        raise ParseError("vdf_rate", f"{d['vdf_rate']} is outside [1, 2^40]")
    if not 1 <= d["vdf_advantage"] <= 1 << 20:
        raise ParseError("vdf_advantage", f"{d['vdf_advantage']} is outside [1, 2^20]")
    _delay(d)
    return d, enc.field(b"tender-beacon/v2/definition") + body


def _delay(d: dict[str, Any]) -> None:
    """§11.5: T covers the exposure W = seed_open − commit at A_max times the published
    speed s, and the result deadline leaves the honest evaluator 5/4 of T/s."""
    dl, t, s, a = d["deadlines"], d["vdf_t"], d["vdf_rate"], d["vdf_advantage"]
    w_ms = dl["seed_open"] - dl["commit"]
    needed = -(-a * s * w_ms // 1000)
    if t < needed:
        raise ParseError(
            "vdf_t",
            f"T = {t} is below A_max · s · W = {a} · {s}/s · {w_ms / 1000:g} s = {needed} (§11.5)",
        )
    evaluation = -(-t * 1000 * 5 // (s * 4))
    if dl["result"] < dl["seed_open"] + evaluation:
        raise ParseError(
            "deadlines.result",
            f"{enc.format_time(dl['result'])} is earlier than seed_open + 5/4 · T/s = "
            f"{enc.format_time(dl['seed_open'] + evaluation)} (§11.5)",
        )


def _selection(s: dict[str, Any], name: str, regime: str) -> None:
    n, k, cands = len(s["candidates"]), s["k"], s["candidates"]
    if s["from_snapshot"]:
        if cands or s["value_type"] != "id" or regime != "after_opening":
            raise ParseError(
                f"{name}.candidates", "a snapshot selection has no candidates, ids, after_opening"
            )
    elif not cands:
        raise ParseError(f"{name}.candidates", "expected 1–10,000 candidates")
    pattern = DECIMAL if s["value_type"] == "decimal" else ID_VALUE
    seen: dict[object, int] = {}
    for i, c in enumerate(cands):
        enc.string(c, f"{name}.candidates[{i}]", pattern)
        # §5.1: decimals are distinct by value, so "0.65" and "0.650" cannot both appear.
        key = _value(c) if s["value_type"] == "decimal" else c
        if key in seen:
            j = seen[key]
            raise ParseError(
                f"{name}.candidates[{i}]",
                f"{c!r} appears twice"
                if c == cands[j]
                else f"{c!r} has the value of candidates[{j}] {cands[j]!r} (§5.1: equal values)",
            )
        seen[key] = i
    kind = s["kind"]
    fits = k <= n or s["from_snapshot"]
    if not (
        (kind == "pick_one" and k == 1)
        or (kind == "pick_k" and k >= 1 and fits)
        or (kind == "permutation" and k == 0)
    ):
        raise ParseError(f"{name}.k", f"k = {k} does not fit {s['kind']} over {n} candidates")


def _value(s: str) -> Fraction:
    """The number an exact decimal string stands for: ``"0.65"`` and ``"0.650"`` are equal."""
    v, scale = _decimal(s)
    return Fraction(v, 10**scale)


def _decimal(s: str) -> tuple[int, int]:
    """An exact decimal string as (integer, scale): ``"0.950"`` is (950, 3)."""
    sign = -1 if s.startswith("-") else 1
    whole, _, frac = s.lstrip("-").partition(".")
    return sign * int(whole + frac), len(frac)


def derived_operands(
    formula: str, selections: list[dict[str, Any]], name: str
) -> tuple[str, str, str]:
    """``(a, op, b)`` of a derived formula, one a pick_one decimal code, one a constant (§5.1)."""
    parts = formula.split(" ")
    codes = {
        s["code"]
        for s in selections
        if s["kind"] == "pick_one" and s["value_type"] == "decimal" and not s["from_snapshot"]
    }
    if len(parts) != 3 or parts[1] not in "+-*" or len(parts[1]) != 1:
        raise ParseError(name, f"{formula!r} is not '<a> <op> <b>' with op + - *")
    a, op, b = parts
    if not ((a in codes and re.fullmatch(DECIMAL, b)) or (b in codes and re.fullmatch(DECIMAL, a))):
        raise ParseError(
            name, f"{formula!r} needs one pick_one decimal code and one decimal constant"
        )
    return a, op, b


def compute(a: str, op: str, b: str) -> str:
    """Exact decimal arithmetic at the scale it gives (§5.2): ``1 - 0.65`` is ``0.35``."""
    (x, sx), (y, sy) = _decimal(a), _decimal(b)
    if op == "*":
        v, scale = x * y, sx + sy
    else:
        scale = max(sx, sy)
        x, y = x * 10 ** (scale - sx), y * 10 ** (scale - sy)
        v = x + y if op == "+" else x - y
    digits = str(abs(v)).rjust(scale + 1, "0")
    body = digits[: len(digits) - scale] + ("." + digits[len(digits) - scale :] if scale else "")
    return ("-" if v < 0 else "") + body


def definition_hash(encoded: bytes) -> bytes:
    return enc.labelled("sha256", enc.DEFINITION_HASH, encoded)
