"""The board's bid-opening page (/tenders/{id}) and the platform CA download, on real ceremonies.

The scene (tests/web/ceremonies.py) holds tenders at every phase of PROTOCOL.md
§9.9: opened with one good bid and two broken by their bidders, opened with the
agent's, the centre's or both parties' keys never released, releasing, accepting
and unpublished. Expected values never come from the view dicts the page renders:
bidders' subjects come from their certificates, sizes from the bytes they
submitted, times and outcomes from the signed statements in the log, the
outcome of each bid from how the scene broke it (§9.7), the sentences from the
label table by the code the protocol gives that failure.
"""

from __future__ import annotations

import hashlib
import re
import shlex

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.core.envelope.failures import Fault, Reason
from beacon.core.opening import OpeningStatus
from beacon.core.tender import TenderPhase
from beacon.core.timefmt import format_ms
from beacon.service import describe, tender_view
from beacon.service.tenders import load_tender
from beacon.store.statements import StatementRepository
from beacon.web import messages
from beacon.web.pages import outcome_reason
from tests.web import ceremonies
from tests.web.ceremonies import (
    ACCEPTING,
    AGENT_SILENT,
    CENTRE_SILENT,
    NOBODY_RELEASED,
    OPENED_TENDER,
    RELEASING,
    TENDER_TITLE,
    UNPUBLISHED,
    Scene,
    envelope,
)
from tests.web.html import CJK, Element, parse, visible_text
from tests.web.test_pages import beijing, page, section

ZH, EN = messages.MESSAGES["zh-CN"], messages.MESSAGES["en"]
ALL_TENDERS = list(ceremonies.TENDER_PHASES)
# The phase label each tender's row and page must show (zh, en), written out.
TENDER_PHASES = {
    OPENED_TENDER: ("已开标", "opened"),
    AGENT_SILENT: ("已开标", "opened"),
    CENTRE_SILENT: ("已开标", "opened"),
    NOBODY_RELEASED: ("已开标", "opened"),
    RELEASING: ("等待释放开标私钥", "awaiting the key releases"),
    ACCEPTING: ("接收投标中", "accepting bids"),
    UNPUBLISHED: ("未发布开标安排", "no bid opening published"),
}
# How the scene made each bid, so what PROTOCOL.md §9.9 step 6 says its outcome must be.
OUTCOMES = [
    (OPENED_TENDER, 1, OpeningStatus.OPENED, ""),  # sealed honestly
    (OPENED_TENDER, 2, OpeningStatus.BIDDER_FAULT, "header-mac-mismatch"),  # MAC flipped
    (OPENED_TENDER, 3, OpeningStatus.BIDDER_FAULT, "payload-auth-failed"),  # payload flipped
    (AGENT_SILENT, 1, OpeningStatus.AGENT_KEY_MISSING, "share-missing"),  # 6.1: no agent release
    (AGENT_SILENT, 2, OpeningStatus.AGENT_KEY_MISSING, "share-missing"),
    (CENTRE_SILENT, 1, OpeningStatus.CENTRE_KEY_MISSING, "share-missing"),
    (NOBODY_RELEASED, 1, OpeningStatus.BOTH_KEYS_MISSING, "share-missing"),
]
# The sentence each outcome must be explained by: the §9.7 reason for a bidder fault,
# which party released nothing for a missing share, what was checked for an opened bid.
WHY = {
    "": "why.opened",
    "header-mac-mismatch": "why.header-mac-mismatch",
    "payload-auth-failed": "why.payload-auth-failed",
}
WHY_STATUS = {
    OpeningStatus.AGENT_KEY_MISSING: "why.agent-key-missing",
    OpeningStatus.CENTRE_KEY_MISSING: "why.centre-key-missing",
    OpeningStatus.BOTH_KEYS_MISSING: "why.both-keys-missing",
}
LANGS = pytest.mark.parametrize("lang", ["zh-CN", "en"])


def tender_page(client, tender_id: str, lang: str = "zh-CN", status: int = 200) -> Element:
    return page(client, f"/tenders/{tender_id}?lang={lang}", status)


def logged(scene: Scene, tender_id: str, kind: str) -> list:
    with scene.deployment.runtime.database.read() as session:
        return StatementRepository(session).about(tender_id, "", kinds=[kind])


