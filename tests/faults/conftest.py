"""The fault suite (``make test-faults``): real processes killed, a real database stopped.

Every test here is marked ``faults`` and left out of ``make test`` (pyproject
addopts deselect the marker). The run's seed is printed in the header and written
to test-artifacts/faults.json with everything the scenarios checked; replay a
failure with ``BEACON_FAULTS_SEED=<seed> make test-faults``.
"""

from __future__ import annotations

import json

import pytest

from tests.faults.summary import Summary, run_seed

SUMMARY = pytest.StashKey[Summary]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[SUMMARY] = Summary(run_seed())


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.stash[SUMMARY].seed
    return f"faults seed: {seed} (replay: BEACON_FAULTS_SEED={seed} make test-faults)"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    summary = config.stash[SUMMARY]
    if not summary.scenarios:
        return
    path = summary.write()
    terminalreporter.section("fault injection summary")
    terminalreporter.write_line(json.dumps(summary.document(), indent=1))
    terminalreporter.write_line(f"written to {path}; seed {summary.seed}")


@pytest.fixture(scope="session")
def fault_summary(pytestconfig: pytest.Config) -> Summary:
    return pytestconfig.stash[SUMMARY]
