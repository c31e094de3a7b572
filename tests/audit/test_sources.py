"""Reading audit inputs (beacon.audit.sources): files, folders and the HTTP seam."""

from __future__ import annotations

import io
import json
import urllib.error
from pathlib import Path

import pytest

from beacon.audit import sources
from beacon.audit.sources import HttpStatusError, RemoteBeacon, http_get, json_files, load_pulses
from beacon.errors import InfrastructureError, InputError


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"pulses": {}}', "'pulses' must be a list"),
        ('{"pulse": {}}', "document: missing member|pulse: missing member"),
        ('{"pulses": [{"pulse": {"uri": 1}}]}', r"pulses\[0\]: "),
    ],
    ids=["not-json", "pulses-not-a-list", "empty-pulse", "bad-item"],
)
def test_bad_pulse_files(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "x.json"
    f.write_text(content)
    with pytest.raises(InputError, match=message):
        load_pulses([f])


def test_folders_are_their_json_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.json", "a.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert json_files([tmp_path]) == [tmp_path / "a.json", tmp_path / "b.json"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no \\*.json files in this folder"):
        json_files([tmp_path / "empty"])


def test_only_http_urls(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only http:// and https:// URLs are read"):
        http_get(f"file://{tmp_path}")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            json.dumps(
                {"type": "about:blank", "status": 404, "detail": "no pulse in chain 9"}
            ).encode(),
            "no pulse in chain 9",
        ),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
    ],
    ids=["problem-json", "html"],
)
def test_http_errors_name_the_url_and_detail(
    monkeypatch: pytest.MonkeyPatch, body: bytes, detail: str
) -> None:
    url = "http://beacon.test/beacon/2.0/chain/9/pulse/last"

    def refuse(request, timeout):
        raise urllib.error.HTTPError(url, 404, "Not Found", {}, io.BytesIO(body))

    monkeypatch.setattr(sources.urllib.request, "urlopen", refuse)
    with pytest.raises(HttpStatusError, match=f"GET {url}: HTTP 404: {detail}") as caught:
        http_get(url)
    assert caught.value.status == 404


def test_unreachable_beacon(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(request, timeout):
        raise urllib.error.URLError("Connection refused")

    monkeypatch.setattr(sources.urllib.request, "urlopen", down)
    with pytest.raises(
        InfrastructureError, match="GET http://beacon.test/x: <urlopen error Connection refused>"
    ):
        http_get("http://beacon.test/x")


@pytest.mark.parametrize(
    "body",
    [b'{"draws": [{"draw_id": "x"}]}', b'{"draws": {}}', b"[]"],
    ids=["wrong-member", "not-a-list", "not-an-object"],
)
def test_malformed_draw_list(body: bytes) -> None:
    beacon = RemoteBeacon("http://beacon.test/", fetch=lambda url: body)
    with pytest.raises(
        InputError, match=r'/api/v1/draws: expected \{"draws": \[\{"id": ...\}, ...\]\}'
    ):
        beacon.draw_ids()


def test_other_http_errors_are_not_swallowed() -> None:
    def fail(url: str) -> bytes:
        raise HttpStatusError(url, 503, "database unavailable")

    with pytest.raises(HttpStatusError, match="HTTP 503: database unavailable"):
        RemoteBeacon("http://beacon.test", fetch=fail).proof("JS-1")
