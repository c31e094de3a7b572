"""Times at the CLI: typed with any RFC 3339 offset, signed in UTC, printed in the display zone.

A served test deployment (a real HTTP server in a thread) takes ``beacon tender publish``
and ``beacon draw create`` with Beijing-time deadlines; the logged statements carry the
canonical UTC milliseconds, and the status commands print them back in the zone the
server publishes at /api/v1/deployment, or exactly as signed with ``--utc``. Expected
local times are the UTC ones plus the zone's offset (``TZ=Asia/Shanghai date -d ...``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from beacon.cli import main
from beacon.cli.draw import Session
from beacon.cli.times import TimeShow, cli_language, published_zone
from beacon.core.display_zone import BEIJING, DisplayZone
from beacon.core.timefmt import parse_ms
from beacon.party import Actor
from beacon.store import sqlite_url
from beacon.store.statements import StatementRepository
from beacon.web import create_app
from tests.service.deployment import DELAY, TENDER, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony

ENGLISH = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_US.UTF-8"}


def serve(d: Deployment, zone: DisplayZone | None) -> tuple[str, object]:
    config: dict[str, object] = {"TESTING": True}
    if zone is not None:
        config["DISPLAY_ZONE"] = zone
    server = make_server("127.0.0.1", 0, create_app(config, runtime=d.runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture
def deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"), bidders=1)
    Ceremony(d, bidders=1).register()

    # The commands sign with the deployment's fake clock (issued_at must be within the
    # skew of the server's time, PROTOCOL.md §6.5); everything else is the real command.
    def actor(self: Session, tender_id: str, role: str) -> Actor:
        return Actor(
            self.signer,
            role=role,
            tender_id=tender_id,
            now=d.clock.now_ms,
            random_bytes=d.entropy.random_bytes,
        )

    monkeypatch.setattr(Session, "actor", actor)
    try:
        yield d
    finally:
        d.runtime.close()


def run(*args: str, env: dict[str, str | None] = ENGLISH) -> str:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def party(d: Deployment, name: str, url: str) -> list[str]:
    return ["--cert", str(d.ca_dir / f"{name}.pem"), "--key", str(d.ca_dir / f"{name}.key"),
            "--server", url]  # fmt: skip


def test_tender_publish_takes_beijing_time_and_status_shows_it_back(deployment: Deployment):
    url, server = serve(deployment, None)
    try:
        published = run(
            "tender", "publish", "--tender", TENDER, "--title", "道路工程",
            "--bid-deadline", "2026-11-26T17:00:00+08:00",
            "--release-deadline", "2026-11-26T10:00:00.250Z",
            *party(deployment, "agent", url),
        )  # fmt: skip
        status = run("tender", "status", TENDER, "--server", url)
        utc = run("tender", "status", TENDER, "--server", url, "--utc")
        zh = run(
            "envelope",
            "status",
            "--tender",
            TENDER,
            "--server",
            url,
            env={**ENGLISH, "LANG": "zh_CN"},
        )
        as_json = json.loads(run("tender", "status", TENDER, "--server", url, "--json"))
    finally:
        server.shutdown()
    with deployment.runtime.database.read() as session:
        logged = StatementRepository(session).about(TENDER, "", ["tender.publish"])
        body = logged[0].signed.statement.body
    # 17:00 at +08:00 is 09:00 UTC; the statement signs the milliseconds of that instant.
    assert body.bid_deadline == parse_ms("2026-11-26T09:00:00.000Z")
    assert body.release_deadline == parse_ms("2026-11-26T10:00:00.250Z")
    assert (
        "(bids until 2026-11-26 17:00:00 Beijing time, keys released until "
        "2026-11-26 18:00:00.250 Beijing time): accepted as log leaf" in published
    )
    assert (
        "bids until 2026-11-26 17:00:00 Beijing time, "
        "releases until 2026-11-26 18:00:00.250 Beijing time" in status
    )
    assert "bids until 2026-11-26T09:00:00.000Z, releases until 2026-11-26T10:00:00.250Z" in utc
    assert "bids until 2026-11-26 17:00:00 北京时间" in zh
    assert as_json["bid_deadline"] == "2026-11-26T09:00:00.000Z"


def test_draw_commands_use_the_zone_the_server_publishes(deployment: Deployment, tmp_path: Path):
    zone = DisplayZone.build(offset="+06:00", name_zh="新疆时间", name_en="Xinjiang time")
    url, server = serve(deployment, zone)
    definition = {
        "draw_id": "JS-2026-0142-9",
        "tender_id": TENDER,
        "title": "评标基准价系数抽取",
        "selections": [{"code": "K1", "label": "K1", "candidates": ["0.95", "0.96"]}],
        "deadlines": {
            "commit": "2026-11-26T16:10:00+08:00",
            "reveal": "2026-11-26T08:15:00z",
            "seed_open": "2026-11-26T03:20:00-05:00",
        },
        "vdf_t": 2000,
        **DELAY,
    }
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    try:
        created = run("draw", "create", str(path), *party(deployment, "agent", url))
        status = run("draw", "status", "JS-2026-0142-9", "--server", url)
        utc = run("draw", "status", "JS-2026-0142-9", "--server", url, "--utc")
    finally:
        server.shutdown()
    # 08:10Z + 6 h; 08:15Z + 6 h; 03:20 at -05:00 is 08:20Z, + 6 h.
    for shown in ("14:10:00 Xinjiang time", "14:15:00 Xinjiang time", "14:20:00 Xinjiang time"):
        assert f"2026-11-26 {shown}" in created and f"2026-11-26 {shown}" in status
    assert "  commit     2026-11-26T08:10:00.000Z\n" in utc
    assert "  seed_open  2026-11-26T08:20:00.000Z\n" in utc


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        pytest.param({"LANG": "zh_CN.UTF-8"}, "zh-CN", id="lang-zh"),
        pytest.param({"LANG": "en_US.UTF-8"}, "en", id="lang-en"),
        pytest.param({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN", id="lc-all-wins"),
        pytest.param({"LC_MESSAGES": "C", "LANG": "zh_CN"}, "en", id="lc-messages-wins"),
        pytest.param({}, "en", id="none"),
    ],
)
def test_the_zone_name_follows_the_locale(environ: dict[str, str], lang: str):
    assert cli_language(environ) == lang


def test_an_older_server_without_a_zone_means_beijing_time():
    assert published_zone({"vdf_rate": 3}) == BEIJING
    show = TimeShow.from_server(lambda: {"vdf_rate": 3}, utc=False)
    assert TimeShow(None, utc=False, lang="en")(0) == "1970-01-01 08:00:00 Beijing time"
    assert show.zone == BEIJING


def test_utc_asks_the_server_nothing():
    def fetch() -> dict[str, object]:
        raise AssertionError("--utc must not need the deployment document")

    show = TimeShow.from_server(fetch, utc=True)
    assert show("2026-11-26T09:00:00.000Z") == "2026-11-26T09:00:00.000Z"
    assert show(None) == "-"
