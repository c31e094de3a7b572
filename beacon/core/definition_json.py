"""Strict reading of a draw definition's JSON (PROTOCOL.md §2.4, §5.1, §5.3).

Built on :mod:`beacon.core.presentation`, which reads every other record's JSON;
what differs is only what a definition's author is told: every error is a
:class:`~beacon.errors.DefinitionError` naming the field, fields are called
fields, and a wrong value is shown with its JSON type.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TypeVar

from beacon.core import presentation as pres
from beacon.core.timefmt import parse_ms, parse_rfc3339
from beacon.errors import DefinitionError, EncodingError

_E = TypeVar("_E", bound=StrEnum)
# Far above any limit validate() checks (32 selections, 10 000 candidates), so that those
# limits report themselves; a bound all the same, as presentation's arrays have.
_MAX_ITEMS = 1 << 16


@contextmanager
def as_definition_error() -> Iterator[None]:
    """Report presentation's EncodingError as the DefinitionError an author is shown."""
    try:
        yield
    except EncodingError as e:
        raise DefinitionError(str(e), field=e.field) from e


def fields(
    doc: object, where: str, *, required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, Any]:
    """A JSON object with exactly the ``required`` fields and any of the ``optional`` ones."""
    with as_definition_error():
        obj = pres.as_object(doc, where)
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise DefinitionError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}", field=where
        )
    missing = [k for k in required if k not in obj]
    if missing:
        raise DefinitionError(
            f"{where}: missing field(s) {', '.join(map(repr, missing))}", field=where
        )
    return dict(obj)


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def json_list(value: object, where: str) -> list[Any]:
    with as_definition_error():
        return pres.array(value, where, max_items=_MAX_ITEMS)


def string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise DefinitionError(
            f"{where}: expected a string, got {type(value).__name__} {value!r}", field=where
        )
    return value


def integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionError(
            f"{where}: expected an integer, got {type(value).__name__} {value!r}", field=where
        )
    if not 0 <= value < 2**63:
        raise DefinitionError(f"{where}: {value} is out of range", field=where)
    return value


def boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise DefinitionError(f"{where}: expected true or false, got {value!r}", field=where)
    return value


def time(value: object, where: str) -> int:
    """A deadline in the canonical form: UTC, milliseconds, ``Z`` (PROTOCOL.md §2.4)."""
    with as_definition_error():
        return parse_ms(value, field=where)


def typed_time(value: object, where: str) -> int:
    """A deadline as an author types it: any RFC 3339 date-time with an offset."""
    with as_definition_error():
        return parse_rfc3339(value, field=where)


def member(enum: type[_E], value: object, where: str, error: type[Exception]) -> _E:
    """The member of ``enum`` spelled ``value``, or ``error`` listing the spellings."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(repr(m.value) for m in enum)
    raise error(f"{where}: {value!r} is not one of {allowed}")
