"""Where ``beacon-verify`` reads its documents and trust from: files, or with ``--from`` a
running beacon (PROTOCOL.md §16); certificates, anchors and CRLs the user gives.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from verifier import identity
from verifier.errors import FetchError, ParseError

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
