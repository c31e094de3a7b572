"""The commands of ``beacon-verify``: each reads its documents (:mod:`verifier.sources`),
runs the checks and returns the report that :mod:`verifier.render` shows.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

from verifier import encoding as enc
from verifier import identity, messages, monitor, pulse
from verifier.draw import verify_bundle
from verifier.errors import CheckFailed, ParseError, VerifyError
from verifier.merkle import TreeHead
from verifier.receipt import verify_receipt
from verifier.report import Report
from verifier.sources import (
    PAGE,
    anchors,
    by_id,
    certificates,
    crls,
    document,
    fetch,
    load_json,
    read,
)
from verifier.tender import verify_tender


def cmd_draw(args: argparse.Namespace) -> Report:
    doc = document(args, args.proof, "/api/v1/draws/{}/proof", shape="format")
    if args.save:
        Path(args.save).write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    receipts = [load_json(read(p), p) for p in args.receipt or ()]
    report = verify_bundle(doc, anchors(args.anchors), crls=crls(args.crl), receipts=receipts)
    report.values["note"] = messages.NOTE_GIVEN if args.anchors else messages.NOTE_OWN
    return report


def cmd_tender(args: argparse.Namespace) -> Report:
    doc = document(args, args.proof, "/api/v1/tenders/{}/proof", shape="format")
    if args.save:
        Path(args.save).write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    report = verify_tender(doc, anchors(args.anchors), crls=crls(args.crl))
    report.values["note"] = messages.NOTE_GIVEN if args.anchors else messages.NOTE_OWN
    return report


def cmd_pulse(args: argparse.Namespace) -> Report:
    report, certs = Report(), certificates(args.cert)
    paths = [p for p in (args.previous, args.pulse, args.next) if p]
    docs = [document(args, p, "", shape="pulse") for p in paths]
    try:
        pulses = [pulse.Pulse.from_json(d, p) for d, p in zip(docs, paths, strict=True)]
    except VerifyError as e:
        report.fail("parse", str(e))
        return report
    p = pulses[1 if args.previous else 0]
    report.run("pulse", functools.partial(_verified, p, certs))
    if (
        len(pulses) > 1
    ):  # §8.5 between neighbours: index, period, status, precommitment, previous link
        report.run("neighbours", functools.partial(_segment, pulses, certs, []))
    report.values.update(
        pulse=p.name(), timeStamp=enc.format_time(p.time_ms), outputValue=p.output.hex().upper()
    )
    return report


def _verified(p: pulse.Pulse, certs: dict[bytes, bytes]) -> str:
    pulse.verify(p, certs)
    return f"{p.name()} at {enc.format_time(p.time_ms)}: certificateId, signature and outputValue check"


def _segment(pulses: list[pulse.Pulse], certs: dict[bytes, bytes], heads: list[TreeHead]) -> str:
    """One chain's pulses in index order (§8.5–§8.6); with served tree heads, step 7 and their growth."""
    pulse.verify_segment(pulses, certs)
    by_commitment = {h.commitment(): h for h in heads}
    sizes = []
    for p in pulses if heads else []:
        head = by_commitment.get(p.external)
        if head is None:
            raise CheckFailed(
                f"{p.name()} commits none of the served tree heads", code="external-invalid"
            )
        pulse.commits(p, head)
        sizes.append(head.tree_size)
    if sizes != sorted(sizes):  # §7: the log only grows, so later pulses commit no smaller tree
        raise CheckFailed(
            "a later pulse commits a smaller tree than an earlier one", code="external-invalid"
        )
    gaps = [p.index for p in pulses if p.status & pulse.GAP]
    changes = [p.index for p in pulses if p.status & pulse.CERTIFICATE_CHANGE]
    return (
        f"pulses {pulses[0].index}–{pulses[-1].index} verify, {len(sizes)} committing served tree heads; "
        f"gaps (status 2) at {gaps or 'none'}; certificate changes (status 4) at {changes or 'none'}"
    )


def cmd_chain(args: argparse.Namespace) -> Report:
    report, certs = Report(), certificates(args.cert)
    pinned = set(certs)
    if args.source:
        pulses, heads = _fetch_chain(args, certs)
    elif args.dir and Path(args.dir).is_dir():
        folder = Path(args.dir)
        for pem in sorted(folder.glob("*.pem")):
            certs.update(by_id(pem.read_bytes(), pem.name))
        pages = [
            _page(load_json(f.read_bytes(), f.name), f.name) for f in sorted(folder.glob("*.json"))
        ]
        pulses, heads = [p for ps, _ in pages for p in ps], [h for _, hs in pages for h in hs]
    else:
        raise ParseError("DIR", "give a directory of pulse files, or --from URL")
    chains: dict[int, list[pulse.Pulse]] = {}
    for p in sorted(pulses, key=lambda p: (p.chain, p.index)):
        chains.setdefault(p.chain, []).append(p)
    for c, members in chains.items():
        report.run(f"chain {c}", functools.partial(_segment, members, certs, heads))
    given = anchors(args.anchors)
    if given is not None:
        report.run(
            "certificates", functools.partial(_beacon_certificates, pulses, certs, given, args)
        )
    elif {p.certificate_id for p in pulses} - pinned:
        report.unanchored = "certificates that came with the pulses"
    report.values["pulses"] = len(pulses)
    return report


def _beacon_certificates(
    pulses: list[pulse.Pulse], certs: dict[bytes, bytes], given: list[bytes], args: Any
) -> str:
    """§3.1–§3.2, §8.6: each pulse's certificate is of the beacon profile and valid, under the
    anchors, at that pulse's time."""
    revoked = crls(args.crl)
    for p in pulses:
        der = certs.get(p.certificate_id)
        if der is None:
            raise CheckFailed(f"{p.name()}: no certificate {p.certificate_id.hex()[:16]}…")
        identity.validate_chain(der, (), tuple(given), p.time_ms, profile="beacon", crls=revoked)
    return "each pulse's certificate is the beacon's and chains to the anchors at its time"


