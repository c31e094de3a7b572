"""Backup, restore and the consistency check on a deployment with a whole draw and a
bid opening (tests/ops/scenario.py), driven through the ``beacon admin`` commands.

The restored deployment must pass ``beacon admin check`` and serve the same log,
chain and proof bundle; a corrupted copy must fail the check with the corrupted row
named. Restores go into a fresh SQLite file and a fresh PostgreSQL schema (the
``database_url`` fixture), from a SQLite deployment.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from beacon.cli import main
from beacon.ops import backup as backups
from beacon.store import Database, LogRepository, sqlite_url
from beacon.store.chain_tables import APPEND_ONLY_TABLES
from tests.ops.scenario import full_history


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    tmp = tmp_path_factory.mktemp("source")
    url = sqlite_url(tmp / "data" / "beacon.sqlite3")
    d = full_history(tmp, url)
    d.runtime.close()
    yield tmp / "data", url


@pytest.fixture(scope="module")
def archive(source: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir, url = source
    out = tmp_path_factory.mktemp("archive") / "beacon-backup.tar.gz"
    result = CliRunner().invoke(
        main,
        ["admin", "backup", "--data-dir", str(data_dir), "--database-url", url, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "rows in" in result.output
    return out


def admin(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["admin", *args])
    return result.exit_code, result.output


def tree_head(url: str) -> dict:
    db = Database(url)
    try:
        with db.read() as session:
            return LogRepository(session).tree_head().to_dict()
    finally:
        db.dispose()


@pytest.mark.slow
def test_source_is_consistent(source: tuple[Path, str]) -> None:
    data_dir, url = source
    code, output = admin("check", "--data-dir", str(data_dir), "--database-url", url, "--json")
    report = json.loads(output)
    assert code == 0 and report["ok"] and report["findings"] == []
    # The scenario stored something of every kind the check covers.
    assert all(n > 0 for n in report["checked"].values()), report["checked"]


@pytest.mark.slow
def test_restore_then_check(
    archive: Path, source: tuple[Path, str], tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / "restored"
    code, output = admin(
        "restore", str(archive), "--data-dir", str(data_dir), "--database-url", database_url
    )
    assert code == 0, output
    code, output = admin("check", "--data-dir", str(data_dir), "--database-url", database_url)
    assert code == 0, output
    assert output.strip().endswith("consistent")
    assert tree_head(database_url) == tree_head(source[1])
    original = source[0]
    for folder in ("blobs", "ca", "opened"):
        files = sorted(
            p.relative_to(original) for p in (original / folder).rglob("*") if p.is_file()
        )
        assert files and all(
            (data_dir / f).read_bytes() == (original / f).read_bytes() for f in files
        ), folder
    # A backup of the restored deployment (a logical dump in one REPEATABLE READ
    # transaction on PostgreSQL) restores again, into SQLite, and still checks.
    second = tmp_path / "second.tar.gz"
    code, output = admin(
        "backup", "--data-dir", str(data_dir), "--database-url", database_url, "--out", str(second)
    )
    assert code == 0, output
    again = tmp_path / "again"
    code, output = admin(
        "restore",
        str(second),
        "--data-dir",
        str(again),
        "--database-url",
        sqlite_url(again / "b.sqlite3"),
    )
    assert code == 0, output
    code, output = admin(
        "check", "--data-dir", str(again), "--database-url", sqlite_url(again / "b.sqlite3")
    )
    assert code == 0 and output.strip().endswith("consistent"), output
    # Restore refuses to overwrite what is now there: the database, then the folder.
    code, output = admin(
        "restore",
        str(archive),
        "--data-dir",
        str(tmp_path / "elsewhere"),
        "--database-url",
        database_url,
    )
    assert code != 0 and "the target database is not empty" in output
    code, output = admin(
        "restore",
        str(archive),
        "--data-dir",
        str(data_dir),
        "--database-url",
        sqlite_url(tmp_path / "x.sqlite3"),
    )
    assert code != 0 and "already holds" in output


@pytest.mark.slow
@pytest.mark.parametrize(
    ("member", "damage", "message"),
    [
        pytest.param(
            "database/log_leaves.jsonl",
            lambda b: b.replace(b'"leaf_index": 3', b'"leaf_index": 4', 1),
            "has SHA-256",
            id="table-edited",
        ),
        pytest.param(
            "manifest.json",
            lambda b: b.replace(b"tender-beacon/v1/backup", b"something-else"),
            "format is not",
            id="manifest-format",
        ),
    ],
)
def test_tampered_archive_is_refused(
    archive: Path, tmp_path: Path, member: str, damage, message: str
) -> None:
    import io
    import tarfile

    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == member:
                data = damage(data)
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    code, output = admin(
        "restore",
        str(tampered),
        "--data-dir",
        str(tmp_path / "d"),
        "--database-url",
        sqlite_url(tmp_path / "t.sqlite3"),
    )
    assert code != 0 and message in output


def _corrupt_copy(source: tuple[Path, str], tmp: Path, sql: str, table: str) -> tuple[Path, str]:
    data_dir = tmp / "copy"
    shutil.copytree(source[0], data_dir)
    path = data_dir / "beacon.sqlite3"
    connection = sqlite3.connect(path)
    connection.create_function("flip", 2, lambda b, i: b[:i] + bytes([b[i] ^ 0xFF]) + b[i + 1 :])
    try:
        for action in ("update", "delete"):
            connection.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        connection.execute(sql)
        connection.commit()
    finally:
        connection.close()
    return data_dir, sqlite_url(path)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("table", "sql", "named"),
    [
        pytest.param(
            "log_leaves",
            "UPDATE log_leaves SET entry = flip(entry, 41) WHERE leaf_index = 3",
            [
                "log leaf 3: stored leaf_hash",
                # The flipped byte lies in the entry's seq (§7.6): the chain no longer links.
                "statement at leaf 3: breaks its scope chain",
            ],
            id="leaf-byte",
        ),
        pytest.param(
            "log_nodes",
            "UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND position = 0",
            [r"log node \(level 1, position 0\): stored hash"],
            id="subtree-hash",
        ),
        pytest.param(
            "tree_heads",
            "UPDATE tree_heads SET root_hash = zeroblob(32) WHERE tree_size = (SELECT max(tree_size) FROM tree_heads)",
            [r"tree head \d+: stored root", r"pulse 1/\d+: external value"],
            id="tree-head-root",
        ),
        pytest.param(
            "pulses",
            'UPDATE pulses SET document = replace(document, \'"statusCode":0,"signatureValue"\', \'"statusCode":2,"signatureValue"\') WHERE pulse_index = 3',
            ["pulse 1/3: chain verification"],
            id="pulse-status",
        ),
        pytest.param(
            "statements",
            "UPDATE statements SET role = 'supervisor' WHERE leaf_index = 2",
            ["statement at leaf 2: row says role 'supervisor'"],
            id="statement-role",
        ),
        pytest.param(
            "envelopes",
            "UPDATE envelopes SET size = size + 1 WHERE envelope_id = 'JS-2026-0142-bid-1'",
            ["envelope JS-2026-0142-bid-1: blob"],
            id="envelope-size",
        ),
    ],
)
def test_check_names_the_corruption(
    source: tuple[Path, str], tmp_path: Path, table: str, sql: str, named: list[str]
) -> None:
    assert table in (*APPEND_ONLY_TABLES, "statements", "envelopes")
    data_dir, url = _corrupt_copy(source, tmp_path, sql, table)
    code, output = admin("check", "--data-dir", str(data_dir), "--database-url", url)
    assert code == 1
    for pattern in named:  # regular expressions: sizes depend on the history
        assert re.search(f"^INCONSISTENT {pattern}", output, re.M), output
    assert "inconsistencies" in output.splitlines()[-1]


def test_blob_removed_is_named(source: tuple[Path, str], tmp_path: Path) -> None:
    data_dir = tmp_path / "copy"
    shutil.copytree(source[0], data_dir)
    blob = next(
        p for p in (data_dir / "blobs").rglob("*") if p.is_file() and "staging" not in p.parts
    )
    blob.unlink()
    code, output = admin(
        "check",
        "--data-dir",
        str(data_dir),
        "--database-url",
        sqlite_url(data_dir / "beacon.sqlite3"),
    )
    assert code == 1 and "cannot be read" in output


def test_backup_of_a_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no SQLite database at"):
        backups.backup(
            database_url=sqlite_url(tmp_path / "none.sqlite3"),
            data_dir=tmp_path,
            out=tmp_path / "a.tgz",
        )
