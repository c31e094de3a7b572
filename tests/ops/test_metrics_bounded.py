"""Metric label sets stay bounded, whatever ids, paths and methods the world sends.

A series per draw, path or invented method would grow the registry (and every
scrape) for the life of the process. The tests drive draws with random ids through
the real worker and requests with random paths and methods through the real app,
and check that the number of series of every beacon metric is the same after a
second batch as after the first, and that no label carries one of the random values.
The counters' expected values come from what the test did (draws computed, each
definition's T, bids sealed), not from the code under test.
"""

from __future__ import annotations

import secrets
from collections import Counter as Tally
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from beacon import errors
from beacon.core.statement import KINDS
from beacon.ops import metrics
from beacon.service.worker import LeaseLost
from beacon.store import sqlite_url
from beacon.web import create_app
from tests.ops.scenario import full_history
from tests.service.deployment import PERIOD, TENDER, Deployment, definition, open_deployment
from tests.service.test_draw_flow import Ceremony

VDF_T = 2000  # tests.service.deployment.definition's T


def series() -> Tally[str]:
    """How many series (label sets) each beacon metric has in this process."""
    out: Tally[str] = Tally()
    for family in REGISTRY.collect():
        if family.name.startswith("beacon_"):
            out[family.name] += len({tuple(sorted(s.labels.items())) for s in family.samples})
    return out


def label_values() -> set[str]:
    return {
        value
        for family in REGISTRY.collect()
        if family.name.startswith("beacon_")
        for s in family.samples
        for value in s.labels.values()
    }


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def run_draw(d: Deployment, c: Ceremony, draw_id: str) -> None:
    """One whole draw with ``draw_id``, from publication to its result by the worker."""
    start = d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD
    d.advance_to(start)
    c.definition = definition(draw_id=draw_id, start=start)
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(start + 10 * PERIOD)  # the commit deadline's pulse freezes it
    c.reveal()
    c.release()
    assert d.runtime.worker("w").run_once() == draw_id


def test_draws_with_random_ids_add_no_series(tmp_path: Path) -> None:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    try:
        c = Ceremony(d)
        c.register()
        ids = [f"{TENDER}-{secrets.token_hex(6)}" for _ in range(4)]
        before = {
            "completed": value("beacon_vdf_jobs_completed_total"),
            "claimed": value("beacon_vdf_jobs_claimed_total"),
            "squarings": value("beacon_vdf_squarings_total"),
        }
        run_draw(d, c, ids[0])
        after_one = series()
        for draw_id in ids[1:]:
            run_draw(d, c, draw_id)
        after_all = series()
    finally:
        d.runtime.close()
    assert after_all == after_one
    assert not label_values() & set(ids), "a draw id became a label value"
    # Per process, not per draw: one series each, describing the last job.
    for name in ("beacon_vdf_job_progress_ratio", "beacon_vdf_job_squarings_done"):
        assert after_all[name] == 1
    assert value("beacon_vdf_job_progress_ratio") == 1.0
    assert value("beacon_vdf_job_squarings_done") == VDF_T
    assert value("beacon_vdf_job_active") == 0
    assert value("beacon_vdf_jobs_completed_total") - before["completed"] == len(ids)
    assert value("beacon_vdf_jobs_claimed_total") - before["claimed"] == len(ids)
    assert value("beacon_vdf_squarings_total") - before["squarings"] == len(ids) * VDF_T


