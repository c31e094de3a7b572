"""Structured JSON logs and the Prometheus /metrics endpoint."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from beacon.ops.logs import JsonFormatter
from beacon.store import sqlite_url
from beacon.web import create_app
from tests.service.deployment import PERIOD, open_deployment
from tests.service.test_draw_flow import Ceremony


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        pytest.param({}, {}, id="plain"),
        pytest.param(
            {"draw": "JS-1", "tender": "JS", "leaf": 7},
            {"draw": "JS-1", "tender": "JS", "leaf": 7},
            id="context",
        ),
        pytest.param({"statement": b"\x01"}, {"statement": "b'\\x01'"}, id="non-json-value"),
    ],
)
def test_one_json_object_per_line(extra: dict, fields: dict) -> None:
    record = logging.LogRecord(
        "beacon.ledger", logging.INFO, "f.py", 1, "accepted %s", ("x\ny",), None
    )
    record.created = 1_795_680_000.123
    record.__dict__.update(extra)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "ts": "2026-11-26T08:00:00.123Z",
        "level": "info",
        "logger": "beacon.ledger",
        "message": "accepted x\ny",
        **fields,
    }


def samples(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    out = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_what_happened(tmp_path: Path) -> None:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    try:
        client = create_app({}, runtime=d.runtime).test_client()
        before = samples(client)
        c = Ceremony(d)
        c.register()  # 4 accepted registrations
        c.centre.now = lambda: d.clock.now_ms() - 3_600_000
        with pytest.raises(Exception, match="more than 300 s"):
            c.submit(c.centre.register("bidder", c.bidders[0].certificate))
        d.advance_to(d.clock.now_ms() + 2 * PERIOD)  # 2 pulses
        client.get("/beacon/2.0/pulse/last")
        after = samples(client)
    finally:
        d.runtime.close()

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("beacon_statements_total", kind="tender.register", outcome="accepted") == 4
    assert delta("beacon_statements_total", kind="tender.register", outcome="DeadlineError") == 1
    assert delta("beacon_pulses_emitted_total") == 2
    assert delta("beacon_pulse_lateness_seconds_count") == 2
    assert (
        delta(
            "beacon_http_request_duration_seconds_count",
            endpoint="/beacon/2.0/pulse/last",
            method="GET",
            status="200",
        )
        == 1
    )
