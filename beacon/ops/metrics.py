"""Prometheus metrics of a deployment (documented in docs/OPERATIONS.md, "Metrics").

Every metric lives in the process's default registry. The web serves them at
``/metrics`` (beacon/web/metrics.py); ``beacon pulser`` and ``beacon worker`` serve
theirs on ``--metrics-port`` (:func:`serve`); the one-process ``beacon serve`` reports
everything at its ``/metrics``.

Under gunicorn every worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set,
prometheus_client keeps each process's values in files there and the web's
``/metrics`` adds them up (beacon/ops/gunicorn_conf.py cleans the folder at start
and retires a dead worker's live gauges). Each gauge says how its values combine
across processes (``multiprocess_mode``); outside that mode the setting is ignored.

Label values are bounded: a label never carries a draw, tender, path or other value
a client or a ceremony chooses. Statement kinds are the protocol's kinds, outcomes
the error classes of :mod:`beacon.errors`, endpoints Flask's rules, methods the
standard ones; anything else is ``other``.
"""

from __future__ import annotations

import os
import threading
from typing import Final
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from beacon import errors
from beacon.core.opening import OpeningStatus
from beacon.core.statement import BODIES
from beacon.errors import ConfigurationError

OTHER: Final = "other"
# The methods a label may name; anything a client invents counts as "other".
HTTP_METHODS: Final = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))
# The error classes an outcome may name: those of beacon.errors (a subclass defined
# elsewhere reports its nearest one; a foreign exception reports "other").
ERROR_CLASSES: Final = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.BeaconError)
)
JOB_FAILURES: Final = ("lease_lost", "too_late", "error")

# -- statements and the database (web, and whatever process logs beacon statements) ------

STATEMENTS = Counter(
    "beacon_statements_total",
    "Statements submitted by parties, by kind and outcome (accepted, or the refusal's error class).",
    ["kind", "outcome"],
)
DATABASE_ERRORS = Counter(
    "beacon_database_errors_total", "Database operations that failed as unavailable (answered 503)."
)

# -- the web ---------------------------------------------------------------------------------

REQUESTS = Histogram(
    "beacon_http_request_duration_seconds",
    "HTTP request latency by endpoint (Flask rule), method and status.",
    ["endpoint", "method", "status"],
)
WEB_PROCESS_START = Gauge(
    "beacon_web_process_start_time_seconds",
    "Unix time this web process built its app; under gunicorn one series per live worker (pid).",
    multiprocess_mode="liveall",
)

# -- the pulser ------------------------------------------------------------------------------

PULSES = Counter("beacon_pulses_emitted_total", "Pulses emitted by this process.")
PULSE_LATENESS = Histogram(
    "beacon_pulse_lateness_seconds",
    "Time from a pulse's boundary (its timeStamp) to its emission.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
LAST_PULSE = Gauge(
    "beacon_last_pulse_timestamp_seconds",
    "timeStamp (Unix seconds) of the newest pulse this process emitted.",
    multiprocess_mode="max",
)
PULSE_FAILURES = Counter(
    "beacon_pulse_failures_total",
    "Attempts to emit a pulse that failed (the database or the signer was unavailable).",
)
PULSER_LEADING = Gauge(
    "beacon_pulser_leading",
    "1 while this process holds the pulser's leader lock, else 0.",
    multiprocess_mode="livesum",
)

# -- the VDF worker (per process: no draw label; the board shows which draw is computed) ------

VDF_JOB_PROGRESS = Gauge(
    "beacon_vdf_job_progress_ratio",
    "Fraction of the squarings done of this process's current (or last) VDF job.",
    multiprocess_mode="liveall",
)
VDF_JOB_DONE = Gauge(
    "beacon_vdf_job_squarings_done",
    "Squarings done of this process's current (or last) VDF job, resumed ones included.",
    multiprocess_mode="liveall",
)
VDF_JOB_START = Gauge(
    "beacon_vdf_job_start_time_seconds",
    "Unix time this process started its current (or last) VDF job.",
    multiprocess_mode="liveall",
)
VDF_JOB_ACTIVE = Gauge(
    "beacon_vdf_job_active",
    "1 while this process computes a VDF, else 0.",
    multiprocess_mode="livesum",
)
VDF_SQUARINGS = Counter(
    "beacon_vdf_squarings_total", "Squarings computed by this process (resumed ones not counted)."
)
JOBS_CLAIMED = Counter("beacon_vdf_jobs_claimed_total", "Draws this process claimed to compute.")
JOBS_COMPLETED = Counter(
    "beacon_vdf_jobs_completed_total", "Draws whose result this process logged."
)
JOBS_FAILED = Counter(
    "beacon_vdf_jobs_failed_total",
    "Claimed draws this process did not finish: lease_lost (another worker took over), "
    "too_late (past the result deadline) or error (anything else; retried).",
    ["reason"],
)
LEASE_TAKEOVERS = Counter(
    "beacon_vdf_lease_takeovers_total",
    "Claims of a draw whose previous worker's lease had run out.",
)
TENDER_OPENINGS = Counter(
    "beacon_tender_openings_total", "Tenders whose bids this process opened and logged."
)
BIDS_OPENED = Counter(
    "beacon_bids_opened_total",
    "Bid envelopes this process processed at tender openings, by outcome (PROTOCOL.md §9.9).",
    ["status"],
)

# Every labelled series exists from the start (a rate needs a zero to start from), and
# the label sets are then closed.
for _reason in JOB_FAILURES:
    JOBS_FAILED.labels(_reason)
for _status in OpeningStatus:
    BIDS_OPENED.labels(_status.value)


# -- bounded label values --------------------------------------------------------------------


def statement_kind(kind: str) -> str:
    """The protocol's statement kind, or ``other``."""
    return kind if kind in BODIES else OTHER


def outcome(error: BaseException) -> str:
    """The nearest :mod:`beacon.errors` class of ``error``, or ``other``."""
    for cls in type(error).__mro__:
        if cls.__module__ == errors.__name__ and cls.__name__ in ERROR_CLASSES:
            return cls.__name__
    return OTHER


def http_method(method: str) -> str:
    return method if method in HTTP_METHODS else OTHER


def http_status(code: int) -> str:
    return str(code) if 100 <= code <= 599 else OTHER


# -- multiprocess mode and the pulser's and worker's own endpoint ---------------------------


def multiprocess_dir() -> str | None:
    """The folder of multiprocess mode, if this process runs in it (``PROMETHEUS_MULTIPROC_DIR``;
    prometheus_client's deprecated lower-case spelling is not supported)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def refuse_multiprocess_mode(command: str) -> None:
    """``beacon pulser`` and ``beacon worker`` serve their own metrics, never through the
    web's folder: gunicorn empties it at every start, and the web would count them too."""
    if multiprocess_dir() is not None:
        raise ConfigurationError(
            f"PROMETHEUS_MULTIPROC_DIR is set: it is for the gunicorn web processes only; "
            f"unset it for `beacon {command}`, which serves its metrics on --metrics-port"
        )


def serve(host: str, port: int) -> tuple[WSGIServer, threading.Thread]:
    """Serve this process's metrics at ``http://host:port/metrics`` from a daemon thread."""
    try:
        return start_http_server(port, addr=host)
    except OSError as e:
        raise ConfigurationError(
            f"--metrics-port: cannot serve metrics on {host}:{port}: {e.strerror or e}"
        ) from e
