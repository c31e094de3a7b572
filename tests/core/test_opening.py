"""A role's share at the bid opening (PROTOCOL.md §9.9 step 6.2), service and verifier alike.

Every stanza of the role's announced keys must decrypt, and to the same share; the
service's :func:`beacon.core.opening.role_share` and the independent verifier's
:func:`verifier.envelope.role_share` must reach the same share or the same reason.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import envelope as env
from beacon.core.envelope.format import Header, Stanza
from beacon.core.envelope.shares import header_share_info, wrap
from beacon.core.opening import role_share
from beacon.errors import EnvelopeError
from verifier import envelope as venv
from verifier.errors import CheckFailed

A1, A2, C1 = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
OUTSIDER = ec.generate_private_key(ec.SECP256R1())


def _sealed() -> tuple[Header, bytes]:
    out = io.BytesIO()
    env.seal(
        io.BytesIO(b"bid"),
        out,
        tender_id="T-1",
        envelope_id="T-1-bid-1",
        purpose="bid",
        draw_id="",
        bidder_fingerprint=bytes(32),
        agent_keys=[A1.public_key(), A2.public_key()],
        centre_keys=[C1.public_key()],
        random_bytes=lambda n: bytes(range(n)),
    )
    prefix = env.read_prefix(io.BytesIO(out.getvalue()))
    return prefix.header, prefix.mac


def _replace(header: Header, old: bytes, new: Stanza) -> Header:
    return dataclasses.replace(
        header, stanzas=tuple(new if s.key_id == old else s for s in header.stanzas)
    )


def _flip(header: Header) -> Header:
    s = header.stanzas_for("agent")[0]
    bad = dataclasses.replace(
        s, wrapped_share=s.wrapped_share[:-1] + bytes([s.wrapped_share[-1] ^ 1])
    )
    return _replace(header, s.key_id, bad)


def _diverge(header: Header) -> Header:
    (other,) = wrap(
        bytes(16), [A2.public_key()], role="agent", info=header_share_info(header, "agent")
    )
    return _replace(header, other.key_id, other)


CASES: list[tuple[str, Callable[[Header], Header], list[ec.EllipticCurvePrivateKey], str]] = [
    ("honest", lambda h: h, [A1, A2], ""),
    ("primary-only-announced", _diverge, [A1], ""),
    ("bad-stanza", _flip, [A1, A2], "share-unwrap-failed"),
    ("divergent-backup", _diverge, [A1, A2], "backup-share-mismatch"),
    ("not-a-recipient", lambda h: h, [A1, OUTSIDER], "not-a-recipient"),
    ("centre-key-as-agent", lambda h: h, [C1], "not-a-recipient"),
]


@pytest.mark.parametrize(
    ("edit", "keys", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_service_and_verifier_agree(
    caplog: pytest.LogCaptureFixture, edit, keys, reason: str
) -> None:
    header, mac = _sealed()
    header = edit(header)
    parsed = venv.parse_prefix(header.encode(), mac)
    expected_share = env.unwrap_share(_sealed()[0], "agent", A1)
    if not reason:
        assert role_share(header, "agent", keys) == expected_share
        assert venv.role_share(parsed, "agent", keys) == expected_share
        return
    with caplog.at_level(logging.WARNING), pytest.raises(EnvelopeError) as e:
        role_share(header, "agent", keys)
    assert e.value.reason == reason
    assert str(e.value) == "envelope could not be opened"
    with pytest.raises(CheckFailed) as v:
        venv.role_share(parsed, "agent", keys)
    assert v.value.code == reason
