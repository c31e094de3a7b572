"""What a verification found: named checks, each passed or failed with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from verifier.errors import VerifyError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """Checks in the order they ran, and the values worth showing."""

    checks: list[Check] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    # What the certificates were checked against when it was not trust the user gave
    # (--anchors, --cert): then every check may pass, but the verdict is not VALID (§14).
    unanchored: str = ""

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def run(self, name: str, check: Callable[[], str]) -> bool:
        """Run one check: it returns a detail, or raises :class:`VerifyError` with the reason."""
        try:
            self.checks.append(Check(name, True, check()))
        except VerifyError as e:
            self.checks.append(Check(name, False, str(e)))
        return self.checks[-1].ok

    def fail(self, name: str, reason: str) -> None:
        self.checks.append(Check(name, False, reason))

    @property
    def verdict(self) -> str:
        """``VALID``, ``INVALID``, or ``VALID-UNANCHORED`` when trust came from the document."""
        if not self.valid:
            return "INVALID"
        return "VALID-UNANCHORED" if self.unanchored else "VALID"

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "anchored": not self.unanchored,
            "checks": [asdict(c) for c in self.checks],
            "values": self.values,
        }

    def lines(self) -> list[str]:
        out = [f"{'✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in self.checks]
        if self.valid and self.unanchored:
            return [
                *out,
                f"VALID against {self.unanchored} only, which anyone can write: "
                "not a verdict (pass --anchors CA.pem with the CA certificate you trust)",
            ]
        return [*out, "VALID" if self.valid else "INVALID"]
