"""The one spelling of a time (PROTOCOL.md §1) at its edges.

The last representable time, 9999-12-31T23:59:59.999Z, is 253402300799999 ms
(``date -u -d @253402300799`` prints 9999-12-31T23:59:59, GNU coreutils); one
millisecond more has no four-digit-year spelling and is refused as input, never an
OverflowError (found by tests/fuzz: a definition whose deadline was a large u64).
"""

from __future__ import annotations

import pytest

from beacon.core.definition import DrawDefinition
from beacon.core.timefmt import MAX_MS, format_ms, parse_ms
from beacon.errors import EncodingError, InputError
from tests.service.deployment import definition


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        pytest.param(0, "1970-01-01T00:00:00.000Z", id="epoch"),
        pytest.param(253402300799999, "9999-12-31T23:59:59.999Z", id="last"),
    ],
)
def test_edges_round_trip(ms: int, text: str) -> None:
    assert format_ms(ms) == text and parse_ms(text) == ms
    assert MAX_MS == 253402300799999


@pytest.mark.parametrize(
    "ms",
    [pytest.param(253402300800000, id="year-10000"), pytest.param(2**64 - 1, id="u64-max")],
)
def test_beyond_the_last_time_is_refused(ms: int) -> None:
    with pytest.raises(EncodingError, match=f"time {ms} ms is after 9999-12-31T23:59:59.999Z"):
        format_ms(ms)


def test_definition_with_a_far_deadline_is_refused_as_input() -> None:
    encoded = definition().encode()
    seed_open = definition().deadlines.seed_open.to_bytes(8, "big")
    assert encoded.count(seed_open) == 1
    far = encoded.replace(seed_open, (2**64 - 1).to_bytes(8, "big"))
    with pytest.raises(InputError, match="after 9999-12-31T23:59:59.999Z"):
        DrawDefinition.decode(far)
