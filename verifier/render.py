"""How ``beacon-verify`` shows a report as text, in English or Chinese (:mod:`verifier.messages`):
the trust note, the checks, the values, the verdict.
"""

from __future__ import annotations

import functools
from typing import Any

from verifier import messages
from verifier.report import Report


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
