"""The VDF backend fixture, apart from conftest.py so that test_vectors.py runs with nothing
but the verifier and pytest installed (.ci/verifier-alone runs it with ``--noconftest``)."""

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
        pytest.skip(reason="gmpy2 is not installed")
    yield request.param
    vdf.use_backend(previous)
