"""One pulse period per deployment, agreed at every process's start.

The web computes cache lifetimes and "next pulse" answers from the period and the
pulser emits on its boundaries: a web started with 60 s beside a pulser emitting
every second serves stale answers for a minute and tells clients the wrong next
pulse. So the period is the deployment's, not a process's (workers take it too, so
that one environment file configures every process): it is recorded in the database (``pulser_state.pulse_period_ms``)
by the first process that starts, and every later web, pulser or worker process
started with another refuses with a :class:`~beacon.errors.ConfigurationError`
that names both values.

Which value is authoritative: the chain's, once it has pulses. The world has seen
their ``period`` field, so on a database whose record predates this check the
newest pulse's period is recorded, not the starting process's. A pulser started
against an existing chain with another period therefore refuses too, where it used
to start a new chain silently. A deployment changes its period only by an operator's
explicit request (PROTOCOL.md §8.5: a new chain only by the operator's request), in
the same transaction that asks for the new chain: ``beacon pulser --new-chain
--pulse-period N`` (:func:`agree_period` with ``new_chain``).
"""

from __future__ import annotations

from beacon.errors import ConfigurationError
from beacon.service import config
from beacon.store import Database, PulseRepository

_SETTING = config.BY_KEY["pulse_period"]
VARIABLE = _SETTING.env
OPTION = _SETTING.option


def agree_period(database: Database, period_ms: int, *, new_chain: bool = False) -> int:
    """Check ``period_ms`` against the deployment's, recording it on first start.

    With ``new_chain``, make ``period_ms`` the deployment's period and ask the pulser
    for a new chain at its next pulse, in one transaction. Returns the period.
    """
    if not new_chain:
        with database.read() as session:
            if PulseRepository(session).recorded_period() == period_ms:
                return period_ms  # the common case: no write lock at every start
    with database.write() as session:
        pulses = PulseRepository(session)
        if new_chain:
            pulses.record_period(period_ms)
            pulses.request_new_chain()
            return period_ms
        recorded = pulses.recorded_period()
        last = pulses.last()
        if recorded is None:
            recorded = last.pulse().period if last is not None else period_ms
            pulses.record_period(recorded)
        if recorded == period_ms:
            return period_ms
        if last is not None and last.pulse().period == recorded:
            source = f"the period of its newest pulse, {last.chain_index}/{last.pulse_index}"
        else:
            source = "recorded in the database by the first process started on it"
    raise ConfigurationError(
        f"pulse period mismatch: this process has {OPTION} / {VARIABLE} = "
        f"{_seconds(period_ms)} s, but the deployment's pulse period is {_seconds(recorded)} s "
        f"({source}). Start every web, pulser and worker process with "
        f"{VARIABLE}={_seconds(recorded)}; to change the period, stop them all and run "
        f"'beacon pulser --new-chain {OPTION} {_seconds(period_ms)}' first "
        "(a new period is a new chain, PROTOCOL.md §8.5)"
    )


def _seconds(period_ms: int) -> str:
    return f"{period_ms // 1000}" if period_ms % 1000 == 0 else f"{period_ms / 1000}"
