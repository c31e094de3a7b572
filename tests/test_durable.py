"""beacon.durable: the one way files are put in place (issue 14 item 4).

What a crash would leave cannot be tested without pulling the power, so these tests pin the
order of operations that POSIX guarantees make durable: the data is fsync-ed before the
rename, the folder is fsync-ed after it, and nothing is left half-written on failure.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from beacon import durable


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces_the_content_and_sets_the_mode_whatever_the_umask(
    tmp_path: Path,
) -> None:
    target = tmp_path / "seed"
    target.write_bytes(b"old")
    old_umask = os.umask(0)  # a umask of 0 would make a plain open() world-writable
    try:
        durable.write_atomic(target, b"\x00\n\r\xff" * 8, mode=durable.PRIVATE)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"\x00\n\r\xff" * 8
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _leftovers(tmp_path) == []


def test_public_files_are_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "ca.pem"
    old_umask = os.umask(0o077)
    try:
        durable.write_text_atomic(target, "-----BEGIN CERTIFICATE-----\n")
    finally:
        os.umask(old_umask)
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="disk full"), durable.atomic_output(target) as f:
        f.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_a_failing_writer_creates_nothing_when_there_was_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.key"
    with pytest.raises(KeyboardInterrupt), durable.atomic_output(target) as f:
        f.write(b"x")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_the_data_is_synced_before_the_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        events.append("rename")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    durable.write_atomic(tmp_path / "seed", b"s" * 32)
    expected = ["fsync file", "rename"] + ([] if os.name == "nt" else ["fsync folder"])
    assert events == expected


def test_replace_syncs_the_target_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "a.pending", tmp_path / "a"
    source.write_bytes(b"seed")
    synced: list[Path] = []
    monkeypatch.setattr(durable, "sync_folder", synced.append)
    durable.replace(source, target)
    assert target.read_bytes() == b"seed" and not source.exists()
    assert synced == [tmp_path]


def test_no_module_writes_files_behind_its_back() -> None:
    """The durable writes live in beacon/durable.py only: no other module under beacon/
    renames files into place itself (os.replace / Path.replace / os.rename)."""
    root = Path(durable.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "durable.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("os.replace(", "os.rename(", "os.renames("):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert offenders == []
