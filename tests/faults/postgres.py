"""A private PostgreSQL server for the outage test, stopped and started at will.

The outage test stops the database server in the middle of a ceremony. Stopping
the machine's shared cluster (``pg_ctlcluster 15 main stop``) would also break
every other PostgreSQL test running on it at the time, so the test runs its own
server: ``initdb`` into a temporary directory owned by the ``postgres`` user, on a
free port, stopped with ``pg_ctl stop -m fast`` (what ``pg_ctlcluster … stop -m
fast`` runs) and started again on the same port and data. It needs root (to act
as ``postgres``) and the server binaries; :func:`unavailable` says why not.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
USER = "beacon"


def binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, if any."""
    found = sorted(
        (p.parent for p in PG_ROOT.glob("*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def unavailable() -> str | None:
    """Why a private server cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root: the outage test runs a private PostgreSQL server as the postgres user"
    if binaries() is None:
        return f"no PostgreSQL server binaries (initdb) under {PG_ROOT}"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres system user to run the private server as"
    if shutil.which("runuser") is None:
        return "runuser is missing (util-linux)"
    return None


class PrivateServer:
    """One throwaway PostgreSQL cluster: init, start, stop -m fast, start, destroy."""

    def __init__(self, port: int) -> None:
        bin_dir = binaries()
        assert bin_dir is not None, unavailable()
        self.bin = bin_dir
        self.port = port
        # Under /tmp, not pytest's tmp_path: the postgres user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="beacon-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        pw = pwd.getpwnam("postgres")
        os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            cwd=self.root,
            timeout=120,
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        self._as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def destroy(self) -> None:
        """Stop (if running) and delete everything; safe to call after any failure."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
