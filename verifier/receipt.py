"""Statement receipts (PROTOCOL.md §6.6) and the consistency of two tree heads (§7.4)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from verifier import encoding as enc
from verifier import identity, merkle, pulse, records
from verifier.errors import CheckFailed, ParseError, VerifyError
from verifier.merkle import TreeHead
from verifier.report import Report
from verifier.vocabulary import Role

FORMAT = "tender-beacon/v2/receipt"
MEMBERS = (
    "format",
    "statement_hash",
    "leaf_index",
    "entry",
    "tree_head",
    "inclusion",
    "pulse",
    "beacon_certificate",
)


def verify_receipt(
    doc: Any,
    *,
    anchors: Sequence[bytes] | None = None,
    newer: Any = None,
    consistency: Any = None,
    crls: Sequence[bytes] = (),
) -> Report:
    """Verify a receipt (§6.6); with ``newer``, another receipt and the consistency of their heads (§7.4).

    ``consistency`` is the proof as ``/api/v1/log/consistency-proof`` serves it (not
    needed when both heads have the same size). Without ``anchors`` the certificates are
    the receipt's own, and the report says so (``report.unanchored``).
    """
    report = Report(unanchored="" if anchors is not None else "the receipt's own certificates")
    trust = None if anchors is None else (tuple(anchors), tuple(crls))
    old = _receipt(doc, report, trust, "")
    if newer is not None:
        new = _receipt(newer, report, trust, "newer ")
        if old is None or new is None:
            report.fail("consistency", "a receipt did not parse")
        else:
            report.run("consistency", lambda: _consistent(old, new, consistency))
    return report


def _receipt(
    doc: Any, report: Report, trust: tuple[tuple[bytes, ...], tuple[bytes, ...]] | None, label: str
) -> TreeHead | None:
    name = f"{label}receipt"
    try:
        r = enc.members(doc, name, MEMBERS)
        if r["format"] != FORMAT:
            raise ParseError(f"{name}.format", f"not {FORMAT}")
        digest = enc.hexbytes(r["statement_hash"], f"{name}.statement_hash", 32)
        leaf, entry = (
            enc.integer(r["leaf_index"], f"{name}.leaf_index"),
            enc.hexbytes(r["entry"], f"{name}.entry"),
        )
        head, path = (
            TreeHead.from_json(r["tree_head"], f"{name}.tree_head"),
            merkle.proof(r["inclusion"], f"{name}.inclusion"),
        )
        signed = (
            pulse.Pulse.from_json(r["pulse"], f"{name}.pulse") if r["pulse"] is not None else None
        )
        cert = (
            enc.b64(r["beacon_certificate"], f"{name}.beacon_certificate")
            if signed is not None
            else None
        )
        if (cert is None) != (r["beacon_certificate"] is None):
            raise ParseError(f"{name}.beacon_certificate", "present exactly when the pulse is")
        link, statement = records.decode_log_entry(entry)
    except VerifyError as e:
        report.fail(f"{label}format", str(e))
        return None

    def check_statement() -> str:
        if statement.hash != digest:
            raise CheckFailed(
                f"the entry's statement hash is {statement.hash.hex()}, not {digest.hex()}"
            )
        identity.verify_statement(statement)
        scope = f"{statement.tender_id}/{statement.subject or '-'}"
        what = (
            f"{statement.kind} by {statement.role} {statement.actor.hex()[:12]}…, signature "
            f"verifies; entry {link.seq} of scope {scope}"
        )
        if trust is None:
            return what
        profile = "beacon" if statement.role == Role.BEACON else "party"
        identity.validate_chain(
            statement.certificate,
            statement.chain,
            trust[0],
            statement.issued_at,
            profile=profile,
            crls=trust[1],
        )
        return f"{what}; its certificate chains to the anchors at its issued_at"

    def check_inclusion() -> str:
        merkle.verify_inclusion(leaf, merkle.leaf_hash(entry), path, head)
        return f"leaf {leaf} in tree {head.tree_size}"

    def check_pulse() -> str:
        if signed is None or cert is None:
            raise CheckFailed(
                "no pulse yet: the receipt proves only what the service said; fetch it again after the next pulse"
            )
        pulse.verify(signed, {hashlib.sha512(cert).digest(): cert})
        pulse.commits(signed, head)
        what = f"{signed.name()} at {enc.format_time(signed.time_ms)} commits the tree head"
        if trust is None:
            return f"{what}; its certificate is the receipt's own (pass --anchors to check it)"
        identity.validate_chain(cert, (), trust[0], signed.time_ms, profile="beacon", crls=trust[1])
        return f"{what}; its certificate is the beacon's and chains to the anchors"

    report.run(f"{label}statement", check_statement)
    report.run(f"{label}inclusion", check_inclusion)
    report.run(f"{label}pulse", check_pulse)
    return head


def _consistent(old: TreeHead, new: TreeHead, doc: Any) -> str:
    if old.tree_size == new.tree_size:
        merkle.verify_consistency(old, new, [])
        return f"both receipts name tree {old.tree_size} with the same root"
    if doc is None:
        raise CheckFailed(
            f"trees {old.tree_size} and {new.tree_size} need a consistency proof: --consistency FILE or --from URL"
        )
    p = enc.members(doc, "consistency", ("tree_head_1", "tree_head_2", "proof"))
    first, second = (
        TreeHead.from_json(p["tree_head_1"], "tree_head_1"),
        TreeHead.from_json(p["tree_head_2"], "tree_head_2"),
    )
    if (first, second) != (old, new):
        raise CheckFailed("the consistency proof is for other tree heads than the receipts'")
    merkle.verify_consistency(old, new, merkle.proof(p["proof"], "consistency.proof"))
    return f"tree {old.tree_size} is a prefix of tree {new.tree_size}"
