"""Pulse verification speed: 10,000 pulses signed with the product's RSA-4096 key.

Baseline (same run): a bare RSA PKCS#1 v1.5 SHA-512 verification of the same
messages with ``cryptography``; the ratio shows what parsing, hashing and the
chain rules (PROTOCOL.md §8.5-§8.6) add on top of the signature check.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from beacon.core import chain
from beacon.core.merkle import EMPTY_ROOT, TreeHead
from beacon.core.pulse import Pulse, certificate_id, precommitment, sign, tree_head_external
from beacon.identity import ca
from beacon.identity.signer import RsaPulseSigner
from beacon.service.entropy import DeterministicEntropy
from bench.harness import Context

TITLE = "Pulse verification (10,000 pulses, RSA-4096)"
COUNT = 10_000
PERIOD = 60_000
T0 = 1_795_687_080_000


def make_chain(signer: RsaPulseSigner, count: int) -> list[Pulse]:
    entropy = DeterministicEntropy(b"bench")
    values = [entropy.random_bytes(64) for _ in range(count + 1)]
    cid = certificate_id(signer.certificate_der)
    external = tree_head_external(TreeHead(0, EMPTY_ROOT))
    pulses: list[Pulse] = []
    firsts: dict[tuple[str, int], chain.PulseRef] = {}
    for i in range(count):
        previous = pulses[-1] if pulses else None

        def first_in_period(kind: str, previous: Pulse | None = previous) -> chain.PulseRef:
            assert previous is not None
            return firsts[(kind, chain.period_key(kind, previous.time_ms))]

        unsigned = chain.next_pulse(
            previous=previous,
            first_in_period=first_in_period,
            chain_index=1,
            time_ms=T0 + i * PERIOD,
            period=PERIOD,
            base_uri="https://beacon.example",
            certificate_id=cid,
            local_random_value=values[i],
            precommitment_value=precommitment(values[i + 1]),
            external=external,
        )
        pulse = sign(unsigned, signer)
        for kind in chain.PERIOD_KINDS:
            firsts.setdefault(
                (kind, chain.period_key(kind, pulse.time_ms)), chain.PulseRef.of(pulse)
            )
        pulses.append(pulse)
    return pulses


def run(ctx: Context) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ca.init_ca(Path(tmp), now=dt.datetime.now(dt.UTC), bidders=0, signer_bits=4096)
        signer = RsaPulseSigner.from_files(
            Path(tmp) / "beacon-signer.key", Path(tmp) / "beacon-signer.pem"
        )
    start = time.perf_counter()
    pulses = make_chain(signer, COUNT)
    signing = time.perf_counter() - start
    documents = [json.dumps(p.to_json()) for p in pulses]
    der = signer.certificate_der
    public_key = x509.load_der_x509_certificate(der).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)

    start = time.perf_counter()
    verifier = chain.ChainVerifier(lambda _: der)
    for pulse in pulses:
        verifier.add(pulse)
    chain_seconds = time.perf_counter() - start

    start = time.perf_counter()
    verifier = chain.ChainVerifier(lambda _: der)
    for document in documents:
        verifier.add(Pulse.from_json(json.loads(document)))
    parse_seconds = time.perf_counter() - start

    messages = [(p.signature_value, p.signing_input()) for p in pulses]
    start = time.perf_counter()
    for signature, message in messages:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA512())
    bare_seconds = time.perf_counter() - start

    rows = [
        [
            "bare RSA-4096 PKCS#1 v1.5 SHA-512 verify (baseline)",
            f"{bare_seconds:.2f}",
            f"{COUNT / bare_seconds:,.0f}",
        ],
        [
            "ChainVerifier.add (signature, output, chain rules)",
            f"{chain_seconds:.2f}",
            f"{COUNT / chain_seconds:,.0f}",
        ],
        ["JSON parse + ChainVerifier.add", f"{parse_seconds:.2f}", f"{COUNT / parse_seconds:,.0f}"],
    ]
    ctx.line(
        f"{COUNT:,} pulses of one chain (one certificate), signed in {signing:.1f} s "
        f"({COUNT / signing:,.0f} pulses/s). Command: `.venv/bin/python -m bench --only pulse`."
    )
    ctx.line()
    ctx.table(["what", "seconds", "pulses/s"], rows)
    ctx.line(
        f"- full verification costs {chain_seconds / bare_seconds:.2f}x the bare signature check "
        f"({parse_seconds / bare_seconds:.2f}x with JSON parsing)"
    )
    ctx.metric("pulses", COUNT)
    ctx.metric("sign_per_s", COUNT / signing)
    ctx.metric("verify_chain_per_s", COUNT / chain_seconds)
    ctx.metric("parse_and_verify_per_s", COUNT / parse_seconds)
    ctx.metric("bare_rsa_verify_per_s", COUNT / bare_seconds)
    ctx.metric("ratio_chain_to_bare", chain_seconds / bare_seconds)
