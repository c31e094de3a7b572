"""The public board over the Flask test client, on real ceremonies at every phase.

The scene (tests/web/ceremonies.py) holds draws that are published, committing,
computing (a worker died half-way), drawn (twice: all seeds in, and seeds excluded)
and voided. Expected values never come from the view dicts the pages render:
candidates are the authoring ranges of tests/service/deployment.py written out,
drawn values and seeds come from the signed result statement in the log, VDF
progress from the worker's lease row, times from the scene's timeline, phase
labels from the issue's glossary (committing = 承诺中, computing = 计算中 (VDF),
drawn = 已抽取, voided = 已作废).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shlex
from decimal import Decimal
from pathlib import Path

import pytest

from beacon.core.bodies import DrawResultBody
from beacon.core.commitment import SeedStatus
from beacon.core.definition import Kind, Regime
from beacon.core.display_zone import DisplayZone
from beacon.core.lifecycle import Phase
from beacon.core.statement import KINDS
from beacon.core.timefmt import format_ms, parse_ms
from beacon.service import describe
from beacon.store import LogRepository, PulseRepository
from beacon.store.statements import StatementRepository
from beacon.web import create_app, explorer, messages
from tests.service.test_draw_flow import record
from tests.web import ceremonies
from tests.web.ceremonies import (
    BIDS,
    COMMITTING,
    COMPUTING,
    COMPUTING_T,
    DRAWN,
    EXCLUDED,
    PUBLISHED,
    SAMPLE,
    VOID_REASON,
    VOIDED,
    Scene,
)
from tests.web.html import CJK, Element, parse, visible_text

TEMPLATES = Path(__file__).resolve().parents[2] / "beacon" / "web" / "templates"
# tests/service/deployment.py: K1 range 0.950..0.980 step 0.005, Q1 range 0.65..0.85 step 0.05.
K1 = ["0.950", "0.955", "0.960", "0.965", "0.970", "0.975", "0.980"]
Q1 = ["0.65", "0.70", "0.75", "0.80", "0.85"]
COEFFICIENT_DRAWS = [DRAWN, COMPUTING, VOIDED, PUBLISHED, COMMITTING, EXCLUDED]
ALL_DRAWS = [*COEFFICIENT_DRAWS, SAMPLE]
TITLES = dict.fromkeys(COEFFICIENT_DRAWS, "评标基准价系数抽取") | {
    SAMPLE: "有效投标人中随机抽取 2 家进入详细评审"
}
PHASES = {  # draw → (zh label, en label)
    DRAWN: ("已抽取", "drawn"),
    COMPUTING: ("计算中 (VDF)", "computing (VDF)"),
    VOIDED: ("已作废", "voided"),
    PUBLISHED: ("已发布", "published"),
    COMMITTING: ("承诺中", "committing"),
    EXCLUDED: ("已抽取", "drawn"),
    SAMPLE: ("计算中 (VDF)", "computing (VDF)"),
}
YES, NO = "✓ 是", "— 否"


def page(client, path: str, status: int = 200, **headers: str) -> Element:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "text/html"
    return parse(response.get_data(as_text=True))


def section(root: Element, name: str) -> Element:
    return root.find("section", id=name)


def beijing(utc: str, lang: str = "zh-CN", hours: int = 8, name: str | None = None) -> str:
    """A canonical UTC time as the board shows it in a fixed zone, computed by the standard
    library's own time-zone arithmetic (a second implementation of DisplayZone.show)."""
    instant = dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
    local = instant.astimezone(dt.timezone(dt.timedelta(hours=hours)))
    text = local.strftime("%Y-%m-%d %H:%M:%S")
    if local.microsecond:
        text += f".{local.microsecond // 1000:03d}"
    default = "北京时间" if lang == "zh-CN" else "Beijing time"
    return f"{text} {name or default}"


def draw_rows(index: Element) -> list[Element]:
    """The rows of the list of draws (the index also lists tenders)."""
    return index.find("table", class_="draws").find("tbody").find_all("tr")


def result_body(scene: Scene, draw_id: str) -> DrawResultBody:
    return record(scene.deployment, draw_id).one("draw.result").signed.statement.body


# -- the list of draws -----------------------------------------------------------------------------


@pytest.mark.parametrize("draw_id", ALL_DRAWS)
@pytest.mark.parametrize("lang", [0, 1], ids=["zh", "en"])
def test_index_shows_each_draw_and_its_phase(client, draw_id, lang):
    root = page(client, "/" if lang == 0 else "/?lang=en")
    rows = {r[0]: r for r in root.find("table", class_="draws").table_rows()}
    row = rows[draw_id]
    assert row[1] == "JS-2026-0142 第1标段" and row[2].startswith(TITLES[draw_id])
    assert row[3] == PHASES[draw_id][lang]


