"""SP 800-22 on concatenated pulse values (beacon.audit.outputs), on a real chain.

The chain comes from the pulser on a fake clock with a gap (tests/audit/chain.py);
the suite's own P-values are checked elsewhere against sts-2.1.2 (test_sp800_22_*),
so here the facts are the stream's construction, the ordering, the checks that
refuse tampered pulses, and that exactly the computable tests run.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from beacon.audit.applicability import applicability
from beacon.audit.outputs import (
    audit_values,
    check_outputs,
    concatenate,
    format_output_audit,
    pulse_values,
    sequences,
    verify_pulses,
)
from beacon.errors import InputError, VerificationError
from tests.audit.chain import Chain, make_chain

# Boundaries 0..19, then a gap, then 25..29: 25 pulses, pulse 21 carries status 2.
BOUNDARIES = [*range(20), *range(25, 30)]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    c = make_chain(tmp_path_factory.mktemp("chain"), BOUNDARIES)
    yield c
    c.runtime.close()


def test_concatenation_is_most_significant_bit_first() -> None:
    bits = concatenate([bytes([0x80]) + bytes(63), bytes([0x01]) + bytes(62) + bytes([0xFF])])
    assert bits.size == 1024
    assert bits[0] == 1 and bits[1:8].sum() == 0
    assert bits[512 + 7] == 1 and bits[512:519].sum() == 0
    assert bits[-8:].tolist() == [1] * 8


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "no values to audit"), ([bytes(64), bytes(32)], "value 1 has 32 bytes, expected 64")],
    ids=["empty", "short-value"],
)
def test_concatenation_refusals(values: list[bytes], message: str) -> None:
    with pytest.raises(InputError, match=message):
        concatenate(values)


def test_values_in_chain_order_with_gaps_noted(chain: Chain) -> None:
    shuffled = chain.pulses[:]
    random.Random(7).shuffle(shuffled)
    kept = [p for p in shuffled if p.pulse_index not in (4, 5)]
    values, notes = pulse_values(kept)
    expected = [p.output_value for p in chain.pulses if p.pulse_index not in (4, 5)]
    assert values == expected
    assert notes[0].startswith("23 pulses from 1/1 (2026-11-26T08:00:00.000Z) to 1/25")
    assert notes[1:] == ["chain 1: pulses 4..5 are not among the inputs"]
    local, _ = pulse_values(chain.pulses, member="localRandomValue")
    assert local == [p.local_random_value for p in chain.pulses]


@pytest.mark.parametrize(
    ("mutate", "member", "message"),
    [
        (lambda ps: ps + ps[:1], "outputValue", "pulse 1/1 is given twice"),
        (lambda ps: [], "outputValue", "no pulses to audit"),
        (lambda ps: ps, "signatureValue", "member must be one of"),
    ],
    ids=["duplicate", "none", "unknown-member"],
)
def test_value_refusals(chain: Chain, mutate, member: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        pulse_values(mutate(chain.pulses), member=member)


def test_outputs_and_chain_verify(chain: Chain) -> None:
    check_outputs(chain.pulses)
    assert chain.pulses[20].status_code == 2  # the gap
    assert verify_pulses(chain.pulses, lambda cid: chain.certificate_der) == 25
    # A missing pulse splits the chain into two segments, each checked mid-chain.
    assert (
        verify_pulses(chain.pulses[:8] + chain.pulses[10:], lambda cid: chain.certificate_der) == 23
    )


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


@pytest.mark.parametrize(
    ("member", "check", "message"),
    [
        ("output_value", "outputs", "pulse 1/3: outputValue is not SHA-512"),
        ("signature_value", "outputs", "pulse 1/3: outputValue is not SHA-512"),
        ("signature_value", "chain", "pulse 1/3: signatureValue does not verify"),
        ("local_random_value", "chain", "pulse 1/3: signatureValue does not verify"),
    ],
    ids=[
        "output-without-certificate",
        "signature-without-certificate",
        "signature",
        "random-value",
    ],
)
def test_tampered_pulses_are_refused(chain: Chain, member: str, check: str, message: str) -> None:
    pulses = chain.pulses[:]
    pulses[2] = dataclasses.replace(pulses[2], **{member: _flip(getattr(pulses[2], member))})
    with pytest.raises(VerificationError, match=message):
        if check == "outputs":
            check_outputs(pulses)
        else:
            verify_pulses(pulses, lambda cid: chain.certificate_der)


def test_audit_runs_exactly_the_computable_tests(chain: Chain) -> None:
    values, notes = pulse_values(chain.pulses)
    audit = audit_values(values, what="pulse outputValues", notes=notes)
    assert audit.values == 25 and audit.bits == 25 * 512
    expected = applicability(12_800)
    assert [r.name for r in audit.results] == [a.name for a in expected if a.computable]
    assert audit.not_computable() == ("universal",)
    assert set(audit.below_recommendation()) == {
        "rank", "overlapping_template", "approximate_entropy", "random_excursions",
        "random_excursions_variant", "serial", "linear_complexity",
    }  # fmt: skip
    text = format_output_audit(audit)
    assert "25 values of 64 bytes = 12800 bits" in text
    assert "Not computable at 12800 bits (not run): universal." in text
    templates = next(r for r in audit.results if r.name == "non_overlapping_template")
    below = sum(p < 0.01 for p in templates.pvalues)
    assert f"148 values, min {min(templates.pvalues):.6f}" in text
    assert f"{below} below alpha (1.5 expected)" in text
    doc = audit.to_dict()
    assert doc["bits"] == 12_800 and len(doc["tests"]) == 14
    assert (
        next(t for t in doc["tests"] if t["name"] == "non_overlapping_template")["below_alpha"]
        == below
    )
    assert {t["name"] for t in doc["tests"] if t["below_recommendation"]} == set(
        audit.below_recommendation()
    )


@pytest.mark.parametrize(
    ("n", "length", "count"),
    [(10, 3, 3), (10, 10, 1), (10, 11, 0)],
    ids=["rest", "exact", "too-long"],
)
def test_sequences(n: int, length: int, count: int) -> None:
    parts = sequences(np.arange(n) % 2, length)
    assert len(parts) == count and all(p.size == length for p in parts)


def test_sequences_refuse_zero_length() -> None:
    with pytest.raises(InputError, match="sequence length must be >= 1, got 0"):
        sequences(np.zeros(4, dtype=np.uint8), 0)
