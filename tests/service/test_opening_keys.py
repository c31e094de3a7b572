"""Announced opening keys (PROTOCOL.md §9.3): proof of possession, one announcement per key.

Each attack runs through the ledger, the service's one write path, on both databases,
and must be refused with a precise message leaving no trace (no log leaf, no
opening-key row). Before the fix the service accepted every one of them: the agent
could announce the centre's draw key as its own (every bidder seed is then shut out,
since a seed envelope needs two distinct key ids), and a centre that announced the
agent's key from another tender left the agent holding both roles' keys, able to open
every bid alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from beacon.core import envelope as env
from beacon.core import possession
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.errors import BeaconError, ConflictError, InputError, VerificationError
from beacon.party import Actor
from beacon.store import LogRepository
from beacon.store.draw_tables import OpeningKeyRow
from tests.service.deployment import PERIOD, T0, TENDER, Deployment, definition, open_deployment

DRAW = "JS-2026-0142-1"
OTHER_DRAW = "JS-2026-0142-2"
OTHER_TENDER = "JS-2026-0177"


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Deployment:
    deployment = open_deployment(tmp_path, database_url, bidders=1)
    yield deployment
    deployment.runtime.close()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


class Parties:
    """The centre, the agent and a bidder of two tenders; two published draws in the first."""

    def __init__(self, d: Deployment) -> None:
        self.d = d
        for tender in (TENDER, OTHER_TENDER):
            centre, agent = self.actor("centre", tender), self.actor("agent", tender)
            self.submit(centre.register("agent", agent.certificate))
            self.submit(centre.register("bidder", self.actor("bidder-1", tender).certificate))
            self.submit(
                agent.tender_publish(
                    "市政道路工程", bid_deadline=T0 + 10 * PERIOD, release_deadline=T0 + 20 * PERIOD
                )
            )
        for draw_id in (DRAW, OTHER_DRAW):
            de = definition(draw_id=draw_id)
            self.submit(self.actor("agent").publish(de))
            self.submit(self.actor("centre").countersign(de))

    def actor(self, role: str, tender: str = TENDER) -> Actor:
        name = "bidder-1" if role == "bidder" else role
        return self.d.actor(name, "bidder" if name == "bidder-1" else role, tender)

    def submit(self, signed: SignedStatement, payload: bytes | None = None) -> object:
        staged = (
            None
            if payload is None
            else self.d.runtime.blobs.stage_bytes(payload, max_bytes=1 << 20)
        )
        return self.d.runtime.ledger.submit(signed, payload=staged)

    def trace(self) -> tuple[int, int]:
        """What a refusal must leave unchanged: the log's size and the opening-key rows."""
        with self.d.runtime.database.read() as session:
            keys = session.scalar(select(func.count()).select_from(OpeningKeyRow))
            return LogRepository(session).size(), int(keys or 0)

    def refused(self, signed: SignedStatement, error: type[BeaconError], match: str) -> None:
        before = self.trace()
        with pytest.raises(error, match=match):
            self.submit(signed)
        assert self.trace() == before


def announce_as(actor: Actor, subject: str, public_key: bytes, proof: bytes) -> SignedStatement:
    """A hand-made announcement: any public key, any proof (what an attacker can send)."""
    kind = "draw.opening_key" if subject else "tender.opening_key"
    return actor.sign(kind, subject, {"public_key": public_key, "possession": proof})


def copied(original: SignedStatement, thief: Actor) -> SignedStatement:
    """``original``'s key and possession proof, announced by ``thief`` as its own."""
    body = original.statement.body
    return announce_as(thief, original.statement.subject, body.public_key, body.possession)


