"""The deployment's trust anchors (the platform CA), offered for download as ``/ca.pem``.

``beacon-verify`` says VALID only against anchors the reader gives it (PROTOCOL.md
§14). A bidder can take them from here, but whoever could forge a proof on this
site could forge the CA served beside it: the board therefore shows each anchor's
SHA-256 fingerprint (of its DER, as ``openssl x509 -fingerprint -sha256`` prints
it), for the bidder to compare with what the centre publishes through another
channel (its notice, its own site, the CA).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, make_response

from beacon.core.signature import fingerprint
from beacon.core.timefmt import format_ms
from beacon.service.describe import ANCHORS_FILE, ANCHORS_PATH
from beacon.web import caching
from beacon.web.context import runtime
from beacon.web.pulses import next_boundary, now_ms

bp = Blueprint("anchors", __name__)


def colon_hex(digest: bytes) -> str:
    """Upper-case hex in colon-separated pairs, as ``openssl x509 -fingerprint`` prints it."""
    return ":".join(f"{b:02X}" for b in digest)


def summaries() -> list[dict[str, Any]]:
    """Each trust anchor as the board shows it: subject, validity and fingerprint."""
    return [
        {
            "subject": cert.subject.rfc4514_string(),
            "not_after": format_ms(int(cert.not_valid_after_utc.timestamp() * 1000)),
            "sha256": colon_hex(fingerprint(cert)),
        }
        for cert in runtime().trust.anchors
    ]


@bp.get(ANCHORS_PATH)
def ca_pem() -> Response:
    """Every trust anchor of the deployment, PEM, in configuration order."""
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in runtime().trust.anchors)
    response = make_response(pem)
    response.mimetype = "application/x-pem-file"
    response.headers["Content-Disposition"] = f'attachment; filename="{ANCHORS_FILE}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Configuration, not history: it changes only when the deployment is reconfigured.
    return caching.until(response, now_ms=now_ms(), due_ms=next_boundary())


PATHS: dict[str, dict[str, Any]] = {
    ANCHORS_PATH: {
        "get": {
            "summary": "The deployment's trust anchors (the platform CA certificate), PEM: compare "
            "each one's SHA-256 fingerprint with what the centre publishes elsewhere, then pass "
            "the file to beacon-verify --anchors",
            "responses": {
                "200": {
                    "description": "One or more PEM certificates",
                    "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
                }
            },
        }
    }
}
