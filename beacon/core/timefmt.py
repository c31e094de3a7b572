"""Timestamps: integer milliseconds since the Unix epoch, shown as an exact string.

The one textual form is ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC, always three fraction
digits), the form NIST Beacon 2.0 pulses sign. Parsing accepts nothing else, so a
time has exactly one spelling (PROTOCOL.md §1).
"""

from __future__ import annotations

import datetime as dt
import re

from beacon.errors import EncodingError

# [0-9], not \d: \d and int() also accept full-width and other Unicode digits, which
# would give one time a second spelling (PROTOCOL.md §1).
_FORMAT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.([0-9]{3})Z"
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# The four-digit year of the one spelling ends at 9999-12-31T23:59:59.999Z.
MAX_MS = (dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.UTC) - _EPOCH) // dt.timedelta(
    milliseconds=1
)


def format_ms(ms: int) -> str:
    """``1764147660000`` → ``"2025-11-26T09:01:00.000Z"``."""
    if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
        raise EncodingError(f"time must be a non-negative integer of milliseconds, got {ms!r}")
    if ms > MAX_MS:
        raise EncodingError(f"time {ms} ms is after 9999-12-31T23:59:59.999Z, the last one shown")
    when = _EPOCH + dt.timedelta(milliseconds=ms)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(text: object, *, field: str = "time") -> int:
    """The inverse of :func:`format_ms`; anything but the exact form is rejected."""
    if not isinstance(text, str):
        raise EncodingError(
            f"{field}: expected a time string like 2026-11-26T09:00:00.000Z, got {text!r}",
            field=field,
        )
    m = _FORMAT.fullmatch(text)
    if not m:
        raise EncodingError(
            f"{field}: {text!r} is not of the form YYYY-MM-DDTHH:MM:SS.sssZ (UTC, milliseconds)",
            field=field,
        )
    year, month, day, hour, minute, second, milli = (int(g) for g in m.groups())
    try:
        when = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError as e:
        raise EncodingError(
            f"{field}: {text!r} is not a valid date and time ({e})", field=field
        ) from e
    ms = (when - _EPOCH) // dt.timedelta(milliseconds=1) + milli
    if ms < 0:
        raise EncodingError(f"{field}: {text!r} is before 1970", field=field)
    return ms