def _page(doc: Any, name: str) -> tuple[list[pulse.Pulse], list[TreeHead]]:
    """A pulse document, or a page ``{"pulses", "tree_heads"}`` as §16's range endpoint serves it
    (the tree heads the pulses commit; ``null`` for a pulse of another beacon)."""
    if not isinstance(doc, dict) or ("pulse" not in doc and "pulses" not in doc):
        raise ParseError(name, "neither a pulse nor a page of pulses")
    if "pulse" in doc:
        return [pulse.Pulse.from_json(doc, name)], []
    page = enc.members(doc, name, ("pulses", "tree_heads"))
    if not isinstance(page["pulses"], list) or not isinstance(page["tree_heads"], list):
        raise ParseError(name, "pulses and tree_heads are not lists")
    return (
        [pulse.Pulse.from_json(p, f"{name}.pulses[{i}]") for i, p in enumerate(page["pulses"])],
        [
            TreeHead.from_json(h, f"{name}.tree_heads[{i}]")
            for i, h in enumerate(page["tree_heads"])
            if h is not None
        ],
    )


def _fetch_chain(
    args: argparse.Namespace, certs: dict[bytes, bytes]
) -> tuple[list[pulse.Pulse], list[TreeHead]]:
    chain = args.chain
    if chain is None:
        chain = pulse.Pulse.from_json(
            load_json(fetch(args.source, "/beacon/2.0/pulse/last"), "last pulse")
        ).chain
    pulses: list[pulse.Pulse] = []
    heads: list[TreeHead] = []
    start = args.start
    while args.end is None or start <= args.end:
        end = (
            start + PAGE if args.end is None else min(start + PAGE, args.end + 1)
        )  # the API's end is exclusive
        query = f"/api/v1/chains/{chain}/pulses?start={start}&end={end}"
        got, served = _page(load_json(fetch(args.source, query), query), query)
        if not got:
            break
        pulses, heads, start = pulses + got, heads + served, end
    for cert_id in {p.certificate_id for p in pulses} - set(certs):
        certs.update(
            by_id(fetch(args.source, f"/beacon/2.0/certificate/{cert_id.hex()}"), "certificate")
        )
    return pulses, heads


def cmd_log(args: argparse.Namespace) -> Report:
    """Read the whole log up to the last pulse's tree head and follow every scope chain."""
    trusted = anchors(args.anchors)
    report = Report(unanchored="" if trusted else "the beacon's own pulse certificate")
    last = pulse.Pulse.from_json(
        load_json(fetch(args.source, "/beacon/2.0/pulse/last"), "last pulse"), "last pulse"
    )
    query = f"/api/v1/chains/{last.chain}/pulses?start={last.index}&end={last.index + 1}"
    _, heads = _page(load_json(fetch(args.source, query), query), query)
    if len(heads) != 1:
        raise ParseError(query, "the last pulse's tree head is not served")
    head = heads[0]
    certs = by_id(
        fetch(args.source, f"/beacon/2.0/certificate/{last.certificate_id.hex()}"), "certificate"
    )

    def check_pulse() -> str:
        pulse.verify(last, certs)
        pulse.commits(last, head)
        what = f"{last.name()} signs tree {head.tree_size}"
        if trusted is None:
            return f"{what}; its certificate is the beacon's own (pass --anchors to check it)"
        identity.validate_chain(
            certs[last.certificate_id],
            (),
            tuple(trusted),
            last.time_ms,
            profile="beacon",
            crls=crls(args.crl),
        )
        return f"{what}; its certificate chains to the anchors"

    def entries() -> list[tuple[int, bytes]]:
        out: list[tuple[int, bytes]] = []
        while len(out) < head.tree_size:
            start = len(out)
            page_query = f"/api/v1/log/leaves?start={start}&end={min(start + PAGE, head.tree_size)}"
            page = enc.members(
                load_json(fetch(args.source, page_query), page_query), page_query, ("leaves",)
            )
            if not isinstance(page["leaves"], list) or not page["leaves"]:
                raise ParseError(page_query, "no leaves served")
            for i, leaf in enumerate(page["leaves"]):
                row = enc.members(leaf, f"{page_query}[{i}]", ("leaf_index", "entry", "leaf_hash"))
                out.append(
                    (
                        enc.integer(row["leaf_index"], f"{page_query}[{i}].leaf_index"),
                        enc.hexbytes(row["entry"], f"{page_query}[{i}].entry"),
                    )
                )
        return out

    report.run("pulse", check_pulse)
    report.run("log", lambda: monitor.check_log(entries(), head))
    report.values["tree_size"] = head.tree_size
    return report


def cmd_receipt(args: argparse.Namespace) -> Report:
    path = "/api/v1/statements/{}/receipt"
    old = document(args, args.receipt, path, shape="tree_head")
    new = document(args, args.newer, path, shape="tree_head") if args.newer else None
    proof = load_json(read(args.consistency), args.consistency) if args.consistency else None
    if proof is None and new is not None and args.source:
        sizes = [
            d["tree_head"].get("tree_size") if isinstance(d["tree_head"], dict) else None
            for d in (old, new)
        ]
        if None not in sizes and sizes[0] != sizes[1]:
            query = f"/api/v1/log/consistency-proof?first={sizes[0]}&second={sizes[1]}"
            proof = load_json(fetch(args.source, query), "consistency proof")
    return verify_receipt(
        old, anchors=anchors(args.anchors), newer=new, consistency=proof, crls=crls(args.crl)
    )
