"""How statement bodies (PROTOCOL.md §6.3) are encoded, decoded and presented.

:class:`Body` is the base of the per-kind dataclasses of :mod:`beacon.core.bodies`.
Each of their fields carries its wire type in its metadata, in encoding order, so
the one declaration drives the canonical encoding, the strict decoder and the
strict JSON presentation, and mypy sees every field's Python type.

"str" is an identifier-like string, "text" free text, "b32" exactly 32 bytes; a
list's ``max_size`` is its most items, a string's or byte string's its most bytes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, Self, TypeVar

from beacon.core import presentation as pres
from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.encoding import Reader, Writer
from beacon.core.opening import OpeningEntry, OpeningStatus
from beacon.core.selection import Pick
from beacon.core.vocabulary import StatementKind
from beacon.errors import EncodingError

MAX_CERT_BYTES: Final = 16 * 1024
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

FieldType = Literal[
    "str",
    "text",
    "b32",
    "bytes",
    "u32",
    "u64",
    "str_list",
    "b32_list",
    "u64_list",
    "seeds",
    "picks",
    "bytes_list",
    "openings",
]
_LISTS: Final = frozenset(
    {"str_list", "b32_list", "u64_list", "seeds", "picks", "bytes_list", "openings"}
)
_ITEM_TYPES: Final[Mapping[str, type]] = {
    "str": str,
    "text": str,
    "b32": bytes,
    "bytes": bytes,
    "u32": int,
    "u64": int,
    "str_list": str,
    "b32_list": bytes,
    "u64_list": int,
    "bytes_list": bytes,
    "seeds": SeedEntry,
    "picks": Pick,
    "openings": OpeningEntry,
}


@dataclass(frozen=True)
class BodyField:
    name: str
    type: FieldType
    max_size: int = 4096  # bytes for str/text/bytes, items for lists


def wire(type_: FieldType, max_size: int = 4096) -> dict[str, tuple[FieldType, int]]:
    """A body field's metadata: its wire type and size limit."""
    return {"wire": (type_, max_size)}


def check_id(value: str, what: str, *, allow_empty: bool = False) -> None:
    if allow_empty and value == "":
        return
    if not _ID.fullmatch(value):
        raise EncodingError(f"statement.{what}: {value!r} is not a valid identifier", field=what)


