"""The browser verifier (verifier-web/) in headless Chromium, held to beacon-verify.

A third implementation of PROTOCOL.md §14 must reach the same verdicts for the same reasons.
Its second implementation, ``beacon-verify draw`` (verifier/cli.py, run in process), is the
expected value: for each proof bundle the service makes (every seed included, seeds
excluded, each phase on the way to a result; with and without trust anchors and CRLs) and
for every edit the tamper suite makes of one (tests/verifier/test_tamper.py: each leaf, the
witness edits, 500 random byte edits and 500 random structural edits), the page's
verification must give the same verdict (or the same refusal of unusable input), the same
checks in the same order each passed or failed, and the same detail of each check; and for
the real bundles the same lines as beacon-verify prints. The draw vectors
(tests/vectors/draw/: computations, not bundles; ../shared/vectors holds no draw bundle) run
through the page's own modules step for step as test_vectors.py runs verifier/'s, and must
give the vector files' values.

The page is built from the current sources first (esbuild, under a second), so a stale
build is never what is tested. The single-file build/verify.html is loaded from disk
(file://) and driven through its file inputs; /verify is loaded from a beacon on a real
socket, fetching the draw's proof itself. The mutations run in one page load, batched into
one call, while beacon-verify checks the same bytes in this process.

Needs Chromium, chromedriver and selenium (as tests/web/test_browser.py) and Node.js with
verifier-web/node_modules (make web): skipped with the reason when any is missing.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import ROOT
from tests.verifier.conftest import Served
from tests.verifier.test_crl import CASES as CRL_CASES
from tests.verifier.test_crl import HOUR, crl
from tests.verifier.test_tamper import mutations
from tests.web.test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, _missing
from verifier import cli, messages
from verifier.errors import VerifyError

pytestmark = pytest.mark.browser

WEB = ROOT / "verifier-web"
SAVED = ROOT / "build" / "verify.html"
ARTIFACTS = ROOT / "test-artifacts"
DRAW = "JS-2026-0142-1"  # tests/service/deployment.py's draw
UNUSABLE_PREFIX = "beacon-verify: unusable input: "


# -- the build and the browser -----------------------------------------------------------------


@pytest.fixture(scope="module")
def built() -> Path:
    """Build the page from the sources as they are now."""
    node = shutil.which("node")
    if node is None:
        pytest.skip(reason="node not found: install Node.js 20 and npm (CI has them)")
    if not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.skip(reason="verifier-web/node_modules is missing: run make web (npm ci)")
    done = subprocess.run(
        [node, "build.mjs"], cwd=WEB, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"node build.mjs failed:\n{done.stderr}"
    return SAVED


@pytest.fixture(scope="module")
def driver(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    reason = _missing()
    if reason:
        pytest.skip(reason=reason)
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')"
    )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp())
    for flag in [*FLAGS, f"--user-data-dir={profile}", "--allow-file-access-from-files"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    d.set_script_timeout(600)
    yield d
    d.quit()


def severe(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def wait_for(condition: Any, what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


# -- the two implementations on the same bytes -------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one implementation made of one file: a report, or a refusal of unusable input."""

    verdict: str  # VALID, INVALID, VALID-UNANCHORED, or "unusable"
    checks: tuple[tuple[str, bool, str], ...]
    message: str  # the unusable input's reason
    lines: tuple[str, ...]  # what beacon-verify prints (stdout, or its stderr line)


