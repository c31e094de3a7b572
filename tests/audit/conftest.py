"""Fixtures of the audit tests: the binary expansion of e, computed once per session."""

from __future__ import annotations

import pytest

from beacon.audit import expansion
from beacon.audit.bits import Bits


@pytest.fixture(scope="session")
def e_bits() -> Bits:
    """The first 1,000,000 bits of e, as sts-2.1.2's data/data.e (integer part first)."""
    return expansion("e", 1_000_000)
