"""The envelope hash computed beside the encryption, in a second thread (PROTOCOL.md §9.6).

Sealing must hash every byte it writes. Done in line, SHA-256 over the output
costs about as much as encrypting it, so :func:`~beacon.core.envelope.seal`
hands the written bytes to a hashing thread instead: while the main thread
encrypts batch i+1 and writes it, the second thread hashes batch i. Both
OpenSSL's SHA-256 (hashlib, for inputs of 2 KiB or more) and the ChaCha20-Poly1305
encryption release the GIL for buffers of this size, so the two overlap on two
cores.

Nothing about the bytes changes: the sink writes exactly what it is given, in
order, and the thread feeds exactly those bytes, in the same order, to the same
:class:`~beacon.core.envelope.format.EnvelopeDigest`; the result equals the
sequential hash. Memory stays bounded: at most ``depth`` batches of about
``batch_bytes`` wait for the thread, and the writer blocks when they are full.

The thread starts only once a first batch is full, so a small envelope (a seed)
is hashed in line and costs no thread. Fail closed: if hashing raises, the next
write or :meth:`HashingPipeline.finish` raises the same exception, and no digest
is ever returned; if the caller fails instead, :meth:`HashingPipeline.close`
stops the thread.
"""

from __future__ import annotations

import queue
import threading
from types import TracebackType
from typing import Final

from beacon.core.envelope.format import EnvelopeDigest
from beacon.core.envelope.stream import Sink

BATCH_BYTES: Final = 1 << 20
DEPTH: Final = 4

_Batch = list[bytes] | None  # None: no more batches


class HashingPipeline:
    """A sink that writes through to ``sink`` and feeds the envelope hash in a second thread.

    Use as a context manager, and call :meth:`finish` for the digest once the last
    byte is written::

        with HashingPipeline(writer) as sink:
            ...  # sink.write(data)
            digest, size = sink.finish()
    """

    def __init__(self, sink: Sink, *, batch_bytes: int = BATCH_BYTES, depth: int = DEPTH) -> None:
        if batch_bytes < 1 or depth < 1:
            raise ValueError(f"batch_bytes and depth must be positive, got {batch_bytes}, {depth}")
        self._sink = sink
        self._digest = EnvelopeDigest()
        self._batch_bytes = batch_bytes
        self._queue: queue.Queue[_Batch] = queue.Queue(maxsize=depth)
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._finished = False

    # -- the hashing thread ---------------------------------------------------------------

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep draining, so that a blocked writer wakes and sees the error
            try:
                for data in batch:
                    self._digest.update(data)
            except BaseException as e:  # re-raised in the writer's thread
                self._error = e

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _hand_over(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="envelope-hash", daemon=True)
            self._thread.start()
        self._queue.put(self._pending)
        self._pending, self._pending_size = [], 0

    # -- the writer's side ----------------------------------------------------------------

    def write(self, data: bytes, /) -> None:
        if self._finished:
            raise ValueError("write after finish()")
        self._raise_if_failed()
        self._sink.write(data)
        self._pending.append(bytes(data))
        self._pending_size += len(data)
        if self._pending_size >= self._batch_bytes:
            self._hand_over()

    def finish(self) -> tuple[bytes, int]:
        """The envelope hash and size of everything written; raises if hashing failed."""
        if self._finished:
            raise ValueError("finish() called twice")
        self._finished = True
        if self._thread is None:
            for data in self._pending:  # small: hash in line, no thread was started
                self._digest.update(data)
        else:
            self._queue.put(self._pending)
            self._stop()
        self._pending = []
        self._raise_if_failed()
        return self._digest.digest(), self._digest.size

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Stop the hashing thread (idempotent); the digest is then unavailable."""
        self._finished = True
        self._pending = []
        self._stop()

    def __enter__(self) -> HashingPipeline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
