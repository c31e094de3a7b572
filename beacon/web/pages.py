"""The public board (不见面开标 watchers): server-rendered pages of the signed, logged record.

Every draw page is rendered from the same view dicts as the JSON API
(:mod:`beacon.service.describe` via :func:`beacon.web.draws.detail`), so the
HTML and the JSON cannot disagree. The pages only read: the one script counts
down to deadlines and re-reads the public JSON API, and no page has a control
that changes anything (a draw changes only by a signed statement). Labels come
from :mod:`beacon.web.messages` in zh-CN (default) or English.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, make_response, render_template, request, url_for
from werkzeug.exceptions import NotFound

from beacon.core.lifecycle import FINAL
from beacon.core.opening import OpeningStatus
from beacon.core.tender import TenderPhase
from beacon.core.timefmt import parse_ms
from beacon.service import describe, tender_view
from beacon.store import LogRepository, PulseRepository
from beacon.web import anchors, caching, draws, errors, explorer, messages, tenders
from beacon.web.context import base_url, display_zone
from beacon.web.db import read_session
from beacon.web.pulses import now_ms

bp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# The pages load only their own script and style sheet and talk only to this origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
POLL_DRAW_MS = 2_000  # VDF progress moves continuously: re-read the draw every 2 s
POLL_LIST_MS = 10_000
# lifecycle.blocked_reason's sentences, as labels (a test covers each).
BLOCKED = {
    "the snapshot of valid bids was not signed before its deadline": "blocked.snapshot",
    "no seed can be included (no reveal and no openable seed envelope)": "blocked.no_seed",
    "the beacon did not publish the result before the result deadline (the beacon's fault)": (
        "blocked.no_result"
    ),
    "the centre's opening key or commitment was not logged before the commit deadline": (
        "blocked.missing_centre"
    ),
    "the agent's opening key or commitment was not logged before the commit deadline": (
        "blocked.missing_agent"
    ),
    "the centre's and the agent's opening keys or commitments were not logged before the "
    "commit deadline": "blocked.missing_both",
}
# Non-page paths keep problem+json whatever the client accepts.
API_PREFIXES = ("/api/", "/beacon/", "/openapi.json")


def language() -> str:
    if "lang" not in g:
        g.lang = messages.choose(request.args.get("lang"), request.cookies.get(messages.COOKIE))
    lang: str = g.lang
    return lang


def switch_url() -> str:
    """This page in the other language, keeping the rest of the query."""
    values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
    values["lang"] = messages.other(language())
    return url_for(request.endpoint or "pages.index", **values)


@bp.app_context_processor
def labels() -> dict[str, Any]:
    lang = language()
    return {
        "lang": lang,
        "t": messages.Translator(lang),
        "other_lang": messages.other(lang),
        "other_name": messages.MESSAGES[messages.other(lang)]["lang.name"],
        "switch_url": switch_url(),
        "now_ms": now_ms(),
        "zone": display_zone(),
    }


@bp.app_template_filter("ms")
def to_ms(text: str) -> int:
    """A record's time string as milliseconds, for the countdown script."""
    return parse_ms(text)


@bp.app_template_filter("local")
def local(text: str) -> str | None:
    """A record's time string in the display zone, without the zone's name (None where the
    zone has no four-digit local date)."""
    return display_zone().local(parse_ms(text))


@bp.app_template_filter("short")
def short(hex_text: str, head: int = 16, tail: int = 8) -> str:
    """A long hex value abbreviated for a table cell (the full value is a link or title)."""
    return hex_text if len(hex_text) <= head + tail + 1 else f"{hex_text[:head]}…{hex_text[-tail:]}"


@bp.app_template_filter("grouped")
def grouped(n: int) -> str:
    return f"{n:,}"


def render(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, **context), status)
    lang = language()
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Cookie")
    asked = request.args.get("lang")
    if asked is not None and asked.lower() in messages.ALIASES:
        response.set_cookie(
            messages.COOKIE, lang, max_age=LANGUAGE_COOKIE_SECONDS, samesite="Lax", httponly=True
        )
    # Pages show the present (countdowns, VDF progress) and vary by language: the
    # cacheable copy of the record is the JSON API.
    return caching.no_store(response)


@bp.get("/")
def index() -> Response:
    now = now_ms()
    rows = [describe.summary_row(r, now) for r in draws.all_records()]
    signature = ",".join(f"{r['id']}:{r['state']}" for r in rows)
    tender_rows = [tender_view.summary_row(r, now) for r in tenders.all_records()]
    return render(
        "index.html",
        rows=rows,
        tenders=tender_rows,
        signature=signature,
        blocked=BLOCKED,
        poll_ms=POLL_LIST_MS,
    )


@bp.get("/draws/<draw_id>")
def draw(draw_id: str) -> Response:
    try:
        record, view = draws.detail(draw_id)
    except NotFound:
        return not_found("error.no_draw", id=draw_id)
    definition = view["definition"]
    picked = {v["code"]: set(v["values"]) for v in (view["result"] or {}).get("values", [])}
    snapshot = view["snapshot"]
    candidates = {
        s["code"]: (snapshot or {}).get("bid_ids", []) if s["from_snapshot"] else s["candidates"]
        for s in definition["selections"]
    }
    subjects = {p["fingerprint"]: p["subject"] for p in view["parties"]}
    return render(
        "draw.html",
        d=view,
        definition=definition,
        candidates=candidates,
        picked=picked,
        subjects=subjects,
        deadlines=_deadlines(view),
        blocked=BLOCKED,
        poll=None if record.phase in FINAL else url_for("draws.draw", draw_id=draw_id),
        poll_ms=POLL_DRAW_MS,
        vdf_line=None if view["vdf"] is None else vdf_line(view["vdf"]["done"], view["vdf"]["t"]),
        anchors=anchors.summaries(),
        anchors_url=describe.anchors_url(base_url()),
    )


