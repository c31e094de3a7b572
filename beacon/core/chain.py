"""The rules that bind pulses into a chain (PROTOCOL.md §8.5).

The same functions make the next pulse (:func:`next_pulse`, used by the pulser)
and check a chain (:class:`ChainVerifier`), so a rule cannot drift between the
producer and the verifier. Time is a parameter: nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from beacon.core.pulse import (
    CIPHER_SUITE,
    LIST_TYPES,
    STATUS_CERTIFICATE_CHANGE,
    STATUS_CHAIN_START,
    STATUS_TIME_GAP,
    VERSION,
    ZERO_VALUE,
    External,
    ListValue,
    Pulse,
    precommitment,
    verify_pulse,
)
from beacon.core.timefmt import format_ms
from beacon.errors import VerificationError

PERIOD_KINDS = LIST_TYPES[1:]  # hour, day, month, year
KNOWN_STATUS_BITS = STATUS_CHAIN_START | STATUS_TIME_GAP | STATUS_CERTIFICATE_CHANGE
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def boundary_at(ms: int, period_ms: int) -> int:
    """PROTOCOL.md §8.1, §8.5: the latest pulse boundary at or before ``ms``.

    Pulses fall on the multiples of the period counted from the Unix epoch; the pulser
    stamps a pulse with this boundary.
    """
    if period_ms <= 0:
        raise ValueError(f"a pulse period must be positive, got {period_ms}")
    return ms - ms % period_ms


def next_boundary(ms: int, period_ms: int) -> int:
    """The first pulse boundary strictly after ``ms``: when the next pulse is due."""
    return boundary_at(ms, period_ms) + period_ms


def period_key(kind: str, ms: int) -> int:
    """A number naming the UTC hour, day, month or year that contains time ``ms``."""
    if kind == "hour":
        return ms // 3_600_000
    if kind == "day":
        return ms // 86_400_000
    moment = _EPOCH + dt.timedelta(milliseconds=ms)
    if kind == "month":
        return moment.year * 12 + moment.month - 1
    if kind == "year":
        return moment.year
    raise ValueError(f"unknown period kind {kind!r}")


def period_start(kind: str, ms: int) -> int:
    """The first millisecond of the UTC hour, day, month or year that contains ``ms``."""
    if kind == "hour":
        return ms - ms % 3_600_000
    if kind == "day":
        return ms - ms % 86_400_000
    moment = _EPOCH + dt.timedelta(milliseconds=ms)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if kind == "year":
        start = start.replace(month=1)
    elif kind != "month":
        raise ValueError(f"unknown period kind {kind!r}")
    return (start - _EPOCH) // dt.timedelta(milliseconds=1)


def pulse_uri(base: str, chain_index: int, pulse_index: int) -> str:
    """The NIST path of a pulse under a deployment's public base URL."""
    return f"{base.rstrip('/')}/beacon/2.0/chain/{chain_index}/pulse/{pulse_index}"


def status_for(previous: Pulse | None, *, time_ms: int, period: int, certificate_id: bytes) -> int:
    """PROTOCOL.md §8.5: the status bits of a pulse at ``time_ms`` after ``previous``."""
    if previous is None:
        return STATUS_CHAIN_START
    status = 0
    if time_ms - previous.time_ms > period:
        status |= STATUS_TIME_GAP
    if certificate_id != previous.certificate_id:
        status |= STATUS_CERTIFICATE_CHANGE
    return status


@dataclass(frozen=True)
class PulseRef:
    """Where a link points: a pulse's output value and its URI."""

    output_value: bytes
    uri: str

    @classmethod
    def of(cls, pulse: Pulse) -> PulseRef:
        return cls(pulse.output_value, pulse.uri)


def next_pulse(
    *,
    previous: Pulse | None,
    first_in_period: Callable[[str], PulseRef],
    chain_index: int,
    time_ms: int,
    period: int,
    base_uri: str,
    certificate_id: bytes,
    local_random_value: bytes,
    precommitment_value: bytes,
    external: External,
) -> Pulse:
    """The next pulse of a chain, unsigned (sign it with :func:`beacon.core.pulse.sign`).

    ``first_in_period(kind)`` returns the first pulse of the chain in the UTC
    ``kind`` period that contains ``previous``'s time (§8.5); it is not called for
    a chain's first pulse, whose links are all zero.
    """
    if previous is not None:
        if previous.chain_index != chain_index:
            raise ValueError(
                f"previous pulse is on chain {previous.chain_index}, not {chain_index}"
            )
        if time_ms <= previous.time_ms or (time_ms - previous.time_ms) % period:
            raise ValueError(f"time {time_ms} is not a period boundary after {previous.time_ms}")
    index = 1 if previous is None else previous.pulse_index + 1
    if previous is None:
        links = tuple(ListValue(kind, None, ZERO_VALUE) for kind in LIST_TYPES)
    else:
        refs = [PulseRef.of(previous), *(first_in_period(kind) for kind in PERIOD_KINDS)]
        links = tuple(
            ListValue(kind, ref.uri, ref.output_value)
            for kind, ref in zip(LIST_TYPES, refs, strict=True)
        )
    return Pulse(
        uri=pulse_uri(base_uri, chain_index, index),
        version=VERSION,
        cipher_suite=CIPHER_SUITE,
        period=period,
        certificate_id=certificate_id,
        chain_index=chain_index,
        pulse_index=index,
        time_stamp=format_ms(time_ms),
        local_random_value=local_random_value,
        external=external,
        list_values=links,
        precommitment_value=precommitment_value,
        status_code=status_for(
            previous, time_ms=time_ms, period=period, certificate_id=certificate_id
        ),
        signature_value=b"",
        output_value=b"",
    )


