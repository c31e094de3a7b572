"""Exact decimal values as strings (PROTOCOL.md §5.3).

Coefficients are published and signed as decimal strings ("0.955"), never as
floats: a float cannot hold 0.955, and rounding on display is how deployed
platforms have ended up giving the end values of a range a different probability.
The string a definition carries is the value shown, hashed and drawn.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext

from beacon.errors import DefinitionError

# No sign, no exponent, no leading zeros, no bare point: one spelling per value-and-scale.
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?")
# Derived values (e.g. 1 - Q1) may be negative in principle; allow a sign there only.
_SIGNED = re.compile(r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?")

_EXACT = Context(prec=60, traps=[Inexact, InvalidOperation])
MAX_RANGE_VALUES = 10_000


def parse(text: object, *, field: str) -> Decimal:
    """Parse an exact, non-negative decimal string; reject floats and odd spellings."""
    if not isinstance(text, str):
        raise DefinitionError(
            f'{field}: expected an exact decimal string such as "0.955", got {type(text).__name__} {text!r}',
            field=field,
        )
    if not _DECIMAL.fullmatch(text):
        raise DefinitionError(
            f"{field}: {text!r} is not an exact decimal string (digits, optional point and "
            "fraction digits; no sign, exponent, spaces or leading zeros)",
            field=field,
        )
    return Decimal(text)


def is_decimal(text: str) -> bool:
    return bool(_DECIMAL.fullmatch(text))


def format_exact(value: Decimal) -> str:
    """The canonical string of a Decimal, keeping its scale (0.950 stays 0.950)."""
    text = format(value, "f")
    if text.startswith("-0") and Decimal(text) == 0:
        text = text[1:]
    if not _SIGNED.fullmatch(text):
        raise DefinitionError(f"value {value!r} cannot be written as an exact decimal string")
    return text


def expand_range(start: str, stop: str, step: str, *, field: str) -> list[str]:
    """Every value start, start+step, …, stop (inclusive), at the finest scale given.

    Rejects a zero or missing step, stop < start, and a stop that the steps do not
    reach exactly: "from 0.95 to 0.98" without a step is exactly the ambiguity
    that the protocol forbids (PROTOCOL.md §5.3).
    """
    a = parse(start, field=f"{field}.from")
    b = parse(stop, field=f"{field}.to")
    s = parse(step, field=f"{field}.step")
    if s == 0:
        raise DefinitionError(
            f"{field}.step: must be positive, got {step!r}", field=f"{field}.step"
        )
    if b < a:
        raise DefinitionError(
            f"{field}: 'to' {stop!r} is below 'from' {start!r}", field=f"{field}.to"
        )
    with localcontext(_EXACT):
        count, remainder = divmod(b - a, s)
    if remainder != 0:
        raise DefinitionError(
            f"{field}: the step {step!r} does not reach 'to' {stop!r} exactly from {start!r}",
            field=f"{field}.step",
        )
    if count + 1 > MAX_RANGE_VALUES:
        raise DefinitionError(
            f"{field}: the range has {count + 1} values; at most {MAX_RANGE_VALUES} allowed",
            field=field,
        )
    scale = max(-x.as_tuple().exponent for x in (a, b, s))  # type: ignore[operator]
    quantum = Decimal(1).scaleb(-scale)
    with localcontext(_EXACT):
        return [format_exact((a + s * i).quantize(quantum)) for i in range(int(count) + 1)]


def apply(op: str, left: Decimal, right: Decimal) -> Decimal:
    """Exact ``left op right`` for op in + - * (no rounding ever happens)."""
    with localcontext(_EXACT):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
    raise DefinitionError(f"unsupported operator {op!r}; use +, - or *")