@pytest.mark.parametrize(
    ("draw_id", "deadline", "label"),
    [
        (PUBLISHED, "2026-11-26T08:30:00.000Z", "承诺截止"),
        (COMMITTING, "2026-11-26T08:30:00.000Z", "承诺截止"),
        # PROTOCOL.md §13.2: the window runs from the pulse that records the result (08:21).
        (DRAWN, "2026-11-26T08:26:00.000Z", "异议期结束"),
        (EXCLUDED, "2026-11-26T08:26:00.000Z", "异议期结束"),
        # The result deadline: seed_open 08:20 + 5/4 · T/s = 1.25 · 40000 / (3/s) = 16666.667 s.
        (COMPUTING, "2026-11-26T12:57:46.667Z", "结果截止"),
        (VOIDED, None, "无"),
        (SAMPLE, None, "无"),
    ],
    ids=["published", "committing", "drawn", "excluded", "computing", "voided", "blocked"],
)
def test_index_next_deadline_and_countdown(client, draw_id, deadline, label):
    root = page(client, "/")
    row = next(r for r in draw_rows(root) if r.find("a").text() == draw_id)
    cell = row.find_all("td")[3]
    assert cell.text().startswith(label)
    timers = cell.find_all(class_="countdown")
    if deadline is None:
        assert timers == []
        return
    assert cell.find("time").attrs["datetime"] == deadline
    # The script counts to this instant; the server time it counts from is on <body>.
    assert int(timers[0].attrs["data-due-ms"]) == parse_ms(deadline)
    assert "hidden" in timers[0].attrs  # without the script, the absolute time is the answer
    server_now = client.application.extensions["beacon.clock"].now_ms()
    assert int(root.find("body").attrs["data-now-ms"]) == server_now


@pytest.mark.parametrize("draw_id", [DRAWN, EXCLUDED])
def test_index_shows_drawn_values_from_the_result_statement(client, scene, draw_id):
    picks = {p.code: p.values[0] for p in result_body(scene, draw_id).picks}
    q2 = Decimal(1) - Decimal(picks["Q1"])
    root = page(client, "/")
    row = next(r for r in draw_rows(root) if r.find("a").text() == draw_id)
    shown = [li.text() for li in row.find("ul", class_="values").find_all("li")]
    assert shown == [f"K1 = {picks['K1']}", f"Q1 = {picks['Q1']}", f"Q2 = {q2}"]


def test_index_polls_the_json_list_with_a_signature_of_states(client):
    body = page(client, "/").find("body")
    assert body.attrs["data-poll"] == "/api/v1/draws"
    listing = client.get("/api/v1/draws").get_json()["draws"]
    assert body.attrs["data-signature"] == ",".join(f"{d['id']}:{d['state']}" for d in listing)


BLOCKED_NOTE = "无法继续，等待监督作废： 没有可纳入的种子（无人揭示，也没有可开启的种子信封）"


@pytest.mark.parametrize("path", ["/", f"/draws/{SAMPLE}"], ids=["list", "draw"])
def test_a_blocked_draw_says_why(client, path):
    notes = [p.text() for p in page(client, path).find_all("p", class_="warn")]
    assert notes == [BLOCKED_NOTE]


# -- one draw ----------------------------------------------------------------------------------


def test_snapshot_bids_are_the_candidates(client):
    root = page(client, f"/draws/{SAMPLE}")
    table = section(root, "definition").find("table", class_="selections")
    row = table.find("tbody").find("tr")
    assert [li.text() for li in row.find_all("li")] == BIDS
    assert table.table_rows()[0][:3] == ["BID_SAMPLE", "抽取的有效标", "无放回抽取 2 个"]
    assert row.find("p").text() == "候选为签名的有效标快照"
    deadlines = section(root, "definition").find("table", class_="deadlines").table_rows()
    assert ["有效标快照截止", "2026-11-26 16:12:00 北京时间"] in deadlines  # 08:12Z + 8 h


@pytest.mark.parametrize("draw_id", COEFFICIENT_DRAWS)
def test_every_candidate_and_the_formula(client, draw_id):
    root = page(client, f"/draws/{draw_id}")
    table = section(root, "definition").find("table", class_="selections")
    rows = table.find("tbody").find_all("tr")
    lists = {r.find("th").text(): [li.text() for li in r.find_all("li")] for r in rows}
    assert lists == {"K1": K1, "Q1": Q1}
    assert [r[1] for r in table.table_rows()] == ["下浮系数 K1", "权重 Q1"]
    derived = section(root, "definition").find("table", class_="derived").table_rows()
    assert derived == [["Q2", "权重 Q2", "Q2 = 1 - Q1"]]


# The result deadline is seed_open + ⌈5/4 · T/s⌉ (PROTOCOL.md §11.5) at the test
# deployment's s = 3/s: 2000 squarings give 833.334 s, 40000 give 16666.667 s.
@pytest.mark.parametrize(
    ("draw_id", "times", "t"),
    [
        (
            DRAWN,  # dispute end: §13.2, from the pulse that records the result (08:21)
            ("08:10:00.000", "08:15:00.000", "08:20:00.000", "08:33:53.334", "08:26:00.000"),
            "2,000",
        ),
        (COMPUTING, ("08:10:00.000", "08:15:00.000", "08:20:00.000", "12:57:46.667"), "40,000"),
        (COMMITTING, ("08:30:00.000", "08:35:00.000", "08:40:00.000", "08:53:53.334"), "2,000"),
    ],
    ids=["drawn-with-dispute-end", "computing", "committing"],
)
def test_deadlines_and_t(client, draw_id, times, t):
    root = page(client, f"/draws/{draw_id}")
    rows = section(root, "definition").find("table", class_="deadlines").table_rows()
    names = ["承诺截止", "揭示截止", "种子信封开启截止", "结果截止", "异议期结束"][: len(times)]
    utc = [f"2026-11-26T{hm}Z" for hm in times]
    expected = [[n, beijing(u)] for n, u in zip(names, utc, strict=True)]
    assert rows == [*expected, ["异议期（结果公布后）", "5 分钟"]]
    table = section(root, "definition").find("table", class_="deadlines")
    assert [e.attrs["datetime"] for e in table.find_all("time")] == utc
    facts = section(root, "definition").find("dl")
    assert t in facts.text()


CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("path", ["/", f"/draws/{DRAWN}", f"/draws/{VOIDED}", "/pulses"])
def test_times_show_the_display_zone_with_the_signed_utc_on_hover(client, path, lang):
    root = page(client, f"{path}?lang={lang}")
    times = root.find_all("time")
    assert times
    for e in times:
        utc = e.attrs["datetime"]
        assert CANONICAL.fullmatch(utc), utc
        assert e.text() == beijing(utc, lang)
        assert e.attrs["title"] == messages.Translator(lang)("time.utc", utc=utc)
    footer = root.find("footer").text()
    assert footer.endswith(
        "时间以北京时间（UTC+08:00）显示；鼠标悬停在时间上可查看签名记录中的 UTC 时间。"
        if lang == "zh-CN"
        else "Times are shown in Beijing time (UTC+08:00); hover over a time to see the UTC time"
        " as written in the signed record."
    )


def test_a_deployment_shows_times_in_its_own_zone(scene):
    zone = DisplayZone.build(offset="+06:00", name_zh="新疆时间", name_en="Xinjiang time")
    app = create_app({"TESTING": True, "DISPLAY_ZONE": zone}, runtime=scene.deployment.runtime)
    client = app.test_client()
    table = page(client, f"/draws/{DRAWN}?lang=en").find("table", class_="deadlines")
    commit = table.find_all("td")[0].text()
    assert commit == beijing("2026-11-26T08:10:00.000Z", hours=6, name="Xinjiang time")
    assert "Times are shown in Xinjiang time (UTC+06:00)" in page(client, "/").find("footer").text()
    published = client.get("/api/v1/deployment").get_json()["display_zone"]
    assert published == {
        "offset": "+06:00",
        "offset_minutes": 360,
        "names": {"zh-CN": "新疆时间", "en": "Xinjiang time"},
    }


def test_the_default_display_zone_is_published(client):
    assert client.get("/api/v1/deployment").get_json()["display_zone"] == {
        "offset": "+08:00",
        "offset_minutes": 480,
        "names": {"zh-CN": "北京时间", "en": "Beijing time"},
    }


PARTY_STATUS = {  # (opening key, committed, revealed, released) of centre, then agent
    PUBLISHED: [[NO, NO, NO, NO], [NO, NO, NO, NO]],
    COMMITTING: [[YES, YES, NO, NO], [YES, YES, NO, NO]],
    COMPUTING: [[YES, YES, YES, YES], [YES, YES, YES, YES]],
    DRAWN: [[YES, YES, YES, YES], [YES, YES, YES, YES]],
    EXCLUDED: [[YES, YES, YES, YES], [YES, YES, NO, NO]],
    VOIDED: [[NO, NO, NO, NO], [NO, NO, NO, NO]],
    SAMPLE: [[YES, YES, NO, NO], [YES, YES, NO, NO]],
}


@pytest.mark.parametrize("draw_id", list(PARTY_STATUS))
def test_party_status_and_sealed_seeds(client, scene, draw_id):
    root = page(client, f"/draws/{draw_id}")
    rows = section(root, "seeds").find("table", class_="status").table_rows()
    assert [r[0] for r in rows] == ["交易中心", "招标人/代理"]
    assert [r[1:] for r in rows] == PARTY_STATUS[draw_id]
    with scene.deployment.runtime.database.read() as session:
        submitted = StatementRepository(session).about("JS-2026-0142", draw_id, ["envelope.submit"])
    seeds = section(root, "seeds").by_id("bidder-seeds").text()
    rec = record(scene.deployment, draw_id)
    frozen = f" · 其中 {len(submitted)} 个在冻结集合中" if rec.one("draw.freeze") else ""
    assert seeds == f"已提交 {len(submitted)} 个{frozen}"


@pytest.mark.parametrize("draw_id", [DRAWN, COMPUTING, EXCLUDED])
def test_freeze_pulse_links_to_the_nist_path(client, scene, draw_id):
    body = record(scene.deployment, draw_id).one("draw.freeze").signed.statement.body
    link = section(page(client, f"/draws/{draw_id}"), "seeds").find("a")
    path = f"/beacon/2.0/chain/{body.pulse_chain}/pulse/{body.pulse_index}"
    assert link.attrs["href"] == path and link.text() == f"{body.pulse_chain}/{body.pulse_index}"
    assert client.get(path).get_json()["pulse"]["pulseIndex"] == body.pulse_index


