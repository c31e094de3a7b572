"""The envelope hash computed in a second thread (beacon/core/envelope/pipeline.py).

The reference is the sequential computation: the same writes into a plain buffer,
hashed afterwards in line with hashlib as PROTOCOL.md §9.6 states it
(SHA-256(F(label) ‖ envelope bytes)), and ``envelope.envelope_hash``, which the
verifiers use. Small batches force the thread to run on small inputs too.
"""

from __future__ import annotations

import functools
import hashlib
import io
import threading
from typing import Any

import pytest

from beacon.core import envelope, labels
from beacon.core.encoding import field
from beacon.core.envelope import pipeline, stream
from beacon.core.envelope.format import EnvelopeDigest
from tests.core.envelope.helpers import open_bytes, seal, shares

CHUNK = stream.CHUNK_SIZE
# 0 bytes; one byte; either side of one and two 64 KiB chunks; either side of the
# 1 MiB hand-over batch (16 encrypted chunks of 64 KiB + 16 are a little more).
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 16 * CHUNK - 1, 16 * CHUNK, 33 * CHUNK + 7]
FILE_KEY, NONCE = bytes(range(16)), bytes(range(16, 32))


def _plaintext(size: int) -> bytes:
    return (hashlib.sha256(b"pipeline plaintext").digest() * (size // 32 + 1))[:size]


def _sequential_hash(data: bytes) -> bytes:
    return hashlib.sha256(field(labels.ENVELOPE_HASH.encode()) + data).digest()


def _no_hash_thread() -> bool:
    return not any(t.name == "envelope-hash" for t in threading.enumerate())


@pytest.mark.parametrize("batch_bytes", [1, 5000, pipeline.BATCH_BYTES])
@pytest.mark.parametrize("size", SIZES)
def test_threaded_payload_and_hash_equal_the_sequential_ones(size: int, batch_bytes: int) -> None:
    plain = _plaintext(size)
    reference = io.BytesIO()
    stream.encrypt(io.BytesIO(plain), reference, file_key=FILE_KEY, nonce=NONCE)
    out = io.BytesIO()
    with pipeline.HashingPipeline(out, batch_bytes=batch_bytes, depth=2) as sink:
        sink.write(b"prefix bytes\n")
        stream.encrypt(io.BytesIO(plain), sink, file_key=FILE_KEY, nonce=NONCE)
        digest, written = sink.finish()
    assert out.getvalue() == b"prefix bytes\n" + reference.getvalue()
    assert digest == _sequential_hash(out.getvalue())
    assert written == len(out.getvalue())
    assert _no_hash_thread()


@pytest.mark.parametrize("size", [0, CHUNK, 16 * CHUNK + 1, 40 * CHUNK])
def test_sealed_envelope_hash_equals_envelope_hash_of_its_bytes(size: int) -> None:
    plain = _plaintext(size)
    data, info = seal(plain)
    assert (info.hash, info.size) == envelope.envelope_hash(io.BytesIO(data))
    assert info.hash == _sequential_hash(data)
    assert open_bytes(data, **shares(data)) == plain


def _failing_update(calls_before_failure: int) -> Any:
    calls = {"n": 0}
    update = EnvelopeDigest.update

    def fail_in_thread(self: EnvelopeDigest, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > calls_before_failure and threading.current_thread().name == "envelope-hash":
            raise OSError("injected hashing failure")
        update(self, data)

    return fail_in_thread


@pytest.mark.parametrize("calls_before_failure", [0, 3])
def test_a_failure_in_the_hashing_thread_fails_the_seal(
    monkeypatch: pytest.MonkeyPatch, calls_before_failure: int
) -> None:
    monkeypatch.setattr(EnvelopeDigest, "update", _failing_update(calls_before_failure))
    small = functools.partial(pipeline.HashingPipeline, batch_bytes=CHUNK, depth=1)
    monkeypatch.setattr(envelope, "HashingPipeline", small)
    with pytest.raises(OSError, match="injected hashing failure"):
        seal(_plaintext(40 * CHUNK))
    assert _no_hash_thread()


def test_a_failing_writer_stops_the_hashing_thread() -> None:
    class Broken:
        def __init__(self) -> None:
            self.writes = 0

        def write(self, data: bytes) -> None:
            self.writes += 1
            if self.writes > 20:
                raise OSError("disk full")

    with (
        pytest.raises(OSError, match="disk full"),
        pipeline.HashingPipeline(Broken(), batch_bytes=CHUNK, depth=1) as sink,
    ):
        stream.encrypt(io.BytesIO(_plaintext(40 * CHUNK)), sink, file_key=FILE_KEY, nonce=NONCE)
    assert _no_hash_thread()


def test_misuse_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        pipeline.HashingPipeline(io.BytesIO(), batch_bytes=0)
    sink = pipeline.HashingPipeline(io.BytesIO())
    sink.write(b"x")
    assert sink.finish() == (_sequential_hash(b"x"), 1)
    with pytest.raises(ValueError, match="after finish"):
        sink.write(b"y")
    with pytest.raises(ValueError, match="twice"):
        sink.finish()