def verify_precommitment(pulse: Pulse, following: Pulse) -> None:
    """``pulse.precommitmentValue`` must be SHA-512 of ``following.localRandomValue``."""
    if not hmac.compare_digest(
        pulse.precommitment_value, precommitment(following.local_random_value)
    ):
        raise VerificationError(
            f"pulse {following.chain_index}/{following.pulse_index}: localRandomValue does not "
            f"match the precommitment of pulse {pulse.pulse_index}",
            field="precommitmentValue",
        )


class ChainVerifier:
    """Checks consecutive pulses of one chain, fed in order (PROTOCOL.md §8.6).

    A verification may start mid-chain: the first pulse's own links cannot be
    checked then, and a link into a period that began before the first pulse is
    taken from the first pulse that shows it and must stay the same afterwards.
    """

    def __init__(self, certificate: Callable[[bytes], bytes]) -> None:
        self._certificate = certificate
        self._previous: Pulse | None = None
        self._firsts: dict[str, tuple[int, bytes | None]] = {}
        self.count = 0

    def add(self, pulse: Pulse) -> None:
        """Verify ``pulse`` on its own and as the successor of the last one added."""
        verify_pulse(pulse, self._certificate(pulse.certificate_id))
        name = f"pulse {pulse.chain_index}/{pulse.pulse_index}"
        if pulse.status_code & ~KNOWN_STATUS_BITS:
            raise VerificationError(
                f"{name}: unknown statusCode bits in {pulse.status_code}", field="statusCode"
            )
        previous = self._previous
        if previous is None:
            if pulse.status_code & STATUS_CHAIN_START:
                self._check_chain_start(pulse, name)
        else:
            self._check_successor(previous, pulse, name)
        starts_chain = previous is None and bool(pulse.status_code & STATUS_CHAIN_START)
        for kind in PERIOD_KINDS:
            key = period_key(kind, pulse.time_ms)
            if self._firsts.get(kind, (None,))[0] != key:
                known = previous is not None or starts_chain
                self._firsts[kind] = (key, pulse.output_value if known else None)
        self._previous = pulse
        self.count += 1

    def _check_chain_start(self, pulse: Pulse, name: str) -> None:
        if pulse.status_code != STATUS_CHAIN_START:
            raise VerificationError(
                f"{name}: a chain's first pulse has statusCode 1, got {pulse.status_code}",
                field="statusCode",
            )
        for link in pulse.list_values:
            if link.value != ZERO_VALUE:
                raise VerificationError(
                    f"{name}: a chain's first pulse links to nothing, but {link.type} is set",
                    field="listValues",
                )

    def _check_successor(self, previous: Pulse, pulse: Pulse, name: str) -> None:
        if (pulse.chain_index, pulse.pulse_index) != (
            previous.chain_index,
            previous.pulse_index + 1,
        ):
            raise VerificationError(
                f"{name}: expected pulse {previous.chain_index}/{previous.pulse_index + 1} next",
                field="pulseIndex",
            )
        if pulse.period != previous.period:
            raise VerificationError(
                f"{name}: period changed from {previous.period} to {pulse.period}", field="period"
            )
        elapsed = pulse.time_ms - previous.time_ms
        if elapsed <= 0 or elapsed % pulse.period:
            raise VerificationError(
                f"{name}: timeStamp {pulse.time_stamp} is not a period boundary "
                f"after {previous.time_stamp}",
                field="timeStamp",
            )
        expected = status_for(
            previous,
            time_ms=pulse.time_ms,
            period=pulse.period,
            certificate_id=pulse.certificate_id,
        )
        if pulse.status_code != expected:
            raise VerificationError(
                f"{name}: statusCode should be {expected}, got {pulse.status_code}",
                field="statusCode",
            )
        verify_precommitment(previous, pulse)
        if not hmac.compare_digest(pulse.link("previous").value, previous.output_value):
            raise VerificationError(
                f"{name}: previous link is not the output of pulse {previous.pulse_index}",
                field="listValues",
            )
        for kind in PERIOD_KINDS:
            key, value = self._firsts[kind]
            got = pulse.link(kind).value
            if value is None:
                self._firsts[kind] = (key, got)
            elif not hmac.compare_digest(got, value):
                raise VerificationError(
                    f"{name}: {kind} link is not the first pulse of the {kind}", field="listValues"
                )
