"""Canonical fields (PROTOCOL.md §2), the domain labels, and strict JSON readers (§2.4)."""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import hashlib
import re
from typing import Any

from verifier.errors import ParseError

# PROTOCOL.md §2.3: every hash input starts with one of these labels, as a field.
COMMITMENT = "tender-beacon/v1/commitment"
DEFINITION_HASH = "tender-beacon/v1/definition-hash"
SNAPSHOT_HASH = "tender-beacon/v1/snapshot-hash"
STATEMENT_HASH = "tender-beacon/v1/statement-hash"
STATEMENT_SIGNATURE = "tender-beacon/v1/statement-signature"
TREE_HEAD = "tender-beacon/v1/tree-head"
EXTERNAL_SOURCE = "tender-beacon/v1/external-source"
DRAW_SEED = "tender-beacon/v1/draw-seed"
VDF_HASH_TO_GROUP = "tender-beacon/v1/vdf-hash-to-group"
VDF_CHALLENGE = "tender-beacon/v1/vdf-challenge"
VDF_OUTPUT = "tender-beacon/v1/vdf-output"
SELECTION_STREAM = "tender-beacon/v1/selection-stream"
ENVELOPE_KEY_ID = "tender-beacon/v1/envelope-key-id"
ENVELOPE_SHARE = "tender-beacon/v1/envelope-share"
ENVELOPE_HASH = "tender-beacon/v1/envelope-hash"
OPENING_KEY_POSSESSION = "tender-beacon/v1/opening-key-possession"
ENVELOPE_HEADER = "tender-beacon/v1/envelope-header"


def field(value: bytes) -> bytes:
    """``u32(len) ‖ value`` (§2.1)."""
    return len(value).to_bytes(4, "big") + value


def uint(value: int, bits: int) -> bytes:
    return value.to_bytes(bits // 8, "big")


def text(value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:  # a lone surrogate has no UTF-8 form (§2.1)
        raise ParseError("text", f"not encodable as UTF-8: {e}") from e


def fields(*values: bytes) -> bytes:
    return b"".join(field(v) for v in values)


def items(values: list[bytes]) -> bytes:
    """The content of a list field: ``F(u32(n)) ‖ F(item_1) ‖ …`` (§2.1)."""
    return field(uint(len(values), 32)) + fields(*values)


def labelled(hash_name: str, label: str, *parts: bytes) -> bytes:
    """``H(F(label) ‖ F(p_1) ‖ …)`` (§2.3)."""
    return hashlib.new(hash_name, fields(label.encode(), *parts)).digest()


class Reader:
    """Strict decoder of a field sequence (§2.2): every error names the field."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def field(self, what: str) -> bytes:
        if len(self.data) - self.pos < 4:
            raise ParseError(f"{self.name}.{what}", "the input ends before the field's length")
        size = int.from_bytes(self.data[self.pos : self.pos + 4], "big")
        start, self.pos = self.pos + 4, self.pos + 4 + size
        if self.pos > len(self.data):
            raise ParseError(f"{self.name}.{what}", f"length {size} runs past the end")
        return self.data[start : self.pos]

    def text(self, what: str) -> str:
        try:
            return self.field(what).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(f"{self.name}.{what}", "not valid UTF-8") from e

    def uint(self, what: str, bits: int) -> int:
        raw = self.field(what)
        if len(raw) != bits // 8:
            raise ParseError(f"{self.name}.{what}", f"expected {bits // 8} bytes, got {len(raw)}")
        return int.from_bytes(raw, "big")

    def items(self, what: str) -> list[bytes]:
        sub = Reader(self.field(what), f"{self.name}.{what}")
        out = [sub.field(f"[{i}]") for i in range(sub.uint("count", 32))]
        sub.end()
        return out

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ParseError(self.name, f"{len(self.data) - self.pos} byte(s) after the last field")


# -- JSON presentation (§2.4): exact members, lower-case hex, integers, timestamps --

# ASCII digits only: Python's \d and int() also take full-width and other Unicode digits.
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


def members(doc: Any, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """``doc`` as an object with exactly ``keys`` (unknown members are rejected)."""
    if not isinstance(doc, dict):
        raise ParseError(name, f"expected an object, got {type(doc).__name__}")
    missing = [k for k in keys if k not in doc]
    if missing:
        raise ParseError(name, f"missing member(s) {missing}")
    unknown = sorted(set(doc) - set(keys))
    if unknown:
        raise ParseError(name, f"unknown member(s) {unknown}")
    return doc


def hexbytes(value: Any, name: str, size: int | None = None) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"(?:[0-9a-f]{2})*", value):
        raise ParseError(name, "expected lower-case hex")
    if size is not None and len(value) != 2 * size:
        raise ParseError(name, f"expected {size} bytes, got {len(value) // 2}")
    return bytes.fromhex(value)


def integer(value: Any, name: str, bits: int = 64) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << bits:
        raise ParseError(name, f"expected an integer in [0, 2^{bits}), got {value!r}")
    return value


def string(value: Any, name: str, pattern: str | None = None) -> str:
    if not isinstance(value, str):
        raise ParseError(name, f"expected a string, got {type(value).__name__}")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise ParseError(name, f"{value!r} does not match {pattern}")
    return value


def b64(value: Any, name: str) -> bytes:
    try:
        raw = base64.b64decode(string(value, name), validate=True)
    except binascii.Error as e:
        raise ParseError(name, f"not base64: {e}") from e
    if base64.b64encode(raw).decode() != value:
        raise ParseError(name, "not canonical base64")
    return raw


def timestamp(value: Any, name: str) -> int:
    """The exact time string of §1 as milliseconds since the epoch."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ParseError(name, f"expected YYYY-MM-DDTHH:MM:SS.sssZ, got {value!r}")
    try:
        when = dt.datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError as e:
        raise ParseError(name, f"not a valid UTC time: {value!r}") from e
    if when.year < 1970:
        raise ParseError(name, f"{value!r} is before 1970 (§1)")
    return calendar.timegm(when.timetuple()) * 1000 + int(value[20:23])


def format_time(ms: int) -> str:
    when = dt.datetime.fromtimestamp(ms // 1000, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"