def beacon_verify(
    proof: Path | str, args: list[str], *, text: bool = False, output: list[str] = ()
) -> Outcome:
    """``beacon-verify draw PROOF --json ARGS`` in process (and the text output if ``text``,
    with the OUTPUT options: --lang, --utc)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["draw", str(proof), "--json", "--lang", "en", "--utc", *args])
    lines: tuple[str, ...] = ()
    if status == cli.UNUSABLE:
        message = err.getvalue().strip()
        assert message.startswith(UNUSABLE_PREFIX), message
        # The file's own name is the one thing beacon-verify knows that the page does not.
        message = message.removeprefix(UNUSABLE_PREFIX).replace(str(proof), "PROOF")
        line = UNUSABLE_PREFIX + message
        if text:  # as printed with OUTPUT: in its language, its times in Beijing time
            shown = io.StringIO()
            with contextlib.redirect_stderr(shown):
                cli.main(["draw", str(proof), *args, *output])
            line = shown.getvalue().strip().replace(str(proof), "PROOF")
        return Outcome("unusable", (), message, (line,))
    if text:
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            cli.main(["draw", str(proof), *args, *output])
        lines = tuple(shown.getvalue().rstrip("\n").split("\n"))
    report = json.loads(out.getvalue())
    checks = tuple((c["name"], c["ok"], c["detail"]) for c in report["checks"])
    return Outcome(report["verdict"], checks, "", lines)


def beacon_verify_lines(proof: Path, lang: str) -> Outcome:
    """``beacon-verify draw PROOF`` as cli.main runs it, verifying once: the report as --json
    prints it and the lines as ``--lang LANG`` prints them (Beijing time)."""
    args = cli.parser().parse_args(["draw", str(proof)])
    try:
        report = cli.cmd_draw(args)
    except VerifyError as e:
        message = str(e).replace(str(proof), "PROOF")
        line = messages.say(lang, messages.UNUSABLE, error=messages.reason(lang, message))
        return Outcome("unusable", (), message, (messages.times(line, lang),))
    doc = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    checks = tuple((c["name"], c["ok"], c["detail"]) for c in doc["checks"])
    lines = tuple(messages.times(x, lang) for x in cli.render(report, lang))
    return Outcome(doc["verdict"], checks, "", lines)


def browser_outcome(result: dict[str, Any]) -> Outcome:
    if result["kind"] == "crash":
        return Outcome("crash", (), result["message"], ())
    if result["kind"] == "unusable":
        return Outcome("unusable", (), result["message"], tuple(result["lines"]))
    checks = tuple((name, ok, detail) for name, ok, detail in result["checks"])
    return Outcome(result["verdict"], checks, "", tuple(result["lines"]))


# Where beacon-verify quotes another library's error after its own words (cryptography's
# parsers, the json module), only its own words are compared: the rest is that library's.
FOREIGN = re.compile(
    r"(not a DER or PEM X\.509 CRL|not a DER X\.509 certificate|no PEM certificate"
    r"|not an unencrypted PKCS#8 key|not JSON): .*"
)
# The vdf check names the arithmetic that verified: gmpy2 or python there, bigint here.
ARITHMETIC = re.compile(r"verified with (gmpy2|python|bigint)\b")


def own_words(text: str) -> str:
    return ARITHMETIC.sub("verified with <arithmetic>", FOREIGN.sub(r"\1: …", text))


def disagreement(python: Outcome, js: Outcome) -> str | None:
    """How the browser's outcome differs from beacon-verify's, or None."""
    if js.verdict == "crash":
        return f"the browser verifier crashed: {js.message}"
    if (python.verdict, js.verdict) != (js.verdict, python.verdict):
        extra = python.message or [c[0] for c in python.checks if not c[1]]
        got = js.message or [c[0] for c in js.checks if not c[1]]
        return f"verdict: beacon-verify {python.verdict} {extra}, browser {js.verdict} {got}"
    if python.verdict == "unusable":
        if own_words(python.message) == own_words(js.message):
            return None
        return f"unusable input: beacon-verify {python.message!r}, browser {js.message!r}"
    names = [(n, ok) for n, ok, _ in python.checks]
    if names != [(n, ok) for n, ok, _ in js.checks]:
        return f"checks: beacon-verify {names}, browser {[(n, ok) for n, ok, _ in js.checks]}"
    for (name, _, want), (_, _, got) in zip(python.checks, js.checks, strict=True):
        if own_words(want) != own_words(got):
            return f"detail of {name}: beacon-verify {want!r}, browser {got!r}"
    return None


def lines_differ(python: Outcome, js: Outcome) -> str | None:
    """How the browser's lines differ from beacon-verify's (each in its own words), or None."""
    if [own_words(x) for x in python.lines] == [own_words(x) for x in js.lines]:
        return None
    want, got = [own_words(x) for x in python.lines], [own_words(x) for x in js.lines]
    pairs = enumerate(zip(want, got, strict=False))
    first = next((i for i, (a, b) in pairs if a != b), min(len(want), len(got)))
    return (
        f"line {first}: beacon-verify {want[first : first + 1]}, browser {got[first : first + 1]}"
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def splice(base: bytes, edited: bytes) -> tuple[int, int, bytes]:
    """(start, end, replacement) with ``edited == base[:start] + replacement + base[end:]``."""
    limit = min(len(base), len(edited))
    lo, hi = 0, limit  # the longest common prefix, by bisection on slice equality
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if base[:mid] == edited[:mid] else (lo, mid - 1)
    prefix = lo
    lo, hi = 0, limit - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        same = base[len(base) - mid :] == edited[len(edited) - mid :]
        lo, hi = (mid, hi) if same else (lo, mid - 1)
    return prefix, len(base) - lo, edited[prefix : len(edited) - lo]


def run_in_page(
    driver: Any,
    base: bytes,
    edits: list[tuple[str, bytes]],
    *,
    anchors: list[Path] = (),  # type: ignore[assignment]
    crls: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    lang: str = "en",
    utc: bool = False,
) -> list[dict[str, Any]]:
    """The page's verifyEdits on ``edits`` of ``base``, in the loaded page, in one call; the
    lines as ``beacon-verify --lang LANG [--utc]`` prints them."""
    spliced = [[name, *splice(base, data)] for name, data in edits]
    payload = [[name, start, end, b64(middle)] for name, start, end, middle in spliced]
    options = {
        "anchors": [[p.name, b64(p.read_bytes())] for p in anchors],
        "crls": [[name, b64(data)] for name, data in crls],
        "lang": lang,
        "utc": utc,
        "name": "PROOF",  # as beacon_verify names the file in its messages
    }
    result = driver.execute_async_script(
        "const [bundle, edits, options, done] = arguments;"
        "window.tenderBeaconVerifier.verifyEdits(bundle, edits, options)"
        "  .then(done, (e) => done({error: String(e && e.stack || e)}));",
        b64(base),
        payload,
        options,
    )
    assert isinstance(result, list), result
    return result


@pytest.fixture(scope="module")
def english() -> Iterator[None]:
    """beacon-verify's messages in English, whatever this machine's LANG says."""
    with pytest.MonkeyPatch.context() as m:
        for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
            m.delenv(name, raising=False)
        m.setenv("LANG", "C.UTF-8")
        yield


# -- real bundles: beacon-verify's exact lines ------------------------------------------------


def own_anchor(doc: dict[str, Any], folder: Path) -> Path:
    """The CA certificate a bundle carries, as a PEM file (the unfinished draws' deployment is
    closed by the time they are checked: this is its CA)."""
    der = base64.b64decode(doc["trust_anchors"][0])
    path = folder / f"anchor-{len(list(folder.glob('anchor-*')))}.pem"
    path.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
    return path


def real_cases(
    drawn: Served, excluded: Served, unfinished: dict[str, Any], folder: Path
) -> Iterator[Any]:
    """(id, bundle, anchors, crls): the service's bundles as a bidder would check them."""
    yield "drawn, the bundle's own anchors", drawn.bundle, [], []
    yield "drawn, anchors given", drawn.bundle, [drawn.ca_pem], []
    yield "drawn, another deployment's CA", drawn.bundle, [excluded.ca_pem], []
    yield "excluded seeds, anchors given", excluded.bundle, [excluded.ca_pem], []
    omitted = copy.deepcopy(excluded.bundle)
    omitted["statements"] = [
        x for x in omitted["statements"] if x["signed"]["statement"]["kind"] != "draw.key_release"
    ]
    yield "excluded seeds, key release omitted", omitted, [excluded.ca_pem], []
    for state, doc in unfinished.items():
        yield f"unfinished: {state}", doc, [own_anchor(doc, folder)], []
    for param in CRL_CASES:
        data = crl(drawn, **param.values[0]).public_bytes(serialization.Encoding.PEM)
        yield f"crl {param.id}", drawn.bundle, [drawn.ca_pem], [("0.crl", data)]
    later = crl(drawn, [("bidder-1", 24 * HOUR), ("centre", 24 * HOUR)])
    der = later.public_bytes(serialization.Encoding.DER)
    yield "crl revoking after every signature (DER)", drawn.bundle, [drawn.ca_pem], [("l.crl", der)]
    yield "unreadable crl", drawn.bundle, [], [("bad.crl", b"-----BEGIN X509 CRL-----\nno\n")]


