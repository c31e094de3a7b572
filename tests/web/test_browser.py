"""The board in headless Chromium: a real server, the real script, a screenshot.

A waitress server in a thread serves the scene of tests/web/ceremonies.py (a drawn
draw among others) on 127.0.0.1. Chromium loads the list and a draw page and the
test checks what the script does: countdowns appear and tick, VDF progress follows
the worker's lease row through the JSON API, the language link switches, and times
read in Beijing time (北京时间) with the signed UTC on hover. The draw page is saved as
a PNG under the test's tmp dir and as test-artifacts/draw-page.png and
draw-page-en.png (git-ignored), the tender page of an opened tender as
test-artifacts/tender-page.png and tender-page-en.png; the paths are printed in the
terminal summary.

Needs Chromium and chromedriver (Debian: ``apt-get install chromium
chromium-driver``; CI installs them) and selenium (the ``test`` extra); skipped
with the reason when any is missing.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import waitress

from beacon.store import sqlite_url
from beacon.store.statements import StatementRepository
from beacon.web import create_app, messages
from tests.conftest import ROOT
from tests.service.test_draw_flow import record
from tests.web import ceremonies
from tests.web.ceremonies import (
    COMMITTING,
    COMPUTING,
    COMPUTING_T,
    DRAWN,
    OPENED_TENDER,
    RELEASING,
    TENDER_TITLE,
    Scene,
    envelope,
)
from tests.web.conftest import SCREENSHOTS, page_of
from tests.web.test_pages import beijing

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
]
WAIT = 10  # seconds: polls run every 2 s, the countdown every 1 s


def _missing() -> str | None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            return f"{path} not found: install the Debian package {package} (CI installs it)"
    return None


@pytest.fixture(scope="module")
def webdriver_module():
    reason = _missing()
    if reason:
        pytest.skip(reason=reason)
    return pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Scene]]:
    tmp = tmp_path_factory.mktemp("browser")
    scene = ceremonies.build(tmp, sqlite_url(tmp / "beacon.sqlite3"))
    app = create_app({}, runtime=scene.deployment.runtime)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="board-http", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}", scene
    server.close()
    thread.join(5)
    scene.deployment.runtime.close()


@pytest.fixture(scope="module")
def browser(webdriver_module, tmp_path_factory: pytest.TempPathFactory):
    webdriver = webdriver_module
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp())}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(condition, what: str, seconds: float = WAIT):
    """Poll ``condition`` until it is truthy.

    While the page reloads (the board reloads itself when a draw or tender
    changes phase) the element being read may be missing or stale for a
    moment; like selenium's WebDriverWait with ignored_exceptions, that counts
    as "not yet", not as a failure.
    """
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (NoSuchElementException, StaleElementReferenceException) as e:
            last, value = e, None
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(
        f"not within {seconds} s: {what}" + (f" (last: {last.msg})" if last else "")
    )


def text(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def severe_console_messages(driver) -> list[str]:
    """Script errors and blocked resources (a CSP violation shows up here)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def countdown_seconds(driver, css: str) -> int:
    value = wait_for(lambda: text(driver, css), f"{css} shows a countdown")
    h, m, s = (int(x) for x in value.split(":"))
    return 3600 * h + 60 * m + s


def test_list_counts_down(browser, served):
    base, _ = served
    browser.get(base + "/")
    row = f'tr:has(a[href="/draws/{COMMITTING}"]) .countdown'
    first = countdown_seconds(browser, row + " .countdown-value")
    # The commit deadline is 10 periods after the draw's start; the server's clock sits
    # one period later, so the script starts from about 9 minutes.
    assert 8 * 60 < first <= 9 * 60
    wait_for(
        lambda: countdown_seconds(browser, row + " .countdown-value") < first, "the countdown ticks"
    )
    assert text(browser, row).startswith("剩余 ")
    assert severe_console_messages(browser) == []


def test_draw_page_shows_the_record_and_a_screenshot(browser, served, tmp_path, request):
    base, scene = served
    picks = {
        p.code: p.values[0]
        for p in record(scene.deployment, DRAWN).one("draw.result").signed.statement.body.picks
    }
    browser.get(f"{base}/draws/{DRAWN}")
    assert browser.find_element("css selector", "html").get_attribute("lang") == "zh-CN"
    drawn = [e.text for e in browser.find_elements("css selector", "#result td.drawn")]
    assert drawn[:2] == [picks["K1"], picks["Q1"]]
    seconds = countdown_seconds(browser, ".draw-head .countdown-value")
    # The dispute window ends 5 periods after the pulse that records the result (PROTOCOL.md
    # §13.2), which is the server clock's own period here.
    assert 4 * 60 < seconds <= 5 * 60
    assert_beijing_time(browser, "zh-CN", "签名记录中的 UTC 时间：")
    command = text(browser, "#verify-command")
    assert command.split("\n") == [
        f"curl -fsS -o ca.pem {base}/ca.pem",
        f"curl -fsS -o {DRAWN}-proof.json {base}/api/v1/draws/{DRAWN}/proof",
        f"beacon-verify draw {DRAWN}-proof.json --anchors ca.pem",
    ]
    assert severe_console_messages(browser) == []
    path = _screenshot(browser, tmp_path / "draw-page.png")
    request.config.stash.setdefault(SCREENSHOTS, []).extend([path, ARTIFACTS / path.name])