def test_vdf_progress_comes_from_the_lease_row(client, scene):
    with scene.deployment.runtime.database.read() as session:
        job = StatementRepository(session).job(COMPUTING)
        owner, done = job.owner, job.progress
    assert owner == "worker-a" and 0 < done < COMPUTING_T  # the worker died half-way
    vdf = section(page(client, f"/draws/{COMPUTING}"), "vdf")
    bar = vdf.find("progress")
    assert (int(bar.attrs["value"]), int(bar.attrs["max"])) == (done, COMPUTING_T)
    permille = done * 1000 // COMPUTING_T
    assert vdf.by_id("vdf-line").text() == f"{done:,} / 40,000 ({permille // 10}.{permille % 10}%)"
    assert vdf.by_id("vdf-worker").text() == "worker-a"


def test_a_finished_vdf_is_one_line_of_the_result(client, scene):
    with scene.deployment.runtime.database.read() as session:
        job = StatementRepository(session).job(DRAWN)
        owner, done = job.owner, job.progress
    root = page(client, f"/draws/{DRAWN}")
    assert root.find_all("section", id="vdf") == []
    facts = dict(
        zip(
            *[[e.text() for e in section(root, "result").find_all(tag)] for tag in ("dt", "dd")],
            strict=True,
        )
    )
    assert (done, owner) == (2000, "worker-b")
    assert facts["VDF 平方次数：已完成 / T"] == "2,000 / 2,000 (100.0%) · worker-b"


@pytest.mark.parametrize(
    ("draw_id", "polls"),
    [(COMPUTING, True), (COMMITTING, True), (DRAWN, True), (VOIDED, False)],
    ids=["computing", "committing", "drawn", "voided-is-final"],
)
def test_draw_page_polls_its_json_until_final(client, draw_id, polls):
    body = page(client, f"/draws/{draw_id}").find("body")
    assert body.attrs.get("data-poll") == (f"/api/v1/draws/{draw_id}" if polls else None)
    assert body.attrs["data-state"] == client.get(f"/api/v1/draws/{draw_id}").get_json()["state"]


@pytest.mark.parametrize(
    ("draw_id", "note"),
    [(PUBLISHED, "尚无结果"), (COMMITTING, "尚无结果"), (VOIDED, "本抽取已作废，不会产生结果")],
    ids=["published", "committing", "voided"],
)
def test_no_vdf_and_no_result_before_computing(client, draw_id, note):
    root = page(client, f"/draws/{draw_id}")
    assert root.find_all("section", id="vdf") == []
    assert section(root, "result").find("p").text().startswith(note)


@pytest.mark.parametrize("draw_id", [DRAWN, EXCLUDED])
def test_result_values_and_marked_candidates(client, scene, draw_id):
    picks = {p.code: p.values for p in result_body(scene, draw_id).picks}
    root = page(client, f"/draws/{draw_id}")
    q2 = Decimal(1) - Decimal(picks["Q1"][0])
    assert section(root, "result").find("table").table_rows() == [
        ["K1", "下浮系数 K1", picks["K1"][0]],
        ["Q1", "权重 Q1", picks["Q1"][0]],
        ["Q2", "权重 Q2 派生值: Q2 = 1 - Q1", str(q2)],
    ]
    marked = [m.text() for m in section(root, "definition").find_all("mark")]
    assert marked == [picks["K1"][0], picks["Q1"][0]]
    output = result_body(scene, draw_id).output.hex()
    assert output in section(root, "result").find("dl").text()


@pytest.mark.parametrize(
    ("draw_id", "statuses"),
    [
        (DRAWN, {"centre": {"已纳入"}, "agent": {"已纳入"}, "bidder": {"已纳入"}}),
        (EXCLUDED, {"centre": {"已纳入"}, "agent": {"未揭示"}, "bidder": {"开启密钥未释放"}}),
    ],
    ids=["all-included", "agent-withheld"],
)
def test_seed_inclusion_with_reasons(client, scene, draw_id, statuses):
    seeds = result_body(scene, draw_id).seeds
    rows = (
        section(page(client, f"/draws/{draw_id}"), "seeds")
        .find("table", class_="seeds")
        .table_rows()
    )
    assert len(rows) == len(seeds) == 5
    role = {"交易中心": "centre", "招标人/代理": "agent", "投标人": "bidder"}
    shown: dict[str, set[str]] = {}
    for row in rows:
        shown.setdefault(role[row[0]], set()).add(row[3])
    assert shown == statuses
    # PROTOCOL.md §10.2: each exclusion names who is at fault.
    reasons = {r[3]: r[4] for r in rows}
    if draw_id == EXCLUDED:
        assert reasons["未揭示"] == "已承诺但未在揭示截止前揭示（责任在该方）"
        assert reasons["开启密钥未释放"].endswith("（责任在未释放方）")
    fingerprints = [r[2] for r in rows]
    assert fingerprints == [
        f"{e.party.fingerprint.hex()[:16]}…{e.party.fingerprint.hex()[-8:]}" for e in seeds
    ]


