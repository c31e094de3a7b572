"""Fixtures for the independent verifier's tests: its two arithmetic backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from verifier import vdf


@pytest.fixture(params=["gmpy2", "python"])
def vdf_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once with gmpy2 and once with Python's own integers."""
    try:
        previous = vdf.use_backend(request.param)
    except ValueError:
        pytest.skip("gmpy2 is not installed")
    yield request.param
    vdf.use_backend(previous)


@pytest.fixture
def pure_python() -> Iterator[None]:
    """Force the pure-Python path, as on a machine without gmpy2."""
    previous = vdf.use_backend("python")
    yield
    vdf.use_backend(previous)
