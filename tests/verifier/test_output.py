"""beacon-verify's output for people (issue 12 items 1, 8, 9): a summary mismatch by field,
the objections and their reasons, Chinese with --lang zh or a zh_* locale, Beijing time
unless --utc, and the plain words when the bundle's own anchors were used."""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from beacon.store import sqlite_url
from tests.conftest import ROOT
from tests.service.deployment import PERIOD, open_deployment
from tests.service.test_draw_flow import bundle, record, run_to_result
from tests.verifier import test_tender
from tests.verifier.conftest import Served
from tests.verifier.test_cli import run, write
from verifier import messages, verify_bundle
from verifier.cli import INVALID, UNANCHORED, UNUSABLE, VALID, main
from verifier.draw import differences

# Every module of the verifier, its subpackages' too, by its path below verifier/.
SOURCES = {
    p.relative_to(ROOT / "verifier").as_posix(): p.read_text()
    for p in (ROOT / "verifier").rglob("*.py")
}


# -- item 9a: a summary mismatch names the field and both values --------------------------------


@pytest.mark.parametrize(
    ("expected", "got", "found"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": [1, 2]}, {"a": [1, 3]}, [("s.a[1]", 2, 3)]),
        ({"a": 3}, {"a": 3.0}, [("s.a", 3, 3.0)]),
        ({"a": 1}, {"a": True}, [("s.a", 1, True)]),
        ({"a": [1]}, {"a": [1, 2]}, [("s.a", [1], [1, 2])]),
        ({"a": 1}, {"b": 1}, [("s.a", 1, ...), ("s.b", ..., 1)]),
        ({"a": {"b": "x"}}, {"a": "x"}, [("s.a", {"b": "x"}, "x")]),
    ],
    ids=["same", "list-member", "float-for-int", "bool-for-int", "list-length", "keys", "shape"],
)
def test_differences_are_the_deepest_members_that_differ(expected, got, found):
    assert differences(expected, got, "s") == found


def test_a_changed_summary_value_names_its_field(drawn: Served):
    doc = copy.deepcopy(drawn.bundle)
    doc["summary"]["values"][0]["indexes"] = [99]
    doc["summary"]["output"] = "ab"
    report = verify_bundle(doc)
    failed = [c for c in report.checks if not c.ok]
    assert [c.name for c in failed] == ["summary"]
    indexes = drawn.bundle["summary"]["values"][0]["indexes"]
    assert failed[0].detail == (
        "the summary is not what the statements give: "
        f'summary.output: expected "{drawn.bundle["summary"]["output"]}", the bundle has "ab"; '
        f"summary.values[0].indexes[0]: expected {indexes[0]}, the bundle has 99"
    )


def test_a_long_value_is_cut_and_more_differences_are_counted(drawn: Served):
    doc = copy.deepcopy(drawn.bundle)
    doc["summary"]["seeds"] = []
    for v in doc["summary"]["values"]:
        v["label"] += "x"
    detail = next(c.detail for c in verify_bundle(doc).checks if c.name == "summary")
    n = len(drawn.bundle["summary"]["values"])
    assert n >= 2  # 1 + n differences, 3 shown
    shown = detail.removeprefix("the summary is not what the statements give: ").split("; ")
    assert re.fullmatch(
        r'summary\.seeds: expected \[\{"fingerprint": .{150,190}…, the bundle has \[\]', shown[0]
    )
    assert shown[1:3] == [
        f'summary.values[{i}].label: expected "{v["label"]}", the bundle has "{v["label"]}x"'
        for i, v in enumerate(drawn.bundle["summary"]["values"][:2])
    ]
    assert shown[3:] == ([f"and {n + 1 - 3} more"] if n > 2 else [])


# -- item 9b: objections and their reasons --------------------------------------------------------


