"""``/verify``, the browser verifier's page, over the Flask test client.

The page itself runs in the browser (tests/verifier/test_browser_verifier.py drives it in
Chromium); here: the frame the beacon serves around it, the error page when its script is
not built, and the links to it from the board.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from beacon.store import sqlite_url
from beacon.web import create_app, messages, verifypage
from tests.service.deployment import open_deployment
from tests.service.test_draw_flow import Ceremony
from tests.web.html import Element, parse

DRAW = "JS-2026-0142-1"  # tests/service/deployment.py's draw


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("verify-page")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    c = Ceremony(d)
    c.register()
    c.publish()
    yield create_app({"TESTING": True}, runtime=d.runtime)
    d.runtime.close()


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for build.mjs's output: the view only looks whether the files are there."""
    for name in (*verifypage.ASSETS, verifypage.SAVED):
        (tmp_path / name).write_text("/* built */")
    monkeypatch.setattr(verifypage, "BUILT", tmp_path)
    return tmp_path


def get(app: Flask, path: str, status: int) -> Element:
    response = app.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    return parse(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_without_the_build_the_page_says_how_to_build_it(app, tmp_path, monkeypatch, lang):
    monkeypatch.setattr(verifypage, "BUILT", tmp_path / "absent")
    root = get(app, f"/verify?lang={lang}", 503)
    t = messages.Translator(lang)
    assert root.find("html").attrs["lang"] == lang
    assert root.by_id("verify-missing").text() == t("webverify.missing")
    assert "make web" in t("webverify.build") and t("webverify.build") in root.text()
    assert root.find_all("script", src="/static/verify/verify.js") == []


def test_the_page_frames_the_built_script_with_this_beacons_urls(app, built):
    root = get(app, "/verify", 200)
    assert root.find_all("script", src="/static/verify/verify.js", defer="")
    assert root.find_all("link", rel="stylesheet", href="/static/verify/verify.css")
    mount = root.by_id("verifier")
    assert mount.attrs["data-proof-url"] == "/api/v1/draws/DRAW_ID/proof"
    assert mount.attrs["data-ca-url"] == "/ca.pem"
    assert mount.attrs["data-saved-url"] == "/static/verify/tender-beacon-verify.html"
    assert "data-draw" not in mount.attrs
    assert mount.find("noscript").text() == messages.Translator("zh-CN")("webverify.noscript")


@pytest.mark.parametrize(
    ("query", "draw"),
    [
        pytest.param(f"?draw={DRAW}", DRAW, id="a draw id"),
        pytest.param("?draw=" + "x" * (verifypage.DRAW_ID_MAX + 1), None, id="too long"),
        pytest.param("?draw=", None, id="empty"),
    ],
)
def test_a_draw_id_in_the_query_is_passed_to_the_script(app, built, query, draw):
    assert get(app, "/verify" + query, 200).by_id("verifier").attrs.get("data-draw") == draw


def test_the_board_links_to_the_verifier(app, built):
    nav = get(app, "/?lang=en", 200).find("nav")
    assert nav.find("a", href="/verify").text() == "Verify"
    assert get(app, "/verify", 200).find("nav").find("a", href="/verify").attrs["aria-current"] == (
        "page"
    )
    link = get(app, f"/draws/{DRAW}", 200).by_id("verify-in-browser")
    assert link.attrs["href"] == f"/verify?draw={DRAW}"
    assert link.text() == messages.Translator("zh-CN")("webverify.open")


def test_the_single_file_is_offered_only_when_built(app, built):
    (built / verifypage.SAVED).unlink()
    assert "data-saved-url" not in get(app, "/verify", 200).by_id("verifier").attrs
