"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
# Public third-party vectors live beside the checkout (DEVELOPERS.md); never copied in.
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"


def shared_vectors(*parts: str) -> Path:
    """Path to a public vector folder, or skip with the reason when it is absent."""
    path = SHARED_VECTORS.joinpath(*parts)
    if not path.is_dir():
        pytest.skip(f"public vectors not found at {path} (../shared is absent on a fresh clone)")
    return path
