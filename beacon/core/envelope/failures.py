"""Why an envelope did not open, and whose fault that is (PROTOCOL.md §9.7).

Whatever goes wrong, the caller gets one :class:`~beacon.errors.EnvelopeError`
whose message is always "envelope could not be opened": a service that told a
submitter *which* check failed would be a decryption oracle. The precise
:class:`Reason` travels in ``error.reason`` and in a log record, so the opening
record can still attribute the failure (bidder or party) and tests can pin it.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from beacon.errors import EnvelopeError

logger = logging.getLogger("beacon.envelope")


class Fault(StrEnum):
    """Who is to blame for a failed opening (docs/ARCHITECTURE.md §5)."""

    BIDDER = "bidder"  # the sealer produced (or signed the hash of) a bad envelope
    PARTY = "party"  # the agent or the centre did not supply its share
    OPENER = "opener"  # whoever called us presented a key of the wrong role


class Reason(StrEnum):
    """The closed set of reasons an opening fails (PROTOCOL.md §9.7)."""

    HEADER_MALFORMED = "header-malformed"
    NOT_A_RECIPIENT = "not-a-recipient"
    WRONG_ROLE_KEY = "wrong-role-key"
    SHARE_UNWRAP_FAILED = "share-unwrap-failed"
    BACKUP_SHARE_MISMATCH = "backup-share-mismatch"  # a role's stanzas wrap different shares
    SHARE_MISSING = "share-missing"
    HEADER_MAC_MISMATCH = "header-mac-mismatch"
    NONCE_TRUNCATED = "nonce-truncated"
    PAYLOAD_TRUNCATED = "payload-truncated"
    PAYLOAD_AUTH_FAILED = "payload-auth-failed"
    PAYLOAD_EMPTY_FINAL_CHUNK = "payload-empty-final-chunk"
    PAYLOAD_TRAILING_DATA = "payload-trailing-data"
    SEED_SIZE_MISMATCH = "seed-size-mismatch"

    @property
    def fault(self) -> Fault:
        """Who is at fault, given keys the opener has checked against their announcement.

        A stanza that does not name, or does not open under, the *announced* opening
        key of its role was made wrong by the sealer; only a missing share is the
        releasing party's doing, and a key of the other role is the opener's mistake.
        """
        if self is Reason.SHARE_MISSING:
            return Fault.PARTY
        if self is Reason.WRONG_ROLE_KEY:
            return Fault.OPENER
        return Fault.BIDDER


def fail(reason: Reason, detail: str) -> EnvelopeError:
    """Log ``reason`` with ``detail`` and return the opaque error to raise.

    ``detail`` is for the operator's log only; it never reaches the error message.
    """
    logger.warning("envelope could not be opened: %s (%s)", reason.value, detail)
    return EnvelopeError(reason.value)
