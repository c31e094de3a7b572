"""The codecs of the canonical encoding (PROTOCOL.md §2.1) over the JSON presentation (§2.4).

Each codec takes a JSON value and its field path and returns the typed value and its
field bytes; a record is a table of codecs, so the field order is the spec's table.
Definitions (:mod:`verifier.definition`) and signed statements (:mod:`verifier.records`)
are tables of these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifier import encoding as enc
from verifier.errors import ParseError

Codec = Callable[[Any, str], tuple[Any, bytes]]

ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"  # §5.1 draw and tender ids
ID_VALUE = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"  # §5.1 id candidates, §6.1 tender_id, §9.2
CODE = r"[A-Z][A-Z0-9_]{0,15}"
DECIMAL = r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?"  # §5.2


def member_path(name: str, key: str) -> str:
    return f"{name}.{key}" if name else key


def parse_fields(
    spec: tuple[tuple[str, Codec], ...], doc: Any, name: str
) -> tuple[dict[str, Any], bytes]:
    enc.members(doc, name or "document", tuple(k for k, _ in spec))
    value: dict[str, Any] = {}
    raw = []
    for key, codec in spec:
        value[key], b = codec(doc[key], member_path(name, key))
        raw.append(b)
    return value, b"".join(raw)


def record(*spec: tuple[str, Codec], tag: str = "") -> Codec:
    """A nested record: its fields (after its tag, if tagged), framed as one field (§2.1)."""
    head = enc.field(tag.encode()) if tag else b""

    def parse(doc: Any, name: str) -> tuple[dict[str, Any], bytes]:
        value, content = parse_fields(spec, doc, name)
        return value, enc.field(head + content)

    return parse


def listof(codec: Codec, *, limit: int = 1 << 32) -> Codec:
    def parse(doc: Any, name: str) -> tuple[list[Any], bytes]:
        if not isinstance(doc, list) or len(doc) > limit:
            raise ParseError(name, f"expected a list of at most {limit} items")
        pairs = [codec(v, f"{name}[{i}]") for i, v in enumerate(doc)]
        return [v for v, _ in pairs], enc.field(
            enc.field(enc.uint(len(pairs), 32)) + b"".join(b for _, b in pairs)
        )

    return parse


def raw(size: int | None = None) -> Codec:
    return lambda v, n: (lambda b: (b, enc.field(b)))(enc.hexbytes(v, n, size))


def maybe32(v: Any, n: str) -> tuple[bytes, bytes]:
    b = enc.hexbytes(v, n)
    if len(b) not in (0, 32):
        raise ParseError(n, f"expected 32 bytes or none, got {len(b)}")
    return b, enc.field(b)


def uint(bits: int) -> Codec:
    return lambda v, n: (lambda x: (x, enc.field(enc.uint(x, bits))))(enc.integer(v, n, bits))


def text(pattern: str | None = None, max_bytes: int = 1 << 32) -> Codec:
    def parse(v: Any, n: str) -> tuple[str, bytes]:
        b = enc.text(enc.string(v, n, pattern))
        if len(b) > max_bytes:
            raise ParseError(n, f"longer than {max_bytes} bytes")
        return v, enc.field(b)

    return parse


def boolean(v: Any, n: str) -> tuple[bool, bytes]:
    if not isinstance(v, bool):
        raise ParseError(n, f"expected true or false, got {v!r}")
    return v, enc.field(bytes([v]))


def time(v: Any, n: str) -> tuple[int, bytes]:
    ms = enc.timestamp(v, n)
    return ms, enc.field(enc.uint(ms, 64))
