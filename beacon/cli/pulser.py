"""``beacon pulser``: run the pulser (one active per database; others wait)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from beacon.cli import main
from beacon.cli.options import (
    deployment,
    logging_options,
    metrics_endpoint,
    open_runtime,
    pulsing,
    serve_metrics,
)
from beacon.ops import logs
from beacon.service.clock import SystemClock
from beacon.service.entropy import SystemEntropy
from beacon.service.leader import leader_lock_for


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so the pulser finishes its transaction and exits."""
    stop = threading.Event()

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@main.command("pulser")
@deployment
@pulsing
@click.option(
    "--new-chain",
    is_flag=True,
    help="Start a new chain at the next pulse; with a --pulse-period other than the "
    "deployment's, make it the deployment's period (restart the other processes with it).",
)
@metrics_endpoint
@logging_options
def pulser_command(
    data_dir: Path,
    database_url: str | None,
    pulse_period: int,
    public_url: str | None,
    signer_bits: int,
    new_chain: bool,
    metrics_port: int | None,
    metrics_host: str,
    log_json: bool | None,
) -> None:
    """Emit one pulse per period at the period boundaries until stopped."""
    logs.configure(json_lines=log_json)
    serve_metrics("pulser", metrics_host, metrics_port)
    runtime = open_runtime(
        data_dir=data_dir,
        database_url=database_url,
        pulse_period=pulse_period,
        public_url=public_url or "http://127.0.0.1:8080",
        signer_bits=signer_bits,
        clock=SystemClock(),
        entropy=SystemEntropy(),
        new_chain=new_chain,
    )
    stop = stop_on_signals()
    # The runtime's pulser freezes due draws after every pulse (beacon.service.engine).
    runtime.pulser.run(leader_lock_for(runtime.settings.database_url), stop)
    runtime.close()
