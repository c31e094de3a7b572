"""``beacon audit``: statistical audits of randomness (docs/AUDIT.md).

``beacon audit sp800-22 (FILE | --constant NAME) [--bits N] [--format ascii|binary] [--json]``
runs the fifteen NIST SP 800-22 Rev.1a tests as sts-2.1.2 does.

``beacon audit uniformity (PROOF.json ... | --simulate N --candidates K | --from URL)``
tests that every candidate of every list was drawn equally often (§8).

``beacon audit pulses (PATH ... | --from URL) [--draws]`` runs SP 800-22 on the
concatenated pulse outputs or draw outputs R, saying what their length allows (§9).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from beacon.audit import CONSTANTS, NAMES, expansion, from_ascii, from_packed, run_suite
from beacon.audit.bits import Bits
from beacon.audit.outputs import PULSE_FIELDS, audit_values, format_output_audit, pulse_values
from beacon.audit.proofs import tally_bundles
from beacon.audit.result import ALPHA, TestResult
from beacon.audit.selection_report import format_selection_report, selection_report
from beacon.audit.simulation import (
    counter_outputs,
    picks_per_draw,
    random_outputs,
    simulate,
    simulated_selection,
)
from beacon.audit.sources import (
    RemoteBeacon,
    json_files,
    load_bundles,
    local_pulses,
    remote_bundles,
    remote_pulses,
)
from beacon.audit.sp800_22.suite import MIN_BITS
from beacon.audit.tally import Tally
from beacon.cli import main
from beacon.cli import progress as bars
from beacon.core import labels
from beacon.core.bundle import ProofBundle
from beacon.core.definition import MAX_CANDIDATES, Kind
from beacon.errors import BeaconError, InputError

#: sts-2.1.2's default stream length.
DEFAULT_BITS = 1_000_000


@main.group()
def audit() -> None:
    """Statistical audits: SP 800-22 on bits, pulses and draw outputs; uniformity of draws."""


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
            "below_alpha": sum(p < ALPHA for p in r.pvalues),
            "expected_below_alpha": round(len(r.pvalues) * ALPHA, 3),
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
            verdict = "pass" if r.passed(ALPHA) else "FAIL"
        else:
            # Many P-values (templates, excursion states): about n·alpha fall below alpha by
            # chance on good data, so a single one below is not a failure of the test.
            failed = sum(p < ALPHA for p in r.pvalues)
            shown = f"{len(r.pvalues)} values, min {min(r.pvalues):.6f}"
            verdict = f"{failed} below alpha ({len(r.pvalues) * ALPHA:.2g} expected)"
        lines.append(f"{r.name:<28} {shown:<40} {verdict}")
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
@bars.option
def sp800_22(
    file: Path | None,
    constant: str | None,
    bits: int | None,
    fmt: str,
    as_json: bool,
    progress: bool | None,
) -> None:
    """Run the 15 NIST SP 800-22 tests with sts-2.1.2's defaults on FILE or a constant.

    All fifteen tests need at least 387,840 bits (the universal test); sts-2.1.2's
    default and the recommended length is 1,000,000.
    """
    try:
        with bars.bar(progress, "sp800-22") as steps:
            steps("load", 0, len(NAMES))
            sequence = _load(file, constant, bits, fmt)
            results = run_suite(sequence, names=NAMES, steps=steps)
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


# -- beacon audit uniformity -------------------------------------------------------------

#: The seed of ``--simulate`` when none is given (AUDIT.md §8).
DEFAULT_SEED = "tender-beacon-audit"


def _only_with(what: str, given: bool, options: dict[str, bool]) -> None:
    """Refuse options that would be silently ignored without ``what``."""
    used = [name for name, present in options.items() if present]
    if used and not given:
        verb = "applies" if len(used) == 1 else "apply"
        raise click.UsageError(f"{', '.join(used)} {verb} only with {what}")


def _tally_bundles(
    bundles: list[ProofBundle], pending: list[tuple[str, str]], source: dict[str, Any]
) -> tuple[Tally, dict[str, Any]]:
    counted = tally_bundles(bundles)
    skipped = pending + list(counted.skipped)
    source.update(
        draws=len(counted.draws),
        voided=sum(d.voided for d in counted.draws),
        skipped=[{"draw_id": d, "reason": why} for d, why in skipped],
    )
    return counted.tally, source


def _simulation(
    draws: int, candidates: int | None, kind: str, k: int | None, seed: str, r_source: str
) -> tuple[Tally, dict[str, Any]]:
    if candidates is None:
        raise click.UsageError("--simulate needs --candidates K")
    if (kind == "pick_k") != (k is not None):
        raise click.UsageError("--k is required with --kind pick_k and allowed only with it")
    selection = simulated_selection(candidates, Kind(kind), k or 1)
    if r_source == "counter":
        outputs = counter_outputs(seed.encode("utf-8"), draws)
        origin = (
            f"R_i = SHA-512(F({labels.AUDIT_SIMULATION!r}) || F(seed) || F(u64(i))), "
            f"i = 0..{draws - 1}, seed = {seed!r} (UTF-8)"
        )
    else:
        outputs = random_outputs(os.urandom, draws)
        origin = "os.urandom(64) per draw (not reproducible)"
    shown = tqdm(outputs, total=draws, unit="draw", disable=None, file=sys.stderr, leave=False)
    source = {
        "kind": "simulation",
        "draws": draws,
        "candidates": candidates,
        "selection_kind": kind,
        "k": picks_per_draw(selection),
        "r_source": r_source,
        "r_values": origin,
        "code_path": "beacon.core.selection.draw_selection (as beacon.core.draw.picks_from_output)",
    }
    return simulate(shown, selection), source


@audit.command("uniformity")
@click.argument("bundles", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--simulate", "draws", type=click.IntRange(min=1), help="Simulate N draws.")
@click.option(
    "--candidates",
    type=click.IntRange(1, MAX_CANDIDATES),
    help="With --simulate: the number of candidates K.",
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in Kind]),
    default=Kind.PICK_ONE.value,
    show_default=True,
    help="With --simulate: what each draw picks.",
)
@click.option("--k", "k", type=click.IntRange(min=1), help="With --kind pick_k: how many.")
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    help="With --simulate: the seed of the reproducible R values.",
)
@click.option(
    "--r-source",
    type=click.Choice(["counter", "urandom"]),
    default="counter",
    show_default=True,
    help="With --simulate: R from SHA-512 of a counter (reproducible) or from os.urandom.",
)
@click.option("--from", "url", help="Read every draw's proof bundle from a running beacon.")
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=ALPHA,
    show_default=True,
    help="Significance level of the corrected verdict.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def uniformity(
    bundles: tuple[Path, ...],
    draws: int | None,
    candidates: int | None,
    kind: str,
    k: int | None,
    seed: str,
    r_source: str,
    url: str | None,
    alpha: float,
    as_json: bool,
) -> None:
    """Test that every candidate is drawn with equal probability, per list.

    The draws come from proof bundles (PROOF.json files or folders), from a running
    beacon (--from URL), or from N simulated draws through the real selection code
    (--simulate N --candidates K). A list is one selection code, one number of
    candidates and one position of the pick. Each gets Pearson's chi-square when
    every expected count is at least 5 and the exact multinomial test otherwise;
    the verdict is corrected across lists (Holm; Benjamini-Hochberg also shown).
    """
    if sum((bool(bundles), draws is not None, url is not None)) != 1:
        raise click.UsageError("give exactly one of PROOF.json files, --simulate N or --from URL")
    simulation_only = {
        "--candidates": candidates is not None,
        "--kind": kind != Kind.PICK_ONE.value,
        "--k": k is not None,
        "--seed": seed != DEFAULT_SEED,
        "--r-source": r_source != "counter",
    }
    _only_with("--simulate", draws is not None, simulation_only)
    try:
        if draws is not None:
            tally, source = _simulation(draws, candidates, kind, k, seed, r_source)
        elif url is not None:
            fetched, pending = remote_bundles(RemoteBeacon(url))
            tally, source = _tally_bundles(fetched, pending, {"kind": "beacon", "url": url})
        else:
            files = json_files(list(bundles))
            source = {"kind": "proof bundles", "files": [str(f) for f in files]}
            tally, source = _tally_bundles(load_bundles(files), [], source)
        report = selection_report(tally, alpha=alpha, source=source)
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    click.echo(_describe(source))
    click.echo(format_selection_report(report))


def _describe(source: dict[str, Any]) -> str:
    if source["kind"] == "simulation":
        return (
            f"{source['draws']} simulated {source['selection_kind']} draws of "
            f"{source['k']} from {source['candidates']} candidates; {source['r_values']}\n"
        )
    where = source.get("url") or f"{len(source['files'])} file(s)"
    lines = [f"{source['draws']} drawn proof bundle(s) from {where} ({source['voided']} voided)"]
    lines += [f"  skipped {s['draw_id']}: {s['reason']}" for s in source["skipped"]]
    return "\n".join(lines) + "\n"


# -- beacon audit pulses ---------------------------------------------------------------------


@audit.command("pulses")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--from", "url", help="Read the pulses (or proof bundles) from a running beacon.")
@click.option(
    "--chain", type=click.IntRange(min=1), help="With --from: the chain (default: the newest)."
)
@click.option(
    "--start",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --from: the first pulse index.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    help="With --from: how many pulses (default: up to the newest).",
)
@click.option(
    "--draws", is_flag=True, help="Audit the draw outputs R of proof bundles instead of pulses."
)
@click.option(
    "--member",
    type=click.Choice(PULSE_FIELDS),
    default="outputValue",
    show_default=True,
    help="Which 64-byte pulse value to test.",
)
@click.option(
    "--certificate",
    "certificates",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pulse signing certificate(s), PEM or DER, to verify local pulses with.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def pulses(
    paths: tuple[Path, ...],
    url: str | None,
    chain: int | None,
    start: int,
    count: int | None,
    draws: bool,
    member: str,
    certificates: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Run SP 800-22 on pulse values or draw outputs R, concatenated in order.

    PATH is a pulse file ({"pulse": ...}), a chain export ({"pulses": [...]}), a
    proof bundle (with --draws) or a folder of them. The report states how many bits
    there were, which tests that length cannot run, and which run below SP 800-22's
    recommended length. A full run needs 1,000,000 bits: 1,954 pulses or draws.
    """
    if bool(paths) == (url is not None):
        raise click.UsageError("give PATH(s) or --from URL, not both and not neither")
    remote_only = {
        "--chain": chain is not None,
        "--start": start != 1,
        "--count": count is not None,
    }
    _only_with("--from, for pulses", url is not None and not draws, remote_only)
    _only_with(
        "PATH(s) of pulses", bool(paths) and not draws, {"--certificate": bool(certificates)}
    )
    _only_with("pulses, not --draws", not draws, {"--member": member != "outputValue"})
    try:
        if draws:
            if url is not None:
                fetched, pending = remote_bundles(RemoteBeacon(url))
            else:
                fetched, pending = load_bundles(list(paths)), []
            counted = tally_bundles(fetched)
            values = [d.output for d in counted.draws]
            notes = [f"{len(values)} draws in log order of their results (VDF and picks rechecked)"]
            notes += [f"skipped {d}: {why}" for d, why in pending + list(counted.skipped)]
            what = "draw outputs R"
        else:
            if url is not None:
                found, notes = remote_pulses(
                    RemoteBeacon(url), chain=chain, start=start, count=count
                )
            else:
                found, notes = local_pulses(list(paths), list(certificates))
            values, order = pulse_values(found, member=member)
            notes = order + notes
            what = f"pulse {member}s"
        result = audit_values(values, what=what, notes=notes)
    except BeaconError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(format_output_audit(result))
