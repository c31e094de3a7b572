"""tender-beacon's independent verifier.

A second implementation of docs/PROTOCOL.md that imports nothing from ``beacon``
and depends only on ``cryptography`` (``gmpy2`` is used when installed). The public
API: :func:`verify_bundle` (a draw's proof bundle, §14), :func:`verify_receipt`
(§6.6), :func:`verify_segment` (pulses, §8.6), and the layers in their modules.
"""

from verifier.draw import verify_bundle
from verifier.errors import CheckFailed, FetchError, ParseError, VerifyError
from verifier.pulse import Pulse, verify_segment
from verifier.receipt import verify_receipt
from verifier.report import Check, Report

__all__ = [
    "Check",
    "CheckFailed",
    "FetchError",
    "ParseError",
    "Pulse",
    "Report",
    "VerifyError",
    "verify_bundle",
    "verify_receipt",
    "verify_segment",
]
# The version of tender-beacon and of tender-beacon-verify, written here only: the
# verifier's distribution builds from this directory alone (verifier/pyproject.toml), and
# the repository's pyproject.toml reads the same attribute; beacon.__version__ is
# importlib.metadata's "tender-beacon".
__version__ = "0.1.0"
