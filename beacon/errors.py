"""The one error hierarchy of tender-beacon, grouped by who is at fault.

* :class:`InputError` - the caller sent something malformed, non-canonical or
  unverifiable (bad bytes, a bad definition, a proof or signature that does not
  check). Retrying the same input never helps. HTTP 400/422.
* :class:`StateError` - the input is well formed but not allowed now or not by
  this actor (wrong phase, past a deadline, wrong role, duplicate). HTTP 403/409.
* :class:`InfrastructureError` - our side failed (database, disk, a pinned
  constant that does not match). HTTP 503; the caller may retry.

Messages name the object (draw, pulse, leaf, field) and give expected vs actual.
Foreign exceptions are wrapped with ``raise ... from e``.
"""

from __future__ import annotations


class BeaconError(Exception):
    """Base class of every error raised on purpose by tender-beacon."""


# -- the caller's fault: malformed or unverifiable input ---------------------------


class InputError(BeaconError):
    """Malformed, non-canonical or otherwise invalid input.

    ``field`` names the offending field (dotted path) when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class EncodingError(InputError):
    """Bytes or JSON that do not follow the canonical encoding (PROTOCOL.md §2)."""


class DefinitionError(InputError):
    """A draw definition that is not acceptable (PROTOCOL.md §5)."""


class VerificationError(InputError):
    """A signature, commitment, proof or chain that does not verify."""


class EnvelopeError(InputError):
    """An envelope could not be opened.

    Deliberately opaque (PROTOCOL.md §9): the user sees one message whatever went
    wrong, so that a decryption oracle learns nothing; the precise reason goes to
    the log only, through ``reason``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__("envelope could not be opened", field=None)
        self.reason = reason


# -- not allowed now, or not by this actor -------------------------------------------


class StateError(BeaconError):
    """Well-formed input that is not allowed in the current state."""


class DeadlineError(StateError):
    """An action outside its time window."""


class RoleError(StateError):
    """An actor acting outside the role its registration grants."""


class ConflictError(StateError):
    """A duplicate, a replay, or a write that would fork append-only history."""


# -- our side failed -----------------------------------------------------------------


class InfrastructureError(BeaconError):
    """The service could not do its part; nothing was written. Retry later."""


class ConfigurationError(InfrastructureError):
    """A deployment setting or a pinned constant is wrong; refuse to run."""
