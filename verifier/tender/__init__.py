"""The verification procedure of a tender bundle (PROTOCOL.md §14.1), by step:

===============================  ====================================================
step 1 Format                    :mod:`verifier.tender.bundle` (:class:`TenderBundle`)
steps 2, 2a Beacon, log,         :mod:`verifier.tender.log`
signatures, roles, completeness
steps 3, 4 Publication,          :mod:`verifier.tender.publication`
time points
steps 5, 6 Opening keys, bids    :mod:`verifier.tender.bids`
steps 7, 8 Releases, opening     :mod:`verifier.tender.opening`
===============================  ====================================================

The typed results one step hands the next are in :mod:`verifier.tender.results`;
:mod:`verifier.tender.procedure` runs the steps in order and makes the report.
"""

from verifier.tender.procedure import verify_tender

__all__ = ["verify_tender"]
