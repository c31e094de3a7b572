"""Load (a): a whole bid opening with many large bids, over HTTP, against ``beacon serve``.

Every bidder seals one bid envelope and one seed envelope for the tender's draw, in
parallel processes (one per core), before any statement is made. Then, against a
real ``beacon serve`` process (waitress, its pulser and worker threads, SQLite):
registrations; the tender's deadlines and opening keys; the draw's definition,
opening keys and commitments; every envelope submitted concurrently over HTTP; the
deadline; the draw's reveals and key releases (the worker opens every seed envelope
and computes the draw); one key release each by the agent and the centre;
and the worker opens every bid. Checked: every bid opened with the plaintext hash
its bidder sealed, every bidder seed included in the draw.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.client import ServiceError
from beacon.core.definition import parse_authoring
from beacon.core.timefmt import format_ms
from beacon.identity import ca
from beacon.party import Actor
from bench import servers
from bench.parties import Parties, now_ms, sleep_until_ms, wait_for
from bench.sealing import DRAW, TENDER, Sealed, seal_all

CHUNK = 1 << 20
SUBMITTERS = 16  # concurrent uploads
REVEAL_WINDOW_MS = 20_000
VDF_T = 100_000


@dataclass
class Upload:
    sealed: Sealed
    seconds: float = 0.0
    error: str | None = None


@dataclass
class OpeningRun:
    """What part (a) measured."""

    bidders: int
    bid_bytes: int
    seal_seconds: float = 0.0
    seal_processes: int = 0
    registration_seconds: float = 0.0
    uploads: list[Upload] = field(default_factory=list)
    submit_seconds: float = 0.0
    margin_seconds: float = 0.0
    draw_seconds: float = 0.0
    included_bidder_seeds: int = 0
    release_seconds: float = 0.0
    opening_seconds: float = 0.0
    opened: int = 0
    hashes_match: int = 0
    frozen_bids: int = 0
    peak_rss_mib: float = 0.0
    disk_bytes: dict[str, int] = field(default_factory=dict)
    client_peak_bytes: int = 0

    def bids(self) -> list[Upload]:
        return [u for u in self.uploads if u.sealed.purpose == "bid"]

    def seeds(self) -> list[Upload]:
        return [u for u in self.uploads if u.sealed.purpose == "seed"]

    def to_dict(self) -> dict[str, Any]:
        def latencies(ups: list[Upload]) -> dict[str, float]:
            ok = sorted(u.seconds for u in ups if u.error is None)
            return {
                "p50_s": statistics.median(ok) if ok else math.nan,
                "p99_s": percentile(ok, 99),
                "max_s": ok[-1] if ok else math.nan,
            }

        out = {k: v for k, v in self.__dict__.items() if k != "uploads"}
        out["bid_latency"] = latencies(self.bids())
        out["seed_latency"] = latencies(self.seeds())
        out["upload_errors"] = [
            (u.sealed.envelope_id, u.error) for u in self.uploads if u.error is not None
        ]
        return out


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def disk_write_rate(folder: Path, size: int = 256 << 20) -> float:
    """Bytes per second of writing and fsyncing ``size`` bytes in ``folder``."""
    block = os.urandom(CHUNK)
    path = folder / "disk-probe"
    start = time.perf_counter()
    with path.open("wb") as f:
        for _ in range(size // CHUNK):
            f.write(block)
        f.flush()
        os.fsync(f.fileno())
    seconds = time.perf_counter() - start
    path.unlink()
    return size / seconds


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_opening(tmp: Path, *, bidders: int, bid_bytes: int) -> OpeningRun:
    """Part (a) in ``tmp``; raises if the service drops or garbles anything it accepted."""
    result = OpeningRun(bidders=bidders, bid_bytes=bid_bytes)
    data, client_dir = tmp / "server", tmp / "client"
    client_dir.mkdir()
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    ca.init_ca(data / "ca", now=yesterday, bidders=bidders, signer_bits=2048)
    keys = {
        (scope, role): ec.generate_private_key(ec.SECP256R1())
        for scope in ("tender", "draw")
        for role in ("agent", "centre")
    }
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    parties = Parties(data / "ca", TENDER, url)
    bidder_actors = [parties.actor(f"bidder-{i}", "bidder") for i in range(1, bidders + 1)]
    result.seal_processes = os.cpu_count() or 1
    sealed, result.seal_seconds = seal_all(
        client_dir, bidder_actors, keys, bid_bytes=bid_bytes, processes=result.seal_processes
    )
    result.client_peak_bytes = du(client_dir)
    ingest = min(result.bidders * result.bid_bytes / result.seal_seconds, disk_write_rate(tmp) / 2)
    with servers.beacon(
        "serve",
        "--data-dir",
        str(data),
        "--port",
        str(port),
        "--pulse-period",
        "1",
        "--min-lead-seconds",
        "2",
        "--max-envelope-mb",
        str(math.ceil(bid_bytes / (1 << 20)) + 8),
        name="beacon serve",
        log=tmp / "serve.log",
    ) as server:
        server.wait_http(url + "/beacon/2.0/pulse/last")
        centre, agent = parties.actor("centre", "centre"), parties.actor("agent", "agent")
        start = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    parties.submit,
                    [centre.register("agent", agent.certificate)]
                    + [centre.register("bidder", b.certificate) for b in bidder_actors],
                )
            )
        result.registration_seconds = time.perf_counter() - start
        # The deadline is published before any bid is sent and never moves (§9.9): leave
        # three times what the slower of sealing and the disk suggests, plus 30 s.
        deadline = _whole_second(now_ms() + 30_000 + 3000 * bidders * bid_bytes / ingest)
        seeds = _publish(parties, centre, agent, keys, deadline)
        _submit_all(result, parties, bidder_actors, sealed, client_dir)
        result.margin_seconds = (deadline - now_ms()) / 1000
        sleep_until_ms(deadline)
        wait_for(
            "the closing pulse",
            lambda: parties.get(f"/api/v1/tenders/{TENDER}")["phase"] == "releasing",
            timeout=60,
        )
        _draw(result, parties, centre, agent, keys, seeds)
        _open(result, parties, centre, agent, keys, sealed)
        result.peak_rss_mib = (servers.vm_hwm_kib(server.pid) or 0) / 1024
    result.disk_bytes = {
        "blobs": du(data / "blobs"),
        "opened": du(data / "opened"),
        "database": sum(p.stat().st_size for p in data.glob("beacon.sqlite3*")),
    }
    return result


def _whole_second(ms: float) -> int:
    return math.ceil(ms / 1000) * 1000


def _publish(
    parties: Parties,
    centre: Actor,
    agent: Actor,
    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey],
    deadline: int,
) -> dict[str, bytes]:
    """The tender's deadlines and keys; the draw's definition, keys and commitments."""
    parties.submit(
        agent.tender_publish(
            "道路工程施工 (load benchmark)",
            bid_deadline=deadline,
            release_deadline=deadline + 600_000,
        )
    )
    parties.submit(agent.tender_opening_key(keys[("tender", "agent")]))
    parties.submit(centre.tender_opening_key(keys[("tender", "centre")]))
    definition = parse_authoring(
        {
            "draw_id": DRAW,
            "tender_id": TENDER,
            "title": "评标基准价系数抽取 (load benchmark)",
            "selections": [
                {"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97", "0.98"]}
            ],
            "deadlines": {
                "commit": format_ms(deadline),
                "reveal": format_ms(deadline + REVEAL_WINDOW_MS),
                "seed_open": format_ms(deadline + 2 * REVEAL_WINDOW_MS),
            },
            "dispute_window_ms": 60_000,
            "vdf_t": VDF_T,
        }
    )
    parties.submit(agent.publish(definition))
    parties.submit(centre.countersign(definition))
    seeds = {}
    for party in (centre, agent):
        parties.submit(party.opening_key(DRAW, keys[("draw", party.role)]))
        seeds[party.role] = party.new_seed()
        parties.submit(party.commit(DRAW, seeds[party.role]))
    return seeds


def _submit_all(
    result: OpeningRun,
    parties: Parties,
    bidders: list[Actor],
    sealed: list[Sealed],
    client_dir: Path,
) -> None:
    def upload(s: Sealed) -> Upload:
        bidder = bidders[s.index - 1]
        body = {
            "envelope_id": s.envelope_id,
            "purpose": s.purpose,
            "envelope_hash": s.envelope_hash,
            "size": s.size,
        }
        signed = bidder.sign("envelope.submit", DRAW if s.purpose == "seed" else "", body)
        start = time.perf_counter()
        try:
            if s.data is not None:
                parties.client.submit_envelope(signed, io.BytesIO(s.data), s.size)
            else:
                path = client_dir / f"{s.envelope_id}.env"
                with path.open("rb") as f:
                    parties.client.submit_envelope(signed, f, s.size)
                path.unlink()  # keeps the client side's disk use to what is still in flight
        except ServiceError as e:
            return Upload(s, time.perf_counter() - start, str(e))
        return Upload(s, time.perf_counter() - start)

    start = time.perf_counter()
    with ThreadPoolExecutor(SUBMITTERS) as pool:
        result.uploads = list(pool.map(upload, sealed))  # bid 1, seed 1, bid 2, …: interleaved
    result.submit_seconds = time.perf_counter() - start


def _draw(
    result: OpeningRun,
    parties: Parties,
    centre: Actor,
    agent: Actor,
    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey],
    seeds: dict[str, bytes],
) -> None:
    """Reveals and key releases; the worker opens every seed envelope and computes the draw."""
    start = time.perf_counter()
    wait_for(
        "the draw's freeze",
        lambda: parties.get(f"/api/v1/draws/{DRAW}")["state"] == "revealing",
        timeout=60,
    )
    for party in (centre, agent):
        parties.submit(party.reveal(DRAW, seeds[party.role]))
    for party in (centre, agent):
        parties.submit(party.release(DRAW, keys[("draw", party.role)]))
    drawn = wait_for(
        "the draw's result",
        lambda: (d := parties.get(f"/api/v1/draws/{DRAW}"))["state"] == "drawn" and d,
        timeout=300,
    )
    result.draw_seconds = time.perf_counter() - start
    result.included_bidder_seeds = sum(
        1 for s in drawn["result"]["seeds"] if s["role"] == "bidder" and s["status"] == "included"
    )


def _open(
    result: OpeningRun,
    parties: Parties,
    centre: Actor,
    agent: Actor,
    keys: dict[tuple[str, str], ec.EllipticCurvePrivateKey],
    sealed: list[Sealed],
) -> None:
    """One key release each (§9.9 step 5), then the worker opens every frozen bid."""
    tender = parties.get(f"/api/v1/tenders/{TENDER}")
    result.frozen_bids = len([b for b in tender["bids"] if b["frozen"]])
    start = time.perf_counter()
    for party in (agent, centre):
        parties.submit(party.release_tender_keys([keys[("tender", party.role)]]))
    released = time.perf_counter()
    result.release_seconds = released - start
    opened = wait_for(
        "the opening record",
        lambda: (x := parties.get(f"/api/v1/tenders/{TENDER}"))["phase"] == "opened" and x,
        timeout=1800,
    )
    result.opening_seconds = time.perf_counter() - released
    expected = {s.envelope_id: s.plaintext_sha256.hex() for s in sealed if s.purpose == "bid"}
    outcomes = opened["opening"]
    result.opened = sum(1 for e in outcomes if e["status"] == "opened")
    result.hashes_match = sum(
        1
        for e in outcomes
        if e["status"] == "opened" and expected.get(e["envelope_id"]) == e["plaintext_sha256"]
    )
