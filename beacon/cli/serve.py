"""``beacon serve``: the web board and API on waitress, the pulser, a VDF worker, in one process.

This is the embedded default (docs/ARCHITECTURE.md §6): one process for a user who runs
everything with no server. A production deployment runs ``beacon serve
--no-pulser --no-worker`` behind gunicorn-style process managers, ``beacon pulser``
and ``beacon worker`` separately; the database arbitrates.
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import click

from beacon.cli import main
from beacon.cli.options import (
    acceptance,
    deployment,
    display,
    display_zone_from,
    logging_options,
    open_runtime,
    pulsing,
    setting_option,
)
from beacon.cli.pulser import stop_on_signals
from beacon.core import chain, defaults
from beacon.core.timefmt import format_ms
from beacon.ops import logs
from beacon.service import config
from beacon.service.clock import SystemClock
from beacon.service.demo import (
    DEMO_VDF_ADVANTAGE,
    DEMO_VDF_RATE,
    DemoParties,
    DemoScheduler,
    bid_sample_definition,
    jiangsu_definition,
)
from beacon.service.entropy import SystemEntropy
from beacon.service.leader import leader_lock_for
from beacon.service.runtime import Runtime
from beacon.web import create_app
from beacon.web.http_server import create_server

log = logging.getLogger("beacon.serve")


def demo_scheduler(runtime: Runtime, *, tender_id: str, bidders: int) -> DemoScheduler:
    """Two demo draws on the real clock: coefficients, then 2 of the valid bids after decryption.

    Deadlines sit on pulse boundaries about 70 s to 130 s ahead (the publication lead
    time is 60 s), so with ``--pulse-period 2`` both draws are drawn and confirmed
    within about three minutes.
    """
    period = runtime.settings.pulser.period_ms
    now = runtime.clock.now_ms()

    def at(seconds: int) -> int:
        return chain.next_boundary(now + seconds * 1000, period)

    window = max(defaults.DEMO_MIN_DISPUTE_WINDOW_MS, 2 * period)
    coefficients = jiangsu_definition(
        draw_id=f"{tender_id}-K",
        tender_id=tender_id,
        commit=at(70),
        reveal=at(90),
        seed_open=at(110),
        dispute_window_ms=window,
    )
    sample = bid_sample_definition(
        draw_id=f"{tender_id}-BID",
        tender_id=tender_id,
        commit=at(80),
        snapshot=at(95),
        reveal=at(110),
        seed_open=at(130),
        k=2,
        dispute_window_ms=window,
    )
    parties = DemoParties(runtime, runtime.settings.ca_dir, tender_id, bidders)
    bids = [f"BID-{i:03d}" for i in range(1, bidders + 1)]
    return DemoScheduler(parties, [(coefficients, None), (sample, bids)])


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@deployment
@pulsing
@acceptance
@display
@click.option("--no-pulser", is_flag=True, help="Serve only; run 'beacon pulser' elsewhere.")
@click.option(
    "--no-worker", is_flag=True, help="Do not compute VDFs here; run 'beacon worker' elsewhere."
)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@setting_option("trusted_proxies")
@click.option(
    "--new-chain",
    is_flag=True,
    help="Start a new chain at the next pulse; with a --pulse-period other than the "
    "deployment's, make it the deployment's period.",
)
@click.option(
    "--demo", is_flag=True, help="Schedule a demo tender whose draws run the whole ceremony."
)
@logging_options
def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    pulse_period: int,
    public_url: str | None,
    signer_bits: int,
    min_vdf_t: int,
    min_lead_seconds: int,
    skew_seconds: int,
    max_envelope_mb: int,
    no_pulser: bool,
    no_worker: bool,
    threads: int,
    trusted_proxies: int,
    new_chain: bool,
    demo: bool,
    vdf_rate: int,
    vdf_advantage: int,
    display_offset: str,
    display_zone_zh: str | None,
    display_zone_en: str | None,
    log_json: bool | None,
) -> None:
    """Serve the board, the API and the NIST Beacon 2.0 paths; emit pulses; compute draws."""
    logs.configure(json_lines=log_json)
    if new_chain and no_pulser:
        raise click.UsageError("--new-chain asks this process's pulser: drop --no-pulser")
    zone = display_zone_from(
        display_offset=display_offset,
        display_zone_zh=display_zone_zh,
        display_zone_en=display_zone_en,
    )
    runtime = open_runtime(
        data_dir=data_dir,
        database_url=database_url,
        pulse_period=pulse_period,
        public_url=public_url or f"http://{host}:{port}",
        signer_bits=signer_bits,
        clock=SystemClock(),
        entropy=SystemEntropy(),
        policy=config.policy_of(
            min_vdf_t=min_vdf_t,
            min_lead_seconds=min_lead_seconds,
            skew_seconds=skew_seconds,
            max_envelope_mb=max_envelope_mb,
            # The demo publishes parameters that let its short windows run in minutes
            # (beacon/service/demo.py says why they protect nothing).
            vdf_rate=DEMO_VDF_RATE if demo else vdf_rate,
            vdf_advantage=DEMO_VDF_ADVANTAGE if demo else vdf_advantage,
        ),
        new_chain=new_chain,
    )
    stop = stop_on_signals()
    threads_: list[threading.Thread] = []
    if not no_pulser:
        lock = leader_lock_for(runtime.settings.database_url)
        threads_.append(
            threading.Thread(target=runtime.pulser.run, args=(lock, stop), name="pulser")
        )
    if not no_worker:
        worker = runtime.worker(f"{socket.gethostname()}:serve")
        threads_.append(threading.Thread(target=worker.run, args=(stop,), name="worker"))
    if demo:
        stamp = format_ms(runtime.clock.now_ms())
        scheduler = demo_scheduler(
            runtime,
            tender_id=f"DEMO-{stamp[:10].replace('-', '')}-{stamp[11:16].replace(':', '')}",
            bidders=5,
        )
        threads_.append(threading.Thread(target=scheduler.run, args=(stop,), name="demo"))
    app = create_app(
        {
            "PUBLIC_URL": runtime.settings.pulser.base_uri,
            "DISPLAY_ZONE": zone,
            "TRUSTED_PROXIES": trusted_proxies,
        },
        runtime=runtime,
    )
    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_body_bytes=max(runtime.policy.max_envelope_bytes, app.config["MAX_CONTENT_LENGTH"]),
    )
    threads_.append(threading.Thread(target=server.run, name="http", daemon=True))
    for t in threads_:
        t.start()
    click.echo(
        f"serving the board on http://{host}:{port}/ (data in {runtime.settings.data_dir}); Ctrl-C stops"
    )
    if demo:
        click.echo(
            "a demo tender is scheduled: watch its draws on the board (about three minutes with --pulse-period 2)"
        )
    stop.wait()
    server.close()
    for t in threads_:
        t.join(10)
    runtime.close()
