"""PROTOCOL.md §14: the verification procedure of a draw's proof bundle, step by step.

:func:`verify_bundle` parses the bundle (§14 step 1, :mod:`verifier.draw.bundle`) and runs each
step in the order of §14, one module each; a step's typed result
(:mod:`verifier.draw.results`) is kept for the later steps that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier import encoding as enc
from verifier.draw import (
    after_result,
    commitments,
    log,
    output,
    publication,
    result,
    reveals,
    seed_envelopes,
    selections,
    signatures,
    snapshot,
    summary,
    time_of_record,
    time_points,
)
from verifier.draw.bundle import FORMAT, Bundle, parse_bundle
from verifier.draw.deadlines import Deadlines
from verifier.draw.receipts import check_receipts
from verifier.draw.results import Established, Result
from verifier.errors import ParseError, VerifyError
from verifier.report import Report
from verifier.vocabulary import StatementKind

K = StatementKind
AFTER_RESULT = (K.DRAW_OBJECTION, K.DRAW_CONFIRM, K.DRAW_VOID)


class DrawVerification:
    """One parsed bundle and what its steps have established; each ``check_*`` is a §14 step
    that records its typed result in :attr:`established` and returns what it showed."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.established = Established()

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.bundle, self.established.time_of_record)

    def check_beacon(self) -> str:  # PROTOCOL.md §14.2
        return log.check_beacon(self.bundle)

    def check_log(self) -> str:  # PROTOCOL.md §14.3
        return log.check_log(self.bundle)

    def check_completeness(self) -> str:  # PROTOCOL.md §14.3a
        shown, self.established.chain = log.check_completeness(self.bundle)
        return shown

    def check_time_of_record(self) -> str:  # PROTOCOL.md §14.4, §13.3
        shown, self.established.time_of_record = time_of_record.check_time_of_record(self.bundle)
        return shown

    def check_time_points(self) -> str:  # PROTOCOL.md §14.4, §13.2
        return time_points.check_time_points(self.bundle, self.deadlines)

    def check_signatures(self) -> str:  # PROTOCOL.md §14.5
        return signatures.check_signatures(self.bundle)

    def check_certificates(self) -> str:  # PROTOCOL.md §14.5
        return signatures.check_certificates(self.bundle)

    def check_roles(self) -> str:  # PROTOCOL.md §14.5
        return signatures.check_roles(self.bundle)

    def check_publication(self) -> str:  # PROTOCOL.md §14.6
        return publication.check_publication(self.bundle, self.deadlines)

    def check_commitments(self) -> str:  # PROTOCOL.md §14.7
        e = self.established
        e.commitments = commitments.check_commitments(self.bundle, self.deadlines)
        e.freeze, done = commitments.check_freeze(self.bundle, e.commitments)
        return commitments.check_blocked(self.bundle, e.freeze, done)

    def check_snapshot(self) -> str:  # PROTOCOL.md §14.8
        e = self.established
        shown, e.snapshot = snapshot.check_snapshot(self.bundle, self.deadlines, e.freeze)
        return shown

    def check_reveals(self) -> str:  # PROTOCOL.md §14.9
        e = self.established
        shown, e.reveals = reveals.check_reveals(
            self.bundle, self.deadlines, e.freeze, e.commitments, e.snapshot
        )
        return shown

    def check_seed_envelopes(self) -> str:  # PROTOCOL.md §14.10
        e = self.established
        shown, e.seed_envelopes = seed_envelopes.check_seed_envelopes(
            self.bundle, self.deadlines, e.commitments, e.reveals, e.freeze
        )
        return shown

    def check_result(self) -> str:  # PROTOCOL.md §14.11
        b, e = self.bundle, self.established
        statement = b.one(K.DRAW_RESULT)
        if statement is None:
            e.result = Result(None)
            return result.no_result(b, e.freeze, lambda: after_result.phase(b, e))
        shown = result.check_result(
            b,
            self.deadlines,
            statement,
            freeze=e.freeze,
            commitments=e.commitments,
            snapshot=e.snapshot,
            reveals=e.reveals,
            seed_envelopes=e.seed_envelopes,
        )
        e.result = Result(statement)
        return shown

    def check_vdf(self) -> str:  # PROTOCOL.md §14.11, §11
        e = self.established
        shown, e.output = output.check_vdf(e.result)
        return shown

    def check_picks(self) -> str:  # PROTOCOL.md §14.11, §12
        e = self.established
        shown, e.picks = selections.check_picks(
            self.bundle.definition, e.result, e.snapshot, e.output
        )
        return shown

    def check_after_result(self) -> str:  # PROTOCOL.md §14.12
        e = self.established
        e.final = after_result.check_after_result(self.bundle, self.deadlines, e)
        return e.final

    def check_summary(self) -> str:  # PROTOCOL.md §14.13
        e = self.established
        e.summary = summary.expected_summary(self.bundle.definition, e)
        return summary.check_summary(e.summary, self.bundle.summary)

    # PROTOCOL.md §14.3b, when the user gives receipts: run after the other steps.
    def check_receipts(
        self, held: Sequence[Any], anchors: Sequence[bytes] | None, crls: Sequence[bytes]
    ) -> str:
        return check_receipts(self.bundle, self.established.chain, held, anchors, crls)

    def run(self, report: Report) -> None:
        for name, step in (
            ("beacon-certificate", self.check_beacon),
            ("log", self.check_log),
            ("completeness", self.check_completeness),
            ("time-of-record", self.check_time_of_record),
            ("time-points", self.check_time_points),
            ("signatures", self.check_signatures),
            ("certificates", self.check_certificates),
            ("roles", self.check_roles),
            ("publication", self.check_publication),
            ("commitments", self.check_commitments),
            ("snapshot", self.check_snapshot),
            ("reveals", self.check_reveals),
            ("seed-envelopes", self.check_seed_envelopes),
            ("result", self.check_result),
            ("vdf", self.check_vdf),
            ("picks", self.check_picks),
            ("after-result", self.check_after_result),
            ("summary", self.check_summary),
        ):
            report.run(name, step)