def test_parties_with_subjects_and_fingerprints(client, scene):
    d = scene.deployment
    rows = section(page(client, f"/draws/{DRAWN}"), "parties").find("table").table_rows()
    expected = {
        ("招标人/代理", d.actor("agent", "agent").fingerprint.hex()),
        ("交易中心", d.actor("centre", "centre").fingerprint.hex()),
        ("监督", d.actor("supervisor", "supervisor").fingerprint.hex()),
    } | {("投标人", d.actor(f"bidder-{i}", "bidder").fingerprint.hex()) for i in (1, 2, 3)}
    assert {(r[0], r[2]) for r in rows} == expected  # never the beacon's own key (PROTOCOL.md §3.3)
    assert all(r[1].startswith("CN=") for r in rows)


@pytest.mark.parametrize("draw_id", ALL_DRAWS)
def test_timeline_is_every_logged_statement(client, scene, draw_id):
    with scene.deployment.runtime.database.read() as session:
        logged = StatementRepository(session).about("JS-2026-0142", draw_id)
        expected = [(str(s.leaf_index), s.row.kind) for s in logged]
    table = section(page(client, f"/draws/{draw_id}"), "timeline").find("table")
    shown = [(r[0], r[1].split()[-1]) for r in table.table_rows()]
    assert shown == expected
    links = [a.attrs["href"] for a in table.find_all("a")]
    assert links == [f"/api/v1/statements/{s.row.statement_hash.hex()}/receipt" for s in logged]


def test_voided_draw_shows_the_supervisors_reason(client, scene):
    void = record(scene.deployment, VOIDED).one("draw.void")
    root = page(client, f"/draws/{VOIDED}")
    notice = root.find("section", class_="danger")
    assert notice.find("h2").text() == "本抽取已作废"
    assert [dd.text() for dd in notice.find_all("dd")] == [
        VOID_REASON,
        beijing(format_ms(void.row.received_ms)),
    ]


@pytest.mark.parametrize("draw_id", [DRAWN, COMMITTING])
def test_verify_command_downloads_the_proof_it_names(client, draw_id):
    root = section(page(client, f"/draws/{draw_id}"), "verify")
    (command,) = root.by_id("verify-command").find("code").children  # the raw lines
    # The documented form (describe.verify_command): fetch the platform CA and the proof
    # with curl, check with beacon-verify against that CA (issue 12 item 8).
    url = f"http://localhost/api/v1/draws/{draw_id}/proof"
    assert command.split("\n") == [
        "curl -fsS -o ca.pem http://localhost/ca.pem",
        f"curl -fsS -o {draw_id}-proof.json {url}",
        f"beacon-verify draw {draw_id}-proof.json --anchors ca.pem",
    ]
    assert root.find("a", download=f"{draw_id}-proof.json").attrs["href"] == url
    assert root.by_id("ca-download").attrs["href"] == "http://localhost/ca.pem"
    proof = client.get(url)
    assert proof.status_code == 200
    assert proof.headers["Content-Disposition"] == f'attachment; filename="{draw_id}-proof.json"'
    assert proof.get_json()["draw_id"] == draw_id


@pytest.mark.parametrize(
    ("base_url", "argv"),
    [
        (
            "http://beacon.example:8080",
            [
                ["curl", "-fsS", "-o", "ca.pem", "http://beacon.example:8080/ca.pem"],
                [
                    "curl",
                    "-fsS",
                    "-o",
                    "D-1-proof.json",
                    "http://beacon.example:8080/api/v1/draws/D-1/proof",
                ],
                ["beacon-verify", "draw", "D-1-proof.json", "--anchors", "ca.pem"],
            ],
        ),
        (
            "http://evil;rm -rf ~",
            [
                ["curl", "-fsS", "-o", "ca.pem", "http://evil;rm -rf ~/ca.pem"],
                [
                    "curl",
                    "-fsS",
                    "-o",
                    "D-1-proof.json",
                    "http://evil;rm -rf ~/api/v1/draws/D-1/proof",
                ],
                ["beacon-verify", "draw", "D-1-proof.json", "--anchors", "ca.pem"],
            ],
        ),
    ],
    ids=["plain", "hostile-host-header-stays-one-argument"],
)
def test_verify_command_is_exactly_three_commands(base_url, argv):
    lines = describe.verify_command("D-1", base_url).split("\n")
    assert [shlex.split(line) for line in lines] == argv


# -- languages ---------------------------------------------------------------------------------

PAGES = [
    "/",
    *[f"/draws/{d}" for d in ALL_DRAWS],
    "/pulses",
    "/pulses?chain=1&index=2",
    "/draws/no-such-draw",
]


