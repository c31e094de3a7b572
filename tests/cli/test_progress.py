"""Progress bars (beacon/cli/progress.py): on stderr only, and stdout unchanged by them.

Each long command runs three times: with ``--progress`` (the bar is forced on although
the test's stderr is no terminal), with ``--no-progress``, and with neither (tqdm stays
silent when stderr is not a terminal). Standard output must be byte for byte the same
in all three, and only the ``--progress`` run may write the bar.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from beacon.audit import expansion, to_packed
from beacon.cli import main
from beacon.ops.check import STEPS
from beacon.store import Database, LogRepository, sqlite_url

MODES = {"on": ["--progress"], "off": ["--no-progress"], "default": []}


def _run(args: list[str]) -> Result:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def _assert_bar_only_when_asked(
    results: dict[str, Result], label: str, total: int | None = None
) -> None:
    """Same stdout in every mode; a bar labelled ``label`` on stderr with --progress only,
    reaching ``total`` of ``total`` steps (any total if None)."""
    assert results["on"].stdout == results["off"].stdout == results["default"].stdout
    assert results["off"].stderr == results["default"].stderr == ""
    bar = results["on"].stderr
    finished = rf"\b{total}/{total}\b" if total is not None else r"\b(\d+)/\1\b"
    assert label in bar and re.search(finished, bar), bar
    assert "\r" not in results["on"].stdout  # no bar redrawn on stdout


def test_sp800_22_bar(tmp_path: Path) -> None:
    path = tmp_path / "e.bin"
    path.write_bytes(to_packed(expansion("e", 400_000)))
    results = {
        mode: _run(["audit", "sp800-22", str(path), "--format", "binary", "--json", *flag])
        for mode, flag in MODES.items()
    }
    _assert_bar_only_when_asked(results, "sp800-22", 15)
    assert '"bits": 400000' in results["on"].stdout


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Path, str]:
    """A migrated SQLite deployment whose log holds a few entries."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = sqlite_url(data_dir / "beacon.sqlite3")
    db = Database(url)
    try:
        db.upgrade()
        for i in range(3):
            with db.write() as session:
                LogRepository(session).append(f"entry {i}".encode(), now_ms=i)
    finally:
        db.dispose()
    (data_dir / "blobs").mkdir()
    return data_dir, url


def test_admin_check_bar(deployment: tuple[Path, str]) -> None:
    data_dir, url = deployment
    for fmt in ([], ["--json"]):
        results = {
            mode: _run(
                ["admin", "check", "--data-dir", str(data_dir), "--database-url", url, *fmt, *flag]
            )
            for mode, flag in MODES.items()
        }
        _assert_bar_only_when_asked(results, "check", len(STEPS))
    assert "3 log leaves" in results["on"].stdout or '"log leaves": 3' in results["on"].stdout


def test_admin_backup_and_restore_bars(deployment: tuple[Path, str], tmp_path: Path) -> None:
    data_dir, url = deployment
    backups: dict[str, Result] = {}
    for mode, flag in MODES.items():
        out = tmp_path / "archive.tar.gz"
        out.unlink(missing_ok=True)
        where = ["--data-dir", str(data_dir), "--database-url", url, "--out", str(out)]
        backups[mode] = _run(["admin", "backup", *where, *flag])
    _assert_bar_only_when_asked(backups, "backup")
    assert "wrote " in backups["on"].stdout

    restores: dict[str, Result] = {}
    for mode, flag in MODES.items():
        target = tmp_path / f"restored-{mode}"
        where = ["--data-dir", str(target), "--database-url", sqlite_url(target / "db.sqlite3")]
        result = _run(["admin", "restore", str(tmp_path / "archive.tar.gz"), *where, *flag])
        # The same output once the target folder's own name is set aside.
        result.stdout_bytes = result.stdout_bytes.replace(f"-{mode}".encode(), b"-X")
        restores[mode] = result
    _assert_bar_only_when_asked(restores, "restore")
    assert "restored " in restores["on"].stdout
