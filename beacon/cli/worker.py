"""``beacon worker``: compute the VDF of draws in the computing phase, resuming after crashes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import click

from beacon.cli import main
from beacon.cli.options import (
    deployment,
    logging_options,
    metrics_endpoint,
    open_runtime,
    pulsing,
    serve_metrics,
    setting_option,
)
from beacon.cli.pulser import stop_on_signals
from beacon.ops import logs
from beacon.service.clock import SystemClock
from beacon.service.entropy import SystemEntropy


@main.command("worker")
@deployment
@pulsing
@click.option("--name", default=None, help="This worker's name in leases (default: host:pid).")
@click.option("--once", is_flag=True, help="Compute at most one draw, then exit.")
@setting_option("lease_seconds")
@metrics_endpoint
@logging_options
def worker_command(
    data_dir: Path,
    database_url: str | None,
    pulse_period: int,
    public_url: str | None,
    signer_bits: int,
    name: str | None,
    once: bool,
    lease_seconds: int,
    metrics_port: int | None,
    metrics_host: str,
    log_json: bool | None,
) -> None:
    """Compute draws' VDFs with stored checkpoints; several workers share the work safely."""
    logs.configure(json_lines=log_json)
    serve_metrics("worker", metrics_host, metrics_port)
    runtime = open_runtime(
        data_dir=data_dir,
        database_url=database_url,
        pulse_period=pulse_period,
        public_url=public_url or "http://127.0.0.1:8080",
        signer_bits=signer_bits,
        clock=SystemClock(),
        entropy=SystemEntropy(),
    )
    worker = runtime.worker(
        name or f"{socket.gethostname()}:{os.getpid()}", lease_ms=lease_seconds * 1000
    )
    try:
        if once:
            done = worker.run_once()
            click.echo(f"computed {done}" if done else "no draw is waiting to be computed")
        else:
            worker.run(stop_on_signals())
    finally:
        runtime.close()