def _data_strings(client) -> list[str]:
    """Every string the record holds (titles, labels, subjects, reasons): shown as signed."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for draw_id in ALL_DRAWS:
        walk(client.get(f"/api/v1/draws/{draw_id}").get_json())
    for tender_id in ceremonies.TENDER_PHASES:
        walk(client.get(f"/api/v1/tenders/{tender_id}").get_json())
    return sorted(set(out), key=len, reverse=True)


@pytest.mark.parametrize("path", PAGES)
def test_english_pages_have_no_chinese_label(client, path):
    status = 404 if "no-such" in path else 200
    root = page(client, path + ("&" if "?" in path else "?") + "lang=en", status)
    assert root.find("html").attrs["lang"] == "en"
    switch = root.find("a", class_="lang")
    assert (switch.attrs["lang"], switch.text()) == ("zh-CN", "中文")
    text = visible_text(root).replace("中文", "")
    for data in _data_strings(client):
        text = text.replace(data, "")
    assert CJK.findall(text) == []


@pytest.mark.parametrize("path", PAGES)
def test_chinese_pages_use_the_chinese_labels(client, path):
    status = 404 if "no-such" in path else 200
    root = page(client, path, status)
    assert root.find("html").attrs["lang"] == "zh-CN"
    switch = root.find("a", class_="lang")
    assert (switch.attrs["lang"], switch.text()) == ("en", "English")
    text = visible_text(root)
    zh = messages.MESSAGES["zh-CN"]
    # Any English label of more than one word would be an untranslated label here.
    leaked = [
        en
        for key, en in messages.MESSAGES["en"].items()
        if " " in en and en != zh[key] and "{" not in en and en in text
    ]
    assert leaked == []
    assert zh["site.name"] in text and zh["site.tagline"] in text


def test_language_choice_is_remembered_in_a_cookie(client):
    assert page(client, "/?lang=en").find("html").attrs["lang"] == "en"
    assert page(client, f"/draws/{DRAWN}").find("html").attrs["lang"] == "en"
    assert page(client, "/pulses?lang=zh-CN").find("html").attrs["lang"] == "zh-CN"
    assert page(client, "/").find("html").attrs["lang"] == "zh-CN"


@pytest.mark.parametrize(
    ("query", "cookie", "lang"),
    [
        (None, None, "zh-CN"),
        ("en", None, "en"),
        ("EN", None, "en"),
        ("zh", "en", "zh-CN"),
        (None, "en", "en"),
        ("fr", "en", "en"),
        ("fr", None, "zh-CN"),
    ],
    ids=[
        "default",
        "query",
        "query-any-case",
        "query-beats-cookie",
        "cookie",
        "unknown-query-falls-back-to-cookie",
        "unknown-query-default",
    ],
)
def test_language_choice(query, cookie, lang):
    assert messages.choose(query, cookie) == lang


def test_switch_link_keeps_the_query(client):
    root = page(client, "/pulses?chain=1&index=2")
    assert root.find("a", class_="lang").attrs["href"] == "/pulses?chain=1&index=2&lang=en"


def test_both_languages_have_the_same_labels():
    assert messages.MESSAGES["zh-CN"].keys() == messages.MESSAGES["en"].keys()
    for key, en in messages.MESSAGES["en"].items():
        zh = messages.MESSAGES["zh-CN"][key]
        assert re.findall(r"{(\w*)}", zh) == re.findall(r"{(\w*)}", en), key
        assert not CJK.search(en) or key == "lang.name", key


def test_every_recorded_name_has_a_label():
    """Phases, statement kinds, roles, seed statuses, regimes, kinds and deadlines."""
    t = messages.Translator("zh-CN")
    keys = (
        [f"phase.{p.value}" for p in Phase]
        + [f"stmt.{k}" for k in KINDS]
        + [f"role.{r}" for r in ("centre", "agent", "bidder", "supervisor", "beacon", "public")]
        + [f"seed.{s.value}" for s in SeedStatus]
        + [f"reason.{s.value}" for s in SeedStatus]
        + [f"regime.{r.value}" for r in Regime]
        + [f"kind.{k.value}" for k in Kind]
        + [f"deadline.{n}" for n in (*describe.PHASE_DEADLINE.values(), "dispute_end")]
    )
    assert [k for k in keys if not t.has(k)] == []


def test_every_blocked_reason_is_translated():
    """lifecycle.blocked_reason's sentences, produced by the facts that cause them."""
    from beacon.core.lifecycle import Facts, blocked_reason
    from beacon.service.demo import bid_sample_definition
    from beacon.web.pages import BLOCKED
    from tests.service.deployment import DELAY, PERIOD, T0

    sample = bid_sample_definition(
        draw_id="D-1", tender_id="T-1", commit=T0 + 10 * PERIOD, snapshot=T0 + 12 * PERIOD,
        reveal=T0 + 15 * PERIOD, seed_open=T0 + 20 * PERIOD, vdf_t=2000, k=1, **DELAY,
    )  # fmt: skip
    base = Facts(
        definition=sample,
        countersigned=True,
        opening_keys=frozenset({"centre", "agent"}),
        frozen=True,
        frozen_opening_keys=frozenset({"centre", "agent"}),
        frozen_commitments=frozenset({"centre", "agent"}),
    )
    no_snapshot = blocked_reason(base, T0 + 12 * PERIOD)
    later = T0 + 20 * PERIOD
    no_seed = blocked_reason(dataclasses.replace(base, snapshot=True, pulse_ms=later), later)
    # §6.4: a pulse at or after the result deadline without a result: the beacon failed.
    late = sample.deadlines.result
    no_result = blocked_reason(
        dataclasses.replace(base, snapshot=True, reveals=base.frozen_commitments, pulse_ms=late),
        late,
    )
    missing = [
        blocked_reason(dataclasses.replace(base, frozen_commitments=frozenset(roles)), T0)
        for roles in ({"agent"}, {"centre"}, set())
    ]
    assert {no_snapshot, no_seed, no_result, *missing} == set(BLOCKED)


