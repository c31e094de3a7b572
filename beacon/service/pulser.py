"""The pulser: one pulse per period, at the period boundary (PROTOCOL.md §8.5).

Each emission is one write transaction: lock the pulser state, decide the next
pulse from what is stored, record the log's tree head, sign, store the pulse and
the new promise, commit. A crash therefore loses at most a pulse that nobody has
seen, and a restart keeps the last promise (the precommitted localRandomValue).
Missed boundaries are never backfilled: the next pulse carries status 2.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from beacon.core import chain, defaults
from beacon.core.pulse import VALUE_SIZE, Pulse, Signer, precommitment, sign, tree_head_external
from beacon.core.timefmt import format_ms
from beacon.errors import InfrastructureError
from beacon.ops import metrics
from beacon.service.clock import Clock
from beacon.service.entropy import Entropy
from beacon.service.leader import LeaderLock
from beacon.service.signers import require_valid_at
from beacon.store import Database, LogRepository, Promise, PulseRepository, StoredPulse

log = logging.getLogger("beacon.pulser")
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class PulserConfig:
    """What a deployment fixes: the period and the public base URL in pulse URIs."""

    period_ms: int = defaults.PULSE_PERIOD_MS
    base_uri: str = "http://127.0.0.1:8080"

    def __post_init__(self) -> None:
        if not 1000 <= self.period_ms <= 2**32 - 1 or self.period_ms % 1000:
            raise ValueError(f"period must be a whole number of seconds, got {self.period_ms} ms")


class Pulser:
    """Emits the chain's pulses into ``database``, signed by ``signer``."""

    def __init__(
        self,
        database: Database,
        signer: Signer,
        clock: Clock,
        entropy: Entropy,
        config: PulserConfig,
        *,
        after_pulse: Callable[[], object] | None = None,
    ) -> None:
        self.database = database
        self.signer = signer
        self.clock = clock
        self.entropy = entropy
        self.config = config
        # Time-driven draw steps (the freeze, beacon.service.engine) run after each pulse,
        # by the one active pulser, so they happen exactly once.
        self.after_pulse = after_pulse
        # Runs before each emission: the runtime re-reads a rotated signer here.
        self.before_pulse: Callable[[], object] | None = None

    def boundary(self, now_ms: int) -> int:
        """The latest period boundary at or before ``now_ms``."""
        return chain.boundary_at(now_ms, self.config.period_ms)

    def emit_due(self) -> StoredPulse | None:
        """Emit the pulse of the latest boundary unless it exists; never one in the future."""
        period = self.config.period_ms
        if self.before_pulse is not None:
            self.before_pulse()
        with self.database.write() as session:
            pulses, log_repo = PulseRepository(session), LogRepository(session)
            promise, new_chain = pulses.state(lock=True)  # serialises emitters
            time_ms = self.boundary(self.clock.now_ms())
            last = pulses.last()
            if last is not None and last.time_ms >= time_ms:
                return None
            previous = last.pulse() if last is not None else None
            if previous is not None and (new_chain or previous.period != period):
                previous = None  # PROTOCOL.md §8.5: a new chain on request or a new period
            chain_index = (
                1
                if last is None
                else last.chain_index
                if previous is not None
                else last.chain_index + 1
            )
            local_random = self._promised(promise, previous, chain_index)
            following = self.entropy.random_bytes(VALUE_SIZE)
            head = log_repo.tree_head()
            log_repo.save_tree_head(head)

            def first_in_period(kind: str) -> chain.PulseRef:
                if previous is None:  # asked only when there is a previous pulse
                    raise InfrastructureError(f"chain {chain_index}: no previous pulse to link")
                return pulses.first_in_period(chain_index, kind, previous.time_ms)

            unsigned = chain.next_pulse(
                previous=previous,
                first_in_period=first_in_period,
                chain_index=chain_index,
                time_ms=time_ms,
                period=period,
                base_uri=self.config.base_uri,
                certificate_id=pulses.add_certificate(self.signer.certificate_der),
                local_random_value=local_random,
                precommitment_value=precommitment(following),
                external=tree_head_external(head),
            )
            require_valid_at(
                self.signer.certificate_der, time_ms, what=f"pulse at {format_ms(time_ms)}"
            )
            pulse = sign(unsigned, self.signer)
            stored = pulses.append(pulse, head)
            pulses.promise(Promise(chain_index, pulse.pulse_index + 1, following))
            if new_chain:
                pulses.request_new_chain(False)
            # A pulse moves the clock of record past deadlines (reveal, seed open, bid
            # release): wake the listening workers when it commits.
            self.database.notify_work(session)
        metrics.PULSES.inc()
        metrics.PULSE_LATENESS.observe(max(0, self.clock.now_ms() - pulse.time_ms) / 1000)
        metrics.LAST_PULSE.set(pulse.time_ms / 1000)
        log.info(
            "pulse %d/%d at %s (status %d)",
            pulse.chain_index,
            pulse.pulse_index,
            pulse.time_stamp,
            pulse.status_code,
            extra={
                "pulse": f"{pulse.chain_index}/{pulse.pulse_index}",
                "status": pulse.status_code,
            },
        )
        return stored

    def _promised(self, promise: Promise | None, previous: Pulse | None, chain_index: int) -> bytes:
        """The value the previous pulse committed to, or a fresh one for a chain start."""
        if previous is None:
            return self.entropy.random_bytes(VALUE_SIZE)
        expected = (chain_index, previous.pulse_index + 1)
        if promise is None or (promise.chain_index, promise.pulse_index) != expected:
            # Fail closed: signing anything else would break the published precommitment.
            raise InfrastructureError(
                f"no stored localRandomValue for pulse {expected[0]}/{expected[1]}: "
                "the pulser state is damaged"
            )
        return promise.local_random_value

    def run(self, leader: LeaderLock, stop: threading.Event) -> None:
        """Lead (or wait to lead), then emit at every boundary until ``stop`` is set."""
        while not stop.is_set():
            if not leader.acquire(stop):
                return
            log.info("this pulser is now the active one")
            metrics.PULSER_LEADING.set(1)
            try:
                self._lead(leader, stop)
            finally:
                metrics.PULSER_LEADING.set(0)
                leader.release()

    def _lead(self, leader: LeaderLock, stop: threading.Event) -> None:
        period = self.config.period_ms
        while not stop.is_set():
            if not leader.still_held():
                log.warning("lost the leader lock; waiting to lead again")
                return
            try:
                self.emit_due()
                if self.after_pulse is not None:
                    self.after_pulse()
            except InfrastructureError as e:
                log.error("could not emit a pulse: %s", e)
                metrics.PULSE_FAILURES.inc()
                stop.wait(RETRY_SECONDS)
                continue
            self.clock.wait_until(self.boundary(self.clock.now_ms()) + period, stop)
