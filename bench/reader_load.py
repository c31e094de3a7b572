"""Load (b): many concurrent readers of a draw page and the pulse API while the VDF runs.

The production shape (docs/ARCHITECTURE.md §6), as separate processes on one SQLite database:
``gunicorn 'beacon.web.wsgi:app'`` with 2 workers, ``beacon pulser`` (1 s period, so
that a minute holds sixty boundaries to miss) and ``beacon worker``. A draw is taken
through its ceremony over HTTP to the computing phase with a ``T`` sized to keep the
worker busy past the whole reading window; then two wrk processes, half the
connections each, read the draw page and ``/beacon/2.0/pulse/last`` for the window.
Afterwards: the draw must have been computing all through the window and must then
finish; every pulse of the window must sit on its boundary, none may be missing
(status 2), and each must have been emitted within :data:`LATE_BOUND_MS` of its
boundary, by the pulser's own log clock (TZ=UTC).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import rsa_group, vdf
from beacon.core.definition import parse_authoring
from beacon.core.envelope.shares import public_bytes
from beacon.core.timefmt import format_ms, parse_ms
from beacon.identity import ca
from beacon.service.settings import Settings
from bench import servers
from bench.parties import Parties, now_ms, wait_for
from bench.wrk import Wrk, WrkRun

TENDER = "READ-2026-0001"
DRAW = "READ-2026-0001-K"
BIDDERS = 5
PERIOD_MS = 1000
LATE_BOUND_MS = 500  # a pulse is late if its pulser logs it later than this after its boundary
WRK_TIMEOUT_S = 30  # a response slower than this counts as a wrk timeout (a socket error)
LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) beacon\.pulser pulse (\d+)/(\d+) at (\S+) \(status (\d+)\)"
)


@dataclass
class PulseSeen:
    chain: int
    index: int
    time_ms: int
    status: int
    logged_ms: int

    @property
    def lateness_ms(self) -> int:
        return self.logged_ms - self.time_ms


@dataclass
class ReadersRun:
    """What part (b) measured."""

    connections: int
    window_s: float
    squarings_per_s: float = 0.0
    vdf_t: int = 0
    page: str = ""
    runs: dict[str, WrkRun] = field(default_factory=dict)
    window_ms: tuple[int, int] = (0, 0)
    vdf_done: tuple[int, int] = (0, 0)  # squarings done at the start and the end of the window
    state_after_window: str = ""
    finished_after_s: float = math.nan  # from the window's end to the result
    pulses: list[PulseSeen] = field(default_factory=list)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("runs", "pulses")}
        out["runs"] = {k: r.to_dict() for k, r in self.runs.items()}
        out["pulses"] = [p.__dict__ | {"lateness_ms": p.lateness_ms} for p in self.pulses]
        return out


def squaring_rate(t: int = 300_000) -> float:
    """Squarings per second of this machine's evaluator (beacon.core.vdf), measured now."""
    x = rsa_group.hash_to_group(b"bench-load-rate")
    start = time.perf_counter()
    vdf.evaluate(x, t)
    return t / (time.perf_counter() - start)


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers.get_content_type()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type()


