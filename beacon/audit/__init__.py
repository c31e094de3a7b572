"""Randomness audit: NIST SP 800-22 Rev.1a as sts-2.1.2 computes it, and uniformity
tests for discrete selections (docs/AUDIT.md).

Pure functions over numpy arrays returning frozen result objects; no I/O beyond the
explicit readers in :mod:`beacon.audit.bits` and :mod:`beacon.audit.sources`.

``beacon.audit.uniformity`` is the second-level P-value uniformity check (sts-2.1.2's,
re-exported below); the goodness-of-fit tests for selections are in
:mod:`beacon.audit.goodness_of_fit`.
"""

from beacon.audit.applicability import Applicability, applicability
from beacon.audit.bits import as_bits, from_ascii, from_packed, to_packed
from beacon.audit.constants import CONSTANTS, expansion
from beacon.audit.enumeration import enumerate_discard, enumerate_shuffle
from beacon.audit.outputs import OutputAudit, audit_values, concatenate, pulse_values, sequences
from beacon.audit.proofs import BundleTally, DrawnResult, tally_bundles
from beacon.audit.result import ALPHA, TestResult
from beacon.audit.selection_report import SelectionReport, format_selection_report, selection_report
from beacon.audit.simulation import counter_outputs, simulate, simulated_selection
from beacon.audit.sp800_22.approximate_entropy import approximate_entropy
from beacon.audit.sp800_22.block_frequency import block_frequency
from beacon.audit.sp800_22.cumulative_sums import cumulative_sums
from beacon.audit.sp800_22.dft import dft
from beacon.audit.sp800_22.frequency import frequency
from beacon.audit.sp800_22.linear_complexity import linear_complexity
from beacon.audit.sp800_22.longest_run import longest_run
from beacon.audit.sp800_22.non_overlapping_template import non_overlapping_template
from beacon.audit.sp800_22.overlapping_template import overlapping_template
from beacon.audit.sp800_22.random_excursions import random_excursions
from beacon.audit.sp800_22.random_excursions_variant import random_excursions_variant
from beacon.audit.sp800_22.rank import rank
from beacon.audit.sp800_22.runs import runs
from beacon.audit.sp800_22.second_level import (
    Proportion,
    ReportRow,
    Uniformity,
    final_analysis_report,
    format_report,
    proportion,
    uniformity,
)
from beacon.audit.sp800_22.serial import serial
from beacon.audit.sp800_22.suite import NAMES, run_suite
from beacon.audit.sp800_22.universal import universal
from beacon.audit.tally import ListKey, Tally

__all__ = [
    "ALPHA",
    "CONSTANTS",
    "NAMES",
    "Applicability",
    "BundleTally",
    "DrawnResult",
    "ListKey",
    "OutputAudit",
    "Proportion",
    "ReportRow",
    "SelectionReport",
    "Tally",
    "TestResult",
    "Uniformity",
    "applicability",
    "approximate_entropy",
    "as_bits",
    "audit_values",
    "block_frequency",
    "concatenate",
    "counter_outputs",
    "cumulative_sums",
    "dft",
    "enumerate_discard",
    "enumerate_shuffle",
    "expansion",
    "final_analysis_report",
    "format_report",
    "format_selection_report",
    "frequency",
    "from_ascii",
    "from_packed",
    "linear_complexity",
    "longest_run",
    "non_overlapping_template",
    "overlapping_template",
    "proportion",
    "pulse_values",
    "random_excursions",
    "random_excursions_variant",
    "rank",
    "run_suite",
    "runs",
    "selection_report",
    "sequences",
    "serial",
    "simulate",
    "simulated_selection",
    "tally_bundles",
    "to_packed",
    "uniformity",
    "universal",
]