@pytest.fixture(scope="module")
def disputed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A drawn draw a bidder objected to, bundled after its dispute window."""
    tmp = tmp_path_factory.mktemp("disputed")
    d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    try:
        c = run_to_result(d)
        c.submit(c.bidders[0].object(c.definition.draw_id, "抽取前未公示候选值清单"))
        result = record(d).one("draw.result")
        d.advance_to(result.row.received_ms + 7 * PERIOD)
        return bundle(d).to_dict()
    finally:
        d.runtime.close()


def test_objections_and_their_reasons_are_listed(disputed, tmp_path: Path, capsys):
    (x,) = [
        x for x in disputed["statements"] if x["signed"]["statement"]["kind"] == "draw.objection"
    ]
    s = x["signed"]["statement"]
    path = write(tmp_path / "p.json", disputed)
    code, out, _ = run(capsys, "draw", path, "--utc")
    assert code == UNANCHORED
    assert (
        f"  objection by bidder {s['actor'][:16]}… at {s['issued_at']} (leaf {x['leaf_index']}): "
        "抽取前未公示候选值清单"
    ) in out.splitlines()
    code, out, _ = run(capsys, "draw", path, "--lang", "zh", "--utc")
    assert (
        f"  投标人 {s['actor'][:16]}… 于 {s['issued_at']} 提出异议（叶 {x['leaf_index']}）："
        "抽取前未公示候选值清单"
    ) in out.splitlines()
    code, out, _ = run(capsys, "draw", path, "--json")
    assert json.loads(out)["values"]["after_result"] == [
        {
            "kind": "objection",
            "role": "bidder",
            "actor": s["actor"],
            "issued_at": s["issued_at"],
            "leaf": x["leaf_index"],
            "reason": "抽取前未公示候选值清单",
        }
    ]


def test_a_draw_without_objections_lists_none(drawn: Served):
    assert verify_bundle(drawn.bundle).values["after_result"] == []


# -- item 1: Beijing time unless --utc -----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "shown"),
    [  # UTC+8 by hand: 11:16 UTC is 19:16 in Beijing; 16:00 UTC on 31 December is next year
        ("en", "at 2026-11-18T11:16:40.000Z,", "at 2026-11-18 19:16:40.000 Beijing time,"),
        ("zh", "2026-12-31T16:00:00.001Z", "2027-01-01 00:00:00.001 北京时间"),
        ("en", "2026-02-28T20:00:00.999Z → x", "2026-03-01 04:00:00.999 Beijing time → x"),
        ("en", "not a time: 2026-11-18T11:16:40Z", "not a time: 2026-11-18T11:16:40Z"),
        # quoted from a bad input: no such day, so shown as it was rather than a crash
        ("en", "month 13: 2026-13-01T00:00:00.000Z", "month 13: 2026-13-01T00:00:00.000Z"),
        ("zh", "2026-02-30T00:00:00.000Z", "2026-02-30T00:00:00.000Z"),
    ],
    ids=["en", "new-year", "month-end", "not-canonical", "month-13", "february-30"],
)
def test_times_show_in_beijing_time(lang: str, text: str, shown: str):
    assert messages.times(text, lang) == shown


def test_the_cli_shows_beijing_time_and_utc_with_utc(drawn: Served, tmp_path: Path, capsys):
    path = write(tmp_path / "p.json", drawn.bundle)
    _, utc, _ = run(capsys, "draw", path, "--utc")
    _, shown, _ = run(capsys, "draw", path)
    _, as_json, _ = run(capsys, "draw", path, "--json")
    stamps = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc)
    assert stamps and not re.search(r"\dZ\b", shown)
    assert shown == messages.times(utc, "en")
    assert "Beijing time" in shown
    detail = next(c["detail"] for c in json.loads(as_json)["checks"] if c["name"] == "time-points")
    assert detail in utc  # the JSON keeps canonical UTC


# -- item 8: the bundle's own anchors, and where the CA certificate is --------------------------


def test_with_from_the_guidance_names_the_boards_ca(drawn: Served, beacon_url: str, capsys):
    draw_id = drawn.bundle["draw_id"]
    code, out, _ = run(capsys, "draw", draw_id, "--from", beacon_url, "--lang", "zh")
    assert code == UNANCHORED
    assert out.splitlines()[-3:] == [
        "不是 VALID：证书仅对照证据包自带的信任锚检查，而它们任何人都能写",
        f"请从公示板下载平台的 CA 证书（{beacon_url}/ca.pem），向交易中心核实其指纹后，"
        "加上 --anchors ca.pem 重新运行",
        "仅相对于证据包自带的信任锚有效，而它们任何人都能写：这不是结论"
        "（请用 --anchors CA.pem 指定您信任的 CA 证书）",
    ]


# -- item 9c: Chinese -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "system", "lang"),
    [
        ({}, None, "en"),
        ({"LANG": "zh_CN.UTF-8"}, None, "zh"),
        ({"LANG": "zh_TW.Big5"}, None, "zh"),
        ({"LANG": "en_US.UTF-8"}, None, "en"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, None, "en"),
        ({"LANG": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, None, "zh"),
        ({"LANG": "zh_CN.UTF-8", "LC_ALL": ""}, None, "zh"),
        ({}, "Chinese (Simplified)_China", "zh"),
        ({}, "English_United States", "en"),
        ({"LANG": "en_GB"}, "Chinese (Simplified)_China", "en"),
    ],
    ids=[
        "nothing",
        "zh-cn",
        "zh-tw",
        "en",
        "lc-all-first",
        "lc-messages-before-lang",
        "empty-lc-all-skipped",
        "windows-chinese",
        "windows-english",
        "variables-before-system",
    ],
)
def test_the_language_follows_the_locale(environ: dict[str, str], system: str | None, lang: str):
    assert messages.language(environ, system) == lang


def test_lang_defaults_to_the_locale(drawn: Served, tmp_path: Path, capsys, monkeypatch):
    path = write(tmp_path / "p.json", drawn.bundle)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, _ = run(capsys, "draw", path, "--anchors", str(drawn.ca_pem))
    assert (code, out.splitlines()[0], out.splitlines()[-1]) == (
        VALID,
        "信任锚：--anchors 指定的证书",
        "有效（VALID）",
    )
    code, out, _ = run(capsys, "draw", path, "--anchors", str(drawn.ca_pem), "--lang", "en")
    assert (code, out.splitlines()[-1]) == (VALID, "VALID")


def test_a_failure_in_chinese(drawn: Served, tmp_path: Path, capsys):
    doc = copy.deepcopy(drawn.bundle)
    doc["summary"]["values"][0]["indexes"] = [99]
    (index,) = drawn.bundle["summary"]["values"][0]["indexes"]
    code, out, _ = run(capsys, "draw", write(tmp_path / "p.json", doc), "--lang", "zh")
    assert code == INVALID
    assert [x for x in out.splitlines() if x.startswith("✗")] == [
        f"✗ 摘要（summary）：摘要与声明推导出的结果不符：summary.values[0].indexes[0]：应为 {index}，"
        "证据包中为 99"
    ]
    assert out.splitlines()[-1] == "无效（INVALID）"


def test_unusable_input_in_chinese(tmp_path: Path, capsys):
    code, out, err = run(capsys, "draw", str(tmp_path / "none.json"), "--lang", "zh")
    assert (code, out) == (UNUSABLE, "")
    assert err.startswith("beacon-verify：输入无法使用：")


def test_help_explains_the_exit_statuses_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "zh", "--help"])
    out = capsys.readouterr().out
    for line in ("0  VALID：", "1  INVALID：", "2  输入无法使用：", "3  仅相对于文档自带的"):
        assert line in out


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        (
            "leaf 7 (draw.result): the rsa-pkcs1v15-sha256 signature does not verify",
            "叶 7（draw.result）：rsa-pkcs1v15-sha256 签名验证不通过",
        ),
        (
            "leaf 3 (tender.register by centre): 9a1b… is not registered as centre",
            "叶 3（交易中心的 tender.register）：9a1b… 未注册为交易中心",
        ),
        (
            "leaf 9 (draw.commit): seq 4 follows seq 2: 1 statement(s) of the draw are missing",
            "叶 9（draw.commit）：序号 4 紧接在序号 2 之后：缺少本抽取的 1 条声明",
        ),
        ("not checked: it depends on result, which failed", "未检查：它依赖的 result 未通过"),
        ("pulse 1/12: the signature does not verify", "脉冲 1/12：签名验证不通过"),
        ("something new", "something new"),
    ],
    ids=["signature", "role", "omission", "depends", "pulse", "unknown-stays-english"],
)
def test_common_failure_reasons_in_chinese(english: str, chinese: str):
    assert messages.reason("zh", english) == chinese
    assert messages.reason("en", english) == english


def _constants() -> dict[str, str]:
    """Every English message of messages.py: its upper-case string constants but HELP."""
    tree = ast.parse(SOURCES["messages.py"])
    return {
        t.id: getattr(messages, t.id)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name) and t.id.isupper() and isinstance(getattr(messages, t.id), str)
    }


def names(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))


def test_every_english_message_has_its_chinese():
    english = {k: v for k, v in _constants().items() if k not in ("HELP",)}
    assert len(english) > 20
    missing = [k for k, v in english.items() if v not in messages.ZH]
    assert not missing
    for en, zh in [*messages.ZH.items(), *messages.REASONS.items()]:
        assert names(en) == names(zh), en
        words = re.search(r"[a-z]{2}", re.sub(r"\{\w+\}", "", en))
        assert not words or re.search(r"[\u4e00-\u9fff]", zh), en


def test_every_message_cli_uses_is_in_the_catalogue():
    cli = "".join(SOURCES[m] for m in ("cli.py", "commands.py", "render.py"))
    used = set(re.findall(r"messages\.([A-Z_]+)\b", cli)) - {"LANGUAGES", "HELP"}
    assert used and used <= set(_constants()), used - set(_constants())


def test_every_check_name_has_its_chinese():
    """The names the verifier's steps run under, from their sources."""
    run = re.findall(
        r'report\.(?:run|fail)\(\s*f?"(?:\{label\})?([a-z-]+)', "".join(SOURCES.values())
    )
    tables = re.findall(r'\("([a-z-]+)", self\.check_', "".join(SOURCES.values()))
    steps = set(run + tables) - {"chain"}  # "chain {c}": step() names it 链 {c}
    assert len(steps) > 25
    assert steps <= set(messages.STEPS), steps - set(messages.STEPS)
    assert messages.step("zh", "chain 2") == "链 2（chain 2）"
    assert messages.step("zh", "newer inclusion") == "较新包含证明（newer inclusion）"


