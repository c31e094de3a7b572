"""The canonical binary encoding (PROTOCOL.md §2).

Every byte that is hashed or signed comes from here. The grammar is deliberately
tiny:

* a *field* is a 4-byte big-endian length followed by that many bytes;
* ``bytes`` and UTF-8 ``str`` values are one field each;
* unsigned integers are one field holding their fixed-width big-endian bytes
  (``u8`` .. ``u64``), so ``u64(5)`` is ``00000008 0000000000000005``;
* a boolean is a ``u8`` that is 0 or 1;
* a *list* is one field holding a ``u32`` count field followed by the items;
* a nested *record* is one field holding the record's own fields; a tagged record
  starts with its tag string (labels.TAG_*), which names its type and version.

Decoding is strict: a wrong tag (unknown version), a wrong fixed width, a boolean
other than 0/1, invalid UTF-8, a count that does not match, or any trailing byte is
an :class:`~beacon.errors.EncodingError` naming the field. Because every value has
exactly one encoding, ``encode(decode(b)) == b`` for every accepted ``b``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from beacon.errors import EncodingError

T = TypeVar("T")

# The reader and writer have methods named after the types they read and write;
# these aliases keep the annotations inside those classes unambiguous.
_Str = str
_Bytes = bytes
_List = list

MAX_FIELD = 2**32 - 1
_WIDTHS = {8: 1, 16: 2, 32: 4, 64: 8}


def field(value: bytes) -> bytes:
    """One canonical field: 4-byte big-endian length, then the bytes."""
    if len(value) > MAX_FIELD:
        raise EncodingError(f"field of {len(value)} bytes exceeds the 2^32-1 limit")
    return len(value).to_bytes(4, "big") + value


def uint(value: int, bits: int) -> bytes:
    """The fixed-width big-endian bytes of an unsigned integer (not yet a field)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodingError(f"u{bits} value must be an int, got {type(value).__name__}")
    if not 0 <= value < 1 << bits:
        raise EncodingError(f"u{bits} value out of range: {value}")
    return value.to_bytes(_WIDTHS[bits], "big")


