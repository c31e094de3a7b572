"""The age v1 payload: a nonce, then STREAM over ChaCha20-Poly1305 (PROTOCOL.md §9.5).

This is age's payload byte for byte (C2SP age.md, "Payload"; FiloSottile/age
``internal/stream``), so the public age test vectors check it directly:

* ``payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")``
  with a fresh 16-byte nonce per file;
* the plaintext is cut into 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
  the 12-byte nonce ``u88(counter) ‖ flag``, the flag being 0x01 on the final chunk
  only;
* the final chunk may be short, and is empty only when the whole plaintext is.

Both directions stream one chunk at a time over file-like objects, so memory
stays constant whatever the size. Decryption releases each chunk as soon as it
authenticates; a truncated stream is detected at its end, so a caller writing to
a file must discard the output when :func:`decrypt` raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from beacon.core import labels
from beacon.core.envelope.failures import Reason, fail

CHUNK_SIZE: Final = 64 * 1024
TAG_SIZE: Final = 16
ENCRYPTED_CHUNK_SIZE: Final = CHUNK_SIZE + TAG_SIZE
NONCE_SIZE: Final = 16
FILE_KEY_SIZE: Final = 16
_LAST: Final = b"\x01"
_NOT_LAST: Final = b"\x00"

Progress = Callable[[int], None]
"""Called with the number of plaintext bytes just processed."""


class Source(Protocol):
    """Anything with ``read(size) -> bytes`` (a file opened ``"rb"``, ``io.BytesIO``)."""

    def read(self, size: int, /) -> bytes: ...


class Sink(Protocol):
    """Anything with ``write(bytes)`` (a file opened ``"wb"``, ``io.BytesIO``)."""

    def write(self, data: bytes, /) -> object: ...


def read_exactly(source: Source, size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at end of input (short reads are retried)."""
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    missing = size - len(data)
    while missing:
        more = source.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    """age's ``streamKey``: HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=nonce,
        info=labels.AGE_PAYLOAD_KEY_INFO.encode(),
    ).derive(file_key)


def plaintext_size(payload_size: int) -> int | None:
    """The plaintext size a payload of ``payload_size`` bytes holds, or None if no payload
    has that size (PROTOCOL.md §9.5: ``16 + s + 16·max(1, ⌈s / 64 KiB⌉)`` bytes).

    From the length alone: nothing is authenticated until the payload is decrypted.
    """
    body = payload_size - NONCE_SIZE
    chunks = max(1, -(-body // ENCRYPTED_CHUNK_SIZE))
    plain = body - chunks * TAG_SIZE
    # A body that leaves exactly one tag after its full chunks would end in an
    # empty final chunk, which age forbids.
    if plain < 0 or (chunks > 1 and body % ENCRYPTED_CHUNK_SIZE == TAG_SIZE):
        return None
    return plain


def _chunk_nonce(counter: int, flag: bytes) -> bytes:
    # An 88-bit counter cannot wrap for any real file (2^88 chunks of 64 KiB);
    # int.to_bytes raises OverflowError rather than reuse a nonce if it ever did.
    return counter.to_bytes(11, "big") + flag


def encrypt(
    source: Source,
    sink: Sink,
    *,
    file_key: bytes,
    nonce: bytes,
    progress: Progress | None = None,
) -> int:
    """Write ``nonce ‖ STREAM(plaintext)`` to ``sink``; return the plaintext size.

    One chunk of look-ahead decides which chunk is final, so a plaintext that is an
    exact multiple of 64 KiB ends with a full final chunk, never an empty one.
    """
    if len(file_key) != FILE_KEY_SIZE:
        raise ValueError(f"file key must be {FILE_KEY_SIZE} bytes, got {len(file_key)}")
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"payload nonce must be {NONCE_SIZE} bytes, got {len(nonce)}")
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    sink.write(nonce)
    total = 0
    counter = 0
    chunk = read_exactly(source, CHUNK_SIZE)
    while True:
        following = read_exactly(source, CHUNK_SIZE) if len(chunk) == CHUNK_SIZE else b""
        flag = _NOT_LAST if following else _LAST
        sink.write(aead.encrypt(_chunk_nonce(counter, flag), chunk, None))
        total += len(chunk)
        if progress is not None:
            progress(len(chunk))
        if not following:
            return total
        chunk = following
        counter += 1


def _open_chunk(aead: ChaCha20Poly1305, counter: int, flag: bytes, chunk: bytes) -> bytes | None:
    if len(chunk) < TAG_SIZE:
        return None
    try:
        return aead.decrypt(_chunk_nonce(counter, flag), chunk, None)
    except InvalidTag:
        return None


def decrypt(
    source: Source,
    sink: Sink,
    *,
    file_key: bytes,
    progress: Progress | None = None,
) -> int:
    """Read ``nonce ‖ STREAM`` from ``source`` to its end, write the plaintext to ``sink``.

    Returns the plaintext size. Raises :class:`~beacon.errors.EnvelopeError` with
    reason ``nonce-truncated``, ``payload-truncated`` (the input ends before a final
    chunk), ``payload-auth-failed`` (a chunk does not authenticate under its
    position and flag; this includes a stream cut inside a chunk),
    ``payload-empty-final-chunk`` or ``payload-trailing-data``.
    """
    nonce = read_exactly(source, NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise fail(Reason.NONCE_TRUNCATED, f"payload nonce has {len(nonce)} of {NONCE_SIZE} bytes")
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    total = 0
    counter = 0
    while True:
        chunk = read_exactly(source, ENCRYPTED_CHUNK_SIZE)
        if not chunk:
            # C2SP age.md: decryption MUST fail if the input ends without a final chunk.
            raise fail(Reason.PAYLOAD_TRUNCATED, f"input ends after {counter} chunk(s), none final")
        if len(chunk) < ENCRYPTED_CHUNK_SIZE:
            # A short chunk can only be the final one, and only the first chunk may be
            # empty (the whole plaintext is empty): age rejects an empty final chunk.
            if counter > 0 and len(chunk) == TAG_SIZE:
                raise fail(Reason.PAYLOAD_EMPTY_FINAL_CHUNK, f"chunk {counter} is final and empty")
            plain = _open_chunk(aead, counter, _LAST, chunk)
            if plain is None:
                raise fail(
                    Reason.PAYLOAD_AUTH_FAILED, f"final chunk {counter} ({len(chunk)} bytes)"
                )
            last = True
        else:
            plain = _open_chunk(aead, counter, _NOT_LAST, chunk)
            last = plain is None
            if plain is None:
                # A full-size chunk may still be the final one (64 KiB multiple).
                plain = _open_chunk(aead, counter, _LAST, chunk)
                if plain is None:
                    raise fail(
                        Reason.PAYLOAD_AUTH_FAILED, f"chunk {counter} authenticates as neither"
                    )
                if source.read(1):
                    raise fail(Reason.PAYLOAD_TRAILING_DATA, f"bytes after final chunk {counter}")
        sink.write(plain)
        total += len(plain)
        if progress is not None:
            progress(len(plain))
        if last:
            return total
        counter += 1
