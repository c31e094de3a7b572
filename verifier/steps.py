"""What every step of a verification procedure (PROTOCOL.md §14, §14.1) shares: a condition
that must hold, the result of an earlier step it needs, and how a digest is shown.

A step whose input failed reports that it depends on it, so that a report never passes a
step it could not run; the name it reports is the earlier result's.
"""

from __future__ import annotations

from typing import TypeVar

from verifier.errors import CheckFailed

T = TypeVar("T")


def check(ok: object, message: str) -> None:
    """Fail closed: raise :class:`CheckFailed` with ``message`` unless ``ok``."""
    if not ok:
        raise CheckFailed(message)


def need(result: T | None, name: str) -> T:
    """An earlier step's result, or a failure naming it when that step failed."""
    if result is None:
        raise CheckFailed(f"not checked: it depends on {name}, which failed")
    return result


def short(b: bytes) -> str:
    """The first six bytes of a digest or fingerprint, in hex, as the reports show them."""
    return b.hex()[:12] + "…"