def subject_of(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


# -- labels ----------------------------------------------------------------------------------------


def test_every_outcome_code_has_a_sentence_in_both_languages():
    """Every status the opening record can carry (§9.9 step 6) and every §9.7 reason."""
    keys = (
        [f"outcome.{s.value}" for s in OpeningStatus]
        + [f"why.{s.value}" for s in OpeningStatus if s is not OpeningStatus.BIDDER_FAULT]
        + [f"why.{r.value}" for r in Reason]
    )
    missing = [
        (k, lang) for k in keys for lang in messages.LANGUAGES if k not in messages.MESSAGES[lang]
    ]
    assert missing == []
    for key in keys:
        assert CJK.search(ZH[key]) and not CJK.search(EN[key]) and ZH[key] != EN[key], key


@pytest.mark.parametrize(
    ("status", "reason"),
    [(OpeningStatus.OPENED, "")]
    + [(OpeningStatus.BIDDER_FAULT, r.value) for r in Reason if r.fault is Fault.BIDDER]
    + [(s, Reason.SHARE_MISSING.value) for s in WHY_STATUS],
    ids=lambda v: getattr(v, "value", v) or "none",
)
def test_each_recordable_outcome_is_explained_by_its_own_sentence(status, reason):
    key = outcome_reason(status.value, reason)
    assert key == (
        WHY_STATUS.get(status)
        or ("why.opened" if status is OpeningStatus.OPENED else f"why.{reason}")
    )
    assert key in ZH and key in EN


def test_tender_phases_and_deadlines_have_labels():
    t = messages.Translator("en")
    keys = [f"tphase.{p.value}" for p in TenderPhase] + [
        f"deadline.{n}" for n in tender_view.PHASE_DEADLINE.values()
    ]
    assert [k for k in keys if not t.has(k)] == []


# -- the list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("tender_id", ALL_TENDERS)
@pytest.mark.parametrize("lang", [0, 1], ids=["zh", "en"])
def test_index_lists_each_tender_with_its_phase(client, tender_id, lang):
    root = page(client, "/" if lang == 0 else "/?lang=en")
    table = section(root, "tenders").find("table", class_="tenders")
    rows = {r[0]: r for r in table.table_rows()}
    assert rows[tender_id][2] == TENDER_PHASES[tender_id][lang]
    links = [a.attrs["href"] for a in table.find_all("a")]
    assert f"/tenders/{tender_id}" in links


@pytest.mark.parametrize(
    ("tender_id", "label", "bids"),
    [
        (OPENED_TENDER, None, "开启 1 份，共 3 份"),
        (AGENT_SILENT, None, "开启 0 份，共 2 份"),
        (RELEASING, "开标私钥释放截止", "1 份"),
        (ACCEPTING, "投标截止", "1 份"),
        (UNPUBLISHED, None, "0 份"),
    ],
)
def test_index_shows_next_deadline_and_bids(client, scene, tender_id, label, bids):
    root = section(page(client, "/"), "tenders")
    row = next(r for r in root.find("tbody").find_all("tr") if r.find("a").text() == tender_id)
    cells = row.find_all("td")
    assert cells[3].text() == bids
    if label is None:
        assert cells[2].text() == ZH["deadline.none"]
        return
    (published,) = logged(scene, tender_id, "tender.publish")
    body = published.signed.statement.body
    due = body.bid_deadline if label == "投标截止" else body.release_deadline
    assert cells[2].find("time").attrs["datetime"] == format_ms(due)
    assert cells[2].find("span", class_="deadline").text().startswith(label)
    assert cells[2].find("span", class_="countdown").attrs["data-due-ms"] == str(due)


# -- one tender ------------------------------------------------------------------------------------


@LANGS
def test_bidders_by_certificate_subject_with_their_envelopes(client, scene, lang):
    ceremony = scene.tenders[OPENED_TENDER]
    submitted = logged(scene, OPENED_TENDER, "envelope.submit")
    root = section(tender_page(client, OPENED_TENDER, lang), "bids")
    rows = root.find("table", class_="bids").find("tbody").find_all("tr")
    assert len(rows) == len(ceremony.bidders) == len(submitted)
    for i, (row, bidder, s) in enumerate(zip(rows, ceremony.bidders, submitted, strict=True), 1):
        cells = [c for c in row.children if not isinstance(c, str)]
        envelope_id = envelope(OPENED_TENDER, i)
        assert cells[0].text().startswith(subject_of(bidder.certificate))
        assert cells[0].find("code").attrs["title"] == bidder.fingerprint.hex()
        assert cells[1].find("code", class_="envelope-id").text() == envelope_id
        signed_hash = s.signed.statement.body.envelope_hash
        assert cells[1].find("code", class_="hex").attrs["title"] == signed_hash.hex()
        size = cells[1].find("span", class_="size").text()
        assert size == messages.MESSAGES[lang]["bids.size"].format(
            n=f"{len(ceremony.files[envelope_id]):,}"
        )
        assert cells[2].find("time").attrs["datetime"] == format_ms(s.row.received_ms)
        receipt = cells[2].find("a").attrs["href"]
        assert receipt == f"/api/v1/statements/{s.row.statement_hash.hex()}/receipt"
        assert cells[3].text() == messages.MESSAGES[lang]["bid.frozen"]


@pytest.mark.parametrize(
    ("tender_id", "i", "status", "reason"),
    OUTCOMES,
    ids=[f"{t}-bid-{i}-{s.value}" for t, i, s, _ in OUTCOMES],
)
@LANGS
def test_every_bid_outcome_in_words(client, scene, tender_id, i, status, reason, lang):
    envelope_id = envelope(tender_id, i)
    (opening,) = logged(scene, tender_id, "tender.opening")
    recorded = {e.envelope_id: e for e in opening.signed.statement.body.openings}[envelope_id]
    assert (recorded.status, recorded.reason) == (status, reason)  # the scene did what it meant
    row = tender_page(client, tender_id, lang).by_id(f"bid-{envelope_id}")
    cells = [c for c in row.children if not isinstance(c, str)]
    table = messages.MESSAGES[lang]
    result = cells[4]
    assert result.find("strong", class_="outcome").text() == table[f"outcome.{status.value}"]
    why = WHY_STATUS.get(status) or WHY[reason]
    assert result.find("p", class_="why").text() == table[why]
    if status is OpeningStatus.OPENED:
        plain = scene.tenders[tender_id].plain[envelope_id]
        assert result.find("code", class_="hex").attrs["title"] == hashlib.sha256(plain).hexdigest()
        assert table["outcome.plaintext"].format(size=f"{len(plain):,}") in result.text()
    else:
        assert result.find("code", class_="reason").text() == reason
    assert f"outcome-{status.value}" in row.attrs["class"].split()


@pytest.mark.parametrize(
    ("tender_id", "released"),
    [
        (OPENED_TENDER, {"agent": True, "centre": True}),
        (AGENT_SILENT, {"agent": False, "centre": True}),
        (CENTRE_SILENT, {"agent": True, "centre": False}),
        (NOBODY_RELEASED, {"agent": False, "centre": False}),
        (RELEASING, {"agent": None, "centre": True}),  # None: still within the window
        (ACCEPTING, {"agent": None, "centre": None}),
    ],
)
def test_announce_and_release_status_of_agent_and_centre(client, scene, tender_id, released):
    ceremony = scene.tenders[tender_id]
    keys = logged(scene, tender_id, "tender.opening_key")
    releases = {s.row.role: s for s in logged(scene, tender_id, "tender.key_release")}
    root = section(tender_page(client, tender_id), "keyholders")
    for role in ("agent", "centre"):
        cells = root.by_id(f"keyholder-{role}").find_all("td")
        assert cells[0].text() == subject_of(ceremony.party(role).certificate)
        (announced,) = [s for s in keys if s.row.role == role]
        assert cells[1].find("time").attrs["datetime"] == format_ms(announced.row.received_ms)
        if released[role]:
            assert cells[2].text().startswith("✓ 已释放")
            assert cells[2].find("time").attrs["datetime"] == format_ms(
                releases[role].row.received_ms
            )
        elif released[role] is False:
            assert cells[2].text() == "✗ 未在释放截止前释放（责任在该方）"
        else:
            assert role not in releases
            expected = "release.waiting" if tender_id == RELEASING else "release.later"
            assert cells[2].text() == f"— {ZH[expected]}"


@pytest.mark.parametrize("tender_id", [OPENED_TENDER, RELEASING, ACCEPTING])
def test_deadlines_as_published(client, scene, tender_id):
    (published,) = logged(scene, tender_id, "tender.publish")
    body = published.signed.statement.body
    root = tender_page(client, tender_id)
    assert root.find("h1").text() == body.title == TENDER_TITLE
    schedule = dict(section(root, "schedule").find("table").table_rows())
    # Times read in the display zone, 北京时间 by default (beijing(): the stdlib's arithmetic).
    assert schedule["开标安排发布时间"] == beijing(format_ms(published.row.received_ms))
    assert schedule["投标截止"] == beijing(format_ms(body.bid_deadline))
    assert schedule["开标私钥释放截止"] == beijing(format_ms(body.release_deadline))
    openings = logged(scene, tender_id, "tender.opening")
    assert schedule.get("开标记录时间") == (
        beijing(format_ms(openings[0].row.received_ms)) if openings else None
    )


@pytest.mark.parametrize(
    ("tender_id", "deadline"), [(ACCEPTING, "bid_deadline"), (RELEASING, "release_deadline")]
)
def test_head_counts_down_to_the_deadline_the_phase_waits_for(client, scene, tender_id, deadline):
    (published,) = logged(scene, tender_id, "tender.publish")
    due = getattr(published.signed.statement.body, deadline)
    head = tender_page(client, tender_id).find("header", class_="tender-head")
    assert head.find("span", class_="countdown").attrs["data-due-ms"] == str(due)
    assert head.find("time").attrs["datetime"] == format_ms(due)


def test_an_unpublished_tender_says_so(client):
    root = tender_page(client, UNPUBLISHED)
    assert root.find("h1").text() == ZH["tender.untitled"]
    assert [p.text() for p in section(root, "bids").find_all("p")] == [
        ZH["bids.explain"],
        ZH["bids.none"],
    ]
    assert section(root, "schedule").find("tbody").find_all("tr") == []


def test_the_tenders_draws_are_linked(client, scene):
    links = section(tender_page(client, OPENED_TENDER), "tender-draws").find_all("a")
    expected = {c.definition.draw_id for c in scene.ceremonies.values()}
    assert {a.text() for a in links} == expected
    assert all(a.attrs["href"] == f"/draws/{a.text()}" for a in links)
    assert section(tender_page(client, AGENT_SILENT), "tender-draws").find_all("a") == []


# -- verify: the bundle, the platform CA, the commands --------------------------------------------


def test_verify_command_fetches_the_ca_and_the_bundle_it_names(client, scene):
    root = section(tender_page(client, OPENED_TENDER), "verify")
    (command,) = root.by_id("verify-command").find("code").children  # the raw lines
    base = "http://localhost"
    bundle = f"tender-{OPENED_TENDER}.proof.json"
    assert [shlex.split(line) for line in command.split("\n")] == [
        ["curl", "-fsS", "-o", "ca.pem", f"{base}/ca.pem"],
        ["curl", "-fsS", "-o", bundle, f"{base}/api/v1/tenders/{OPENED_TENDER}/proof"],
        ["beacon-verify", "tender", bundle, "--anchors", "ca.pem"],
    ]
    proof = client.get(root.find("a", download=bundle).attrs["href"])
    assert proof.status_code == 200
    assert proof.headers["Content-Disposition"] == f'attachment; filename="{bundle}"'
    assert proof.get_json()["tender_id"] == OPENED_TENDER


@pytest.mark.parametrize(
    ("base_url", "line"),
    [
        ("http://beacon.example:8080", ["curl", "-fsS", "-o", "ca.pem", "http://beacon.example:8080/ca.pem"]),
        ("http://evil;rm -rf ~", ["curl", "-fsS", "-o", "ca.pem", "http://evil;rm -rf ~/ca.pem"]),
    ],
    ids=["plain", "hostile-host-header-stays-one-argument"],
)  # fmt: skip
@pytest.mark.parametrize("command", [describe.verify_command, tender_view.verify_command])
def test_verify_commands_fetch_the_ca_as_one_argument(base_url, line, command):
    lines = [shlex.split(x) for x in command("T-1", base_url).split("\n")]
    assert len(lines) == 3 and lines[0] == line
    assert lines[2][-2:] == ["--anchors", "ca.pem"]


@pytest.mark.parametrize("path", [f"/tenders/{OPENED_TENDER}", "/draws/JS-2026-0142-1"])
def test_ca_download_and_its_fingerprint_on_the_page(client, scene, path):
    """The served anchors are the deployment's CA file; the page shows its DER's SHA-256."""
    root = section(page(client, path), "verify")
    link = root.by_id("ca-download")
    assert link.attrs["download"] == "ca.pem"
    served = client.get(link.attrs["href"])
    assert served.status_code == 200
    assert served.mimetype == "application/x-pem-file"
    assert served.headers["Content-Disposition"] == 'attachment; filename="ca.pem"'
    assert re.fullmatch(r"public, max-age=\d+", served.headers["Cache-Control"])
    on_disk = (scene.deployment.ca_dir / "ca.pem").read_bytes()
    certs = x509.load_pem_x509_certificates(served.data)
    assert [c.public_bytes(serialization.Encoding.PEM) for c in certs] == (
        [
            c.public_bytes(serialization.Encoding.PEM)
            for c in x509.load_pem_x509_certificates(on_disk)
        ]
    )
    rows = root.find("table", class_="anchors").table_rows()
    der = certs[0].public_bytes(serialization.Encoding.DER)
    expected = ":".join(re.findall("..", hashlib.sha256(der).hexdigest().upper()))
    not_after = beijing(format_ms(int(certs[0].not_valid_after_utc.timestamp()) * 1000))
    assert rows == [[certs[0].subject.rfc4514_string(), not_after, expected]]
    assert root.find("p", class_="hint").find("code").text() == (
        "openssl x509 -in ca.pem -noout -fingerprint -sha256"
    )


# -- not found, languages, headers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "kind", "text"),
    [
        ("/tenders/no-such-tender", "text/html", "html", "没有编号为 no-such-tender 的招标项目。"),
        ("/tenders/no-such-tender?lang=en", "text/html", "html", "There is no tender no-such-tender."),
        ("/api/v1/tenders/no-such-tender", "text/html", "problem", "no tender 'no-such-tender'"),
    ],
    ids=["html", "html-en", "api"],
)  # fmt: skip
def test_unknown_tender(client, path, accept, kind, text):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    if kind == "problem":
        assert response.mimetype == "application/problem+json"
        assert text in response.get_json()["detail"]
        return
    root = parse(response.get_data(as_text=True))
    assert root.find("p", class_="lead").text() == text
    assert root.find("header", class_="site") and root.find("a", class_="lang")  # board style
    assert response.headers["Cache-Control"] == "no-store"


