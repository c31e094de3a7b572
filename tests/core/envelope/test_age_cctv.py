"""Conformance of the header MAC and the STREAM payload with age v1 (PROTOCOL.md §9.4-§9.5).

Source of the expected outcomes: the C2SP/CCTV age vectors in ../shared/vectors/age-cctv
(see its README), read in place. Every ``hmac_*`` and ``stream_*`` vector carries the
``file key``, so it checks :func:`format.mac_matches` and :func:`stream.decrypt` without
any X25519. age's *text* header is not our format: this test parses only what it must
(the bytes up to and including ``---``, and the base64 MAC line, with age's rules);
the bytes after the MAC line are age's payload, which is ours byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zlib
from pathlib import Path

import pytest

from beacon.core.envelope import Reason, format, stream
from beacon.errors import EnvelopeError
from tests.conftest import SHARED_VECTORS, shared_vectors

# age reads the payload nonce before any chunk, and CCTV files a missing or short
# nonce under "header failure" (stream_no_nonce, stream_short_nonce); every other
# payload reason is age's "payload failure".
AGE_OUTCOME = {
    Reason.HEADER_MAC_MISMATCH: "HMAC failure",
    Reason.NONCE_TRUNCATED: "header failure",
    Reason.PAYLOAD_TRUNCATED: "payload failure",
    Reason.PAYLOAD_AUTH_FAILED: "payload failure",
    Reason.PAYLOAD_EMPTY_FINAL_CHUNK: "payload failure",
    Reason.PAYLOAD_TRAILING_DATA: "payload failure",
}


class AgeHeaderError(Exception):
    """The part of age's text header this test parses is malformed."""


def read_vector(path: Path) -> tuple[dict[str, str], bytes]:
    meta_text, body = path.read_bytes().split(b"\n\n", 1)
    meta = dict(line.split(": ", 1) for line in meta_text.decode().splitlines())
    if meta.get("compressed") == "zlib":
        body = zlib.decompress(body)
    return meta, body


def split_age_file(body: bytes) -> tuple[bytes, bytes, bytes]:
    """(header bytes up to and including "---", the 32-byte MAC, the payload).

    C2SP age.md: the MAC line is ``"--- " 43base64char LF``, canonical unpadded
    base64; the MAC covers the header up to and including ``---``.
    """
    if not body.startswith(b"age-encryption.org/v1\n"):
        raise AgeHeaderError("not an age v1 file")
    end = body.find(b"\n---")
    if end < 0:
        raise AgeHeaderError("no MAC line")
    header = body[: end + 4]
    line_end = body.find(b"\n", end + 4)
    if line_end < 0:
        raise AgeHeaderError("MAC line not terminated")
    line = body[end + 4 : line_end]
    if len(line) != 44 or line[:1] != b" ":
        raise AgeHeaderError(f"MAC line {line!r} is not a space and 43 base64 characters")
    encoded = line[1:]
    try:
        mac = base64.b64decode(encoded + b"=", validate=True)
    except binascii.Error as e:
        raise AgeHeaderError(f"MAC is not base64 ({e})") from e
    if base64.b64encode(mac).rstrip(b"=") != encoded:
        raise AgeHeaderError("MAC is not canonical base64")
    return header, mac, body[line_end + 1 :]


def run(file_key: bytes, body: bytes) -> tuple[str, bytes | None]:
    """The age outcome of a file through our MAC check and payload decoder."""
    try:
        header, mac, payload = split_age_file(body)
    except AgeHeaderError:
        return "header failure", None
    if not format.mac_matches(file_key, header, mac):
        return "HMAC failure", None
    out = io.BytesIO()
    try:
        stream.decrypt(io.BytesIO(payload), out, file_key=file_key)
    except EnvelopeError as e:
        return AGE_OUTCOME[Reason(e.reason)], None
    return "success", out.getvalue()


def cctv_paths() -> list[Path]:
    folder = SHARED_VECTORS / "age-cctv"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(("hmac_", "stream_")))


def test_shared_vectors_present() -> None:
    folder = shared_vectors("age-cctv")
    assert len(cctv_paths()) == 36, f"expected the 8 hmac_* and 28 stream_* vectors in {folder}"


@pytest.mark.parametrize("path", cctv_paths(), ids=lambda p: p.name)
def test_cctv_vector(path: Path) -> None:
    meta, body = read_vector(path)
    outcome, plaintext = run(bytes.fromhex(meta["file key"]), body)
    assert outcome == meta["expect"]
    if outcome == "success":
        assert plaintext is not None
        assert hashlib.sha256(plaintext).hexdigest() == meta["payload"]


def test_mac_over_a_known_header_reproduces_the_vector() -> None:
    """Computing (not just checking) the MAC gives the bytes of a success vector."""
    meta, body = read_vector(shared_vectors("age-cctv") / "stream_two_chunks")
    header, mac, _ = split_age_file(body)
    assert format.header_mac(bytes.fromhex(meta["file key"]), header) == mac


def test_reencrypting_a_success_vector_gives_its_payload_bytes() -> None:
    """Our writer with the vector's key and nonce produces age's payload exactly."""
    meta, body = read_vector(shared_vectors("age-cctv") / "stream_three_chunks")
    file_key = bytes.fromhex(meta["file key"])
    _, _, payload = split_age_file(body)
    plain = io.BytesIO()
    stream.decrypt(io.BytesIO(payload), plain, file_key=file_key)
    again = io.BytesIO()
    stream.encrypt(io.BytesIO(plain.getvalue()), again, file_key=file_key, nonce=payload[:16])
    assert again.getvalue() == payload