def _after_result(b: Bundle) -> list[dict[str, Any]]:
    """§13: the objections, confirmation and void as signed, each with its maker's reason."""
    return [
        {
            "kind": x.s.kind.removeprefix("draw."),
            "role": str(x.s.role),
            "actor": x.s.actor.hex(),
            "issued_at": enc.format_time(x.s.issued_at),
            "leaf": x.leaf,
            "reason": x.s.body.get("reason", ""),
        }
        for x in b.statements
        if x.s.kind in AFTER_RESULT
    ]


# PROTOCOL.md §14: VALID only if every step passes and the anchors are the verifier's own.
def verify_bundle(
    doc: Any,
    anchors: Sequence[bytes] | None = None,
    *,
    crls: Sequence[bytes] = (),
    receipts: Sequence[Any] = (),
) -> Report:
    """Verify a proof bundle (§14). ``anchors`` are DER CA certificates; ``None`` uses the
    bundle's own, and then the report is at most VALID against those (``report.unanchored``).
    ``crls`` are DER CRLs applied to every chain (§3.2).

    ``receipts`` are receipts (§6.6) the caller holds: each statement of this draw they
    prove logged must be in the bundle (§14.3b).

    Raises :class:`ParseError` only when ``doc`` is not a proof bundle at all; everything
    else, a malformed member included, is a failed check of the report.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParseError("format", f"not a {FORMAT} document")
    report = Report(unanchored="" if anchors is not None else "the bundle's own trust anchors")
    try:
        b = parse_bundle(doc, anchors, crls)
    except VerifyError as error:
        report.fail("format", str(error))
        return report
    report.run("format", lambda: f"draw {b.draw_id}, {len(b.statements)} statements")
    report.values["anchors"] = {"source": b.anchor_source, "count": len(b.anchors)}
    check = DrawVerification(b)
    check.run(report)
    if receipts:
        report.run("receipts", lambda: check.check_receipts(receipts, anchors, crls))
    found = check.established
    # The values shown are the ones recomputed here, never the bundle's own summary.
    report.values.update(draw_id=b.draw_id, **(found.summary or {"state": found.final}))
    report.values["complete"] = bool(
        (found.result is not None and found.result.statement is not None) or b.kinds[K.DRAW_VOID]
    )
    report.values["after_result"] = _after_result(b)
    return report
