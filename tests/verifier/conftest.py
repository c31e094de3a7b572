"""Fixtures for the independent verifier's tests: its two arithmetic backends, and real
proof bundles made by the service (tests may import beacon; verifier/ never does)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from beacon.store import sqlite_url
from beacon.web import create_app
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, run_to_result
from tests.verifier.backends import vdf_backend  # noqa: F401 - a fixture for every test here
from verifier import vdf


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """beacon-verify speaks the locale's language (--lang): these tests read its English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pure_python() -> Iterator[None]:
    """Force the pure-Python path, as on a machine without gmpy2."""
    previous = vdf.use_backend("python")
    yield
    vdf.use_backend(previous)


# -- real proof bundles, made by the service in process -------------------------------------


@dataclass
class Served:
    """A deployment after a draw, the bundle the service built for it, and its CA file."""

    deployment: Deployment
    ceremony: Ceremony
    bundle: dict[str, Any]
    ca_pem: Path


def _next_pulse(d: Deployment) -> None:
    """Advance the fake clock to the next period, so that a pulse covers the result."""
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)


@pytest.fixture(scope="session")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """tests/service/test_draw_flow.py's whole draw: every seed included, state drawn."""
    tmp = tmp_path_factory.mktemp("drawn")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    c = run_to_result(d)
    _next_pulse(d)
    yield Served(d, c, bundle(d).to_dict(), d.ca_dir / "ca.pem")
    d.runtime.close()


@pytest.fixture(scope="session")
def excluded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """test_excluded_seeds_are_attributed's draw: the agent neither reveals nor releases."""
    tmp = tmp_path_factory.mktemp("excluded")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    c = Ceremony(d)
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(T0 + 10 * PERIOD)
    c.submit(c.centre.reveal(c.definition.draw_id, c.seeds["centre"]))
    d.advance_to(T0 + 15 * PERIOD)  # the reveal-deadline pulse opens the opening phase
    c.submit(c.centre.release(c.definition.draw_id, c.keys["centre"]))
    d.advance_to(T0 + 20 * PERIOD)
    assert d.runtime.worker("w").run_once() == c.definition.draw_id
    _next_pulse(d)
    yield Served(d, c, bundle(d).to_dict(), d.ca_dir / "ca.pem")
    d.runtime.close()


@pytest.fixture(scope="session")
def unfinished(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Bundles of one draw taken on its way to a result, by the phase the service says it is in."""
    tmp = tmp_path_factory.mktemp("unfinished")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    out = {}

    def take() -> None:
        d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
        doc = bundle(d).to_dict()
        out[doc["summary"]["state"]] = doc

    try:
        c = Ceremony(d)
        for step in (
            (c.register, c.publish),
            (c.commit, c.seal_seeds),
            (),
            (c.reveal,),
            (c.release,),
        ):
            for action in step:
                action()
            if not step:
                d.advance_to(T0 + 10 * PERIOD)  # the commit-deadline pulse freezes the draw
            take()
    finally:
        d.runtime.close()
    return out


@pytest.fixture(scope="session")
def beacon_url(drawn: Served) -> Iterator[str]:
    """The drawn deployment's web app on a real socket, for ``beacon-verify --from``."""
    app = create_app({"TESTING": True}, runtime=drawn.deployment.runtime)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
