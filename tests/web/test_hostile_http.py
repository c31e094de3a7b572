"""Hostile HTTP: schemathesis against the served /openapi.json of a real deployment.

Every documented operation is fed requests generated from its OpenAPI description,
both conforming (positive) and deliberately not (negative: wrong types, missing
members, bad headers). Whatever arrives, the service must not answer 5xx, must
answer only the statuses and content types it documents, and every error must be
``application/problem+json`` (RFC 9457). The app runs in process (WSGI): no
network at all. ``BEACON_FUZZ_EXAMPLES`` (default 40) sets the examples per
operation and mode; the total tried is printed at the end of the module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi import checks as openapi_checks

from beacon.store import sqlite_url
from beacon.web import create_app, pages
from beacon.web.errors import PROBLEM
from tests.ops.scenario import full_history
from tests.service.deployment import open_deployment

EXAMPLES = int(os.environ.get("BEACON_FUZZ_EXAMPLES", "40"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
TRIED: dict[str, int] = {}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    tmp: Path = tmp_path_factory.mktemp("hostile")
    d = full_history(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    app = create_app({"TESTING": False}, runtime=d.runtime)
    yield schemathesis.openapi.from_wsgi("/openapi.json", app)
    d.runtime.close()
    print(f"\nschemathesis: {sum(TRIED.values())} cases over {len(TRIED)} operation-modes")


def problem_json_errors(
    ctx: object, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """Every 4xx/5xx is a problem document (beacon/web/errors.py)."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.split(";")[0] == PROBLEM, (
            f"{case.method} {case.formatted_path} -> {response.status_code} as {content_type!r}"
        )
        body = response.json()
        assert body["status"] == response.status_code


# The HTML board (beacon/web/pages.py, another area) answers people, with HTML error
# pages: it must never 5xx, but the problem+json and status/content-type rules of the
# API do not apply to it; what it documents is that area's to keep exact.
PAGES = frozenset(pages.PATHS)
# Known failures (none now); each would be pinned by a strict xfail below.
KNOWN: dict[str, str] = {}


def _fuzz(
    operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, key: str
) -> None:
    html = operation.path in PAGES
    checks = [schemathesis.checks.not_a_server_error] if html else CHECKS
    extra = [] if html else [problem_json_errors]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        TRIED[key] += 1
        case.call_and_validate(checks=checks, additional_checks=extra)

    run()


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode",
    [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    ids=["positive", "negative"],
)
def test_every_operation(
    schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode
) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    failures: list[str] = []
    for operation in operations:
        negatable = [operation.path_parameters, operation.query, operation.headers, operation.body]
        if mode is schemathesis.GenerationMode.NEGATIVE and not any(map(len, negatable)):
            continue  # nothing to get wrong: the positive run already sends every request it takes
        key = f"{operation.label} ({mode.value})"
        TRIED[key] = 0
        try:
            _fuzz(operation, mode, key)
        except Unsatisfiable:
            if mode is schemathesis.GenerationMode.POSITIVE:
                raise
            continue  # the schema admits every value of its parameters: no negative case exists
        except (Exception, BaseExceptionGroup) as e:  # collected: one run reports them all
            if operation.label in KNOWN and KNOWN[operation.label] in str(e):
                continue
            failures.append(f"{key}: {e}")
    assert not failures, "\n\n".join(failures)


def test_page_lookup_beyond_bigint_is_a_400(tmp_path: Path) -> None:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    try:
        client = create_app({}, runtime=d.runtime).test_client()
        response = client.get("/pulses?chain=99999999999999999999&index=1")
        assert response.status_code == 400
    finally:
        d.runtime.close()