# beacon-verify's output options (--lang, --utc) and the page's for the same lines: English
# in canonical UTC, and the default Beijing time in English and in Chinese.
OUTPUTS = {
    "--lang en --utc": {"lang": "en", "utc": True},
    "--lang en": {"lang": "en", "utc": False},
    "--lang zh": {"lang": "zh", "utc": False},
}


@pytest.mark.parametrize("output", OUTPUTS)
def test_real_bundles_agree_with_beacon_verify_line_for_line(
    driver, built, drawn, excluded, unfinished, tmp_path, english, output
):
    driver.get(built.as_uri() + "?lang=en")
    wait_for(lambda: driver.execute_script("return !!window.tenderBeaconVerifier"), "the page")
    misses = []
    folder = tmp_path / "anchors"
    folder.mkdir()
    for name, doc, anchors, crls in real_cases(drawn, excluded, unfinished, folder):
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
        proof = tmp_path / "proof.json"
        proof.write_bytes(data)
        args = [a for p in anchors for a in ("--anchors", str(p))]
        for crl_name, crl_data in crls:
            (tmp_path / crl_name).write_bytes(crl_data)
            args += ["--crl", str(tmp_path / crl_name)]
        python = beacon_verify(proof, args, text=True, output=output.split())
        if python.verdict == "unusable":
            python = Outcome(
                python.verdict,
                (),
                python.message.replace(str(tmp_path) + os.sep, ""),
                tuple(x.replace(str(tmp_path) + os.sep, "") for x in python.lines),
            )
        [result] = run_in_page(
            driver, data, [(name, data)], anchors=anchors, crls=crls, **OUTPUTS[output]
        )
        js = browser_outcome(result)
        why = disagreement(python, js)
        if why is None and [own_words(x) for x in js.lines] != [own_words(x) for x in python.lines]:
            why = "lines:\n  beacon-verify: " + "\n  ".join(python.lines)
            why += "\n  browser:       " + "\n  ".join(js.lines)
        if why:
            misses.append(f"{name}: {why}")
    assert severe(driver) == []
    assert not misses, "\n".join(misses)


