"""PROTOCOL.md §14.1: the verification procedure of a tender bundle, step by step.

:func:`verify_tender` parses the bundle (step 1, :mod:`verifier.tender.bundle`) and runs
each step in order, one module per group of steps; a step's typed result
(:mod:`verifier.tender.results`) is kept for the later steps that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier.errors import ParseError, VerifyError
from verifier.report import Report
from verifier.steps import need
from verifier.tender import bids, log, opening, publication
from verifier.tender.bundle import (
    FORMAT,
    PARTIES,
    TenderBundle,
    TenderDeadlines,
    parse_tender_bundle,
)
from verifier.tender.results import Established
from verifier.vocabulary import StatementKind


class TenderVerification:
    """One parsed tender bundle and what its steps have established; each ``check_*`` is a
    §14.1 step that records its typed result in :attr:`established`."""

    def __init__(self, bundle: TenderBundle) -> None:
        self.bundle = bundle
        self.established = Established()

    @property
    def deadlines(self) -> TenderDeadlines:
        return TenderDeadlines(self.bundle, self.established.publish)

    def check_beacon(self) -> str:  # PROTOCOL.md §14.1 step 2, as §14.2
        return log.check_beacon(self.bundle)

    def check_log(self) -> str:  # PROTOCOL.md §14.1 step 2, as §14.3
        return log.check_log(self.bundle)

    def check_completeness(self) -> str:  # PROTOCOL.md §14.1 step 2a
        return log.check_completeness(self.bundle)

    def check_signatures(self) -> str:  # PROTOCOL.md §14.1 step 2, as §14.5
        return log.check_signatures(self.bundle)

    def check_roles(self) -> str:  # PROTOCOL.md §14.1 step 2, as §14.5
        return log.check_roles(self.bundle)

    def check_publication(self) -> str:  # PROTOCOL.md §14.1 step 3
        shown, self.established.publish = publication.check_publication(self.bundle)
        return shown

    def check_time_points(self) -> str:  # PROTOCOL.md §14.1 step 4
        return publication.check_time_points(self.bundle, self.deadlines)

    def check_opening_keys(self) -> str:  # PROTOCOL.md §14.1 step 5
        shown, self.established.keys = bids.check_opening_keys(self.bundle, self.deadlines)
        return shown

    def check_bids(self) -> str:  # PROTOCOL.md §14.1 step 6
        b, e = self.bundle, self.established
        frozen, brought, ended = bids.replay_bids(b, self.deadlines, e.keys)
        e.history = bids.history(brought, ended)
        e.bids = bids.check_frozen(b, frozen, e.keys)
        return bids.describe(b, frozen, ended)

    def check_releases(self) -> str:  # PROTOCOL.md §14.1 step 7
        e = self.established
        shown, e.releases = opening.check_releases(self.bundle, self.deadlines, e.keys)
        return shown

    def check_opening(self) -> str:  # PROTOCOL.md §14.1 step 8
        e = self.established
        shown, e.outcomes = opening.check_opening(
            self.bundle, self.deadlines, e.bids, e.releases, e.keys
        )
        return shown

    # PROTOCOL.md §14.1: the phase reached, reported; a bundle without opening is incomplete.
    def phase(self) -> str:
        """The phase reached: accepting, releasing, opening or opened (§14.1)."""
        b = self.bundle
        if b.kinds[StatementKind.TENDER_OPENING]:
            return "opened"
        if "closing" not in b.time_points:
            return "accepting"
        released = need(self.established.releases, "released").released
        if set(released) == set(PARTIES) or "release" in b.time_points:
            return "opening"
        return "releasing"

    def run(self, report: Report) -> None:
        for name, step in (
            ("beacon-certificate", self.check_beacon),
            ("log", self.check_log),
            ("completeness", self.check_completeness),
            ("signatures", self.check_signatures),
            ("roles", self.check_roles),
            ("publication", self.check_publication),
            ("time-points", self.check_time_points),
            ("opening-keys", self.check_opening_keys),
            ("bids", self.check_bids),
            ("releases", self.check_releases),
            ("opening", self.check_opening),
        ):
            report.run(name, step)


# PROTOCOL.md §14.1: the opening is VALID only if every step passes.
def verify_tender(
    doc: Any, anchors: Sequence[bytes] | None = None, *, crls: Sequence[bytes] = ()
) -> Report:
    """Verify a tender bundle (§14.1). ``anchors`` are DER CA certificates; ``None`` uses the
    bundle's own, and then the report is at most VALID against those (``report.unanchored``).

    Raises :class:`ParseError` only when ``doc`` is not a tender bundle at all.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParseError("format", f"not a {FORMAT} document")
    report = Report(unanchored="" if anchors is not None else "the bundle's own trust anchors")
    try:
        b = parse_tender_bundle(doc, anchors, crls)
    except VerifyError as error:
        report.fail("format", str(error))
        return report
    report.run("format", lambda: f"tender {b.tender_id}, {len(b.statements)} statements")
    report.values["anchors"] = {"source": b.anchor_source, "count": len(b.anchors)}
    check = TenderVerification(b)
    check.run(report)
    report.values["tender_id"] = b.tender_id
    try:
        report.values["state"] = check.phase()
    except VerifyError:
        report.values["state"] = None
    found = check.established
    report.values["bids"] = [
        {
            "envelope_id": o.envelope_id,
            "bidder": o.bidder.hex(),
            "status": o.status,
            "reason": o.reason,
            "checked": o.checked,
        }
        for o in found.outcomes or ()
    ]
    report.values["superseded"] = [
        {"envelope_id": e, "bidder": fp.hex(), "state": st}
        for e, fp, st in (found.history.envelopes if found.history else ())
        if st != "standing"
    ]
    report.values["complete"] = bool(b.kinds[StatementKind.TENDER_OPENING])
    return report
