"""beacon-verify against draws whose opening-key announcements lack or forge possession.

The honest service refuses such announcements (tests/service/test_opening_keys.py); here
the beacon leaves that check out, so the statements are properly signed by the parties
and logged, the draw runs to a result, and only the verifier (PROTOCOL.md §14 step 7,
§9.3) can tell: every such bundle is INVALID, naming the leaf. Before the check, each
one verified VALID, with every bidder seed silently shut out.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import possession
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.party import Actor
from beacon.service import draw_rules, tender_rules
from beacon.store import sqlite_url
from tests.service.deployment import PERIOD, T0, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle
from verifier import opening_keys, records, verify_bundle
from verifier.cli import INVALID, main
from verifier.errors import CheckFailed

DRAW = "JS-2026-0142-1"
Announce = Callable[[Actor, ec.EllipticCurvePrivateKey, SignedStatement], SignedStatement]


def _as(agent: Actor, public_key: bytes, proof: bytes) -> SignedStatement:
    return agent.sign("draw.opening_key", DRAW, {"public_key": public_key, "possession": proof})


def _fresh() -> bytes:
    return public_bytes(ec.generate_private_key(ec.SECP256R1()).public_key())


# How the agent announces, given the centre's key and the centre's announcement.
AGENT_ANNOUNCES: dict[str, tuple[Announce, str]] = {
    "missing-proof": (
        lambda agent, _key, _centre: _as(agent, _fresh(), b""),
        "proof of possession is missing or not a DER ECDSA signature (0 bytes)",
    ),
    "garbage-proof": (
        lambda agent, _key, _centre: _as(agent, _fresh(), bytes(range(70))),
        "proof of possession is missing or not a DER ECDSA signature (70 bytes)",
    ),
    "copied-key-and-proof": (
        lambda agent, _key, centre: _as(
            agent, centre.statement.body.public_key, centre.statement.body.possession
        ),
        "proof of possession does not verify for tender 'JS-2026-0142', subject "
        "'JS-2026-0142-1', role agent",
    ),
    "forged-proof": (
        lambda agent, _key, centre: _as(
            agent,
            centre.statement.body.public_key,
            possession.prove(
                ec.generate_private_key(ec.SECP256R1()),
                tender_id=agent.tender_id,
                subject=DRAW,
                role="agent",
                announcer=agent.fingerprint,
            ),
        ),
        "proof of possession does not verify",
    ),
    "one-key-both-roles": (
        lambda agent, key, _centre: agent.opening_key(DRAW, key),  # a valid proof, same key
        "was already announced at leaf",
    ),
}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """One finished draw per case, on a beacon whose ledger accepts any announcement."""
    patch = pytest.MonkeyPatch()
    for rules in (draw_rules, tender_rules):
        patch.setattr(rules, "announce_opening_key", lambda ctx, what: None)
    out = {}
    try:
        for case, (announce, _) in AGENT_ANNOUNCES.items():
            tmp = tmp_path_factory.mktemp(case)
            d = open_deployment(tmp, sqlite_url(tmp / "beacon.sqlite3"))
            try:
                out[case] = _draw(d, announce)
            finally:
                d.runtime.close()
        yield out
    finally:
        patch.undo()


def _draw(d: Deployment, announce: Announce) -> dict[str, Any]:
    c = Ceremony(d)
    c.register()
    c.publish()
    key = ec.generate_private_key(ec.SECP256R1())
    centre = c.centre.opening_key(DRAW, key)
    c.submit(centre)
    c.submit(announce(c.agent, key, centre))
    for party in (c.centre, c.agent):
        c.seeds[party.role] = party.new_seed()
        c.submit(party.commit(DRAW, c.seeds[party.role]))
    d.advance_to(T0 + 10 * PERIOD)
    c.reveal()  # no seed envelope could be sealed: the draw computes once both have revealed
    assert d.runtime.worker("w").run_once() == DRAW
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    return bundle(d).to_dict()


@pytest.mark.parametrize("case", list(AGENT_ANNOUNCES))
def test_the_bundle_is_invalid(bundles: dict[str, dict[str, Any]], case: str) -> None:
    report = verify_bundle(bundles[case])
    assert not report.valid
    assert report.failed()[0] == "commitments"  # the later checks depend on it
    failed = next(c for c in report.checks if c.name == "commitments")
    assert "(draw.opening_key by the agent)" in failed.detail
    assert AGENT_ANNOUNCES[case][1] in failed.detail


def test_beacon_verify_says_invalid(
    bundles: dict[str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(bundles["copied-key-and-proof"], ensure_ascii=False))
    assert main(["draw", str(path)]) == INVALID
    out = capsys.readouterr().out
    assert "proof of possession does not verify" in out
    assert out.splitlines()[-1] == "INVALID"


def test_check_announcements_for_tender_keys() -> None:
    """The pure check the bid-opening verifier calls: tender keys (empty subject) alike."""
    d_key = ec.generate_private_key(ec.SECP256R1())
    body = {
        "public_key": public_bytes(d_key.public_key()),
        "possession": possession.prove(
            d_key, tender_id="T-1", subject="", role="centre", announcer=bytes(32)
        ),
    }
    honest = records.Signed(
        kind="tender.opening_key",
        tender_id="T-1",
        subject="",
        role="centre",
        actor=bytes(32),
        issued_at=0,
        body=body,
        statement=b"",
        algorithm="ed25519",
        signature=b"",
        certificate=b"",
        chain=(),
    )
    assert list(opening_keys.check_announcements([(4, honest)]).values()) == [4]
    for changed, value in (("tender_id", "T-2"), ("role", "agent"), ("actor", bytes([1]) * 32)):
        replayed = dataclasses.replace(honest, **{changed: value})
        with pytest.raises(CheckFailed, match="leaf 5 .* does not verify") as e:
            opening_keys.check_announcements([(5, replayed)])
        assert e.value.code == "bad-possession"
    with pytest.raises(CheckFailed, match="leaf 6 .* already announced at leaf 4"):
        opening_keys.check_announcements([(4, honest), (6, honest)])
