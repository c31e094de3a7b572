"""The deployment's display time zone: how people in the room see a time.

Records hold and sign times in UTC only (PROTOCOL.md §1). People read them in the
deployment's display zone, by default UTC+08:00 named 北京时间 / "Beijing time"; the
board shows the canonical UTC on hover and the CLI prints it with ``--utc``. A zone is
a fixed offset with a name per language, never a tz database rule: China keeps no
daylight saving time, and a fixed offset converts the same way on every machine.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from beacon.core.timefmt import format_ms
from beacon.errors import ConfigurationError

_OFFSET = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")
_EPOCH = dt.datetime(1970, 1, 1)
MAX_NAME = 32


def parse_offset(text: str, *, field: str = "display offset") -> int:
    """``"+08:00"`` → 480 (minutes east of UTC); an RFC 3339 numeric offset, ±23:59 at most."""
    m = _OFFSET.fullmatch(text.strip())
    if not m or int(m.group(2)) > 23 or int(m.group(3)) > 59:
        raise ConfigurationError(
            f"{field}: expected an offset from UTC like +08:00 or -05:30, got {text!r}"
        )
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return -minutes if m.group(1) == "-" else minutes


def _check_name(name: str, field: str) -> None:
    if not (0 < len(name) <= MAX_NAME and name.isprintable() and name == name.strip()):
        raise ConfigurationError(
            f"{field}: expected 1-{MAX_NAME} printable characters without leading or trailing "
            f"spaces, got {name!r}"
        )


def format_offset(minutes: int) -> str:
    """480 → ``"+08:00"``; -330 → ``"-05:30"``."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class DisplayZone:
    """A fixed offset from UTC and its name in each board language."""

    offset_minutes: int = 480
    name_zh: str = "北京时间"
    name_en: str = "Beijing time"

    def __post_init__(self) -> None:
        if not -(24 * 60) < self.offset_minutes < 24 * 60:
            raise ConfigurationError(
                f"display offset: at most ±23:59 from UTC, got {self.offset_minutes} minutes"
            )
        _check_name(self.name_zh, "display zone name (zh-CN)")
        _check_name(self.name_en, "display zone name (en)")

    @classmethod
    def build(
        cls,
        *,
        offset: str | None = None,
        name_zh: str | None = None,
        name_en: str | None = None,
        fields: tuple[str, str, str] = ("display offset", "zh-CN name", "en name"),
    ) -> DisplayZone:
        """A zone from configuration text, errors naming ``fields`` (the settings that gave
        offset, zh-CN and en name). Names default to Beijing time at +08:00, else to
        ``UTC+HH:MM``."""
        minutes = (
            cls.offset_minutes if offset in (None, "") else parse_offset(offset, field=fields[0])
        )
        plain = f"UTC{format_offset(minutes)}"
        beijing = minutes == cls.offset_minutes
        for name, field in ((name_zh, fields[1]), (name_en, fields[2])):
            if name is not None:
                _check_name(name, field)
        return cls(
            offset_minutes=minutes,
            name_zh=name_zh or (cls.name_zh if beijing else plain),
            name_en=name_en or (cls.name_en if beijing else plain),
        )

    @property
    def offset(self) -> str:
        return format_offset(self.offset_minutes)

    def name(self, lang: str) -> str:
        """The zone's name in ``lang`` (zh-CN or en; zh-CN for anything else)."""
        return self.name_en if lang == "en" else self.name_zh

    def local(self, ms: int) -> str | None:
        """``2026-12-04 21:42:59`` for 2026-12-04T13:42:59.000Z at +08:00; milliseconds
        appear only when there are some, so no shown digit is invented or dropped.
        None where the local date leaves the four-digit years (the last hours of 9999)."""
        try:
            when = _EPOCH + dt.timedelta(milliseconds=ms + self.offset_minutes * 60_000)
        except OverflowError:
            return None
        text = when.strftime("%Y-%m-%d %H:%M:%S")
        return f"{text}.{ms % 1000:03d}" if ms % 1000 else text

    def show(self, ms: int, lang: str = "en") -> str:
        """The local time followed by the zone's name: ``2026-12-04 21:42:59 Beijing time``
        (the canonical UTC form where no local one exists)."""
        local = self.local(ms)
        return format_ms(ms) if local is None else f"{local} {self.name(lang)}"

    def to_dict(self) -> dict[str, Any]:
        """As published at ``GET /api/v1/deployment`` (``display_zone``)."""
        return {
            "offset": self.offset,
            "offset_minutes": self.offset_minutes,
            "names": {"zh-CN": self.name_zh, "en": self.name_en},
        }

    @classmethod
    def from_dict(cls, doc: object) -> DisplayZone:
        """The inverse of :meth:`to_dict` (what a client reads from a server)."""
        if not isinstance(doc, dict) or not isinstance(doc.get("names"), dict):
            raise ConfigurationError(f"display_zone: expected an object with names, got {doc!r}")
        offset, names = doc.get("offset"), doc["names"]
        if not isinstance(offset, str):
            raise ConfigurationError(f"display_zone.offset: expected +HH:MM, got {offset!r}")
        zh, en = names.get("zh-CN"), names.get("en")
        if not isinstance(zh, str) or not isinstance(en, str):
            raise ConfigurationError(f"display_zone.names: expected zh-CN and en, got {names!r}")
        return cls(offset_minutes=parse_offset(offset), name_zh=zh, name_en=en)


BEIJING = DisplayZone()
