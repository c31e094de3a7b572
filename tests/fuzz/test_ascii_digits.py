"""Times and integers are written in ASCII digits only (PROTOCOL.md §1, §2.4).

Python's ``\\d`` and ``int()`` also accept every other Unicode decimal digit: full-width
``２``, Arabic-Indic ``٢``, Devanagari ``२`` ... A time spelled with one of them would be a
second spelling of the same instant, and a pulse's signed ``timeStamp`` bytes would differ
from the time it names. Every parser of the service and the verifier refuses them.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beacon.core.timefmt import parse_ms, parse_rfc3339
from beacon.errors import BeaconError, ConfigurationError, EncodingError
from beacon.service.config import Setting
from verifier import encoding as enc
from verifier.cli import ascii_int
from verifier.errors import ParseError

VALID = "2026-11-26T08:00:00.000Z"
# An integer setting as the deployment's settings table declares them (beacon.service.config).
ONE_TO_NINE = Setting("x", "a test setting", 5, "integer", 1, 9)
# Every non-ASCII character with a decimal digit value (Unicode category Nd).
DIGITS = [c for c in map(chr, range(0x80, sys.maxunicode + 1)) if unicodedata.category(c) == "Nd"]
POSITIONS = [i for i, c in enumerate(VALID) if c.isdigit()]


def _rejects_time(parse: Callable[[str], int], error: type[Exception], text: str) -> None:
    with pytest.raises(error, match="YYYY-MM-DDTHH:MM:SS"):
        parse(text)


PARSERS = [
    pytest.param(lambda t: parse_ms(t, field="t"), BeaconError, id="beacon-parse_ms"),
    pytest.param(lambda t: enc.timestamp(t, "t"), ParseError, id="verifier-timestamp"),
]


@pytest.mark.parametrize(("parse", "error"), PARSERS)
@pytest.mark.parametrize(
    "digit",
    ["２", "٢", "२", "๒", "𝟐"],
    ids=["full-width", "arabic-indic", "devanagari", "thai", "math-bold"],
)
def test_a_time_with_one_non_ascii_digit_is_refused(parse, error, digit: str):
    assert enc.format_time(parse(VALID)) == VALID  # the ASCII spelling parses and round-trips
    _rejects_time(parse, error, VALID[:3] + digit + VALID[4:])


# A time as a person types it (RFC 3339 with an offset, any fraction): ASCII digits too.
TYPED = "2026-12-04T21:42:59.5+08:00"


@settings(max_examples=300, deadline=None)
@given(
    position=st.sampled_from([i for i, c in enumerate(TYPED) if c.isdigit()]),
    digit=st.sampled_from(DIGITS),
)
def test_any_unicode_digit_anywhere_in_a_typed_time_is_refused(position: int, digit: str):
    assert parse_rfc3339(TYPED) == parse_ms("2026-12-04T13:42:59.500Z")
    with pytest.raises(EncodingError, match="is not an RFC 3339 date-time with an offset"):
        parse_rfc3339(TYPED[:position] + digit + TYPED[position + 1 :], field="t")


@settings(max_examples=300, deadline=None)
@given(
    position=st.sampled_from(POSITIONS),
    digit=st.sampled_from(DIGITS),
)
def test_any_unicode_digit_anywhere_in_a_time_is_refused(position: int, digit: str):
    text = VALID[:position] + digit + VALID[position + 1 :]
    _rejects_time(lambda t: parse_ms(t, field="t"), BeaconError, text)
    _rejects_time(lambda t: enc.timestamp(t, "t"), ParseError, text)


@settings(max_examples=200, deadline=None)
@given(digits=st.lists(st.sampled_from(DIGITS), min_size=1, max_size=4))
def test_integers_in_unicode_digits_are_refused(digits: list[str]):
    text = "".join(digits)
    assert int(text) >= 0  # what Python would have accepted
    with pytest.raises(ConfigurationError, match="expected an integer from 1 to 9"):
        ONE_TO_NINE.from_env({"BEACON_X": text})
    with pytest.raises(Exception, match="expected a number in ASCII digits"):
        ascii_int(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), (" 7 ", 7), ("", 5)],
    ids=["plain", "spaces-stripped", "empty-is-default"],
)
def test_ascii_integers_still_parse(text: str, value: int):
    assert ONE_TO_NINE.from_env({"BEACON_X": text}) == value
