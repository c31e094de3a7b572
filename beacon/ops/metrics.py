"""Prometheus metrics of a deployment, served at ``/metrics`` (beacon/web/metrics.py).

Counters and histograms live in the process's default registry, so the web app,
the pulser and the worker of one process (``beacon serve``) report together; each
separately run process serves or exports its own.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

STATEMENTS = Counter(
    "beacon_statements_total",
    "Statements submitted by parties, by kind and outcome (accepted, or the refusal's error class).",
    ["kind", "outcome"],
)
PULSES = Counter("beacon_pulses_emitted_total", "Pulses emitted by this process.")
PULSE_LATENESS = Histogram(
    "beacon_pulse_lateness_seconds",
    "Time from a pulse's boundary (its timeStamp) to its emission.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
VDF_PROGRESS = Gauge(
    "beacon_vdf_progress_ratio",
    "Fraction of the VDF squarings done, per draw being computed.",
    ["draw"],
)
REQUESTS = Histogram(
    "beacon_http_request_duration_seconds",
    "HTTP request latency by endpoint (Flask rule), method and status.",
    ["endpoint", "method", "status"],
)
DATABASE_ERRORS = Counter(
    "beacon_database_errors_total", "Database operations that failed as unavailable (answered 503)."
)