@pytest.mark.parametrize(
    ("owner", "thief", "subject"),
    [
        pytest.param("centre", "agent", DRAW, id="draw-agent-copies-centre"),
        pytest.param("agent", "centre", DRAW, id="draw-centre-copies-agent"),
        pytest.param("centre", "agent", "", id="tender-agent-copies-centre"),
        pytest.param("agent", "centre", "", id="tender-centre-copies-agent"),
    ],
)
def test_a_party_cannot_announce_the_other_partys_key(
    d: Deployment, owner: str, thief: str, subject: str
) -> None:
    p = Parties(d)
    owner_actor = p.actor(owner)
    announce: Callable[[ec.EllipticCurvePrivateKey], SignedStatement] = (
        (lambda k: owner_actor.opening_key(subject, k))
        if subject
        else owner_actor.tender_opening_key
    )
    original = announce(new_key())
    p.submit(original)
    # The copied proof names the owner's role and certificate, not the thief's.
    p.refused(
        copied(original, p.actor(thief)),
        VerificationError,
        rf"the proof of possession does not verify .* role {thief}, announcer "
        rf"{p.actor(thief).fingerprint.hex()[:16]}",
    )


def test_a_refused_copy_does_not_burn_the_key(d: Deployment) -> None:
    """Front-running: the agent announces the centre's (known) key first; the centre still can."""
    p = Parties(d)
    key = new_key()
    stolen = announce_as(p.actor("agent"), DRAW, public_bytes(key.public_key()), b"")
    p.refused(
        stolen, InputError, f"draw.opening_key for draw {DRAW}: the proof of possession is missing"
    )
    p.submit(p.actor("centre").opening_key(DRAW, key))


def test_the_cross_tender_attack_that_let_the_agent_open_every_bid_alone(d: Deployment) -> None:
    """The reproduction: the centre re-announces, in another tender, the agent's key."""
    p = Parties(d)
    agent_key = new_key()
    first = p.actor("agent").tender_opening_key(agent_key)
    p.submit(first)
    centre2 = p.actor("centre", OTHER_TENDER)
    # The agent's proof replayed in the other tender, and a proof the centre cannot make.
    p.refused(copied(first, centre2), VerificationError, f"tender {OTHER_TENDER!r}, subject ''")
    forged = possession.prove(
        new_key(), tender_id=OTHER_TENDER, subject="", role="centre", announcer=centre2.fingerprint
    )
    p.refused(
        announce_as(centre2, "", first.statement.body.public_key, forged),
        VerificationError,
        "does not verify with the announced key",
    )
    # Had it been accepted, bids in the other tender would be sealed to the agent's key for the
    # centre's role: the agent, holding it and its own key there, would unwrap both shares.
    # The centre announces a key it holds instead, and the agent its own fresh one.
    p.submit(centre2.tender_opening_key(new_key()))
    p.submit(p.actor("agent", OTHER_TENDER).tender_opening_key(new_key()))


REUSES = [
    pytest.param(
        "centre", DRAW, "centre", OTHER_DRAW, TENDER, "draw JS-2026-0142-1", id="two-draws"
    ),
    pytest.param("agent", DRAW, "centre", OTHER_DRAW, TENDER, "by the agent", id="draws-and-roles"),
    pytest.param(
        "agent", DRAW, "centre", DRAW, TENDER, "by the agent for draw", id="draw-both-roles"
    ),
    pytest.param(
        "centre", "", "centre", "", OTHER_TENDER, "bid opening of tender", id="two-tenders"
    ),
    pytest.param("agent", "", "centre", "", TENDER, "by the agent", id="tender-both-roles"),
    pytest.param(
        "centre", DRAW, "centre", "", TENDER, "draw JS-2026-0142-1", id="draw-then-tender"
    ),
    pytest.param("agent", "", "agent", DRAW, TENDER, "the bid opening", id="tender-then-draw"),
]