class Writer:
    """Appends canonical fields; :meth:`finish` returns the concatenation."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def raw(self, encoded: _Bytes) -> Writer:
        """Append bytes that are already a sequence of canonical fields."""
        self._parts.append(encoded)
        return self

    def bytes(self, value: _Bytes) -> Writer:
        self._parts.append(field(bytes(value)))
        return self

    def str(self, value: _Str) -> Writer:
        self._parts.append(field(value.encode("utf-8")))
        return self

    def u8(self, value: int) -> Writer:
        return self.bytes(uint(value, 8))

    def u16(self, value: int) -> Writer:
        return self.bytes(uint(value, 16))

    def u32(self, value: int) -> Writer:
        return self.bytes(uint(value, 32))

    def u64(self, value: int) -> Writer:
        return self.bytes(uint(value, 64))

    def boolean(self, value: bool) -> Writer:
        return self.u8(1 if value else 0)

    def record(self, encoded: _Bytes) -> Writer:
        """Append a nested record (its fields, wrapped as one field)."""
        return self.bytes(encoded)

    def list(self, items: Sequence[T], item: Callable[[Writer, T], object]) -> Writer:
        inner = Writer().u32(len(items))
        for value in items:
            item(inner, value)
        return self.bytes(inner.finish())

    def str_list(self, items: Sequence[_Str]) -> Writer:
        return self.list(items, Writer.str)

    def finish(self) -> _Bytes:
        return b"".join(self._parts)


class Reader:
    """Reads canonical fields strictly; ``what`` names the record in messages."""

    __slots__ = ("_data", "_pos", "_what")

    def __init__(self, data: _Bytes, *, what: _Str) -> None:
        self._data = memoryview(bytes(data))
        self._pos = 0
        self._what = what

    def _fail(self, name: _Str, message: _Str) -> EncodingError:
        return EncodingError(f"{self._what}.{name}: {message}", field=name)

    def bytes(self, name: _Str, *, size: int | None = None, max_size: int | None = None) -> _Bytes:
        if len(self._data) - self._pos < 4:
            raise self._fail(name, "truncated: missing the 4-byte field length")
        length = int.from_bytes(self._data[self._pos : self._pos + 4], "big")
        start = self._pos + 4
        if len(self._data) - start < length:
            raise self._fail(
                name, f"truncated: field says {length} bytes, {len(self._data) - start} remain"
            )
        if size is not None and length != size:
            raise self._fail(name, f"expected exactly {size} bytes, got {length}")
        if max_size is not None and length > max_size:
            raise self._fail(name, f"at most {max_size} bytes allowed, got {length}")
        self._pos = start + length
        return bytes(self._data[start : self._pos])

    def str(self, name: _Str, *, max_size: int = 4096) -> _Str:
        raw = self.bytes(name, max_size=max_size)
        try:
            return raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            raise self._fail(name, f"not valid UTF-8 ({e.reason})") from e

    def _uint(self, name: _Str, bits: int) -> int:
        return int.from_bytes(self.bytes(name, size=_WIDTHS[bits]), "big")

    def u8(self, name: _Str) -> int:
        return self._uint(name, 8)

    def u16(self, name: _Str) -> int:
        return self._uint(name, 16)

    def u32(self, name: _Str) -> int:
        return self._uint(name, 32)

    def u64(self, name: _Str) -> int:
        return self._uint(name, 64)

    def boolean(self, name: _Str) -> bool:
        value = self.u8(name)
        if value not in (0, 1):
            raise self._fail(name, f"boolean must be 0 or 1, got {value}")
        return value == 1

    def tag(self, expected: _Str) -> None:
        """Read a record tag and reject anything but ``expected`` (type and version)."""
        got = self.str("tag", max_size=256)
        if got != expected:
            raise self._fail(
                "tag", f"unknown record type or version: expected {expected!r}, got {got!r}"
            )

    def record(self, name: _Str) -> Reader:
        """A reader over a nested record's fields; call :meth:`done` on it."""
        return Reader(self.bytes(name), what=f"{self._what}.{name}")

    def list(self, name: _Str, item: Callable[[Reader, int], T], *, max_items: int) -> _List[T]:
        inner = self.record(name)
        count = inner.u32("count")
        if count > max_items:
            raise self._fail(name, f"at most {max_items} items allowed, got {count}")
        items = [item(inner, i) for i in range(count)]
        inner.done()
        return items

    def str_list(self, name: _Str, *, max_items: int, max_size: int = 4096) -> _List[_Str]:
        return self.list(name, lambda r, i: r.str(f"{i}", max_size=max_size), max_items=max_items)

    def done(self) -> None:
        """Reject trailing bytes."""
        extra = len(self._data) - self._pos
        if extra:
            raise EncodingError(f"{self._what}: {extra} trailing byte(s) after the last field")


def labeled_hash(algorithm: str, label: str, *parts: bytes) -> bytes:
    """``H(field(label) ‖ field(part_1) ‖ … )`` with H = SHA-256 or SHA-512.

    Each part is wrapped as one canonical field; pass :func:`uint` bytes for
    integers, so the input is exactly a canonical field sequence (PROTOCOL.md §2.3).
    """
    if algorithm not in ("sha256", "sha512"):
        raise ValueError(f"unsupported hash {algorithm!r}")
    h = hashlib.new(algorithm)
    h.update(field(label.encode("utf-8")))
    for part in parts:
        h.update(field(part))
    return h.digest()


def sha256_fields(label: str, *parts: bytes) -> bytes:
    return labeled_hash("sha256", label, *parts)


def sha512_fields(label: str, *parts: bytes) -> bytes:
    return labeled_hash("sha512", label, *parts)


def join_fields(parts: Iterable[bytes]) -> bytes:
    """Concatenate values, each as one canonical field."""
    return b"".join(field(p) for p in parts)