def run_readers(tmp: Path, *, connections: int, window_s: float, wrk: Wrk) -> ReadersRun:
    result = ReadersRun(connections=connections, window_s=window_s)
    data = tmp / "data"
    ca.init_ca(
        data / "ca",
        now=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        bidders=BIDDERS,
        signer_bits=2048,
    )
    # Migrate before the three processes start: each migrates on start, and on a fresh
    # SQLite file concurrent first migrations fail with "database is locked".
    Settings.build(data_dir=data).open_database().dispose()
    result.squarings_per_s = squaring_rate()
    # Sized so that even at full speed the VDF outlasts the window by half again; readers
    # only slow it down.
    result.vdf_t = math.ceil(1.5 * window_s * result.squarings_per_s)
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    common = ["--data-dir", str(data), "--pulse-period", str(PERIOD_MS // 1000)]
    utc = {"TZ": "UTC"}
    with (
        servers.beacon(
            "pulser", *common, name="beacon pulser", log=tmp / "pulser.log", env=utc
        ) as pulser,
        servers.beacon("worker", *common, name="beacon worker", log=tmp / "worker.log") as worker,
        servers.gunicorn(
            "beacon.web.wsgi:app",
            port=port,
            log=tmp / "web.log",
            env={
                "BEACON_DATA_DIR": str(data),
                "BEACON_PULSE_PERIOD": str(PERIOD_MS // 1000),
                "BEACON_MIN_LEAD_SECONDS": "2",
            },
        ) as web,
    ):
        pulser.wait_log("beacon.pulser pulse ")
        web.wait_http(url + "/beacon/2.0/pulse/last")
        parties = Parties(data / "ca", TENDER, url)
        _to_computing(parties, result.vdf_t)
        wait_for(
            "the worker to start the VDF",
            lambda: (parties.get(f"/api/v1/draws/{DRAW}")["vdf"] or {}).get("worker"),
            timeout=60,
        )
        board = _status(f"{url}/draws/{DRAW}")
        result.page = f"/draws/{DRAW}" if board == (200, "text/html") else f"/api/v1/draws/{DRAW}"
        result.vdf_done = (parties.get(f"/api/v1/draws/{DRAW}")["vdf"]["done"], 0)
        start = now_ms()
        with ThreadPoolExecutor(2) as pool:
            futures = {
                name: pool.submit(
                    wrk.run,
                    url + path,
                    connections=connections // 2,
                    seconds=window_s,
                    max_requests=10**8,
                    timeout_s=WRK_TIMEOUT_S,
                )
                for name, path in (("draw page", result.page), ("pulse", "/beacon/2.0/pulse/last"))
            }
            result.runs = {name: f.result() for name, f in futures.items()}
        end = now_ms()
        result.window_ms = (start, end)
        after = parties.get(f"/api/v1/draws/{DRAW}")
        result.state_after_window = after["state"]
        result.vdf_done = (result.vdf_done[0], after["vdf"]["done"])
        result.peak_rss_mib = {
            **web.peak_rss_mib(),
            **pulser.peak_rss_mib(),
            **worker.peak_rss_mib(),
        }
        wait_for(
            "the draw's result",
            lambda: parties.get(f"/api/v1/draws/{DRAW}")["state"] == "drawn",
            timeout=10 * result.vdf_t / result.squarings_per_s + 120,
            every=0.5,
        )
        result.finished_after_s = (now_ms() - end) / 1000
        result.pulses = _pulses_in(parties, pulser.log, start, end)
    return result


def _to_computing(parties: Parties, vdf_t: int) -> None:
    """Registrations, definition, keys, commitments, seed envelopes, reveals, releases."""
    centre, agent = parties.actor("centre", "centre"), parties.actor("agent", "agent")
    bidders = [parties.actor(f"bidder-{i}", "bidder") for i in range(1, BIDDERS + 1)]
    parties.submit(centre.register("agent", agent.certificate))
    for b in bidders:
        parties.submit(centre.register("bidder", b.certificate))
    commit = now_ms() // 1000 * 1000 + 8000
    definition = parse_authoring(
        {
            "draw_id": DRAW,
            "tender_id": TENDER,
            "title": "评标基准价系数抽取 (readers benchmark)",
            "selections": [
                {"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97", "0.98"]}
            ],
            "deadlines": {
                "commit": format_ms(commit),
                "reveal": format_ms(commit + 10_000),
                "seed_open": format_ms(commit + 20_000),
            },
            "dispute_window_ms": 60_000,
            "vdf_t": vdf_t,
        }
    )
    parties.submit(agent.publish(definition))
    parties.submit(centre.countersign(definition))
    keys, seeds = {}, {}
    for party in (centre, agent):
        keys[party.role] = ec.generate_private_key(ec.SECP256R1())
        parties.submit(party.opening_key(DRAW, keys[party.role]))
        seeds[party.role] = party.new_seed()
        parties.submit(party.commit(DRAW, seeds[party.role]))
    for i, b in enumerate(bidders, 1):
        sealed = b.seal_seed(
            DRAW,
            agent_key=public_bytes(keys["agent"].public_key()),
            centre_key=public_bytes(keys["centre"].public_key()),
            envelope_id=f"{DRAW}-seed-{i}",
        )
        parties.client.submit_envelope(
            sealed.statement, io.BytesIO(sealed.envelope), len(sealed.envelope)
        )
    wait_for(
        "the freeze",
        lambda: parties.get(f"/api/v1/draws/{DRAW}")["state"] == "revealing",
        timeout=60,
    )
    for party in (centre, agent):
        parties.submit(party.reveal(DRAW, seeds[party.role]))
    for party in (centre, agent):
        parties.submit(party.release(DRAW, keys[party.role]))


def _pulses_in(parties: Parties, log: Path, start: int, end: int) -> list[PulseSeen]:
    """Every pulse stamped inside [start, end] as served, with when its pulser logged it."""
    logged: dict[tuple[int, int], tuple[int, int]] = {}  # (chain, index) -> (stamp, logged)
    for line in log.read_text().splitlines():
        m = LOG_LINE.match(line)
        if m:
            at = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=dt.UTC)
            key = (int(m.group(2)), int(m.group(3)))
            logged[key] = (parse_ms(m.group(4)), round(at.timestamp() * 1000))
    inside = sorted(k for k, (stamp, _) in logged.items() if start <= stamp <= end)
    if not inside:
        return []
    chain, first, last = inside[0][0], inside[0][1], inside[-1][1]
    served = parties.get(f"/api/v1/chains/{chain}/pulses?start={first}&end={last + 1}")["pulses"]
    out = []
    for doc in served:
        p = doc["pulse"]
        key = (p["chainIndex"], p["pulseIndex"])
        if key not in logged:
            raise RuntimeError(f"pulse {key[0]}/{key[1]} is served but its pulser never logged it")
        out.append(
            PulseSeen(
                chain=key[0],
                index=key[1],
                time_ms=parse_ms(p["timeStamp"]),
                status=p["statusCode"],
                logged_ms=logged[key][1],
            )
        )
    return out
