"""The fifteen tests of NIST SP 800-22 Rev.1a, behaving as its reference
implementation sts-2.1.2 does (AUDIT.md), plus the second-level report.

Each test takes a 1-D uint8 array of 0/1 bits and keyword parameters with
sts-2.1.2's defaults, and returns a :class:`~beacon.audit.result.TestResult`.
"""
