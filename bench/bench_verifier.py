"""The independent verifier (verifier/): one draw's proof bundle, and a 10,000-pulse chain.

Targets (issue 6): verifying one proof bundle takes <= 50 ms with gmpy2 and <= 200 ms
with Python's own integers (median of 21 runs, each cold: the verifier's certificate
caches are cleared first, as for a bidder who runs it once). The bundle is made by the
service in process (tests/service/deployment.py, the demo CA, RSA-2048 beacon key).

Chain: the 10,000 RSA-4096 pulses of bench_pulse, verified from their JSON by
verifier/; in the same run, as baselines, the service's own ChainVerifier on the same
documents and a bare RSA PKCS#1 v1.5 SHA-512 verification of each pulse.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from beacon.core import chain
from beacon.core.pulse import Pulse as ServicePulse
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner
from beacon.store import sqlite_url
from bench.bench_pulse import COUNT, make_chain
from bench.harness import Context
from tests.service.deployment import PERIOD, open_deployment
from tests.service.test_draw_flow import bundle, run_to_result
from verifier import identity, vdf, verify_bundle
from verifier.pulse import Pulse, verify_segment

TITLE = "Independent verifier"
RUNS = 21


def proof_bundle() -> dict[str, Any]:
    """A drawn draw's proof bundle, exactly as the service builds it."""
    with tempfile.TemporaryDirectory() as tmp:
        d = open_deployment(Path(tmp), sqlite_url(Path(tmp) / "beacon.sqlite3"))
        try:
            run_to_result(d)
            d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
            return bundle(d).to_dict()
        finally:
            d.runtime.close()


def cold_runs(doc: dict[str, Any]) -> list[float]:
    out = []
    for _ in range(RUNS):
        identity.load.cache_clear()
        identity.validate_chain.cache_clear()
        start = time.perf_counter()
        report = verify_bundle(doc)
        out.append(time.perf_counter() - start)
        assert report.valid, report.failed()
    return out


def run(ctx: Context) -> None:
    doc = proof_bundle()
    timings = {}
    for backend in ("gmpy2", "python"):
        previous = vdf.use_backend(backend)
        try:
            timings[backend] = cold_runs(doc)
        finally:
            vdf.use_backend(previous)
    ctx.line(
        f"One proof bundle: {len(doc['statements'])} statements, {len(doc['seed_envelopes'])} seed envelopes, "
        f"{len(doc['time_points'])} time point(s), vdf_t = {doc['definition']['vdf_t']} (verification cost does not "
        f"grow with T). Median of {RUNS} cold runs. Command: `.venv/bin/python -m bench --only verifier`."
    )
    ctx.line()
    ctx.table(
        ["arithmetic", "median (ms)", "min (ms)", "max (ms)"],
        [
            [
                name,
                f"{statistics.median(ts) * 1e3:.1f}",
                f"{min(ts) * 1e3:.1f}",
                f"{max(ts) * 1e3:.1f}",
            ]
            for name, ts in timings.items()
        ],
    )
    ctx.target(
        "bundle, gmpy2 (ms)",
        statistics.median(timings["gmpy2"]) * 1e3,
        op="<=",
        bound=50,
        unit=" ms",
    )
    ctx.target(
        "bundle, pure Python (ms)",
        statistics.median(timings["python"]) * 1e3,
        op="<=",
        bound=200,
        unit=" ms",
    )
    ctx.line()
    for name, ts in timings.items():
        ctx.metric(f"bundle_ms_{name}", statistics.median(ts) * 1e3)

    with tempfile.TemporaryDirectory() as tmp:
        ca.init_ca(Path(tmp), now=dt.datetime.now(dt.UTC), bidders=0, signer_bits=4096)
        signer = RsaPulseSigner.from_files(
            Path(tmp) / "beacon-signer.key", Path(tmp) / "beacon-signer.pem"
        )
    documents = [json.dumps(p.to_json()) for p in make_chain(signer, COUNT)]
    der = signer.certificate_der
    certificates = {bytes.fromhex(json.loads(documents[0])["pulse"]["certificateId"]): der}

    start = time.perf_counter()
    pulses = [Pulse.from_json(json.loads(text)) for text in documents]
    verify_segment(pulses, certificates)
    ours = time.perf_counter() - start

    start = time.perf_counter()
    service = chain.ChainVerifier(lambda _: der)
    for text in documents:
        service.add(ServicePulse.from_json(json.loads(text)))
    theirs = time.perf_counter() - start

    key = x509.load_der_x509_certificate(der).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    start = time.perf_counter()
    for p in pulses:
        key.verify(p.signature, p.message, padding.PKCS1v15(), hashes.SHA512())
    bare = time.perf_counter() - start

    ctx.line(
        f"A chain of {COUNT:,} pulses (RSA-4096, one certificate), from JSON, all of §8.5–§8.6 (same run):"
    )
    ctx.line()
    ctx.table(
        ["what", "seconds", "pulses/s"],
        [
            [
                "bare RSA-4096 PKCS#1 v1.5 SHA-512 verify (floor)",
                f"{bare:.2f}",
                f"{COUNT / bare:,.0f}",
            ],
            [
                "service: Pulse.from_json + ChainVerifier.add (baseline)",
                f"{theirs:.2f}",
                f"{COUNT / theirs:,.0f}",
            ],
            ["verifier/: Pulse.from_json + verify_segment", f"{ours:.2f}", f"{COUNT / ours:,.0f}"],
        ],
    )
    ctx.line(
        f"- verifier/ takes {ours / theirs:.2f}x the service's time, {ours / bare:.2f}x the bare signature checks"
    )
    ctx.metric("chain_pulses", COUNT)
    ctx.metric("chain_pulses_per_s", COUNT / ours)
    ctx.metric("service_chain_pulses_per_s", COUNT / theirs)
    ctx.metric("bare_rsa_verify_per_s", COUNT / bare)
    ctx.metric("ratio_to_service", ours / theirs)
