"""Pulse boundaries (PROTOCOL.md §8.1, §8.5), the one place the period arithmetic lives.

The expected values are computed independently with datetime: a boundary of a period that
divides a day is a wall-clock time whose seconds-since-midnight is a multiple of the
period, so flooring the UTC time of day gives the same instant without modular arithmetic
on epoch milliseconds.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beacon.core import chain, defaults

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Periods (ms) that divide a day, as a deployment would choose them.
_DAY_DIVIDING = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000]


def _by_wall_clock(ms: int, period_ms: int) -> int:
    when = _EPOCH + dt.timedelta(milliseconds=ms)
    midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
    into_day_ms = (when - midnight) // dt.timedelta(milliseconds=1)
    floored = midnight + dt.timedelta(milliseconds=(into_day_ms // period_ms) * period_ms)
    return (floored - _EPOCH) // dt.timedelta(milliseconds=1)


@given(
    ms=st.integers(min_value=0, max_value=4_102_444_800_000),  # up to 2100-01-01
    period_ms=st.sampled_from(_DAY_DIVIDING),
)
def test_boundary_agrees_with_the_wall_clock(ms: int, period_ms: int) -> None:
    at = chain.boundary_at(ms, period_ms)
    assert at == _by_wall_clock(ms, period_ms)
    assert at <= ms < chain.next_boundary(ms, period_ms) == at + period_ms


def test_a_boundary_is_its_own_boundary_and_the_next_one_is_a_period_later() -> None:
    # 2026-12-04T13:42:00Z, a whole minute.
    ms = 1_796_391_720_000
    assert chain.boundary_at(ms, defaults.PULSE_PERIOD_MS) == ms
    assert chain.next_boundary(ms, defaults.PULSE_PERIOD_MS) == ms + 60_000
    assert chain.boundary_at(ms + 59_999, defaults.PULSE_PERIOD_MS) == ms


@pytest.mark.parametrize("period_ms", [0, -60_000])
def test_a_period_that_is_not_positive_is_refused(period_ms: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        chain.boundary_at(1_000, period_ms)