def outcome_reason(status: str, reason: str) -> str:
    """The label of the sentence that explains a bid's outcome (PROTOCOL.md §9.9 step 6).

    A bidder fault is explained by its §9.7 reason; a missing share by which party
    released nothing (its reason, ``share-missing``, does not say whose); an opened
    bid by what was checked.
    """
    if status == OpeningStatus.BIDDER_FAULT:
        return f"why.{reason}"
    return f"why.{status}"


def tender_signature(view: dict[str, Any]) -> str:
    """What the tender page's script compares with the API to know when to reload."""
    return f"{view['phase']}:{'+'.join(view['releases'])}:{len(view['bids'])}"


@bp.get("/tenders/<tender_id>")
def tender(tender_id: str) -> Response:
    try:
        record, view = tenders.detail(tender_id)
    except NotFound:
        return not_found("error.no_tender", id=tender_id)
    opened = sum(1 for e in view["opening"] or [] if e["status"] == OpeningStatus.OPENED)
    return render(
        "tender.html",
        d=view,
        opened=opened,
        outcome_reason=outcome_reason,
        poll=None
        if record.phase is TenderPhase.OPENED
        else url_for("tenders.tender", tender_id=tender_id),
        poll_ms=POLL_LIST_MS,
        signature=tender_signature(view),
        anchors=anchors.summaries(),
        anchors_url=describe.anchors_url(base_url()),
    )


def _deadlines(view: dict[str, Any]) -> list[tuple[str, str]]:
    """(label key, time) of each deadline of the definition, in order, then the dispute end."""
    named = view["definition"]["deadlines"]
    out = [(f"deadline.{name}", when) for name, when in named.items() if when]
    if view["dispute_end"] is not None:
        out.append(("deadline.dispute_end", view["dispute_end"]))
    return out


def vdf_line(done: int, t: int) -> str:
    """``done / T (pct %)``, with the percentage floored to 0.1 as the script does."""
    permille = done * 1000 // t if t else 0
    return f"{done:,} / {t:,} ({permille // 10}.{permille % 10}%)"


@bp.get("/pulses")
def pulses() -> Response:
    session = read_session()
    repo, log = PulseRepository(session), LogRepository(session)
    found, problem = explorer.lookup(repo, request.args, now_ms=now_ms())
    message = None
    if problem is not None:
        t = messages.Translator(language())
        params = {k: t(str(v)) if k == "field" else v for k, v in problem.params.items()}
        message = t(problem.key, **params)
    return render(
        "pulses.html",
        200 if problem is None else problem.status,
        latest=explorer.latest(repo, log),
        last=repo.last(),
        found=None if found is None else explorer.detail(found, log),
        problem=message,
        args=request.args,
    )


def not_found(key: str, **params: object) -> Response:
    return render("not_found.html", 404, message_key=key, params=params)


@bp.app_errorhandler(NotFound)
def page_not_found(error: NotFound) -> Response:
    """An HTML 404 for a browser asking for a page; problem+json for the API and for scripts."""
    wants_html = (
        request.accept_mimetypes.best_match(["application/problem+json", "text/html"])
        == "text/html"
    )
    if request.path.startswith(API_PREFIXES) or not wants_html:
        return errors.problem(404, error.name, error.description or error.name)
    return not_found("error.no_page")


_HTML = {"text/html": {"schema": {"type": "string"}}}


def _page(summary: str, *parameters: dict[str, Any], missing: str | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "An HTML page", "content": _HTML}}
    if missing:
        responses["404"] = {"description": missing, "content": _HTML}
    return {"get": {"summary": summary, "parameters": list(parameters), "responses": responses}}


_LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "zh-CN (default) or en; remembered in a cookie",
    "schema": {"type": "string", "enum": list(messages.LANGUAGES)},
}
_QUERY = {"in": "query", "required": False}
PATHS: dict[str, dict[str, Any]] = {
    "/": _page(
        "The board: every draw with its phase, next deadline and drawn values; every tender "
        "with its bid-opening phase",
        _LANG,
    ),
    "/draws/{draw_id}": _page(
        "A draw's page: definition, parties, seeds, VDF progress, result, timeline, verify command",
        {"name": "draw_id", "in": "path", "required": True, "schema": {"type": "string"}},
        _LANG,
        missing="No such draw (an HTML page)",
    ),
    "/tenders/{tender_id}": _page(
        "A tender's bid-opening page: deadlines, bidders, the parties' opening keys and releases, "
        "each bid's outcome with its reason, verify command",
        {"name": "tender_id", "in": "path", "required": True, "schema": {"type": "string"}},
        _LANG,
        missing="No such tender (an HTML page)",
    ),
    "/pulses": _page(
        "The pulse explorer: the latest pulses, and one looked up by index or time",
        {**_QUERY, "name": "chain", "schema": {"type": "integer", "minimum": 0}},
        {**_QUERY, "name": "index", "schema": {"type": "integer", "minimum": 0}},
        {
            **_QUERY,
            "name": "time",
            "description": "2026-11-26T09:00:00.000Z or ms",
            "schema": {"type": "string"},
        },
        _LANG,
    ),
    "/static/{filename}": {
        "get": {
            "summary": "The board's style sheet and script",
            "parameters": [
                {"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "A static file",
                    "content": {"text/css": {}, "text/javascript": {}},
                },
                "404": {"description": "No such file", "content": _HTML},
            },
        }
    },
}
