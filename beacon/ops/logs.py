"""Structured logs: one JSON object per line, through the standard logging module.

``BEACON_LOG_FORMAT=json`` or ``--log-json`` selects it. Each line carries ``ts``
(UTC, milliseconds), ``level``, ``logger`` and ``message``, the exception text if
any, and the context fields a call passes with ``extra=`` (``draw``, ``tender``,
``statement``, ``kind``, ``leaf``, ``pulse``, ...): anything in ``extra`` that is not
a standard LogRecord attribute becomes a field.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from typing import Any

ENV = "BEACON_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        out: dict[str, Any] = {
            "ts": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure(*, json_lines: bool | None = None, level: int = logging.INFO) -> None:
    """Set up the root logger for a process: JSON lines if asked (or by ``BEACON_LOG_FORMAT``)."""
    if json_lines is None:
        json_lines = os.environ.get(ENV, "").lower() == "json"
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