def _tender_data(client, tender_id: str) -> list[str]:
    """Every string the tender's record holds (title, subjects): shown as signed."""
    body = client.get(f"/api/v1/tenders/{tender_id}").get_json()
    out = [body["title"] or ""]
    out += [p["subject"] or "" for p in body["parties"]]
    out += [b["subject"] or "" for b in body["bids"]]
    return sorted(set(out), key=len, reverse=True)


@pytest.mark.parametrize("tender_id", ALL_TENDERS)
def test_english_tender_page_has_no_chinese_label(client, tender_id):
    root = tender_page(client, tender_id, "en")
    assert root.find("html").attrs["lang"] == "en"
    text = visible_text(root).replace("中文", "")
    for data in _tender_data(client, tender_id):
        text = text.replace(data, "")
    assert CJK.findall(text) == []


@pytest.mark.parametrize("tender_id", ALL_TENDERS)
def test_chinese_tender_page_has_no_english_label(client, tender_id):
    text = visible_text(tender_page(client, tender_id))
    leaked = [
        en for key, en in EN.items() if " " in en and en != ZH[key] and "{" not in en and en in text
    ]
    assert leaked == []


@pytest.mark.parametrize("tender_id", [OPENED_TENDER, RELEASING])
def test_headers_and_polling(client, tender_id):
    response = client.get(f"/tenders/{tender_id}", headers={"Accept": "text/html"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    root = parse(response.get_data(as_text=True))
    # Nothing on the page can change the opening: no form posts, no inline script.
    assert all(f.attrs.get("method", "get") == "get" for f in root.find_all("form"))
    assert [s.attrs.get("src") for s in root.find_all("script")] == ["/static/board.js"]
    assert all(t.find_all("thead") for t in root.find_all("table"))
    body = root.find("body")
    # An opened tender is final: nothing to poll. Otherwise the script re-reads the API.
    if tender_id == OPENED_TENDER:
        assert "data-poll" not in body.attrs
    else:
        assert body.attrs["data-poll"] == f"/api/v1/tenders/{tender_id}"
        api = client.get(body.attrs["data-poll"]).get_json()
        # board.js: phase, who released, how many bids, exactly as the page's signature.
        signature = f"{api['phase']}:{'+'.join(api['releases'])}:{len(api['bids'])}"
        assert body.attrs["data-signature"] == signature == "releasing:centre:1"


def test_api_and_page_agree_on_the_bidders(client, scene):
    """The API's bids are the page's rows: same envelopes, subjects and outcomes."""
    api = client.get(f"/api/v1/tenders/{OPENED_TENDER}").get_json()
    assert [b["envelope_id"] for b in api["bids"]] == [
        envelope(OPENED_TENDER, i) for i in (1, 2, 3)
    ]
    assert [b["outcome"]["status"] for b in api["bids"]] == [
        "opened",
        "bidder-fault",
        "bidder-fault",
    ]
    with scene.deployment.runtime.database.read() as session:
        assert load_tender(session, OPENED_TENDER).phase.value == api["phase"] == "opened"
