"""The verification procedure of a draw's proof bundle (PROTOCOL.md §14), one module per step.

An auditor can read it one step at a time, in the order of §14. "§14.3" is step 3 of
§14's list (as PROTOCOL.md writes "§14.3b"); step 1 is written "§14 step 1", not to be
taken for §14.1, the tender procedure (:mod:`verifier.tender`).

============================  =====================================================
§14 step 1 Format             :mod:`verifier.draw.bundle` (the parsed :class:`Bundle`)
§14.2 Beacon, §14.3 Log,      :mod:`verifier.draw.log`
§14.3a Completeness
§14.3b Receipts               :mod:`verifier.draw.receipts`
§14.4 Time of record          :mod:`verifier.draw.time_of_record`
§14.4 Time points             :mod:`verifier.draw.time_points` (§13.2: :mod:`.deadlines`)
§14.5 Signatures and roles    :mod:`verifier.draw.signatures`
§14.6 Publication             :mod:`verifier.draw.publication`
§14.7 Commitments             :mod:`verifier.draw.commitments`
§14.8 Snapshot                :mod:`verifier.draw.snapshot`
§14.9 Reveals                 :mod:`verifier.draw.reveals`
§14.10 Seed envelopes         :mod:`verifier.draw.seed_envelopes`
§14.11 Result                 :mod:`verifier.draw.result`, :mod:`.output` (VDF), :mod:`.selections`
§14.12 After the result       :mod:`verifier.draw.after_result`
§14.13 Summary                :mod:`verifier.draw.summary`
============================  =====================================================

The typed results one step hands to the next are in :mod:`verifier.draw.results`;
:mod:`verifier.draw.procedure` runs the steps in order and makes the report.
"""

from verifier.draw.commitments import commitment
from verifier.draw.procedure import verify_bundle
from verifier.draw.result import combined_seed
from verifier.draw.selections import picks
from verifier.draw.snapshot import snapshot_hash
from verifier.draw.summary import derived, differences

__all__ = [
    "combined_seed",
    "commitment",
    "derived",
    "differences",
    "picks",
    "snapshot_hash",
    "verify_bundle",
]
