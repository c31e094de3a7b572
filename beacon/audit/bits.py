"""Bit sequences: validation, and the two file formats sts-2.1.2 reads.

A sequence is a one-dimensional ``numpy.uint8`` array of 0s and 1s, ``ε_1 … ε_n`` in
order. sts-2.1.2 reads either ASCII (``readBinaryDigitsInASCIIFormat``: one
character per bit, whitespace ignored) or packed binary (``convertToBits``: each
byte most significant bit first). Both readers here are stricter than sts-2.1.2,
which silently takes any digit other than 0 as a 1: a character other than 0, 1 or
whitespace is an error naming its offset.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from beacon.errors import InputError

Bits = npt.NDArray[np.uint8]

_WHITESPACE: Final = frozenset(b" \t\r\n\v\f")


def as_bits(sequence: object, *, name: str = "bits") -> Bits:
    """Check that ``sequence`` is a 1-D array of 0/1 values and return it as uint8.

    Accepts any integer or boolean array-like; refuses anything else with an
    :class:`~beacon.errors.InputError` naming what was wrong.
    """
    array = np.asarray(sequence)
    if array.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {array.shape}", field=name)
    if array.size == 0:
        raise InputError(f"{name} is empty: expected at least 1 bit, got 0", field=name)
    if array.dtype == np.bool_:
        return array.astype(np.uint8)
    if not np.issubdtype(array.dtype, np.integer):
        raise InputError(f"{name} must hold integers 0/1, got dtype {array.dtype}", field=name)
    bad = np.flatnonzero((array != 0) & (array != 1))
    if bad.size:
        first = int(bad[0])
        raise InputError(
            f"{name}[{first}] is {array[first].item()!r}: expected 0 or 1 "
            f"({bad.size} bad value(s))",
            field=name,
        )
    return array.astype(np.uint8, copy=False)


def from_ascii(data: bytes | str, *, limit: int | None = None, name: str = "file") -> Bits:
    """Parse ASCII ``'0'``/``'1'`` characters (whitespace ignored), as sts-2.1.2's ASCII mode.

    ``limit`` keeps only the first ``limit`` bits (sts-2.1.2's stream length).
    """
    raw = data.encode("ascii", errors="replace") if isinstance(data, str) else bytes(data)
    codes = np.frombuffer(raw, dtype=np.uint8)
    is_bit = (codes == ord("0")) | (codes == ord("1"))
    is_space = np.isin(codes, np.frombuffer(bytes(sorted(_WHITESPACE)), dtype=np.uint8))
    bad = np.flatnonzero(~(is_bit | is_space))
    if bad.size:
        offset = int(bad[0])
        char = raw[offset : offset + 1]
        raise InputError(
            f"{name}: byte {offset} is {char!r}; an ASCII sequence may hold only '0', '1' and "
            f"whitespace (use --format binary for packed bytes)",
            field=name,
        )
    bits = (codes[is_bit] - ord("0")).astype(np.uint8)
    return _take(bits, limit, name)


def from_packed(data: bytes, *, limit: int | None = None, name: str = "file") -> Bits:
    """Unpack bytes most significant bit first, as sts-2.1.2's binary mode (``convertToBits``)."""
    bits = np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8), bitorder="big")
    return _take(bits, limit, name)


def to_packed(bits: Bits) -> bytes:
    """The inverse of :func:`from_packed` (the last byte padded with zero bits)."""
    return np.packbits(as_bits(bits), bitorder="big").tobytes()


def _take(bits: Bits, limit: int | None, name: str) -> Bits:
    if limit is not None:
        if limit < 1:
            raise InputError(f"bit count must be positive, got {limit}", field="bits")
        if bits.size < limit:
            raise InputError(
                f"{name}: asked for {limit} bits, only {bits.size} available", field="bits"
            )
        bits = bits[:limit]
    if bits.size == 0:
        raise InputError(f"{name}: no bits found", field=name)
    return bits


def require_length(test: str, n: int, minimum: int, why: str) -> None:
    """Refuse a sequence too short for ``test``, saying how many bits it needs and why."""
    if n < minimum:
        raise InputError(f"{test} needs at least {minimum} bits ({why}), got {n}", field="bits")


def require_parameter(
    test: str, name: str, value: int, lowest: int, highest: int | None = None
) -> None:
    """Refuse a parameter outside ``[lowest, highest]``, naming the test and the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(
            f"{test}: {name} must be an integer, got {type(value).__name__}", field=name
        )
    if value < lowest or (highest is not None and value > highest):
        bound = f">= {lowest}" if highest is None else f"in [{lowest}, {highest}]"
        raise InputError(f"{test}: {name} must be {bound}, got {value}", field=name)
