"""``beacon serve``: the web app on waitress, plus the pulser, in one process."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

import click
import waitress

from beacon.cli import main
from beacon.cli.options import deployment, pulsing
from beacon.cli.pulser import stop_on_signals
from beacon.errors import BeaconError
from beacon.service.clock import SystemClock
from beacon.service.entropy import SystemEntropy
from beacon.service.leader import leader_lock_for
from beacon.service.pulser import Pulser
from beacon.service.settings import Settings
from beacon.web import create_app


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@deployment
@pulsing
@click.option("--no-pulser", is_flag=True, help="Serve only; run 'beacon pulser' elsewhere.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    pulse_period: int,
    public_url: str | None,
    signer_bits: int,
    no_pulser: bool,
    threads: int,
) -> None:
    """Serve the NIST Beacon 2.0 paths and the log API, and emit pulses."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.build(
        data_dir=data_dir,
        database_url=database_url,
        period_seconds=pulse_period,
        public_url=public_url or f"http://{host}:{port}",
        signer_bits=signer_bits,
    )
    try:
        database = settings.open_database()
        signer = settings.load_signer(now=dt.datetime.now(dt.UTC))
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    stop = stop_on_signals()
    workers = []
    if not no_pulser:
        pulser = Pulser(database, signer, SystemClock(), SystemEntropy(), settings.pulser)
        lock = leader_lock_for(settings.database_url)
        workers.append(threading.Thread(target=pulser.run, args=(lock, stop), name="pulser"))
    app = create_app(
        {"DATABASE_URL": settings.database_url, "PULSE_PERIOD_MS": settings.pulser.period_ms},
        database=database,
    )
    server = waitress.create_server(app, host=host, port=port, threads=threads)
    workers.append(threading.Thread(target=server.run, name="http", daemon=True))
    for worker in workers:
        worker.start()
    click.echo(f"serving on http://{host}:{port} (data in {settings.data_dir}); Ctrl-C stops")
    stop.wait()
    server.close()
    for worker in workers:
        worker.join(10)
    database.dispose()