@dataclass(frozen=True)
class Body:
    """The body of one statement kind; subclasses declare the fields of §6.3."""

    KIND: ClassVar[StatementKind]

    @classmethod
    def spec(cls) -> tuple[BodyField, ...]:
        return _spec_of(cls)

    @classmethod
    def of(cls, values: Mapping[str, object]) -> Self:
        """The body from Python values by field name (lists become tuples), strictly."""
        spec = cls.spec()
        if set(values) != {f.name for f in spec}:
            raise EncodingError(
                f"{cls.KIND} body: expected fields {[f.name for f in spec]}, got {sorted(values)}"
            )
        return cls(**{f.name: _typed(cls.KIND, f, values[f.name]) for f in spec})

    def encode(self) -> bytes:
        w = Writer()
        for f in self.spec():
            value = getattr(self, f.name)
            match f.type:
                case "str" | "text":
                    w.str(value)
                case "b32":
                    if len(value) != 32:
                        raise EncodingError(
                            f"{self.KIND}.{f.name}: expected 32 bytes, got {len(value)}",
                            field=f.name,
                        )
                    w.bytes(value)
                case "bytes":
                    w.bytes(value)
                case "u32":
                    w.u32(value)
                case "u64":
                    w.u64(value)
                case "str_list":
                    w.str_list(value)
                case "b32_list" | "bytes_list":
                    w.list(value, Writer.bytes)
                case "u64_list":
                    w.list(value, Writer.u64)
                case "seeds" | "picks" | "openings":
                    w.list(value, lambda w, e: w.record(e.encode()))
        return w.finish()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        kind = cls.KIND
        r = Reader(data, what=kind)
        out: dict[str, Any] = {}
        for f in cls.spec():
            match f.type:
                case "str":
                    out[f.name] = r.str(f.name, max_size=64)
                    check_id(out[f.name], f"{kind}.{f.name}")
                case "text":
                    out[f.name] = r.str(f.name, max_size=f.max_size)
                case "b32":
                    out[f.name] = r.bytes(f.name, size=32)
                case "bytes":
                    out[f.name] = r.bytes(f.name, max_size=f.max_size)
                case "u32":
                    out[f.name] = r.u32(f.name)
                case "u64":
                    out[f.name] = r.u64(f.name)
                case "str_list":
                    out[f.name] = tuple(r.str_list(f.name, max_items=f.max_size, max_size=64))
                case "b32_list":
                    out[f.name] = _items(r, f, lambda r, i: r.bytes(str(i), size=32))
                case "u64_list":
                    out[f.name] = _items(r, f, lambda r, i: r.u64(str(i)))
                case "seeds":
                    out[f.name] = _items(r, f, lambda r, i: SeedEntry.read(r.record(str(i))))
                case "picks":
                    out[f.name] = _items(r, f, lambda r, i: Pick.read(r.record(str(i))))
                case "bytes_list":
                    out[f.name] = _items(r, f, lambda r, i: r.bytes(str(i), max_size=512))
                case "openings":
                    out[f.name] = _items(r, f, lambda r, i: OpeningEntry.read(r.record(str(i))))
        r.done()
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        """The JSON presentation (§6.3): bytes in hex, records as their own dicts."""
        out: dict[str, Any] = {}
        for f in self.spec():
            value = getattr(self, f.name)
            if f.type in ("b32", "bytes"):
                out[f.name] = value.hex()
            elif f.type in ("b32_list", "bytes_list"):
                out[f.name] = [v.hex() for v in value]
            elif f.type == "str_list":
                out[f.name] = [str(v) for v in value]
            elif f.type == "u64_list":
                out[f.name] = list(value)
            elif f.type in ("seeds", "picks", "openings"):
                out[f.name] = [v.to_dict() for v in value]
            elif f.type in ("str", "text"):
                out[f.name] = str(value)  # a plain str, also when given a StrEnum member
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, doc: object) -> Self:
        """Strictly from the JSON presentation: exactly the fields, each of its type."""
        kind, spec = cls.KIND, cls.spec()
        if not isinstance(doc, dict) or set(doc) != {f.name for f in spec}:
            got = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
            raise EncodingError(
                f"{kind} body: expected exactly the fields {[f.name for f in spec]}, got {got}"
            )
        out: dict[str, Any] = {}
        for f in spec:
            value = doc[f.name]
            where = f"{kind}.{f.name}"
            if f.type in ("b32", "bytes"):
                out[f.name] = hex_any(value, where)
            elif f.type in ("b32_list", "bytes_list"):
                out[f.name] = tuple(hex_any(v, where) for v in json_list(value, where))
            elif f.type in ("str", "text"):
                if not isinstance(value, str):
                    raise EncodingError(f"{where}: expected a string, got {value!r}", field=f.name)
                out[f.name] = value
            elif f.type == "str_list":
                items = json_list(value, where)
                if not all(isinstance(v, str) for v in items):
                    raise EncodingError(f"{where}: expected a list of strings", field=f.name)
                out[f.name] = tuple(items)
            elif f.type == "u64_list":
                out[f.name] = tuple(_json_int(v, where) for v in json_list(value, where))
            elif f.type == "seeds":
                out[f.name] = tuple(_seed_from_json(v, where) for v in json_list(value, where))
            elif f.type == "picks":
                out[f.name] = tuple(_pick_from_json(v, where) for v in json_list(value, where))
            elif f.type == "openings":
                out[f.name] = tuple(_opening_from_json(v, where) for v in json_list(value, where))
            else:
                out[f.name] = _json_int(value, where)
        # Round-trip through the canonical decoder: the same limits apply to JSON input.
        return cls.decode(cls(**out).encode())


_SPECS: dict[type[Body], tuple[BodyField, ...]] = {}