def test_the_pages_chinese_is_verifier_messages_py():
    """verifier-web/src/catalogue.js is what verifier-web/catalogue.py makes of
    verifier/messages.py now: the page's Chinese cannot drift from beacon-verify's."""
    done = subprocess.run(
        [sys.executable, str(WEB / "catalogue.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# -- the tamper suite's edits ------------------------------------------------------------------


@pytest.mark.slow
def test_every_tamper_edit_gets_beacon_verifys_outcome(driver, built, drawn, tmp_path, english):
    """Without anchors, as the tamper suite verifies: every check runs on the bundle's own.
    The lines are compared as ``--lang zh`` prints them, which puts every reason through
    messages.reason's templates on both sides."""
    base = json.dumps(drawn.bundle).encode()
    edits = list(mutations(drawn.bundle))
    assert len(edits) > 1500
    driver.get(built.as_uri() + "?lang=en")
    wait_for(lambda: driver.execute_script("return !!window.tenderBeaconVerifier"), "the page")
    with ThreadPoolExecutor(1) as pool:
        started = time.perf_counter()
        in_page = pool.submit(run_in_page, driver, base, edits, lang="zh")
        proof = tmp_path / "proof.json"
        expected = {}
        for name, data in edits:
            proof.write_bytes(data)
            expected[name] = beacon_verify_lines(proof, "zh")
        python_s = time.perf_counter() - started
        results = in_page.result()
    js_ms = sum(r["ms"] for r in results)
    print(f"\n{len(edits)} edits: beacon-verify {python_s:.1f} s, browser {js_ms / 1e3:.1f} s")
    assert [r["id"] for r in results] == [name for name, _ in edits]
    misses = [
        f"{r['id']}: {why}"
        for r in results
        if (
            why := disagreement(expected[r["id"]], browser_outcome(r))
            or lines_differ(expected[r["id"]], browser_outcome(r))
        )
    ]
    verdicts = {o.verdict for o in expected.values()}
    assert {"INVALID", "unusable"} <= verdicts  # the edits reach both kinds of outcome
    assert severe(driver) == []
    assert not misses, f"{len(misses)} of {len(edits)} edits disagree:\n" + "\n".join(misses)


# -- the page as a person uses it ---------------------------------------------------------------


def _lines(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "tbv-lines").text.split("\n")


def _verdict(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return wait_for(
        lambda: next(
            (e.get_attribute("data-verdict") for e in driver.find_elements(By.ID, "tbv-verdict")),
            None,
        ),
        "a verdict",
    )


def test_the_saved_file_verifies_offline_from_chosen_files(driver, built, drawn, tmp_path, english):
    from selenium.webdriver.common.by import By

    proof = tmp_path / f"{DRAW}-proof.json"
    proof.write_text(json.dumps(drawn.bundle, ensure_ascii=False, indent=1))
    python = beacon_verify(proof, ["--anchors", str(drawn.ca_pem)], text=True)
    assert python.verdict == "VALID"

    driver.get(built.as_uri() + "?lang=en")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    driver.find_element(By.ID, "tbv-bundle-input").send_keys(str(proof))
    driver.find_element(By.ID, "tbv-anchors-input").send_keys(str(drawn.ca_pem))
    wait_for(lambda: proof.name in driver.find_element(By.ID, "tbv-bundle-chosen").text, "chosen")
    driver.find_element(By.ID, "tbv-verify").click()
    assert _verdict(driver) == "VALID"
    assert [own_words(x) for x in _lines(driver)] == [own_words(x) for x in python.lines]
    took = float(driver.find_element(By.ID, "tbv-took").get_attribute("data-ms"))
    assert 0 < took < 60_000
    # Nothing was fetched: the file has no network (its CSP says connect-src 'none').
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    csp = driver.find_element(By.CSS_SELECTOR, "meta[http-equiv='Content-Security-Policy']")
    assert "connect-src 'none'" in csp.get_attribute("content")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "verify-page-en.png"))

    # --utc: the same lines with canonical UTC times.
    utc = beacon_verify(proof, ["--anchors", str(drawn.ca_pem)], text=True, output=["--utc"])
    assert utc.lines != python.lines
    driver.find_element(By.ID, "tbv-utc").click()
    assert [own_words(x) for x in _lines(driver)] == [own_words(x) for x in utc.lines]
    driver.find_element(By.ID, "tbv-utc").click()

    # The Chinese interface shows beacon-verify --lang zh's lines.
    zh = beacon_verify(proof, ["--anchors", str(drawn.ca_pem)], text=True, output=["--lang", "zh"])
    assert zh.lines[-1] == "有效（VALID）"
    driver.find_element(By.ID, "tbv-lang").click()
    wait_for(
        lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN", "中文"
    )
    assert driver.find_element(By.ID, "tbv-verify").text == "验证"
    assert driver.find_element(By.ID, "tbv-verdict").get_attribute("data-verdict") == "VALID"
    assert [own_words(x) for x in _lines(driver)] == [own_words(x) for x in zh.lines]
    driver.save_screenshot(str(ARTIFACTS / "verify-page-zh.png"))
    assert severe(driver) == []


def test_without_a_bundle_the_page_says_so(driver, built):
    from selenium.webdriver.common.by import By

    driver.get(built.as_uri() + "?lang=en")
    driver.find_element(By.ID, "tbv-verify").click()
    problem = wait_for(lambda: driver.find_elements(By.ID, "tbv-problem"), "the problem")
    assert problem[0].text == "Choose or fetch a proof bundle first."


def _served_ca(base: str) -> bytes | None:
    try:
        with urllib.request.urlopen(base + "/ca.pem", timeout=10) as response:
            return bytes(response.read())
    except urllib.error.HTTPError:
        return None


def test_verify_on_the_beacon_fetches_the_draw(driver, built, drawn, beacon_url, tmp_path, english):
    from selenium.webdriver.common.by import By

    driver.get(f"{beacon_url}/verify?lang=en&draw={DRAW}")
    saved = wait_for(lambda: driver.find_elements(By.ID, "tbv-save"), "the fetched bundle")
    assert saved[0].get_attribute("download") == f"{DRAW}-proof.json"
    assert "fetched from this beacon" in driver.find_element(By.ID, "tbv-bundle-chosen").text
    driver.find_element(By.ID, "tbv-anchors-input").send_keys(str(drawn.ca_pem))
    driver.find_element(By.ID, "tbv-verify").click()
    assert _verdict(driver) == "VALID"
    python = beacon_verify(DRAW, ["--from", beacon_url, "--anchors", str(drawn.ca_pem)], text=True)
    assert [own_words(x) for x in _lines(driver)] == [own_words(x) for x in python.lines]
    driver.save_screenshot(str(ARTIFACTS / "verify-page-served-en.png"))
    assert severe(driver) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_fetched_bundle_without_anchors_names_this_beacons_ca(
    driver, built, drawn, beacon_url, english, lang
):
    """beacon-verify --from URL's own-anchors guidance names URL/ca.pem: so does the page."""
    from selenium.webdriver.common.by import By

    driver.get(f"{beacon_url}/verify?lang={lang}&draw={DRAW}")
    wait_for(lambda: driver.find_elements(By.ID, "tbv-save"), "the fetched bundle")
    driver.find_element(By.ID, "tbv-verify").click()
    assert _verdict(driver) == "VALID-UNANCHORED"
    python = beacon_verify(DRAW, ["--from", beacon_url], text=True, output=["--lang", lang])
    assert f"{beacon_url}/ca.pem" in python.lines[-2]
    assert [own_words(x) for x in _lines(driver)] == [own_words(x) for x in python.lines]
    assert severe(driver) == []


def test_the_beacons_ca_certificate_is_offered(driver, built, drawn, beacon_url, tmp_path, english):
    from selenium.webdriver.common.by import By

    driver.get(f"{beacon_url}/verify?lang=en&draw={DRAW}")
    wait_for(lambda: driver.find_elements(By.ID, "tbv-save"), "the fetched bundle")
    driver.find_element(By.ID, "tbv-site-ca").click()
    driver.find_element(By.ID, "tbv-verify").click()
    served = _served_ca(beacon_url)
    if served is None:  # a beacon without the CA download: the page says it could not fetch it
        problem = wait_for(lambda: driver.find_elements(By.ID, "tbv-problem"), "the problem")
        assert problem[0].text.startswith("Could not fetch /ca.pem: 404 ")
        return
    (tmp_path / "ca.pem").write_bytes(served)
    python = beacon_verify(DRAW, ["--from", beacon_url, "--anchors", str(tmp_path / "ca.pem")])
    assert _verdict(driver) == python.verdict == "VALID"


# -- the draw vectors: the whole computation (§10–§12) in the browser --------------------------

# tests/verifier/test_vectors.py::test_draw, step for step, on the page's own modules.
DRAW_VECTOR = """
const [text, done] = arguments;
const { draw, enc, merkle, records, vdf } = window.tenderBeaconVerifier.internals;
const hex = (b) => enc.toHex(b);
(async () => {
  const v = enc.parseJson(text);
  const [definition, encoded] = records.parseDefinition(v.definition);
  const defHash = await records.definitionHash(encoded);
  const freeze = new merkle.TreeHead(v.freeze.tree_size, enc.fromHex(v.freeze.root_hash));
  const entries = v.seeds.map((e) => [e.role, enc.fromHex(e.fingerprint), e.status, enc.fromHex(e.seed)]);
  const snapshot = v.snapshot !== null ? await draw.snapshotHash(v.snapshot) : new Uint8Array(0);
  let seed;
  try {
    seed = await draw.combinedSeed(defHash, freeze, entries, snapshot);
  } catch (e) {
    if (e.code === undefined) throw e;
    return { expect: e.code };
  }
  const x = await vdf.hashToGroup(seed);
  const y = vdf.element(enc.fromHex(v.y), "y");
  const pi = vdf.element(enc.fromHex(v.pi), "pi", { identity: true });
  await vdf.verify(x, y, pi, definition.vdf_t);
  const r = await vdf.output(y);
  const drawn = await draw.picks(definition, r, v.snapshot ?? []);
  return {
    expect: "valid",
    definition_hash: hex(defHash),
    snapshot_hash: v.snapshot !== null ? hex(snapshot) : null,
    combined_seed: hex(seed),
    x: hex(vdf.encode(x)),
    R: hex(r),
    picks: drawn,
    derived: Object.fromEntries(draw.derived(definition, drawn).map((d) => [d.code, d.value])),
  };
})().then(
  (out) => done(JSON.parse(JSON.stringify(out, (k, x) => (typeof x === "bigint" ? Number(x) : x)))),
  (e) => done({ error: String((e && e.stack) || e) }),
);
"""
KEYS = ("definition_hash", "snapshot_hash", "combined_seed", "x", "R", "picks", "derived")


def test_every_draw_vector_computes_in_the_browser(driver, built):
    """Expected values: the vector files (tests/vectors/draw/, checked there by verifier/)."""
    driver.get(built.as_uri() + "?lang=en")
    wait_for(lambda: driver.execute_script("return !!window.tenderBeaconVerifier"), "the page")
    paths = sorted((ROOT / "tests" / "vectors" / "draw").glob("*.json"))
    assert len(paths) >= 7
    misses = []
    for path in paths:
        v = json.loads(path.read_text())
        got = driver.execute_async_script(DRAW_VECTOR, path.read_text())
        want = {"expect": v["expect"]} | ({k: v[k] for k in KEYS} if v["expect"] == "valid" else {})
        if got != want:
            misses.append(f"{path.name}: browser {got}, vector {want}")
    assert not misses, "\n".join(misses)
