"""kill -9 at random points: a seeded schedule of victims, gaps and downtimes.

The schedule (which process, how long to wait before the kill, how long it stays
down) comes from one ``random.Random`` seeded by the scenario's seed, so a failing
run is replayed with the same seed (the timing of the service itself still
varies). Victims come in shuffled rounds of web, pulser and worker, so each is
killed about equally often. A process that dies on its own (a crash, not our
kill) is an error that fails the scenario.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass

from tests.faults.processes import PROCESSES, Cluster


@dataclass(frozen=True)
class Kill:
    process: str
    pid: int
    at_s: float  # since the chaos started
    reason: str  # "random", or why the scenario asked for it (e.g. "mid-vdf")
    downtime_s: float

    def to_dict(self) -> dict[str, object]:
        return {
            "process": self.process,
            "pid": self.pid,
            "at_s": round(self.at_s, 2),
            "reason": self.reason,
            "downtime_s": round(self.downtime_s, 2),
        }


class Chaos:
    """Kills and restarts the cluster's processes on a seeded schedule, in a thread."""

    def __init__(
        self,
        cluster: Cluster,
        rng: random.Random,
        *,
        gap_s: tuple[float, float] = (2.0, 4.5),
        downtime_s: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        self.cluster = cluster
        self.rng = rng
        self.gap_s = gap_s
        self.downtime_s = downtime_s
        self.kills: list[Kill] = []
        self.error: BaseException | None = None
        self._round: list[str] = []
        self._requests: list[tuple[str, str]] = []
        self._requests_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._t0 = time.monotonic()

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._thread.start()

    def halt(self) -> None:
        """Stop the thread without reporting its error (cleanup after a failure)."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(30)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(60)
        self.raise_error()

    def raise_error(self) -> None:
        if self.error is not None:
            raise AssertionError(f"the chaos thread failed: {self.error!r}") from self.error

    def counts(self) -> dict[str, int]:
        counted = Counter(k.process for k in self.kills)
        return {name: counted.get(name, 0) for name in PROCESSES}

    def _victim(self) -> str:
        if not self._round:
            self._round = list(PROCESSES)
            self.rng.shuffle(self._round)
        return self._round.pop()

    def request(self, process: str, reason: str) -> None:
        """Ask for ``process`` to be killed as soon as possible (``reason`` names it in the log)."""
        with self._requests_lock:
            self._requests.append((process, reason))

    def killed_for(self, reason: str) -> list[Kill]:
        return [k for k in self.kills if k.reason == reason]

    def _kill(self, process: str, reason: str) -> None:
        """Kill ``process`` now, keep it down for a seeded while, start it again."""
        downtime = self.rng.uniform(*self.downtime_s)
        pid = self.cluster.kill(process)
        self.kills.append(Kill(process, pid, time.monotonic() - self._t0, reason, downtime))
        self._stop.wait(downtime)
        self.cluster.start(process)

    def _check_alive(self) -> None:
        exited = self.cluster.exited()
        if exited:
            logs = {name: self.cluster.log_text(name)[-4000:] for name in exited}
            raise AssertionError(f"processes exited on their own: {exited}; logs: {logs}")

    def _next(self) -> tuple[str, str] | None:
        """Wait a seeded gap (or less, if the scenario asks for a kill); what to kill next.

        Only a process past its start-up is killed (a victim still starting is waited
        for): killing every process before it can serve would test nothing.
        """
        due = time.monotonic() + self.rng.uniform(*self.gap_s)
        victim: tuple[str, str] | None = None
        while not self._stop.is_set():
            self._check_alive()
            if victim is None:
                with self._requests_lock:
                    if self._requests:
                        victim = self._requests.pop(0)
                if victim is None and time.monotonic() >= due:
                    victim = (self._victim(), "random")
            if victim is not None and self.cluster.ready(victim[0]):
                return victim
            self._stop.wait(0.05)
        return None

    def _run(self) -> None:
        try:
            while (victim := self._next()) is not None:
                self._kill(*victim)
            self._check_alive()
        except BaseException as e:
            self.error = e
