"""A small HTTP client of a beacon's API, for the party commands (stdlib urllib only).

Refusals come back as :class:`ServiceError` carrying the server's problem+json
detail, so a party sees exactly why its statement was refused.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from beacon.core.statement import SignedStatement
from beacon.errors import BeaconError

STATEMENT_HEADER = "Beacon-Statement"
TIMEOUT = 60.0
CHUNK = 1 << 20


class ServiceError(BeaconError):
    """The server refused a request or could not be reached."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class BeaconClient:
    base_url: str
    timeout: float = TIMEOUT

    def __post_init__(self) -> None:
        # Only http(s): urllib would otherwise also open file: and custom schemes.
        if not self.base_url.startswith(("http://", "https://")):
            raise ServiceError(
                f"server URL must start with http:// or https://, got {self.base_url!r}"
            )

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _send(self, request: urllib.request.Request) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL is the user's server)
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                problem = json.loads(raw)
                detail = f"{problem.get('title', 'Error')}: {problem.get('detail', '')}"
            except ValueError:
                detail = raw.decode(errors="replace")[:500]
            retry = e.headers.get("Retry-After")
            raise ServiceError(
                f"HTTP {e.code} {detail}",
                status=e.code,
                retry_after=int(retry) if retry and retry.isdigit() else None,
            ) from None
        except (urllib.error.URLError, OSError) as e:
            raise ServiceError(f"cannot reach {self.base_url}: {e}") from e

    def get(self, path: str) -> Any:
        return self._send(
            urllib.request.Request(self._url(path), headers={"Accept": "application/json"})  # noqa: S310 (scheme checked)
        )

    def submit(self, signed: SignedStatement) -> dict[str, Any]:
        body = json.dumps(signed.to_dict()).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __post_init__)
            self._url("/api/v1/statements"),
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        result: dict[str, Any] = self._send(request)
        return result

    def submit_envelope(self, signed: SignedStatement, data: BinaryIO, size: int) -> dict[str, Any]:
        def chunks() -> Iterator[bytes]:
            while chunk := data.read(CHUNK):
                yield chunk

        request = urllib.request.Request(  # noqa: S310 (scheme checked in __post_init__)
            self._url("/api/v1/envelopes"),
            data=chunks(),
            method="POST",
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
                STATEMENT_HEADER: base64.b64encode(signed.encode()).decode(),
            },
        )
        result: dict[str, Any] = self._send(request)
        return result

    # -- reads ---------------------------------------------------------------------------------

    def draw(self, draw_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/api/v1/draws/{draw_id}")
        return result

    def statement(self, statement_hash: str) -> SignedStatement:
        doc = self.get(f"/api/v1/statements/{statement_hash}")
        return SignedStatement.from_dict(doc["signed_statement"])

    def proof(self, draw_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/api/v1/draws/{draw_id}/proof")
        return result
