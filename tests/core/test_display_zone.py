"""The display time zone: a fixed offset and its names, used by the board and the CLI.

Expected local times are GNU date's (coreutils), with the command in each case's id
comment: ``TZ=Asia/Shanghai date -d @1796391779 '+%F %T'`` prints 2026-12-04 21:42:59;
a POSIX TZ string's offset is west-positive, so ``TZ='XXX+05:30'`` is UTC-05:30.
"""

from __future__ import annotations

import re

import pytest

from beacon.core.display_zone import BEIJING, DisplayZone, format_offset, parse_offset
from beacon.core.timefmt import parse_ms
from beacon.errors import ConfigurationError

ISSUE = parse_ms("2026-12-04T13:42:59.000Z")  # 1796391779 s: date -u -d ... +%s


@pytest.mark.parametrize(
    ("zone", "ms", "lang", "shown"),
    [
        # TZ=Asia/Shanghai date -d @1796391779 '+%F %T'
        pytest.param(BEIJING, ISSUE, "zh-CN", "2026-12-04 21:42:59 北京时间", id="beijing-zh"),
        pytest.param(BEIJING, ISSUE, "en", "2026-12-04 21:42:59 Beijing time", id="beijing-en"),
        pytest.param(
            BEIJING, ISSUE + 120, "en", "2026-12-04 21:42:59.120 Beijing time", id="milliseconds"
        ),
        # TZ='XXX+05:30' date -d @0 '+%F %T'
        pytest.param(
            DisplayZone.build(offset="-05:30"), 0, "en", "1969-12-31 18:30:00 UTC-05:30", id="west"
        ),
        # TZ='XXX-14:00' date -d @1796391779 '+%F %T'
        pytest.param(
            DisplayZone.build(offset="+14:00", name_zh="线岛时间", name_en="Line Islands time"),
            ISSUE,
            "zh-CN",
            "2026-12-05 03:42:59 线岛时间",
            id="named",
        ),
        # No four-digit local year exists: the canonical UTC form is shown instead.
        pytest.param(
            BEIJING,
            parse_ms("9999-12-31T23:59:59.999Z"),
            "en",
            "9999-12-31T23:59:59.999Z",
            id="past-9999",
        ),
    ],
)
def test_show(zone: DisplayZone, ms: int, lang: str, shown: str) -> None:
    assert zone.show(ms, lang) == shown


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        pytest.param("+08:00", 480, id="beijing"),
        pytest.param("-05:30", -330, id="west"),
        pytest.param("+00:00", 0, id="utc"),
        pytest.param("-00:00", 0, id="rfc3339-4.3"),
        pytest.param("+23:59", 1439, id="largest"),
    ],
)
def test_offsets_round_trip(text: str, minutes: int) -> None:
    assert parse_offset(text) == minutes
    assert format_offset(minutes) == text.replace("-00:00", "+00:00")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("+8", id="short"),
        pytest.param("+0800", id="no-colon"),
        pytest.param("UTC+8", id="named"),
        pytest.param("+24:00", id="hour"),
        pytest.param("+08:60", id="minute"),
        pytest.param("Z", id="z"),
    ],
)
def test_bad_offsets_are_refused(text: str) -> None:
    with pytest.raises(
        ConfigurationError,
        match=rf"--display-offset: expected an offset from UTC like \+08:00 or -05:30, got '{re.escape(text)}'",
    ):
        parse_offset(text, field="--display-offset")


@pytest.mark.parametrize(
    ("over", "message"),
    [
        pytest.param({"name_zh": ""}, r"display zone name \(zh-CN\): expected 1-32", id="empty"),
        pytest.param({"name_en": "x" * 33}, r"display zone name \(en\): expected 1-32", id="long"),
        pytest.param(
            {"name_en": "Beijing\ntime"}, r"\(en\): expected 1-32 printable", id="newline"
        ),
        pytest.param({"offset_minutes": 1440}, r"at most ±23:59 from UTC, got 1440", id="offset"),
    ],
)
def test_bad_zones_are_refused(over: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        DisplayZone(**over)  # type: ignore[arg-type]


def test_names_default_to_beijing_at_plus_eight_else_to_the_offset() -> None:
    assert DisplayZone.build() == BEIJING == DisplayZone.build(offset="+08:00")
    assert DisplayZone.build(offset="+09:00").name("zh-CN") == "UTC+09:00"


def test_published_form_round_trips() -> None:
    zone = DisplayZone.build(offset="-05:30", name_en="Lima-ish")
    assert zone.to_dict() == {
        "offset": "-05:30",
        "offset_minutes": -330,
        "names": {"zh-CN": "UTC-05:30", "en": "Lima-ish"},
    }
    assert DisplayZone.from_dict(zone.to_dict()) == zone
    with pytest.raises(ConfigurationError, match=r"display_zone: expected an object with names"):
        DisplayZone.from_dict({"offset": "+08:00"})
