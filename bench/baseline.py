"""The bare endpoint the HTTP benchmark compares against: Flask returning constant bytes.

``gunicorn 'bench.baseline:app'`` with ``BENCH_BASELINE_DIR`` naming a folder: each
file ``NAME`` in it is read once at start and served at ``/NAME`` as
``application/json``, so the bytes on the wire are exactly those the beacon served
for the same question, with no database, no memo and no blueprint in between.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODIES = {p.name: p.read_bytes() for p in Path(os.environ["BENCH_BASELINE_DIR"]).iterdir()}

app = Flask(__name__)


@app.get("/<name>")
def constant(name: str) -> Response:
    return Response(BODIES[name], mimetype="application/json")