def test_missing_label_is_an_error_not_a_raw_key():
    with pytest.raises(KeyError, match="no en label 'nope.nothing' in beacon.web.messages"):
        messages.Translator("en")("nope.nothing")
    with pytest.raises(ValueError, match="language: expected one of zh-CN, en, got 'fr'"):
        messages.Translator("fr")


_JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
_LABEL_ATTRS = re.compile(r'\b(?:title|aria-label|alt|placeholder)="([^"]*)"')
_ATTRS = re.compile(r'[\w-]+="[^"]*"')
_CODE = re.compile(r"<code\b[^>]*>.*?</code>", re.S)  # paths and protocol names, not labels


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_hold_no_literal_labels(template):
    """Outside Jinja tags, a template's text and label attributes hold no words."""
    source = _JINJA.sub(" ", (TEMPLATES / template).read_text())
    attributes = [v for v in _LABEL_ATTRS.findall(source) if v.strip()]
    text = re.sub(r"<[^>]*>", " ", _ATTRS.sub(" ", _CODE.sub(" ", source)))
    words = re.findall(r"[A-Za-z]{2,}|[\u3400-\u9fff]", text)
    assert (words, attributes) == ([], [])


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "kind", "text"),
    [
        ("/draws/no-such-draw", "text/html", "html", "没有编号为 no-such-draw 的抽取。"),
        ("/draws/no-such-draw?lang=en", "text/html", "html", "There is no draw no-such-draw."),
        ("/draws/no-such-draw", "*/*", "html", "没有编号为 no-such-draw 的抽取。"),
        ("/no-such-page", "text/html,application/xhtml+xml,*/*;q=0.8", "html", "没有这个页面。"),
        ("/static/no-such.css", "text/html", "html", "没有这个页面。"),
        ("/no-such-page", "*/*", "problem", "The requested URL was not found"),
        ("/api/v1/draws/no-such-draw", "text/html", "problem", "no draw 'no-such-draw'"),
        ("/beacon/2.0/chain/9/pulse/9", "text/html", "problem", "no pulse 9/9"),
    ],
    ids=[
        "draw-html",
        "draw-html-en",
        "draw-page-any-accept",
        "browser",
        "static",
        "script",
        "api",
        "nist",
    ],
)
def test_not_found(client, path, accept, kind, text):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    if kind == "html":
        assert response.mimetype == "text/html"
        root = parse(response.get_data(as_text=True))
        assert root.find("p", class_="lead").text() == text
    else:
        assert response.mimetype == "application/problem+json"
        assert text in response.get_json()["detail"]


# -- the pulse explorer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "labels"),
    [
        (0, ["flag.regular"]),
        (1, ["flag.1"]),
        (2, ["flag.2"]),
        (4, ["flag.4"]),
        (6, ["flag.2", "flag.4"]),
        (9, ["flag.1", "flag.unknown"]),
    ],
    ids=["regular", "chain-start", "gap", "certificate", "gap-and-certificate", "unknown-bit"],
)
def test_status_flags_decoded(status_code, labels):
    """PROTOCOL.md §8.5: bit 1 chain start, 2 time gap, 4 certificate change."""
    assert [key for key, _ in explorer.flags(status_code)] == labels


def test_latest_pulses_with_their_tree_heads(client, scene):
    with scene.deployment.runtime.database.read() as session:
        pulses = PulseRepository(session)
        log = LogRepository(session)
        last = pulses.last()
        newest = pulses.range(last.chain_index, last.pulse_index - 19, last.pulse_index + 1)[::-1]
        roots = [
            log.tree_head(p.tree_size).root_hash.hex() for p in newest
        ]  # recomputed from the tree
        outputs = [p.pulse().output_value.hex().upper() for p in newest]
    rows = section(page(client, "/pulses"), "latest").find("table").find("tbody").find_all("tr")
    assert len(rows) == 20
    for row, stored, root, output in zip(rows, newest, roots, outputs, strict=True):
        cells = row.find_all("td")
        assert (
            row.find("th").find("a").attrs["href"]
            == f"/beacon/2.0/chain/1/pulse/{stored.pulse_index}"
        )
        assert cells[2].find("code").attrs["title"] == output
        assert cells[3].find("a").text() == f"大小 {stored.tree_size}"
        assert cells[3].find("code").attrs["title"] == root


def test_first_pulse_is_a_chain_start(client):
    root = page(client, "/pulses?chain=1&index=1")
    flags = root.find("table", class_="members").table_rows()[0]
    assert flags == ["状态标志", "链起点"]


