"""Timestamps: integer milliseconds since the Unix epoch, shown as an exact string.

The one textual form is ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC, always three fraction
digits), the form NIST Beacon 2.0 pulses sign. Parsing accepts nothing else, so a
time has exactly one spelling (PROTOCOL.md §1).
"""

from __future__ import annotations

import datetime as dt
import re

from beacon.errors import EncodingError

_FORMAT = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def format_ms(ms: int) -> str:
    """``1764147660000`` → ``"2025-11-26T09:01:00.000Z"``."""
    if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
        raise EncodingError(f"time must be a non-negative integer of milliseconds, got {ms!r}")
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
