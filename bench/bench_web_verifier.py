"""The browser verifier (verifier-web/) on one draw's proof bundle, in headless Chromium.

Target (issue 12 item 10): verifying a demo bundle takes <= 1 s in Chromium, median of 9
runs. Each run loads the single-file build/verify.html afresh (cold, as for a bidder who opens
the saved page once) and times verifyBundle inside the page with performance.now(); then 9
runs in one page (warm). Baseline in the same run: beacon-verify's verify_bundle on the same
bytes and anchors, 9 cold runs (its certificate caches cleared), from the JSON text.

The bundle is the one bench_verifier uses: a whole draw made by the service in process
(tests/service/deployment.py, the demo CA, RSA-2048 beacon key). Needs Chromium,
chromedriver, selenium and Node.js with verifier-web/node_modules (make web).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from beacon.store import sqlite_url
from bench.harness import Context
from tests.conftest import ROOT
from tests.service.deployment import PERIOD, open_deployment
from tests.service.test_draw_flow import bundle, run_to_result
from verifier import identity, vdf, verify_bundle

TITLE = "Browser verifier (Chromium)"
RUNS = 9
WEB = ROOT / "verifier-web"
PAGE = ROOT / "build" / "verify.html"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# One verification inside the page: performance.now() around verifyBundle alone.
TIMED = """
const [text, ca, done] = arguments;
const start = performance.now();
window.tenderBeaconVerifier.verifyBundle(text, {anchorsPem: [ca]}).then(
  (report) => done({ms: performance.now() - start, verdict: report.verdict}),
  (e) => done({ms: -1, verdict: String(e)}));
"""


def demo_bundle() -> tuple[str, str]:
    """A drawn draw's proof bundle as the service serves it, and its deployment's CA (PEM)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = open_deployment(Path(tmp), sqlite_url(Path(tmp) / "beacon.sqlite3"))
        try:
            run_to_result(d)
            d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
            doc = bundle(d).to_dict()
            return json.dumps(doc, ensure_ascii=False, indent=1), (d.ca_dir / "ca.pem").read_text()
        finally:
            d.runtime.close()


def build() -> None:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        raise SystemExit("bench web_verifier: needs node and verifier-web/node_modules (make web)")
    subprocess.run([node, "build.mjs"], cwd=WEB, check=True, capture_output=True, timeout=120)


def chromium() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in [*FLAGS, f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options
    )
    driver.set_script_timeout(120)
    return driver


def in_page(driver: Any, text: str, ca: str) -> float:
    result = driver.execute_async_script(TIMED, text, ca)
    if result["verdict"] != "VALID":
        raise AssertionError(f"the browser verifier says {result['verdict']}")
    return float(result["ms"])


def run(ctx: Context) -> None:
    build()
    text, ca = demo_bundle()
    driver = chromium()
    try:
        cold, warm = [], []
        for _ in range(RUNS):
            driver.get(PAGE.as_uri())
            cold.append(in_page(driver, text, ca))
        for _ in range(RUNS):
            warm.append(in_page(driver, text, ca))
        version = driver.capabilities.get("browserVersion", "?")
    finally:
        driver.quit()
    anchors = identity.load_pem(ca.encode(), "ca.pem")
    python = []
    for _ in range(RUNS):
        identity.load.cache_clear()
        identity.validate_chain.cache_clear()
        start = time.perf_counter()
        report = verify_bundle(json.loads(text), anchors)
        python.append((time.perf_counter() - start) * 1e3)
        assert report.verdict == "VALID", report.failed()
    doc = json.loads(text)
    ctx.line(
        f"One proof bundle ({len(text) / 1024:.0f} KiB): {len(doc['statements'])} statements, "
        f"{len(doc['seed_envelopes'])} seed envelopes, vdf_t = {doc['definition']['vdf_t']}; "
        f"anchors given, verdict VALID. Chromium {version}, headless, build/verify.html from disk; "
        f"beacon-verify with its {vdf.backend()} arithmetic. "
        f"Median of {RUNS} runs. Command: `.venv/bin/python -m bench --only web_verifier`."
    )
    ctx.line()
    rows = [
        ["browser, cold (page loaded afresh each run)", cold],
        ["browser, warm (one page, repeated)", warm],
        ["beacon-verify verify_bundle, cold (baseline, same run)", python],
    ]
    ctx.table(
        ["what", "median (ms)", "min (ms)", "max (ms)"],
        [
            [name, f"{statistics.median(ts):.1f}", f"{min(ts):.1f}", f"{max(ts):.1f}"]
            for name, ts in rows
        ],
    )
    ctx.target(
        "bundle in Chromium, cold (ms)", statistics.median(cold), op="<=", bound=1000, unit=" ms"
    )
    ctx.line(
        f"- the browser takes {statistics.median(cold) / statistics.median(python):.1f}x "
        "beacon-verify's time on the same bundle"
    )
    ctx.metric("cold_ms", statistics.median(cold))
    ctx.metric("warm_ms", statistics.median(warm))
    ctx.metric("python_ms", statistics.median(python))
