"""SP 800-22 on the beacon's outputs: pulse values or draw outputs R (docs/AUDIT.md §9).

The 64-byte values are concatenated in chain order (draws: in log order of their
results) and read most significant bit first, as ``beacon audit sp800-22
--format binary`` reads a file. The report always says how many bits there were,
which tests that length supports (:mod:`beacon.audit.applicability`) and which
ran below SP 800-22's recommended length. Tests that cannot be computed are not
run; tests below the recommendation are run and marked.

What a pass means, stated once here for every caller: ``outputValue`` is SHA-512
of the signed pulse, and R is SHA-512 of the VDF output, so these tests check for
gross defects (a stuck generator, a repeated value, a broken concatenation); they
cannot show that the values were unpredictable before they were published. That
rests on the precommitment chain, the signatures and the VDF, which the verifier
checks.
"""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from beacon.audit.applicability import Applicability, applicability
from beacon.audit.bits import Bits, from_packed
from beacon.audit.result import ALPHA, TestResult
from beacon.audit.sp800_22.suite import run_suite
from beacon.core.chain import ChainVerifier
from beacon.core.pulse import Pulse, output_value
from beacon.errors import InputError, VerificationError

VALUE_BYTES: Final = 64
#: Tests with more P-values than this are reported as a count below α, not pass/fail.
FAMILY: Final = 2
#: Pulse members whose values can be audited: the output, or the fresh randomness.
PULSE_FIELDS: Final = ("outputValue", "localRandomValue")


def pulse_values(
    pulses: Sequence[Pulse], *, member: str = "outputValue"
) -> tuple[list[bytes], list[str]]:
    """The values of ``member`` in (chain, pulse index) order, and notes on gaps.

    A pulse given twice is refused (it would be tested twice); missing indexes are
    allowed and noted, because a beacon never backfills a missed period (§8.5).
    """
    if member not in PULSE_FIELDS:
        raise InputError(f"member must be one of {PULSE_FIELDS}, got {member!r}", field="member")
    if not pulses:
        raise InputError("no pulses to audit", field="pulses")
    ordered = sorted(pulses, key=lambda p: (p.chain_index, p.pulse_index))
    notes: list[str] = []
    for a, b in itertools.pairwise(ordered):
        if (a.chain_index, a.pulse_index) == (b.chain_index, b.pulse_index):
            raise InputError(
                f"pulse {a.chain_index}/{a.pulse_index} is given twice", field="pulses"
            )
        if a.chain_index == b.chain_index and b.pulse_index != a.pulse_index + 1:
            notes.append(
                f"chain {a.chain_index}: pulses {a.pulse_index + 1}..{b.pulse_index - 1} "
                "are not among the inputs"
            )
    first, last = ordered[0], ordered[-1]
    notes.insert(
        0,
        f"{len(ordered)} pulses from {first.chain_index}/{first.pulse_index} "
        f"({first.time_stamp}) to {last.chain_index}/{last.pulse_index} ({last.time_stamp})",
    )
    values = [p.output_value if member == "outputValue" else p.local_random_value for p in ordered]
    return values, notes


def check_outputs(pulses: Sequence[Pulse]) -> None:
    """Check ``outputValue = SHA-512(M ‖ signatureValue)`` for every pulse (§8.6 step 4).

    Needs no certificate, so it runs even when the signatures cannot be checked:
    an output that does not follow from its own pulse is refused, not tested.
    """
    for p in pulses:
        if not hmac.compare_digest(
            p.output_value, output_value(p.signing_input(), p.signature_value)
        ):
            raise VerificationError(
                f"pulse {p.chain_index}/{p.pulse_index}: outputValue is not "
                "SHA-512(message ‖ signature)",
                field="outputValue",
            )


def verify_pulses(pulses: Sequence[Pulse], certificate: Callable[[bytes], bytes]) -> int:
    """Verify signatures, outputs and chain rules (§8.6) of every run of consecutive pulses.

    ``certificate(certificateId)`` returns the DER certificate. Each run of
    consecutive indexes is checked as a segment that may start mid-chain; a gap
    starts a new segment. Returns the number of pulses verified; any failure raises
    :class:`~beacon.errors.VerificationError` naming the pulse.
    """
    verifier: ChainVerifier | None = None
    previous: Pulse | None = None
    for pulse in sorted(pulses, key=lambda p: (p.chain_index, p.pulse_index)):
        consecutive = previous is not None and (pulse.chain_index, pulse.pulse_index) == (
            previous.chain_index,
            previous.pulse_index + 1,
        )
        if verifier is None or not consecutive:
            verifier = ChainVerifier(certificate)
        verifier.add(pulse)
        previous = pulse
    return len(pulses)