def test_vdf_progress_follows_the_lease_row(browser, served):
    base, scene = served
    browser.get(f"{base}/draws/{COMPUTING}")
    before = text(browser, "#vdf-line")
    done = COMPUTING_T * 3 // 4
    # What a live worker does every T/100 squarings: renew its lease with its progress.
    with scene.deployment.runtime.database.write() as session:
        StatementRepository(session).job(COMPUTING, lock=True).progress = done
    expected = f"{done:,} / {COMPUTING_T:,} (75.0%)"
    wait_for(
        lambda: text(browser, "#vdf-line") == expected, f"#vdf-line shows {expected} (was {before})"
    )
    bar = browser.find_element("css selector", "#vdf-progress")
    assert int(bar.get_attribute("value")) == done


def test_language_switch(browser, served, request):
    base, _ = served
    browser.get(f"{base}/draws/{DRAWN}")
    browser.find_element("css selector", "a.lang").click()
    wait_for(
        lambda: browser.find_element("css selector", "html").get_attribute("lang") == "en",
        "English page",
    )
    assert text(browser, "#result-heading") == "Result"
    assert text(browser, ".draw-head .phase") == "drawn"
    countdown_seconds(browser, ".draw-head .countdown-value")
    assert_beijing_time(browser, "en", "UTC as signed in the record: ")
    english = _screenshot(browser, ARTIFACTS / "draw-page-en.png")
    request.config.stash.setdefault(SCREENSHOTS, []).append(english)
    browser.get(base + "/")  # the cookie keeps the choice
    assert text(browser, "h1") == "Draws"
    browser.find_element("css selector", "a.lang").click()
    wait_for(lambda: text(browser, "h1") == "抽取列表", "back to Chinese")


def assert_beijing_time(driver, lang: str, title: str) -> None:
    """Every time on the page reads in Beijing time, as rendered (not just as served), with
    the signed UTC form in datetime= and as the hover title; the footer says so."""
    from selenium.webdriver.common.by import By

    times = driver.find_elements(By.CSS_SELECTOR, "time")
    assert len(times) > 5
    for e in times:
        utc = e.get_attribute("datetime")
        assert e.text == beijing(utc, lang)
        assert e.get_attribute("title") == title + utc
    zone = "北京时间（UTC+08:00）" if lang == "zh-CN" else "Beijing time (UTC+08:00)"
    assert zone in text(driver, "footer.site")
    # The deadline beside the countdown is in the visible header of the screenshot.
    assert text(driver, ".draw-head .deadline").endswith(beijing(
        driver.find_element(By.CSS_SELECTOR, ".draw-head time").get_attribute("datetime"), lang
    ))  # fmt: skip


def opening_record(scene: Scene, tender_id: str) -> dict:
    """The signed outcomes of the tender's opening record, by envelope id."""
    with scene.deployment.runtime.database.read() as session:
        (opening,) = StatementRepository(session).about(tender_id, "", kinds=["tender.opening"])
    return {e.envelope_id: e for e in opening.signed.statement.body.openings}


def test_tender_page_shows_each_outcome_in_words(browser, served, request):
    base, scene = served
    browser.get(base + "/?lang=zh-CN")
    browser.find_element("css selector", f'#tenders a[href="/tenders/{OPENED_TENDER}"]').click()
    wait_for(lambda: browser.current_url == f"{base}/tenders/{OPENED_TENDER}", "the tender page")
    outcomes = opening_record(scene, OPENED_TENDER)
    assert [e.status.value for e in outcomes.values()] == ["opened", "bidder-fault", "bidder-fault"]
    for lang, name in (("zh-CN", "tender-page.png"), ("en", "tender-page-en.png")):
        wait_for(
            lambda lang=lang: (
                browser.find_element("css selector", "html").get_attribute("lang") == lang
            ),
            f"the {lang} page",
        )
        labels = messages.MESSAGES[lang]
        assert text(browser, "h1") == TENDER_TITLE
        for i in (1, 2, 3):
            e = outcomes[envelope(OPENED_TENDER, i)]
            row = f"#bid-{e.envelope_id}"
            assert text(browser, f"{row} .outcome") == labels[f"outcome.{e.status.value}"]
            why = "why.opened" if e.status.value == "opened" else f"why.{e.reason}"
            assert text(browser, f"{row} .why") == labels[why]
        assert text(browser, "#verify-command").endswith(
            f"beacon-verify tender tender-{OPENED_TENDER}.proof.json --anchors ca.pem"
        )
        assert severe_console_messages(browser) == []
        shot = _screenshot(browser, ARTIFACTS / name)
        request.config.stash.setdefault(SCREENSHOTS, []).append(shot)
        browser.find_element("css selector", "a.lang").click()
    wait_for(lambda: text(browser, "h1") == TENDER_TITLE, "back to Chinese")


def test_tender_page_follows_a_release(browser, served):
    """The script re-reads the tender's JSON and reloads when a party releases its keys."""
    base, scene = served
    browser.get(f"{base}/tenders/{RELEASING}?lang=zh-CN")
    cell = "#keyholder-agent td:last-child"
    assert text(browser, cell) == "— 尚未释放"
    assert (
        countdown_seconds(browser, ".tender-head .countdown-value") > 0
    )  # to the release deadline
    scene.tenders[RELEASING].release("agent")
    poll = int(browser.find_element("css selector", "body").get_attribute("data-poll-ms"))
    wait_for(lambda: text(browser, cell).startswith("✓ 已释放"), "the release", poll / 1000 + WAIT)
    assert text(browser, ".tender-head .phase") == "开标中"
    assert severe_console_messages(browser) == []


def _screenshot(driver, path: Path) -> Path:
    """The whole page, not just the viewport; also copied to test-artifacts/."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, height)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(path))
    finally:
        driver.set_window_size(1280, 900)
    if path.parent != ARTIFACTS:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(path, ARTIFACTS / path.name)
    print(f"screenshot of the {page_of(path)}: {path} (and {ARTIFACTS / path.name})")
    return path
