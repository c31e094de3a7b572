"""gunicorn settings of the web processes: ``gunicorn -c python:beacon.ops.gunicorn_conf``.

It serves ``beacon.web.wsgi:app`` (configured by the BEACON_* variables, see
beacon/web/wsgi.py); give the bind address and the number of workers on the command
line (``--bind 0.0.0.0:8080 --workers 4``), which takes precedence over this file.

**Metrics of every worker.** gunicorn runs each worker in its own process, and a
scrape of ``/metrics`` reaches only one of them. Set ``PROMETHEUS_MULTIPROC_DIR`` to
a folder private to this gunicorn (e.g. ``/run/beacon-web/metrics``; a tmpfs is best)
and every worker writes its values there, and ``/metrics`` (beacon/web/metrics.py)
adds them up: counters and histograms over all workers, dead ones included, live
gauges over the workers still running. The hooks below keep the folder right:

* ``on_starting`` (the master, before any worker) creates the folder and deletes the
  files a previous run left there, so counters start from zero with the new master
  rather than adding up old processes. Only prometheus_client's own files
  (``counter_<pid>.db``, ``gauge_<mode>_<pid>.db``, ``histogram_<pid>.db``,
  ``summary_<pid>.db``) are deleted; anything else in the folder is left alone.
* ``child_exit`` (the master, when a worker exits or is killed) removes the dead
  worker's live gauges (``multiprocess_mode`` ``live*``), so they describe only
  running workers.

Never share the folder with another gunicorn, ``beacon serve``, ``beacon pulser`` or
``beacon worker`` (the latter two refuse to start with the variable set; they serve
their own metrics on ``--metrics-port``).

This module imports nothing of the application, and prometheus_client only inside the
hooks: the client picks file-backed values or in-memory ones when it is first imported,
by whether the variable is set then, and gunicorn applies ``--env`` only after loading
this file. Imported here, it would give the master (and every forked worker) in-memory
values, and ``/metrics`` would add up an empty folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

wsgi_app = "beacon.web.wsgi:app"

# prometheus_client's value files: one per metric type (and gauge mode) and process.
VALUE_FILE = re.compile(r"(counter|histogram|summary|gauge_[a-z]+)_[0-9]+\.db")


def metrics_folder() -> Path | None:
    """The multiprocess folder named by the environment (prometheus_client's deprecated
    lower-case spelling is not supported)."""
    raw = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(raw) if raw else None


def clean(folder: Path) -> int:
    """Create ``folder`` or delete the value files in it; return how many were deleted."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = [p for p in folder.iterdir() if p.is_file() and VALUE_FILE.fullmatch(p.name)]
    for path in stale:
        path.unlink()
    return len(stale)


def on_starting(server: Any) -> None:
    folder = metrics_folder()
    if folder is not None:
        deleted = clean(folder)
        server.log.info("metrics folder %s: %d stale value files deleted", folder, deleted)


def child_exit(server: Any, worker: Any) -> None:
    folder = metrics_folder()
    if folder is not None:
        from prometheus_client import multiprocess

        # prometheus_client declares no types for it; this is its signature (pid, folder).
        mark_process_dead: Callable[[int, str], None] = multiprocess.mark_process_dead
        mark_process_dead(worker.pid, str(folder))
