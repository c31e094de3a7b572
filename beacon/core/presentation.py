"""Strict reading of the JSON presentation of records (PROTOCOL.md §2.4).

JSON is only a presentation of canonical fields, so a reader accepts exactly one
spelling of each value: the documented members and no others, integers that are
JSON integers (never booleans or floats), and byte strings in the stated hex case
and length. Every error is an :class:`~beacon.errors.EncodingError` naming the
field and giving expected vs actual.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Set
from typing import Any, Literal

from beacon.errors import EncodingError

_HEX = {
    "lower": re.compile(r"[0-9a-f]*"),
    "upper": re.compile(r"[0-9A-F]*"),
    # NIST serves upper case and other 2.0 beacons lower case; one case per value.
    "either": re.compile(r"[0-9a-f]*|[0-9A-F]*"),
}
HexCase = Literal["lower", "upper", "either"]
_DESCRIBE = {
    "lower": "lower-case hex",
    "upper": "upper-case hex",
    "either": "hex digits of one case",
}


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, or an error naming ``what``."""
    if not isinstance(value, Mapping):
        raise EncodingError(
            f"{what}: expected a JSON object, got {type(value).__name__}", field=what
        )
    return value


def check_members(
    obj: Mapping[str, Any], what: str, *, required: Set[str], optional: Set[str] = frozenset()
) -> None:
    """Reject missing and unknown members (PROTOCOL.md §2.4: unknown members are rejected)."""
    missing = sorted(required - obj.keys())
    if missing:
        raise EncodingError(f"{what}: missing member(s) {missing}", field=f"{what}.{missing[0]}")
    unknown = sorted(obj.keys() - required - optional)
    if unknown:
        raise EncodingError(f"{what}: unknown member(s) {unknown}", field=f"{what}.{unknown[0]}")


def integer(obj: Mapping[str, Any], name: str, what: str, *, bits: int) -> int:
    """An unsigned JSON integer member that fits in ``bits`` bits."""
    value = obj[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodingError(
            f"{what}.{name}: expected an integer, got {value!r}", field=f"{what}.{name}"
        )
    if not 0 <= value < 1 << bits:
        raise EncodingError(
            f"{what}.{name}: expected 0 <= value < 2^{bits}, got {value}", field=f"{what}.{name}"
        )
    return value


def text(obj: Mapping[str, Any], name: str, what: str) -> str:
    """A JSON string member."""
    value = obj[name]
    if not isinstance(value, str):
        raise EncodingError(
            f"{what}.{name}: expected a string, got {value!r}", field=f"{what}.{name}"
        )
    return value


def hex_bytes(value: Any, name: str, *, size: int | None, case: HexCase = "lower") -> bytes:
    """Decode a hex string of exactly ``size`` bytes (any length when ``None``) in one case."""
    if not isinstance(value, str):
        raise EncodingError(
            f"{name}: expected a hex string, got {type(value).__name__}", field=name
        )
    if len(value) % 2 or not _HEX[case].fullmatch(value):
        raise EncodingError(f"{name}: expected {_DESCRIBE[case]}, got {value[:20]!r}", field=name)
    if size is not None and len(value) != 2 * size:
        raise EncodingError(
            f"{name}: expected {size} bytes ({2 * size} hex digits), got {len(value)} digits",
            field=name,
        )
    return bytes.fromhex(value)


def hex_member(
    obj: Mapping[str, Any], name: str, what: str, *, size: int | None, case: HexCase = "lower"
) -> bytes:
    """A hex-encoded byte-string member of ``obj``."""
    return hex_bytes(obj[name], f"{what}.{name}", size=size, case=case)


def b64(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4), as certificates and envelopes are shown."""
    return base64.b64encode(data).decode("ascii")


def b64_bytes(value: Any, name: str) -> bytes:
    """Decode canonical base64: the exact spelling :func:`b64` produces, nothing else."""
    if not isinstance(value, str):
        raise EncodingError(f"{name}: expected base64 text, got {type(value).__name__}", field=name)
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError as e:
        raise EncodingError(f"{name}: not valid base64 ({e})", field=name) from e
    if b64(data) != value:
        raise EncodingError(f"{name}: non-canonical base64", field=name)
    return data


def array(value: Any, name: str, *, max_items: int) -> list[Any]:
    """A JSON array of at most ``max_items`` items."""
    if not isinstance(value, list):
        raise EncodingError(
            f"{name}: expected a JSON array, got {type(value).__name__}", field=name
        )
    if len(value) > max_items:
        raise EncodingError(
            f"{name}: at most {max_items} items allowed, got {len(value)}", field=name
        )
    return value
