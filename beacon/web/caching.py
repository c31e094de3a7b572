"""Cache headers (docs/ARCHITECTURE.md §6): history is immutable, the present expires with the period."""

from __future__ import annotations

import math

from flask import Response

IMMUTABLE = "public, max-age=31536000, immutable"


def immutable(response: Response) -> Response:
    """For anything that can never change: a stored pulse, a leaf, a proof to a fixed size."""
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def until(response: Response, *, now_ms: int, due_ms: int) -> Response:
    """Cacheable until ``due_ms`` (e.g. the next pulse), at least 0 seconds."""
    seconds = max(0, math.ceil((due_ms - now_ms) / 1000))
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
