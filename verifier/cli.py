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
import json
import locale
import os
import re
import sys
from typing import Any

from verifier import __version__, messages
from verifier.commands import cmd_chain, cmd_draw, cmd_log, cmd_pulse, cmd_receipt, cmd_tender
from verifier.errors import VerifyError
from verifier.render import render
from verifier.sources import anchors

# The commands and helpers other code runs as cli.<name> (tests, verifier-web/test/bundles).
__all__ = ["anchors", "ascii_int", "cmd_draw", "main", "parser", "render"]

VALID, INVALID, UNUSABLE, UNANCHORED = 0, 1, 2, 3


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


if __name__ == "__main__":
    sys.exit(main())
