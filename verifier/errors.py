"""The verifier's errors, grouped by who is at fault."""

from __future__ import annotations


class VerifyError(Exception):
    """Base class of every error the verifier raises on purpose."""


class ParseError(VerifyError):
    """The input is not what PROTOCOL.md says it must be; names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class CheckFailed(VerifyError):
    """A well-formed input fails a check. ``code`` is the spec's outcome name, if it fixes one."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        self.code = code
        super().__init__(message)


class FetchError(VerifyError):
    """A beacon could not be reached or answered something unusable (``--from``)."""
