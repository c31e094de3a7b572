"""How ``beacon`` commands print times: in the deployment's display zone, or UTC with --utc.

Records carry canonical UTC times (PROTOCOL.md §1); a command shows them as people in
the room read them, in the display zone the server publishes at ``GET
/api/v1/deployment`` (default UTC+08:00, 北京时间 / Beijing time, where there is no
server to ask). ``--utc`` (or BEACON_UTC=1) prints the canonical form exactly as
signed, for scripts and for comparing with a proof bundle. ``--json`` output is
always canonical.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from beacon.core.display_zone import BEIJING, DisplayZone
from beacon.core.timefmt import format_ms, parse_ms
from beacon.errors import BeaconError

F = TypeVar("F", bound=Callable[..., Any])


def utc_option(function: F) -> F:
    """``--utc``: print canonical UTC times instead of the display zone's."""
    return click.option(
        "--utc",
        is_flag=True,
        envvar="BEACON_UTC",
        help="Print times in UTC exactly as signed (default: the deployment's display zone, "
        "e.g. 北京时间 UTC+08:00).",
    )(function)


def cli_language(environ: Mapping[str, str] = os.environ) -> str:
    """zh-CN when the locale is Chinese (POSIX precedence: LC_ALL, LC_MESSAGES, LANG), else en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


def published_zone(deployment: Mapping[str, Any]) -> DisplayZone:
    """The display zone in a server's ``/api/v1/deployment`` document; the default where
    the server publishes none (an older server)."""
    if "display_zone" not in deployment:
        return BEIJING
    try:
        return DisplayZone.from_dict(deployment["display_zone"])
    except BeaconError as e:
        raise click.ClickException(f"the server's /api/v1/deployment: {e}") from e


class TimeShow:
    """Formats record times for one command's output."""

    def __init__(
        self,
        zone: DisplayZone | Callable[[], DisplayZone] | None = None,
        *,
        utc: bool,
        lang: str | None = None,
    ) -> None:
        self._zone = zone or BEIJING
        self.utc = utc
        self.lang = lang or cli_language()

    @classmethod
    def from_server(cls, fetch: Callable[[], Mapping[str, Any]], *, utc: bool) -> TimeShow:
        """The zone the server publishes (``fetch`` reads /api/v1/deployment), asked on
        the first time shown, so that --utc and --json output ask nothing more."""
        return cls(lambda: published_zone(fetch()), utc=utc)

    @property
    def zone(self) -> DisplayZone:
        if not isinstance(self._zone, DisplayZone):
            self._zone = self._zone()
        return self._zone

    def __call__(self, when: int | str | None) -> str:
        """A time (milliseconds or a canonical string) as this command prints it."""
        if when is None:
            return "-"
        ms = parse_ms(when, field="time") if isinstance(when, str) else when
        return format_ms(ms) if self.utc else self.zone.show(ms, self.lang)