def concatenate(values: Sequence[bytes]) -> Bits:
    """The bits of ``values`` in order, each byte most significant bit first."""
    for i, v in enumerate(values):
        if len(v) != VALUE_BYTES:
            raise InputError(
                f"value {i} has {len(v)} bytes, expected {VALUE_BYTES}", field="values"
            )
    if not values:
        raise InputError("no values to audit", field="values")
    return from_packed(b"".join(values), name="values")


def sequences(bits: Bits, length: int) -> list[Bits]:
    """``bits`` cut into ⌊n/length⌋ sequences of ``length`` bits (the rest is unused)."""
    if length < 1:
        raise InputError(f"sequence length must be >= 1, got {length}", field="length")
    count = bits.size // length
    return [bits[i * length : (i + 1) * length] for i in range(count)]


@dataclass(frozen=True)
class OutputAudit:
    """The suite on one concatenated stream, with what its length allows."""

    what: str
    values: int
    bits: int
    applicability: tuple[Applicability, ...]
    results: tuple[TestResult, ...]
    notes: tuple[str, ...]

    def below_recommendation(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.applicability if a.status == "below recommendation")

    def not_computable(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.applicability if not a.computable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "values": self.values,
            "bits": self.bits,
            "alpha": ALPHA,
            "notes": list(self.notes),
            "applicability": [a.to_dict() for a in self.applicability],
            "tests": [
                {
                    "name": r.name,
                    "applicable": r.applicable,
                    "reason": r.reason,
                    "labels": list(r.labels),
                    "pvalues": list(r.pvalues),
                    "passed": r.passed(ALPHA),
                    "below_alpha": sum(p < ALPHA for p in r.pvalues),
                    "below_recommendation": r.name in self.below_recommendation(),
                }
                for r in self.results
            ],
        }


def audit_values(values: Sequence[bytes], *, what: str, notes: Sequence[str] = ()) -> OutputAudit:
    """Run every computable test on the concatenation of ``values``."""
    bits = concatenate(values)
    status = applicability(int(bits.size))
    runnable = [a.name for a in status if a.computable]
    results = run_suite(bits, names=runnable)
    return OutputAudit(what, len(values), int(bits.size), status, tuple(results), tuple(notes))


def format_output_audit(audit: OutputAudit) -> str:
    """A plain-text report: the length statement first, then one line per test."""
    lines = [f"SP 800-22 Rev.1a (as sts-2.1.2) on {audit.what}: {audit.values} values of "
             f"{VALUE_BYTES} bytes = {audit.bits} bits, alpha = {ALPHA}", *audit.notes, ""]  # fmt: skip
    missing = audit.not_computable()
    weak = audit.below_recommendation()
    if missing:
        lines.append(f"Not computable at {audit.bits} bits (not run): {', '.join(missing)}.")
    if weak:
        lines.append(f"Run below SP 800-22's recommended length (marked ~): {', '.join(weak)}.")
    if not missing and not weak:
        lines.append("Every test runs at or above SP 800-22's recommended length.")
    lines += ["", f"{'test':<28} {'P-value(s)':<44} result", "-" * 90]
    singles = families = family_below = 0
    failed = 0
    for r in audit.results:
        mark = "~" if r.name in weak else " "
        if not r.applicable:
            lines.append(f"{r.name:<27}{mark} {'-':<44} not applicable: {r.reason}")
            continue
        below = sum(p < ALPHA for p in r.pvalues)
        if len(r.pvalues) <= FAMILY:
            singles += 1
            failed += below > 0
            shown = ", ".join(f"{p:.6f}" for p in r.pvalues)
            verdict = "FAIL" if below else "pass"
        else:
            # sts-2.1.2 calls a test failed if any of its P-values is below α; with 148
            # templates that happens by chance most of the time, so show the count instead.
            families += len(r.pvalues)
            family_below += below
            shown = f"{len(r.pvalues)} values, min {min(r.pvalues):.6f}"
            verdict = f"{below} below alpha ({len(r.pvalues) * ALPHA:.1f} expected)"
        lines.append(f"{r.name:<27}{mark} {shown:<44} {verdict}")
    lines += [
        "",
        f"{failed} of {singles} tests with one or two P-values have one below {ALPHA}; "
        f"{family_below} of the {families} P-values of the other tests are below it "
        f"({families * ALPHA:.1f} expected by chance).",
        "These are hashes: passing shows no gross defect, not unpredictability "
        "(that rests on the precommitments, signatures and VDF; see beacon-verify).",
    ]
    return "\n".join(lines)
