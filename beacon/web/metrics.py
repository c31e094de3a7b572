"""``/metrics``: Prometheus text exposition (beacon/ops/metrics.py), and request timing."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from beacon.ops.metrics import REQUESTS

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    response = Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            # The rule, not the URL: unbounded label values would exhaust the registry.
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response


PATHS: dict[str, dict[str, Any]] = {
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics (text exposition format 0.0.4); see docs/OPERATIONS.md",
            "responses": {
                "200": {
                    "description": "Counters, gauges and histograms of this process",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    }
}