def _spec_of(cls: type[Body]) -> tuple[BodyField, ...]:
    spec = _SPECS.get(cls)
    if spec is None:
        spec = _SPECS[cls] = tuple(
            BodyField(f.name, *f.metadata["wire"]) for f in dataclasses.fields(cls)
        )
    return spec


_T = TypeVar("_T")


def _items(r: Reader, f: BodyField, read: Callable[[Reader, int], _T]) -> tuple[_T, ...]:
    return tuple(r.list(f.name, read, max_items=f.max_size))


def _typed(kind: StatementKind, f: BodyField, value: object) -> object:
    """``value`` checked against the field's Python type; a list becomes a tuple."""
    expected = _ITEM_TYPES[f.type]
    if f.type in _LISTS:
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, expected) and not isinstance(v, bool) for v in value
        ):
            raise EncodingError(
                f"{kind}.{f.name}: expected a list of {expected.__name__}, got {value!r}",
                field=f.name,
            )
        return tuple(value)
    if not isinstance(value, expected) or isinstance(value, bool):
        raise EncodingError(
            f"{kind}.{f.name}: expected {expected.__name__}, got {type(value).__name__}",
            field=f.name,
        )
    return value


# -- strict JSON helpers (beacon.core.presentation does the reading) ----------------------


def exact(doc: object, where: str, names: tuple[str, ...]) -> Mapping[str, Any]:
    obj = pres.as_object(doc, where)
    pres.check_members(obj, where, required=set(names))
    return obj


def hex_any(value: object, where: str) -> bytes:
    return pres.hex_bytes(value, where, size=None)


def json_list(value: object, where: str) -> list[Any]:
    return pres.array(value, where, max_items=1 << 16)


def _json_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**64:
        raise EncodingError(f"{where}: expected an unsigned integer, got {value!r}", field=where)
    return value


def _seed_from_json(doc: object, where: str) -> SeedEntry:
    d = exact(doc, where, ("role", "fingerprint", "status", "seed"))
    try:
        status = SeedStatus(d["status"])
    except ValueError:
        raise EncodingError(
            f"{where}.status: {d['status']!r} is not one of {[s.value for s in SeedStatus]}"
        ) from None
    if not isinstance(d["role"], str):
        raise EncodingError(f"{where}.role: expected a string", field="role")
    return SeedEntry(
        Party(d["role"], hex_any(d["fingerprint"], f"{where}.fingerprint")),
        status,
        hex_any(d["seed"], f"{where}.seed"),
    )


def _pick_from_json(doc: object, where: str) -> Pick:
    d = exact(doc, where, ("code", "indexes", "values"))
    indexes = tuple(
        _json_int(i, f"{where}.indexes") for i in json_list(d["indexes"], f"{where}.indexes")
    )
    values = json_list(d["values"], f"{where}.values")
    if not isinstance(d["code"], str) or not all(isinstance(v, str) for v in values):
        raise EncodingError(f"{where}: code and values must be strings")
    return Pick(d["code"], indexes, tuple(values))


def _opening_from_json(doc: object, where: str) -> OpeningEntry:
    d = exact(
        doc,
        where,
        ("envelope_id", "bidder", "header_hash", "status", "reason", "plaintext_sha256", "size"),
    )
    try:
        status = OpeningStatus(d["status"])
    except ValueError:
        raise EncodingError(
            f"{where}.status: {d['status']!r} is not one of {[s.value for s in OpeningStatus]}"
        ) from None
    if not isinstance(d["envelope_id"], str) or not isinstance(d["reason"], str):
        raise EncodingError(f"{where}: envelope_id and reason must be strings")
    return OpeningEntry(
        d["envelope_id"],
        hex_any(d["bidder"], f"{where}.bidder"),
        pres.hex_bytes(d["header_hash"], f"{where}.header_hash", size=32),
        status,
        d["reason"],
        hex_any(d["plaintext_sha256"], f"{where}.plaintext_sha256"),
        _json_int(d["size"], f"{where}.size"),
    )
