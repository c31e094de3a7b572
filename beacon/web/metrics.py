"""``/metrics``: Prometheus text exposition (beacon/ops/metrics.py), and request timing.

Under gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set (beacon/ops/gunicorn_conf.py),
``/metrics`` adds up every worker process's values from that folder, so any worker
answers for all of them; otherwise it serves this process's registry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from beacon.ops import metrics as m

bp = Blueprint("metrics", __name__)
# prometheus_client declares no types for it: registers itself in the registry, reading
# the value files of the folder.
_multiprocess_collector: Callable[[CollectorRegistry, str], object] = MultiProcessCollector


@bp.get("/metrics")
def metrics() -> Response:
    folder = m.multiprocess_dir()
    if folder is None:
        text = generate_latest()
    else:
        # A fresh registry per scrape, as prometheus_client's multiprocess mode requires:
        # the default one would add this process's own values a second time.
        registry = CollectorRegistry()
        _multiprocess_collector(registry, folder)
        text = generate_latest(registry)
    response = Response(text, mimetype=CONTENT_TYPE_LATEST.split(";")[0])
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    m.WEB_PROCESS_START.set_to_current_time()

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        started = g.pop("request_started", None)
        if started is not None:
            # The rule, not the URL, and only the standard methods: label values a
            # client chooses would grow the registry (and every scrape) without bound.
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            m.REQUESTS.labels(
                endpoint, m.http_method(request.method), m.http_status(response.status_code)
            ).observe(time.perf_counter() - started)
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
