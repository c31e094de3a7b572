"""Timestamps: integer milliseconds since the Unix epoch, shown as an exact string.

The one textual form is ``YYYY-MM-DDTHH:MM:SS.sssZ`` (UTC, always three fraction
digits), the form NIST Beacon 2.0 pulses sign. :func:`parse_ms` accepts nothing else,
so a time in a record has exactly one spelling (PROTOCOL.md §1).

Where a person types a time (an authoring file, a command-line option),
:func:`parse_rfc3339` accepts any RFC 3339 date-time with an offset, such as
``2026-12-04T21:42:59+08:00``, and returns the same milliseconds; what is stored and
signed is always the canonical form.
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


# RFC 3339 §5.6 date-time, with the §5.6 notes: "T" and "Z" may be lower case, and an
# application may separate date and time by a space for readability. ASCII digits only.
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
ACCEPTED = (
    "an RFC 3339 date-time with an offset, such as 2026-12-04T21:42:59+08:00 (Beijing time), "
    "2026-12-04T13:42:59Z or 2026-12-04T13:42:59.000Z"
)


def parse_rfc3339(text: object, *, field: str = "time") -> int:
    """Milliseconds since the epoch of an RFC 3339 date-time with an offset (typed input).

    The offset is required: a time without one names no instant. ``-00:00`` is UTC
    (RFC 3339 §4.3). A leap second (``:60``) and a fraction finer than a millisecond
    are refused rather than rounded, because the canonical form (PROTOCOL.md §1) could
    not show the time that was typed.
    """
    if not isinstance(text, str):
        raise EncodingError(
            f"{field}: expected a time string, {ACCEPTED}; got {text!r}", field=field
        )
    m = _RFC3339.fullmatch(text)
    if not m:
        raise EncodingError(f"{field}: {text!r} is not {ACCEPTED}", field=field)
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction, offset = m.group(7), m.group(8)
    if offset is None:
        raise EncodingError(
            f"{field}: {text!r} has no UTC offset, so it names no instant; give {ACCEPTED}",
            field=field,
        )
    if second == 60:
        raise EncodingError(
            f"{field}: {text!r} is a leap second, which a time in milliseconds since the "
            "epoch cannot name; give the second before or after it",
            field=field,
        )
    digits = (fraction or ".")[1:]
    if digits[3:].strip("0"):
        raise EncodingError(
            f"{field}: {text!r} is finer than a millisecond ({len(digits)} fraction digits); "
            "times are kept to the millisecond, so give at most 3 fraction digits",
            field=field,
        )
    milli = int((digits + "000")[:3])
    if offset in ("Z", "z"):
        east = 0
    else:
        off_hour, off_minute = int(offset[1:3]), int(offset[4:6])
        if off_hour > 23 or off_minute > 59:
            raise EncodingError(
                f"{field}: {text!r} has the offset {offset}; an offset is -23:59 to +23:59",
                field=field,
            )
        # RFC 3339 §4.3: "-00:00" says the time is in UTC and the local offset unknown.
        east = (off_hour * 60 + off_minute) * (-1 if offset[0] == "-" else 1)
    try:
        local = dt.datetime(year, month, day, hour, minute, second)
    except ValueError as e:
        raise EncodingError(
            f"{field}: {text!r} is not a valid date and time ({e})", field=field
        ) from e
    since = (local - _EPOCH.replace(tzinfo=None)) // dt.timedelta(milliseconds=1)
    ms = since - east * 60_000 + milli
    if ms < 0:
        raise EncodingError(f"{field}: {text!r} is before 1970-01-01T00:00:00Z", field=field)
    if ms > MAX_MS:
        raise EncodingError(f"{field}: {text!r} is after 9999-12-31T23:59:59.999Z", field=field)
    return ms
