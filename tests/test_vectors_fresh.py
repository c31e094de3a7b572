"""The committed vectors are exactly what the deterministic generator writes."""

from __future__ import annotations

import pytest

from tests.vectors import generate


@pytest.mark.parametrize("area", generate.areas())
def test_vectors_are_regenerated_identically(area):
    problems = generate.check(area)
    assert not problems, "\n".join(problems) + "\nrun `make vectors` and review the diff"
