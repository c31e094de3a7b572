"""The one spelling of a time (PROTOCOL.md §1) at its edges, and typed RFC 3339 input.

The last representable time, 9999-12-31T23:59:59.999Z, is 253402300799999 ms
(``date -u -d @253402300799`` prints 9999-12-31T23:59:59, GNU coreutils); one
millisecond more has no four-digit-year spelling and is refused as input, never an
OverflowError (found by tests/fuzz: a definition whose deadline was a large u64).
"""

from __future__ import annotations

import pytest

from beacon.core.definition import DrawDefinition
from beacon.core.timefmt import MAX_MS, format_ms, parse_ms, parse_rfc3339
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


# Typed times (RFC 3339, July 2002). Expected canonical forms: the §5.8 examples with the
# instant the RFC's own text gives for each ("20 minutes and 50.52 seconds after the 23rd
# hour of April 12th, 1985 in UTC"; "equivalent to 1996-12-20T00:39:57Z in UTC"), the
# issue's example as GNU date prints it (`date -u -d '2026-12-04T21:42:59+08:00'
# +%Y-%m-%dT%H:%M:%S.%3NZ`), and the §4.3 and §5.6-note spellings of one instant.
ACCEPTED = [
    pytest.param("1985-04-12T23:20:50.52Z", "1985-04-12T23:20:50.520Z", id="rfc3339-5.8-utc"),
    pytest.param("1996-12-19T16:39:57-08:00", "1996-12-20T00:39:57.000Z", id="rfc3339-5.8-pst"),
    pytest.param("2026-12-04T21:42:59+08:00", "2026-12-04T13:42:59.000Z", id="issue-beijing"),
    pytest.param("2026-12-04T13:42:59Z", "2026-12-04T13:42:59.000Z", id="z-no-fraction"),
    pytest.param("2026-12-04t13:42:59z", "2026-12-04T13:42:59.000Z", id="rfc3339-5.6-lower"),
    pytest.param("2026-12-04 21:42:59+08:00", "2026-12-04T13:42:59.000Z", id="rfc3339-5.6-space"),
    pytest.param("2026-12-04T13:42:59-00:00", "2026-12-04T13:42:59.000Z", id="rfc3339-4.3-unknown"),
    pytest.param("2026-12-04T13:42:59+00:00", "2026-12-04T13:42:59.000Z", id="plus-zero"),
    pytest.param("2026-12-05T05:12:59.5+15:30", "2026-12-04T13:42:59.500Z", id="half-hour"),
    pytest.param("2026-12-04T13:42:59.120000Z", "2026-12-04T13:42:59.120Z", id="exact-zeros"),
    pytest.param("1970-01-01T08:00:00+08:00", "1970-01-01T00:00:00.000Z", id="epoch"),
    pytest.param("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z", id="last"),
]


@pytest.mark.parametrize(("typed", "canonical"), ACCEPTED)
def test_typed_times_convert_to_the_canonical_form(typed: str, canonical: str) -> None:
    assert format_ms(parse_rfc3339(typed, field="f")) == canonical
    assert parse_rfc3339(canonical) == parse_ms(canonical)


REFUSED = [
    pytest.param("1990-12-31T23:59:60Z", r"is a leap second", id="rfc3339-5.8-leap"),
    pytest.param("1990-12-31T15:59:60-08:00", r"is a leap second", id="rfc3339-5.8-leap-pst"),
    pytest.param(
        "1937-01-01T12:00:27.87+00:20", r"is before 1970-01-01T00:00:00Z", id="rfc3339-5.8-1937"
    ),
    pytest.param(
        "2026-12-04T21:42:59",
        r"'2026-12-04T21:42:59' has no UTC offset, so it names no instant; give an RFC 3339 "
        r"date-time with an offset, such as 2026-12-04T21:42:59\+08:00 \(Beijing time\), "
        r"2026-12-04T13:42:59Z or 2026-12-04T13:42:59\.000Z",
        id="no-offset",
    ),
    pytest.param(
        "2026-12-04T13:42:59.1234Z",
        r"is finer than a millisecond \(4 fraction digits\); times are kept to the "
        r"millisecond, so give at most 3 fraction digits",
        id="sub-millisecond",
    ),
    pytest.param("2026-12-04T13:42:59.Z", r"is not an RFC 3339 date-time", id="empty-fraction"),
    pytest.param("2026-12-04T21:42:59+0800", r"is not an RFC 3339 date-time", id="offset-colon"),
    pytest.param("2026-12-04T21:42+08:00", r"is not an RFC 3339 date-time", id="no-seconds"),
    pytest.param("2026-12-04T21:42:59 CST", r"is not an RFC 3339 date-time", id="zone-name"),
    pytest.param("２０２６-12-04T13:42:59Z", r"is not an RFC 3339 date-time", id="wide-digits"),
    pytest.param(
        "2026-12-04T21:42:59+24:00", r"has the offset \+24:00; an offset is", id="offset-hour"
    ),
    pytest.param(
        "2026-02-29T00:00:00Z", r"is not a valid date and time \(day is out of range", id="feb-29"
    ),
    pytest.param("2026-12-04T24:00:00Z", r"is not a valid date and time", id="hour-24"),
    pytest.param(
        "9999-12-31T23:59:59-00:01", r"is after 9999-12-31T23:59:59\.999Z", id="after-last"
    ),
]


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_typed_times_that_name_no_millisecond_are_refused(typed: str, message: str) -> None:
    with pytest.raises(EncodingError, match=r"^--bid-deadline: .*" + message):
        parse_rfc3339(typed, field="--bid-deadline")


def test_a_typed_time_must_be_a_string() -> None:
    with pytest.raises(EncodingError, match=r"deadlines\.commit: expected a time string, .* got 5"):
        parse_rfc3339(5, field="deadlines.commit")