@pytest.mark.parametrize(("role1", "subject1", "role2", "subject2", "tender2", "where"), REUSES)
def test_a_key_is_announced_once_in_the_deployment(
    d: Deployment, role1: str, subject1: str, role2: str, subject2: str, tender2: str, where: str
) -> None:
    """Even its holder, with a valid fresh proof, cannot announce a key a second time."""
    p = Parties(d)
    key = new_key()

    def announce(role: str, subject: str, tender: str) -> SignedStatement:
        actor = p.actor(role, tender)
        return actor.opening_key(subject, key) if subject else actor.tender_opening_key(key)

    p.submit(announce(role1, subject1, TENDER))
    p.refused(
        announce(role2, subject2, tender2),
        ConflictError,
        rf"key {env.key_id(key.public_key()).hex()[:16]}… was already announced .*{where}.*"
        "each announcement needs a fresh key",
    )


def _field(
    tender: str = TENDER, subject: str = DRAW, role: str = "agent", announcer: bytes | None = None
) -> dict[str, object]:
    return {"tender_id": tender, "subject": subject, "role": role, "announcer": announcer}


@pytest.mark.parametrize(
    "made_for",
    [
        pytest.param(_field(tender=OTHER_TENDER), id="other-tender"),
        pytest.param(_field(subject=OTHER_DRAW), id="other-draw"),
        pytest.param(_field(subject=""), id="tender-key-proof"),
        pytest.param(_field(role="centre"), id="other-role"),
        pytest.param(_field(announcer=bytes(32)), id="other-announcer"),
    ],
)
def test_a_possession_proof_is_not_replayable(d: Deployment, made_for: dict[str, object]) -> None:
    """The key's holder signed, but for another tender, draw, role or certificate."""
    p = Parties(d)
    agent, key = p.actor("agent"), new_key()
    announcer = made_for["announcer"] or agent.fingerprint
    proof = possession.prove(
        key,
        tender_id=str(made_for["tender_id"]),
        subject=str(made_for["subject"]),
        role=str(made_for["role"]),
        announcer=announcer,  # type: ignore[arg-type]
    )
    p.refused(
        announce_as(agent, DRAW, public_bytes(key.public_key()), proof),
        VerificationError,
        f"draw.opening_key for draw {DRAW}: the proof of possession does not verify",
    )
    p.submit(agent.opening_key(DRAW, key))  # the proper proof for this announcement is accepted


@pytest.mark.parametrize(
    ("proof", "error", "match"),
    [
        pytest.param(b"", InputError, "the proof of possession is missing", id="missing"),
        pytest.param(
            bytes(range(70)),
            InputError,
            r"not a DER-encoded ECDSA signature \(70 bytes\)",
            id="garbage",
        ),
        pytest.param(
            bytes.fromhex("3006020101020101") + b"\x00",
            InputError,
            "not a DER-encoded ECDSA signature",
            id="trailing-byte",
        ),
        pytest.param(
            bytes.fromhex("3006020101020101"),
            VerificationError,
            "does not verify with the announced key",
            id="wrong-signature",
        ),
    ],
)
@pytest.mark.parametrize("subject", [pytest.param(DRAW, id="draw"), pytest.param("", id="tender")])
def test_a_missing_or_malformed_proof_is_refused(
    d: Deployment, subject: str, proof: bytes, error: type[BeaconError], match: str
) -> None:
    p = Parties(d)
    key = public_bytes(new_key().public_key())
    p.refused(announce_as(p.actor("centre"), subject, key, proof), error, match)


def test_seed_envelopes_still_open_with_proven_keys(d: Deployment) -> None:
    """With each role's own proven key, a bidder's seed envelope is accepted as before."""
    p = Parties(d)
    keys = {role: new_key() for role in ("agent", "centre")}
    for role, key in keys.items():
        p.submit(p.actor(role).opening_key(DRAW, key))
    sealed = p.actor("bidder").seal_seed(
        DRAW,
        agent_key=public_bytes(keys["agent"].public_key()),
        centre_key=public_bytes(keys["centre"].public_key()),
        envelope_id=f"{DRAW}-seed-1",
    )
    p.submit(sealed.statement, sealed.envelope)
    assert p.trace()[1] == 2
