"""``beacon-verify``: recheck draws, pulses, chains and receipts without trusting the service.

Every command reads files and works offline; ``--from URL`` fetches the same documents
from a running beacon (PROTOCOL.md §16).

Trust comes from you, never from the document: certificates are checked against the CA
certificates you give with --anchors (draw, receipt, chain) or are the ones you pin with
--cert (pulse, chain). Without them every check may pass, but against certificates the
document itself carries, which anyone can write; that is reported as "VALID against ...
only" with its own exit status, never as VALID (PROTOCOL.md §14).

The CA certificate of a tender-beacon platform is on its board, at /ca.pem.

Exit status:
  0  VALID: every check passed against the anchors or certificates you gave
  1  INVALID: a check failed
  2  unusable input: an unreadable file, not JSON, not the document the command
     expects, a beacon that cannot be reached
  3  VALID against the document's own anchors or certificates only: not a verdict;
     rerun with --anchors CA.pem

Times are shown in Beijing time (UTC+8), canonical UTC with --utc; --lang en|zh chooses
the language (the default follows LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import locale
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from verifier import __version__, identity, messages, monitor, pulse
from verifier import encoding as enc
from verifier.draw import verify_bundle
from verifier.errors import CheckFailed, FetchError, ParseError, VerifyError
from verifier.merkle import TreeHead
from verifier.receipt import verify_receipt
from verifier.report import Report
from verifier.tender import verify_tender

VALID, INVALID, UNUSABLE, UNANCHORED = 0, 1, 2, 3
PAGE = 1000  # §16: the pulse range endpoint serves at most 1000 pulses per request


def fetch(base: str, path: str) -> bytes:
    url = base.rstrip("/") + path
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the user names the beacon
            return bytes(response.read())
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise FetchError(f"{url}: {e}") from e


def load_json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:
        raise ParseError(name, f"not JSON: {e}") from e


def read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ParseError(path, f"cannot read: {e.strerror}") from e


def document(args: argparse.Namespace, what: str, api_path: str, *, shape: str) -> Any:
    """A file, or with ``--from`` the id ``what`` fetched from the beacon; an object with ``shape``."""
    source = getattr(args, "source", None)
    raw = (
        fetch(source, api_path.format(urllib.parse.quote(what, safe=""))) if source else read(what)
    )
    doc = load_json(raw, what)
    if not isinstance(doc, dict) or shape not in doc:
        raise ParseError(what, f"not a document with {shape!r}")
    return doc


def by_id(pem: bytes, name: str) -> dict[bytes, bytes]:
    """Certificates by their NIST ``certificateId``, SHA-512 of the DER (§8.1)."""
    return {hashlib.sha512(der).digest(): der for der in identity.load_pem(pem, name)}


def certificates(paths: list[str] | None) -> dict[bytes, bytes]:
    return {k: v for p in paths or [] for k, v in by_id(read(p), p).items()}


def anchors(paths: list[str] | None) -> list[bytes] | None:
    return list(certificates(paths).values()) or None


def crls(paths: list[str] | None) -> tuple[bytes, ...]:
    """The CRLs of ``--crl`` (DER or PEM), applied to every chain as §3.2 says."""
    return tuple(identity.load_crl(read(p), p) for p in paths or [])


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


def ascii_int(text: str) -> int:
    """A non-negative decimal integer in ASCII digits (``int`` also takes "１" and "1_0")."""
    if not re.fullmatch(r"[0-9]{1,20}", text):
        raise argparse.ArgumentTypeError(f"expected a number in ASCII digits, got {text!r}")
    return int(text)


def parser(lang: str = "en") -> argparse.ArgumentParser:
    description = messages.HELP if lang == "zh" else __doc__
    ap = argparse.ArgumentParser(prog="beacon-verify", description=description)
    ap.formatter_class = argparse.RawDescriptionHelpFormatter
    # Also before the command (beacon-verify --lang zh --help); the command's own wins.
    ap.add_argument("--lang", dest="lang_first", choices=messages.LANGUAGES, help=argparse.SUPPRESS)
    ap.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help=messages.say(lang, messages.VERSION_HELP),
    )
    sub = ap.add_subparsers(dest="command", required=True)

    def add(name: str, help: str, source: bool, **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, **kw)
        p.add_argument(
            "--json", action="store_true", help="print the report as JSON: {valid, checks, values}"
        )
        p.add_argument(
            "--lang", choices=messages.LANGUAGES, help=messages.say(lang, messages.LANG_HELP)
        )
        p.add_argument("--utc", action="store_true", help=messages.say(lang, messages.UTC_HELP))
        if source:
            p.add_argument(
                "--from",
                dest="source",
                metavar="URL",
                help="fetch from a running beacon instead of files",
            )
        return p

    d = add("draw", "verify a draw's proof bundle (PROTOCOL.md §14)", True)
    d.add_argument("proof", metavar="PROOF", help="proof bundle file; with --from, the draw id")
    d.add_argument(
        "--anchors",
        nargs="+",
        metavar="CA.pem",
        help="the CA certificate(s) you trust; without them the bundle's own are used and "
        "the result is not VALID (exit 3)",
    )
    _crl_option(d)
    d.add_argument(
        "--save",
        metavar="FILE",
        help="write the fetched bundle to FILE, to recheck it offline later",
    )
    d.add_argument(
        "--receipt",
        action="append",
        metavar="RECEIPT.json",
        help="a receipt you hold (repeatable): the bundle must contain its statement (§14.3b)",
    )
    t = add(
        "tender",
        "verify a tender's bid opening from its tender bundle (PROTOCOL.md §14.1)",
        True,
        description="Recomputes every share from the released opening keys and the frozen bids' "
        "headers, checks each header MAC and that every outcome of the opening record is the one "
        "the keys and headers prove. Bundles carry no payload: an outcome decided by the payload "
        "(opened, or a payload failure) is reported as not rechecked; a bidder rechecks its own "
        "bid's plaintext_sha256 against its file.",
    )
    t.add_argument("proof", metavar="BUNDLE", help="tender bundle file; with --from, the tender id")
    t.add_argument(
        "--anchors",
        nargs="+",
        metavar="CA.pem",
        help="trust anchors (default: the bundle's own, said so)",
    )
    t.add_argument(
        "--save",
        metavar="FILE",
        help="write the fetched bundle to FILE, to recheck it offline later",
    )
    _crl_option(t)
    p = add("pulse", "verify one NIST Beacon 2.0 pulse of cipherSuite 0 (§8.6)", False)
    p.add_argument("pulse", metavar="PULSE.json", help='a pulse as served: {"pulse": {...}}')
    p.add_argument(
        "--cert",
        action="append",
        required=True,
        metavar="CERT.pem",
        help="the signing certificate(s)",
    )
    p.add_argument(
        "--previous",
        metavar="P.json",
        help="the preceding pulse: check the link and the precommitment",
    )
    p.add_argument(
        "--next", metavar="N.json", help="the following pulse: check its link and the precommitment"
    )
    c = add(
        "chain", "verify whole chains (§8.5–§8.6), reporting gaps and certificate changes", True
    )
    c.add_argument(
        "dir",
        metavar="DIR",
        nargs="?",
        help="*.json pulses or {pulses, tree_heads} pages, and *.pem",
    )
    c.add_argument(
        "--cert",
        action="append",
        metavar="CERT.pem",
        help="signing certificates you pin (--from fetches the others; check those with --anchors)",
    )
    c.add_argument(
        "--anchors",
        nargs="+",
        metavar="CA.pem",
        help="check every pulse's certificate against these CA certificates at the pulse's time; "
        "without them, certificates not pinned with --cert make the result exit 3",
    )
    _crl_option(c)
    c.add_argument(
        "--chain", type=ascii_int, help="with --from: the chain (default: the last pulse's)"
    )
    c.add_argument(
        "--start", type=ascii_int, default=1, help="with --from: the first pulse index (default 1)"
    )
    c.add_argument(
        "--end",
        type=ascii_int,
        help="with --from: the last pulse index, inclusive (default: the last)",
    )
    r = add(
        "receipt",
        "verify a statement receipt (§6.6) and two receipts' consistency (§7.4)",
        True,
        description="Checks the entry's statement hash and signature, its inclusion in the receipt's tree head, "
        "and the signed pulse that commits that head. With --newer, also that the first receipt's tree head is a "
        "prefix of the newer one's, by the consistency proof in --consistency FILE (as "
        "/api/v1/log/consistency-proof serves it) or fetched with --from.",
    )
    r.add_argument(
        "receipt", metavar="RECEIPT", help="receipt file; with --from, the statement hash"
    )
    r.add_argument(
        "--newer", metavar="RECEIPT", help="a later receipt (file, or statement hash with --from)"
    )
    r.add_argument(
        "--consistency",
        metavar="PROOF.json",
        help="the consistency proof between the two tree heads",
    )
    r.add_argument(
        "--anchors",
        nargs="+",
        metavar="CA.pem",
        help="check the certificates against these anchors; without them the result is not "
        "VALID (exit 3)",
    )
    _crl_option(r)
    lg = add(
        "log",
        "monitor the whole log: every entry up to the last pulse's signed head, every scope "
        "chain without a gap or a fork (§7.6)",
        False,
    )
    lg.add_argument(
        "--from", dest="source", metavar="URL", required=True, help="the beacon to read"
    )
    lg.add_argument(
        "--anchors", nargs="+", metavar="CA.pem", help="trust anchors for the pulse's certificate"
    )
    _crl_option(lg)
    return ap


def _crl_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--crl",
        action="append",
        metavar="FILE",
        help="a CRL (DER or PEM), repeatable: a certificate revoked at or before the time it "
        "signed fails, and so does a CRL past its nextUpdate or with a bad signature (§3.2)",
    )


COMMANDS = {
    "draw": cmd_draw,
    "tender": cmd_tender,
    "pulse": cmd_pulse,
    "chain": cmd_chain,
    "receipt": cmd_receipt,
    "log": cmd_log,
}


def default_language() -> str:
    """``--lang``'s default: the locale's (LC_ALL, LC_MESSAGES, LANG; on Windows the system's)."""
    system = locale.getlocale()[0] if sys.platform == "win32" else None
    return messages.language(os.environ, system)


def _asked_language(argv: list[str]) -> str | None:
    """``--lang`` as given, read before parsing so that ``--help`` and usage errors use it."""
    for i, a in enumerate(argv):
        value = argv[i + 1] if a == "--lang" and i + 1 < len(argv) else a.partition("--lang=")[2]
        if value in messages.LANGUAGES:
            return value
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(_asked_language(argv) or default_language()).parse_args(argv)
    lang = args.lang or args.lang_first or default_language()
    try:
        report = COMMANDS[args.command](args)
    except VerifyError as e:
        error = messages.say(lang, messages.UNUSABLE, error=messages.reason(lang, str(e)))
        print(error if args.utc else messages.times(error, lang), file=sys.stderr)
        return UNUSABLE
    if args.json:  # never translated; times stay canonical UTC
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        lines = render(report, lang, source=getattr(args, "source", None))
        print("\n".join(lines if args.utc else [messages.times(x, lang) for x in lines]))
    if not report.valid:
        return INVALID
    return UNANCHORED if report.unanchored else VALID


def render(report: Report, lang: str, *, source: str | None = None) -> list[str]:
    """The report as text in ``lang``: the trust note, the checks, the values, the verdict.

    ``source`` is the beacon of ``--from``, whose /ca.pem the guidance names.
    """
    say, term = functools.partial(messages.say, lang), functools.partial(messages.term, lang)
    note = report.values.get("note", "")
    out = [say(note)] if note else []
    out += [
        say(
            messages.CHECK,
            mark="✓" if c.ok else "✗",
            name=messages.step(lang, c.name),
            detail=messages.reason(lang, c.detail),
        )
        for c in report.checks
    ]
    out += _values(report.values, lang)
    if not report.valid:
        return [*out, say(messages.INVALID)]
    verdict = say(messages.VALID)
    if report.unanchored:  # §14: not a verdict; say so, and where the CA certificate is
        url = f"{source.rstrip('/')}/ca.pem" if source else say(messages.BOARD_CA)
        out += [
            say(messages.OWN_ANCHORS, what=term(report.unanchored)),
            say(messages.GET_CA, url=url),
        ]
        verdict = say(messages.UNANCHORED, what=term(report.unanchored))
    if report.values.get("complete") is False:
        incomplete = (
            messages.INCOMPLETE_TENDER if "tender_id" in report.values else messages.INCOMPLETE_DRAW
        )
        verdict += say(incomplete, state=term(str(report.values.get("state"))))
    return [*out, verdict]


def _values(v: dict[str, Any], lang: str = "en") -> list[str]:
    say, term = functools.partial(messages.say, lang), functools.partial(messages.term, lang)
    if "tender_id" in v:
        out = [say(messages.TENDER, tender_id=v["tender_id"], state=term(str(v.get("state"))))]
        for b in v.get("bids", []):
            reason = say(messages.BID_REASON, reason=term(b["reason"])) if b["reason"] else ""
            out.append(
                say(
                    messages.BID,
                    envelope_id=b["envelope_id"],
                    bidder=b["bidder"][:16],
                    status=term(b["status"]),
                    reason=reason,
                    checked=term(b["checked"]),
                )
            )
        return out
    if "draw_id" not in v:
        return [f"{k}: {x}" for k, x in v.items() if k != "note"]
    out = [
        say(
            messages.DRAW,
            draw_id=v["draw_id"],
            state=term(str(v.get("state"))),
            output=v.get("output"),
        )
    ]
    out += [
        say(
            messages.PICKED,
            code=x["code"],
            label=x["label"],
            values=", ".join(x["values"]),
            unit=x["unit"],
            indexes=x["indexes"],
        )
        for x in v.get("values", [])
    ]
    out += [
        say(
            messages.DERIVED, code=x["code"], formula=x["formula"], value=x["value"], unit=x["unit"]
        )
        for x in v.get("derived", [])
    ]
    out += [
        say(
            messages.SEED,
            role=term(x["role"]),
            fingerprint=x["fingerprint"][:16],
            status=term(x["status"]),
        )
        for x in v.get("seeds", [])
    ]
    kinds = {"objection": messages.OBJECTION, "confirm": messages.CONFIRM, "void": messages.VOID}
    return out + [
        say(
            kinds[x["kind"]],
            role=term(x["role"]),
            actor=x["actor"][:16],
            at=x["issued_at"],
            leaf=x["leaf"],
            reason=x["reason"],
        )
        for x in v.get("after_result", [])
    ]


if __name__ == "__main__":
    sys.exit(main())