def test_every_reason_template_is_a_message_the_verifier_makes():
    """Each literal piece of a REASONS template is in a verifier source (joined f-strings)."""
    source = re.sub(r'"\s*\n\s*f?"', "", "".join(SOURCES.values()))
    for en in messages.REASONS:
        for piece in re.split(r"\{\w+\}", en):
            assert piece.strip(" :;()…→") == "" or piece in source, (en, piece)


opened = test_tender.opened  # the bid opening of tests/verifier/test_tender.py


def test_a_tender_in_chinese(opened, tmp_path: Path, capsys):
    path = write(tmp_path / "tender.json", opened.bundle)
    ca = str(opened.deployment.ca_dir / "ca.pem")
    code, out, _ = run(capsys, "tender", path, "--anchors", ca, "--lang", "zh")
    lines = out.splitlines()
    assert (code, lines[0], lines[-1]) == (VALID, "信任锚：--anchors 指定的证书", "有效（VALID）")
    assert f"招标项目 {test_tender.TENDER}：已开标" in lines
    assert any(
        re.fullmatch(
            rf"  [0-9a-f]{{16}}… 的投标 {test_tender.TENDER}-bid-2：投标人过错（信封头 MAC 不符）；已复核",
            line,
        )
        for line in lines
    ), lines
