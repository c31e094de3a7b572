"""``/verify``: the browser verifier (verifier-web/), a third implementation of PROTOCOL.md §14.

The page's script and style are build output of ``verifier-web/build.mjs`` (``make web``) in
``static/verify/``, git-ignored. The view only frames them in the board's layout and tells the
script where this beacon serves proofs and its CA certificate; the verification itself runs in
the visitor's browser and sends nothing back. Without the build, the page says how to make it
(503) instead of serving a page whose script is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, url_for

from beacon.web import messages, pages

bp = Blueprint("verifypage", __name__, template_folder="templates")

BUILT = Path(__file__).resolve().parent / "static" / "verify"
ASSETS = ("verify.js", "verify.css")
SAVED = "tender-beacon-verify.html"  # the single-file build, for a bidder to keep
CA_PATH = "/ca.pem"  # the platform CA certificate the board offers (PROTOCOL.md §14)
DRAW_ID_MAX = 200


def built() -> bool:
    return all((BUILT / name).is_file() for name in ASSETS)


@bp.get("/verify")
def page() -> Response:
    if not built():
        return pages.render("verify_missing.html", 503)
    draw = request.args.get("draw", "")
    return pages.render(
        "webverify.html",
        draw=draw if 0 < len(draw) <= DRAW_ID_MAX else "",
        proof_url=url_for("draws.proof", draw_id="DRAW_ID"),
        ca_url=CA_PATH,
        saved_url=(
            url_for("pages.static", filename=f"verify/{SAVED}")
            if (BUILT / SAVED).is_file()
            else None
        ),
    )


PATHS: dict[str, dict[str, Any]] = {
    "/verify": {
        "get": {
            "summary": "The browser verifier: checks a draw's proof bundle entirely in the browser "
            "(the same checks and lines as beacon-verify draw)",
            "parameters": [
                {
                    "name": "draw",
                    "in": "query",
                    "required": False,
                    "description": "a draw id whose proof the page fetches at once",
                    "schema": {"type": "string", "maxLength": DRAW_ID_MAX},
                },
                {
                    "name": "lang",
                    "in": "query",
                    "required": False,
                    "description": "zh-CN (default) or en; remembered in a cookie",
                    "schema": {"type": "string", "enum": list(messages.LANGUAGES)},
                },
            ],
            "responses": {
                "200": {
                    "description": "An HTML page",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
                "503": {
                    "description": "The page's script is not built on this server (make web)",
                    "content": {"text/html": {"schema": {"type": "string"}}},
                },
            },
        }
    }
}
