"""Hypothesis strategies for hostile input: random values and mutations of valid ones."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

# Any JSON value, nested a little: what a stranger may POST.
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "00", "zz", "0" * 64, "0" * 128, "A" * 64, "2026-11-26T08:00:00.000Z"])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (the root included)."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _tweaks(value: Any) -> st.SearchStrategy[Any]:
    """Near misses of one value: the edits a careless or hostile client makes."""
    options: list[st.SearchStrategy[Any]] = [JSON_VALUES]
    if isinstance(value, bool):
        options.append(st.sampled_from([not value, int(value), str(value).lower()]))
    elif isinstance(value, int):
        options.append(
            st.sampled_from(
                [value + 1, value - 1, -1, 2**64, 2**64 - 1, float(value), str(value), True]
            )
        )
    elif isinstance(value, str):
        options.append(
            st.sampled_from(
                [
                    value + "0",
                    value[:-1],
                    value.upper(),
                    value[::-1],
                    value + "\x00",
                    value * 3,
                    " " + value,
                ]
            )
        )
        options.append(st.text(min_size=1, max_size=3).map(lambda s: value[: len(value) // 2] + s))
    elif isinstance(value, list):
        options.append(st.sampled_from([value[:-1], value + value[-1:], value[::-1], []]))
    elif isinstance(value, dict):
        options.append(st.just({**value, "unknown": 1}))
    return st.one_of(options)


@st.composite
def mutated_json(draw: st.DrawFn, seeds: list[Any], *, max_mutations: int = 3) -> Any:
    """A valid document with one to ``max_mutations`` values replaced, removed or added."""
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            doc = draw(_tweaks(doc))
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(["tweak", "tweak", "delete"]))
        if action == "delete":
            del parent[key]
        else:
            parent[key] = draw(_tweaks(parent[key]))
    # A parser sees what json.loads gives it; float/int edge cases survive this trip.
    return json.loads(json.dumps(doc))


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: list[bytes], *, max_mutations: int = 3) -> bytes:
    """A valid encoding with bytes flipped, inserted, deleted, truncated or a length rewritten."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_mutations))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=8))
            continue
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "length", "splice"]))
        if action == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif action == "truncate":
            del data[at:]
        elif action == "length":
            # Canonical fields start with a 4-byte length: lie about one.
            data[at : at + 4] = draw(
                st.sampled_from([b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x00\x00\x01\x00"])
            )
        else:
            start = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[start : start + draw(st.integers(1, 64))]
    return bytes(data)
