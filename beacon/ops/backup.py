"""``beacon admin backup`` and ``restore``: one archive of a deployment's whole state.

The archive (``.tar.gz``) holds a logical dump of every table, the blob store, the
CA and keys folder and the opened bids, with ``manifest.json`` naming each member's
SHA-256. The dump is one consistent snapshot: a SQLite database is first copied
with SQLite's online backup API (readers and writers carry on), a PostgreSQL
database is read inside one REPEATABLE READ transaction. Files are copied after the
snapshot: blobs are written once under their hash before the row that names them
commits, so every envelope the snapshot knows is already on disk.

The dump is portable (JSON lines, bytes as hex, typed by the table definitions), so
a SQLite deployment restores into PostgreSQL and back. Restore verifies every hash
first, refuses a database or data folder that already holds anything, replays the
rows in dependency order in one transaction, and then writes the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    Table,
    create_engine,
    insert,
    make_url,
    select,
    text,
    update,
)

from beacon import durable
from beacon.errors import ConfigurationError, ConflictError, InputError
from beacon.ops.progress import Steps, silent
from beacon.store import Database, sqlite_url
from beacon.store.chain_tables import Base

FORMAT = "tender-beacon/v1/backup"
MANIFEST = "manifest.json"
FOLDERS = (
    "blobs",
    "ca",
    "opened",
)  # under the data dir; "blobs/staging" holds only uploads in flight
SINGLETONS = ("log_state", "pulser_state")  # created by the migrations; restored by update
BATCH = 1000


@dataclass(frozen=True)
class Summary:
    """What an archive holds: rows per table and the number of files."""

    tables: dict[str, int]
    files: int


def _tables() -> list[Table]:
    import beacon.store.draw_tables  # noqa: F401  (registers the service's tables)

    return list(Base.metadata.sorted_tables)


def _encode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.hex()
        if isinstance(table.c[name].type, LargeBinary) and value is not None
        else value
        for name, value in row.items()
    }


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    if set(row) != {c.name for c in table.columns}:
        raise InputError(f"backup: a {table.name} row has columns {sorted(row)}", field=table.name)
    return {
        name: bytes.fromhex(value)
        if isinstance(table.c[name].type, LargeBinary) and value is not None
        else value
        for name, value in row.items()
    }


def _revision(connection: Connection) -> str:
    return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


@contextlib.contextmanager
def _snapshot(database_url: str) -> Iterator[Connection]:
    """A read-only connection that sees one consistent state of the database."""
    if database_url.startswith("sqlite"):
        source = make_url(database_url).database
        if not source or not Path(source).exists():
            raise ConfigurationError(f"no SQLite database at {source}")
        with tempfile.TemporaryDirectory(prefix="beacon-backup-") as tmp:
            copy = Path(tmp) / "snapshot.sqlite3"
            src, dst = sqlite3.connect(source), sqlite3.connect(copy)
            try:
                src.backup(dst)  # SQLite's online backup API: a consistent page-level copy
            finally:
                src.close()
                dst.close()
            engine = create_engine(sqlite_url(copy))
            try:
                with engine.connect() as connection:
                    yield connection
            finally:
                engine.dispose()
        return
    engine = create_engine(database_url)
    try:
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
            connection.begin(),
        ):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection
    finally:
        engine.dispose()


def backup(*, database_url: str, data_dir: Path, out: Path, steps: Steps = silent) -> Summary:
    """Write the archive of a deployment to ``out`` (replaced atomically).

    ``steps`` hears of each table dumped, then of each file archived.
    """
    manifest: dict[str, Any] = {"format": FORMAT, "tables": {}, "files": {}}
    out.parent.mkdir(parents=True, exist_ok=True)
    # The archive holds the CA's and the signer's private keys: private from the start.
    with (
        durable.atomic_output(out, mode=durable.PRIVATE) as sink,
        tarfile.open(fileobj=sink, mode="w:gz") as tar,
        tempfile.TemporaryDirectory() as tmp,
    ):
        members: list[tuple[str, Path]] = []
        with _snapshot(database_url) as connection:
            manifest["schema_revision"] = _revision(connection)
            tables = _tables()
            for done, table in enumerate(tables):
                steps(f"table {table.name}", done, len(tables))
                path = Path(tmp) / f"{table.name}.jsonl"
                digest, count = hashlib.sha256(), 0
                with path.open("wb") as f:
                    query = select(table).order_by(*table.primary_key.columns)
                    for row in connection.execute(query).mappings():
                        line = (
                            json.dumps(_encode(table, dict(row)), sort_keys=True).encode() + b"\n"
                        )
                        digest.update(line)
                        f.write(line)
                        count += 1
                name = f"database/{table.name}.jsonl"
                manifest["tables"][table.name] = {"rows": count, "sha256": digest.hexdigest()}
                members.append((name, path))
        for folder in FOLDERS:
            root = data_dir / folder
            if not root.is_dir():
                continue
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                relative = path.relative_to(data_dir)
                if relative.parts[:2] == ("blobs", "staging"):
                    continue
                name = f"files/{relative.as_posix()}"
                manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
                members.append((name, path))
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for done, (name, path) in enumerate(members):
            steps(f"archive {name}", done, len(members))
            tar.add(path, arcname=name, recursive=False)
        steps("archive", len(members), len(members))
    return Summary({k: v["rows"] for k, v in manifest["tables"].items()}, len(manifest["files"]))


def _read_archive(archive: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member's bytes, each checked against the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            contents: dict[str, bytes] = {}
            for member in tar.getmembers():
                if not member.isfile():
                    raise InputError(f"{archive}: member {member.name!r} is not a regular file")
                f = tar.extractfile(member)
                if f is None:  # tarfile gives no reader for a member it cannot read
                    raise InputError(f"{archive}: member {member.name!r} cannot be read")
                contents[member.name] = f.read()
    except (OSError, tarfile.TarError) as e:
        raise InputError(f"{archive}: not a readable backup archive ({e})") from e
    try:
        manifest = json.loads(contents.pop(MANIFEST))
    except (KeyError, ValueError) as e:
        raise InputError(f"{archive}: no readable {MANIFEST}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{archive}: {MANIFEST} format is not {FORMAT!r}")
    expected = {f"database/{t}.jsonl": v["sha256"] for t, v in manifest["tables"].items()}
    expected.update(manifest["files"])
    if set(expected) != set(contents):
        extra, missing = (
            sorted(set(contents) - set(expected)),
            sorted(set(expected) - set(contents)),
        )
        raise InputError(
            f"{archive}: members do not match the manifest (extra {extra}, missing {missing})"
        )
    for name, want in expected.items():
        got = hashlib.sha256(contents[name]).hexdigest()
        if got != want:
            raise InputError(f"{archive}: {name} has SHA-256 {got}, the manifest says {want}")
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise InputError(f"{archive}: unsafe member path {name!r}")
    return manifest, contents


def _is_empty(connection: Connection) -> list[str]:
    """Tables that hold anything beyond what the migrations create."""
    busy = []
    for table in _tables():
        rows = connection.execute(select(table).limit(2)).mappings().all()
        if table.name == "log_state":
            busy += [table.name] if rows and rows[0]["tree_size"] != 0 else []
        elif table.name == "pulser_state":
            busy += (
                [table.name] if rows and rows[0]["pending_local_random_value"] is not None else []
            )
        elif rows:
            busy.append(table.name)
    return busy


def restore(archive: Path, *, data_dir: Path, database_url: str, steps: Steps = silent) -> Summary:
    """Restore ``archive`` into an empty database and an empty data folder.

    ``steps`` hears of the archive read and checked, then of each table and file restored.
    """
    steps(f"read {archive.name}", 0, 1)
    manifest, contents = _read_archive(archive)
    steps(f"read {archive.name}", 1, 1)
    occupied = [f for f in FOLDERS if (data_dir / f).exists() and any((data_dir / f).iterdir())]
    if occupied:
        raise ConflictError(
            f"{data_dir} already holds {occupied}: restore only into an empty data folder"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(database_url)
    try:
        database.upgrade()
        with database.engine.begin() as connection:
            head = _revision(connection)
            if manifest.get("schema_revision") != head:
                raise ConfigurationError(
                    f"the backup has schema revision {manifest.get('schema_revision')!r}; "
                    f"this version writes {head!r}: restore with the version that made it, then upgrade"
                )
            busy = _is_empty(connection)
            if busy:
                raise ConflictError(
                    f"the target database is not empty ({', '.join(busy)}): restore refuses to overwrite it"
                )
            tables = _tables()
            for done, table in enumerate(tables):
                steps(f"table {table.name}", done, len(tables))
                lines = contents[f"database/{table.name}.jsonl"].splitlines()
                rows = [_decode(table, json.loads(line)) for line in lines]
                if table.name in SINGLETONS:
                    for row in rows:
                        connection.execute(
                            update(table).where(table.c.id == row["id"]).values(**row)
                        )
                    continue
                for start in range(0, len(rows), BATCH):
                    if rows[start : start + BATCH]:
                        connection.execute(insert(table), rows[start : start + BATCH])
    finally:
        database.dispose()
    for done, name in enumerate(manifest["files"]):
        steps(f"file {name}", done, len(manifest["files"]))
        target = data_dir.joinpath(*PurePosixPath(name).parts[1:])
        target.parent.mkdir(parents=True, exist_ok=True)
        private = target.parent.name == "ca" and target.suffix == ".key"
        durable.write_atomic(
            target, contents[name], mode=durable.PRIVATE if private else durable.PUBLIC
        )
    (data_dir / "blobs" / "staging").mkdir(parents=True, exist_ok=True)
    steps("files", len(manifest["files"]), len(manifest["files"]))
    return Summary({t: v["rows"] for t, v in manifest["tables"].items()}, len(manifest["files"]))
