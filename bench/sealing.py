"""Sealing a bid opening's envelopes in parallel processes, as bidders would at home.

Each process seals whole envelopes with beacon.core.envelope, streaming a bid's
plaintext from a seeded generator (so no plaintext file is written) and hashing it on
the way, so that the opening can be checked bid by bid against what was sealed.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.envelope.shares import load_public_key, public_bytes
from beacon.party import Actor

TENDER = "LOAD-2026-0200"
DRAW = "LOAD-2026-0200-K"


@dataclass(frozen=True)
class SealJob:
    """What a sealing process needs (plain bytes: keys do not pickle)."""

    index: int
    purpose: str  # "bid" or "seed"
    size: int
    fingerprint: bytes
    agent_key: bytes  # SEC1
    centre_key: bytes
    out: str  # file for a bid; unused for a seed


@dataclass(frozen=True)
class Sealed:
    index: int
    purpose: str
    envelope_id: str
    envelope_hash: bytes
    size: int
    plaintext_sha256: bytes
    header: bytes  # canonical header bytes, for the parties' share unwrapping
    data: bytes | None  # a seed envelope's bytes; bids stay on disk at SealJob.out


class _Plaintext:
    """``size`` pseudo-random bytes (PCG64 seeded by the bid's index), hashed as read."""

    def __init__(self, seed: int, size: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64(seed))
        self._left = size
        self.sha256 = hashlib.sha256()

    def read(self, size: int, /) -> bytes:
        n = min(size, self._left)
        if n <= 0:
            return b""
        data = self._rng.bytes(n)
        self._left -= n
        self.sha256.update(data)
        return data


def envelope_id(purpose: str, index: int) -> str:
    return f"{TENDER}-{purpose}-{index:03d}"


def seal(job: SealJob) -> Sealed:
    """Seal one envelope (runs in a worker process)."""
    source = _Plaintext(job.index if job.purpose == "bid" else 10_000 + job.index, job.size)
    fields = {
        "tender_id": TENDER,
        "envelope_id": envelope_id(job.purpose, job.index),
        "purpose": job.purpose,
        "draw_id": DRAW if job.purpose == "seed" else "",
        "bidder_fingerprint": job.fingerprint,
        "agent_keys": [load_public_key(job.agent_key)],
        "centre_keys": [load_public_key(job.centre_key)],
        "random_bytes": os.urandom,
    }
    if job.purpose == "bid":
        with open(job.out, "wb") as sink:
            info = env.seal(source, sink, **fields)  # type: ignore[arg-type]
        data = None
    else:
        buffer = io.BytesIO()
        info = env.seal(source, buffer, **fields)  # type: ignore[arg-type]
        data = buffer.getvalue()
    return Sealed(
        job.index,
        job.purpose,
        envelope_id(job.purpose, job.index),
        info.hash,
        info.size,
        source.sha256.digest(),
        info.header.encode(),
        data,
    )


def seal_all(
    client_dir: Path,
    bidders: list[Actor],
    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey],
    *,
    bid_bytes: int,
    processes: int,
) -> tuple[list[Sealed], float]:
    """Every bidder's bid (to a file in ``client_dir``) and seed envelope; and the seconds taken."""
    jobs = []
    for i, b in enumerate(bidders, 1):
        for purpose, scope, size in (("bid", "tender", bid_bytes), ("seed", "draw", 32)):
            jobs.append(
                SealJob(
                    index=i,
                    purpose=purpose,
                    size=size,
                    fingerprint=b.fingerprint,
                    agent_key=public_bytes(keys[(scope, "agent")].public_key()),
                    centre_key=public_bytes(keys[(scope, "centre")].public_key()),
                    out=str(client_dir / f"{envelope_id(purpose, i)}.env"),
                )
            )
    start = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        sealed = list(pool.map(seal, jobs))
    return sealed, time.perf_counter() - start