def test_tender_openings_and_bid_outcomes_are_counted(tmp_path: Path) -> None:
    before_openings = value("beacon_tender_openings_total")
    before_opened = value("beacon_bids_opened_total", status="opened")
    # tests/ops/scenario.py: two bids sealed, both keys released, one tender opened.
    d = full_history(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    d.runtime.close()
    assert value("beacon_tender_openings_total") - before_openings == 1
    assert value("beacon_bids_opened_total", status="opened") - before_opened == 2


def _endpoints() -> set[str]:
    return {
        s.labels["endpoint"]
        for family in REGISTRY.collect()
        if family.name == "beacon_http_request_duration_seconds"
        for s in family.samples
    }


def test_requests_with_random_paths_and_methods_add_no_series(tmp_path: Path) -> None:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    try:
        app = create_app({}, runtime=d.runtime)
        client = app.test_client()
        rules = {rule.rule for rule in app.url_map.iter_rules()}
        sent: set[str] = set()

        def batch() -> None:
            for _ in range(30):
                token = secrets.token_hex(8)
                sent.add(token)
                client.get(f"/{token}")  # no rule: "unmatched"
                client.get(f"/api/v1/draws/{token}")  # a rule, an unknown draw
                client.open(f"/api/v1/tenders/{token}", method=f"X{token.upper()}")
                client.open("/metrics", method="BREW")

        # The registry is the process's: other tests' apps (with their own routes) may have
        # added endpoints before; only what this test adds is checked against this app.
        before = _endpoints()
        batch()
        after_one = series()
        batch()
        after_two = series()
    finally:
        d.runtime.close()
    assert after_two == after_one
    samples = [
        s
        for family in REGISTRY.collect()
        if family.name == "beacon_http_request_duration_seconds"
        for s in family.samples
    ]
    endpoints = {s.labels["endpoint"] for s in samples}
    methods = {s.labels["method"] for s in samples}
    assert "unmatched" in endpoints and "/api/v1/draws/<draw_id>" in endpoints
    assert endpoints - before <= rules | {"unmatched"}
    assert "other" in methods and methods <= metrics.HTTP_METHODS | {"other"}
    assert not {v for v in label_values() if any(t in v for t in sent)}


@pytest.mark.parametrize("kind", KINDS)
def test_a_protocol_kind_is_its_own_label(kind: str) -> None:
    assert metrics.statement_kind(kind) == kind


def test_unknown_kinds_and_foreign_errors_are_other() -> None:
    for _ in range(50):
        assert metrics.statement_kind(f"draw.{secrets.token_hex(4)}") == "other"
        invented = type(f"E{secrets.token_hex(4)}", (Exception,), {})
        assert metrics.outcome(invented()) == "other"
    assert metrics.outcome(KeyError("x")) == "other"


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (errors.DeadlineError("late"), "DeadlineError"),
        (errors.VerificationError("bad signature"), "VerificationError"),
        (errors.ConfigurationError("bad setting"), "ConfigurationError"),
        # Subclasses defined outside beacon.errors report their nearest class there.
        (LeaseLost("taken over"), "StateError"),
        (type("Local", (errors.ConflictError,), {})("dup"), "ConflictError"),
    ],
)
def test_outcome_is_the_nearest_error_class(error: Exception, label: str) -> None:
    assert metrics.outcome(error) == label


def test_the_bounded_sets_are_closed() -> None:
    """Every labelled beacon metric has a known, finite label domain."""
    # The bid outcomes are the closed set of PROTOCOL.md §6.3 (tender.opening, §9.9).
    statuses = {"opened", "bidder-fault", "agent-key-missing", "centre-key-missing"}
    statuses.add("both-keys-missing")
    domains = {
        "beacon_statements": {"kind": set(KINDS) | {"other"}},
        "beacon_vdf_jobs_failed": {"reason": {"lease_lost", "too_late", "error"}},
        "beacon_bids_opened": {"status": statuses},
    }
    seen: dict[str, set[str]] = {}
    for family in REGISTRY.collect():
        for s in family.samples:
            for label, allowed in domains.get(family.name, {}).items():
                assert s.labels[label] in allowed, (family.name, s.labels)
                seen.setdefault(family.name, set()).add(s.labels[label])
    # Series exist from the start (a rate needs its zero), so the whole domain is there.
    assert seen["beacon_vdf_jobs_failed"] == domains["beacon_vdf_jobs_failed"]["reason"]
    assert seen["beacon_bids_opened"] == statuses
