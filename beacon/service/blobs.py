"""Envelope bytes in a content-addressed directory (docs/ARCHITECTURE.md §6).

An upload is *staged* first: streamed to a temporary file in the blob directory
while its envelope hash is computed, so that a large file never sits in memory.
Only when the statement that names it is accepted is it moved to its address
(``blobs/ab/cdef…``, the hex envelope hash); a refused upload is deleted and
leaves no trace.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from beacon import durable
from beacon.core.envelope.format import EnvelopeDigest
from beacon.errors import InfrastructureError, InputError

CHUNK = 1 << 20


class StagedBlob:
    """An uploaded file waiting for its statement to be accepted."""

    def __init__(self, path: Path, digest: bytes, size: int, store: BlobStore) -> None:
        self.path = path
        self.digest = digest
        self.size = size
        self._store = store

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def read_bytes(self, *, limit: int) -> bytes:
        with self.open() as f:
            return f.read(limit)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class BlobStore:
    """``root/<2 hex>/<64 hex>`` files, written once, named by their envelope hash."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging = root / "staging"
        self._staging.mkdir(parents=True, exist_ok=True)

    def path(self, digest: bytes) -> Path:
        name = digest.hex()
        return self.root / name[:2] / name

    def stage(self, chunks: Iterable[bytes], *, max_bytes: int) -> StagedBlob:
        """Stream ``chunks`` to a staging file, hashing as they come; refuse oversize."""
        digest = EnvelopeDigest()
        fd, name = tempfile.mkstemp(dir=self._staging, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    if digest.size + len(chunk) > max_bytes:
                        raise InputError(
                            f"envelope exceeds the limit of {max_bytes} bytes", field="envelope"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StagedBlob(path, digest.digest(), digest.size, self)

    def stage_bytes(self, data: bytes, *, max_bytes: int) -> StagedBlob:
        return self.stage([data], max_bytes=max_bytes)

    def commit(self, blob: StagedBlob) -> None:
        """Move a staged blob to its address (idempotent for identical content)."""
        target = self.path(blob.digest)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                blob.discard()
                return
            durable.replace(blob.path, target)
        except OSError as e:
            raise InfrastructureError(f"cannot store the envelope: {e}") from e

    def read(self, digest: bytes) -> bytes:
        try:
            return self.path(digest).read_bytes()
        except FileNotFoundError as e:
            raise InfrastructureError(
                f"envelope {digest.hex()} is missing from the blob store"
            ) from e

    def open(self, digest: bytes) -> BinaryIO:
        try:
            return self.path(digest).open("rb")
        except FileNotFoundError as e:
            raise InfrastructureError(
                f"envelope {digest.hex()} is missing from the blob store"
            ) from e
