"""``beacon audit``: statistical audits of randomness (docs/AUDIT.md).

``beacon audit sp800-22 (FILE | --constant NAME) [--bits N] [--format ascii|binary] [--json]``
runs the fifteen NIST SP 800-22 Rev.1a tests as sts-2.1.2 does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from beacon.audit import CONSTANTS, NAMES, expansion, from_ascii, from_packed, run_suite
from beacon.audit.bits import Bits
from beacon.audit.result import ALPHA, TestResult
from beacon.audit.sp800_22.suite import MIN_BITS
from beacon.cli import main
from beacon.errors import InputError

#: sts-2.1.2's default stream length.
DEFAULT_BITS = 1_000_000


@main.group()
def audit() -> None:
    """Statistical audits: NIST SP 800-22 Rev.1a on a bit sequence."""


def _load(file: Path | None, constant: str | None, bits: int | None, fmt: str) -> Bits:
    if (file is None) == (constant is None):
        raise click.UsageError("give exactly one of FILE or --constant")
    if file is None:
        return expansion(str(constant), bits or DEFAULT_BITS)
    try:
        data = file.read_bytes()
    except OSError as e:
        raise click.FileError(str(file), hint=e.strerror) from e
    reader = from_ascii if fmt == "ascii" else from_packed
    return reader(data, limit=bits, name=str(file))


def _as_json(n: int, results: list[TestResult]) -> dict[str, Any]:
    tests = []
    for r in results:
        entry: dict[str, Any] = {
            "name": r.name,
            "pvalues": list(r.pvalues),
            "labels": list(r.labels),
            "passed": r.passed(ALPHA),
            "applicable": r.applicable,
            "parameters": dict(r.parameters),
        }
        if not r.applicable:
            entry["reason"] = r.reason
        tests.append(entry)
    return {"bits": n, "alpha": ALPHA, "tests": tests}


def _table(n: int, results: list[TestResult]) -> str:
    lines = [f"NIST SP 800-22 Rev.1a (as sts-2.1.2) on {n} bits, alpha = {ALPHA}", ""]
    lines.append(f"{'test':<28} {'P-value(s)':<40} result")
    lines.append("-" * 78)
    for r in results:
        if not r.applicable:
            lines.append(f"{r.name:<28} {'-':<40} not applicable: {r.reason}")
            continue
        if len(r.pvalues) <= 2:
            shown = ", ".join(f"{p:.6f}" for p in r.pvalues)
        else:
            failed = sum(p < ALPHA for p in r.pvalues)
            shown = f"{len(r.pvalues)} values, min {min(r.pvalues):.6f}, {failed} below alpha"
        lines.append(f"{r.name:<28} {shown:<40} {'pass' if r.passed(ALPHA) else 'FAIL'}")
    verdicts = [r.passed(ALPHA) for r in results]
    failed_tests = sum(v is False for v in verdicts)
    lines += ["", f"{failed_tests} of {len(results)} tests have a P-value below {ALPHA}."]
    if failed_tests:
        lines.append(
            "One sequence is weak evidence: run many sequences and read the second-level report."
        )
    return "\n".join(lines)


@audit.command("sp800-22")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--constant",
    type=click.Choice(CONSTANTS),
    help="Test the binary expansion of a constant instead of a file.",
)
@click.option(
    "--bits",
    type=click.IntRange(min=1),
    help=f"Bits to test (default: all of FILE; {DEFAULT_BITS} for --constant).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ascii", "binary"]),
    default="ascii",
    show_default=True,
    help="FILE holds ASCII '0'/'1' characters, or packed bytes read most significant bit first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def sp800_22(
    file: Path | None, constant: str | None, bits: int | None, fmt: str, as_json: bool
) -> None:
    """Run the 15 NIST SP 800-22 tests with sts-2.1.2's defaults on FILE or a constant.

    All fifteen tests need at least 387,840 bits (the universal test); sts-2.1.2's
    default and the recommended length is 1,000,000.
    """
    try:
        sequence = _load(file, constant, bits, fmt)
        results = run_suite(sequence, names=NAMES)
    except InputError as e:
        hint = (
            f"\n(all {len(NAMES)} tests together need at least {MIN_BITS} bits)"
            if e.field == "bits"
            else ""
        )
        raise click.ClickException(f"{e}{hint}") from e
    if as_json:
        click.echo(json.dumps(_as_json(int(sequence.size), results), indent=2))
    else:
        click.echo(_table(int(sequence.size), results))