@pytest.mark.parametrize(
    ("query", "chain", "index"),
    [
        ("chain=1&index=3", 1, 3),
        ("time=2026-11-26T08:03:00.000Z", 1, 4),
        ("time=2026-11-26T08:02:30.000Z", 1, 4),
        (f"time={1795680180000}", 1, 4),
        # A typed time in Beijing time (the form encodes "+" as %2B): 16:03 at +08:00 is 08:03Z.
        ("time=2026-11-26T16:03:00%2B08:00", 1, 4),
        ("time=2026-11-26T08:02:30Z", 1, 4),
    ],
    ids=[
        "by-index",
        "by-exact-time",
        "by-time-between-pulses",
        "by-milliseconds",
        "by-beijing-time",
        "by-time-without-millis",
    ],
)
def test_lookup_finds_the_pulse(client, query, chain, index):
    """Pulse 1 is at T0 = 08:00, one per minute (no gaps), so 08:03 is pulse 4."""
    root = section(page(client, f"/pulses?{query}"), "lookup")
    assert root.find("h3").text() == f"脉冲 {chain}/{index}"
    members = dict(root.find("table", class_="members").table_rows())
    served = client.get(f"/beacon/2.0/chain/{chain}/pulse/{index}").get_json()["pulse"]
    assert members["outputValue"] == served["outputValue"]
    assert members["timeStamp"] == served["timeStamp"]
    assert members["listValues[previous]"] == served["listValues"][0]["value"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("chain=1&index=x", 400, "序号：应为非负整数，收到 “x”"),
        ("chain=-1&index=2", 400, "链：应为非负整数，收到 “-1”"),
        ("chain=1", 400, "按序号查询需要同时填写链和序号"),
        ("time=yesterday", 400, "时间：应为带时区偏移的 RFC 3339 时间（如 2026-11-26T17:00:00+08:00 或 2026-11-26T09:00:00.000Z）或毫秒数，收到 “yesterday”"),
        ("time=2026-11-26T16:03:00", 400, "收到 “2026-11-26T16:03:00”"),
        ("time=2099-01-01T00:00:00.000Z", 404, "2099-01-01T00:00:00.000Z 尚未到来，还没有该时刻的脉冲"),
        ("time=99999999999999999999", 404, "99999999999999999999 尚未到来"),
        ("chain=1&index=999", 404, "链 1 中没有序号为 999 的脉冲"),
        ("chain=7&index=1&lang=en", 404, "chain 7 has no pulse 1"),
        ("time=x&lang=en", 400, "Time: expected an RFC 3339 time with its offset (e.g. 2026-11-26T17:00:00+08:00 or 2026-11-26T09:00:00.000Z) or milliseconds, got “x”"),
        ("chain=１&index=２&lang=en", 400, "expected a non-negative integer, got “１”"),
        ("time=١٧٩٥٦٨٣٦٠٠٠٠٠&lang=en", 400, "or milliseconds, got “١٧٩٥٦٨٣٦٠٠٠٠٠”"),
        ("time=２０２６-11-26T08:03:00.000Z&lang=en", 400, "got “２０２６-11-26T08:03:00.000Z”"),
    ],
    ids=["bad-index", "negative-chain", "index-missing", "bad-time", "time-without-offset", "future", "far-future",
         "no-such-index", "no-such-chain-en", "bad-time-en", "full-width-index", "arabic-indic-ms",
         "full-width-year"],
)  # fmt: skip
def test_lookup_problems(client, query, status, message):
    root = page(client, f"/pulses?{query}", status)
    alert = root.find("p", role="alert").text()
    assert message in alert
    assert section(root, "latest").find("table")  # the rest of the page still works


def test_pulse_links_resolve(client):
    root = section(page(client, "/pulses"), "links")
    for a in root.find_all("a"):
        assert client.get(a.attrs["href"]).status_code == 200, a.attrs["href"]


# -- what every page promises ----------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_headers_and_read_only_markup(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["Content-Security-Policy"].startswith(
        "default-src 'none'; script-src 'self'"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]
    assert response.headers["Content-Language"] == "zh-CN"
    root = parse(response.get_data(as_text=True))
    # Nothing on a page can change a draw: no form posts, no inline script.
    assert all(f.attrs.get("method", "get") == "get" for f in root.find_all("form"))
    assert [s.attrs.get("src") for s in root.find_all("script")] == ["/static/board.js"]
    assert all(t.find_all("thead") for t in root.find_all("table"))


def test_static_files_are_served(client):
    css = client.get("/static/board.css")
    js = client.get("/static/board.js")
    assert css.status_code == js.status_code == 200
    assert css.mimetype == "text/css" and js.mimetype in (
        "text/javascript",
        "application/javascript",
    )


def test_openapi_documents_every_route_including_pages(client, app):
    document = client.get("/openapi.json").get_json()
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()}
    assert rules == set(document["paths"])
    for path in ("/", "/draws/{draw_id}", "/pulses"):
        assert "text/html" in document["paths"][path]["get"]["responses"]["200"]["content"]


def test_a_label_defined_on_two_pages_is_refused_at_import() -> None:
    from beacon.web import messages

    with pytest.raises(ValueError, match="label 'site.name' is defined twice"):
        messages._merge([{"site.name": ("甲", "a")}, {"site.name": ("乙", "b")}])
    assert messages._merge([{"a.b": ("甲", "a")}, {"c.d": ("乙", "b")}]) == {
        "a.b": ("甲", "a"),
        "c.d": ("乙", "b"),
    }
