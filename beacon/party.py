"""A party's side of the protocol: making and signing the statements it may make.

Used by the ``beacon draw``/``beacon party``/``beacon envelope`` commands (which
send the statements over HTTP), by the in-process demo and by the simulated parties
of ``beacon serve --demo`` (which hand them to the ledger directly). Nothing here
decides whether a statement is allowed: the service does, and says why not.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import commitment, envelope, possession
from beacon.core.bodies import (
    DrawCommitBody,
    DrawConfirmBody,
    DrawCountersignBody,
    DrawKeyReleaseBody,
    DrawObjectionBody,
    DrawOpeningKeyBody,
    DrawPublishBody,
    DrawRevealBody,
    DrawSnapshotBody,
    DrawVoidBody,
    EnvelopeReplaceBody,
    EnvelopeSubmitBody,
    EnvelopeWithdrawBody,
    TenderKeyReleaseBody,
    TenderOpeningKeyBody,
    TenderPublishBody,
    TenderRegisterBody,
)
from beacon.core.body_wire import Body
from beacon.core.commitment import Party
from beacon.core.definition import DrawDefinition
from beacon.core.envelope.shares import load_public_key, public_bytes
from beacon.core.signature import fingerprint
from beacon.core.statement import NONCE_BYTES, SignedStatement, Statement, body_of
from beacon.core.vocabulary import Role, StatementKind
from beacon.identity.keys import KeySigner

RandomBytes = Callable[[int], bytes]
Now = Callable[[], int]


@dataclass(frozen=True)
class SealedSeed:
    """A bidder's seed envelope and the statement that submits it."""

    statement: SignedStatement
    envelope: bytes
    seed: bytes


class Actor:
    """One certificate acting in one role in one tender."""

    def __init__(
        self, signer: KeySigner, *, role: Role, tender_id: str, now: Now, random_bytes: RandomBytes
    ) -> None:
        self.signer = signer
        self.role = role
        self.tender_id = tender_id
        self.now = now
        self.random_bytes = random_bytes

    @property
    def fingerprint(self) -> bytes:
        return self.signer.fingerprint

    @property
    def certificate(self) -> bytes:
        """The signing certificate, DER."""
        return self.signer.certificate

    @property
    def party(self) -> Party:
        return Party(self.role, self.fingerprint)

    def sign(
        self, kind: StatementKind, subject: str, body: Body | Mapping[str, object]
    ) -> SignedStatement:
        """Sign a statement of ``kind``; ``body`` may name its fields in a mapping."""
        statement = Statement(
            kind=kind,
            tender_id=self.tender_id,
            subject=subject,
            role=self.role,
            actor=self.fingerprint,
            issued_at=self.now(),
            nonce=self.random_bytes(NONCE_BYTES),
            body=body_of(kind, body),
        )
        return self.signer.sign_statement(statement)

    # -- centre ---------------------------------------------------------------------------------

    def register(self, role: Role, certificate: bytes) -> SignedStatement:
        """Register the party whose certificate (DER) is ``certificate`` (PROTOCOL.md §3.3)."""
        return self.sign(
            StatementKind.TENDER_REGISTER,
            "",
            TenderRegisterBody(
                role=role, fingerprint=fingerprint(certificate), certificate=certificate
            ),
        )

    def countersign(self, definition: DrawDefinition) -> SignedStatement:
        return self.sign(
            StatementKind.DRAW_COUNTERSIGN,
            definition.draw_id,
            DrawCountersignBody(definition.hash()),
        )

    # -- agent --------------------------------------------------------------------------------

    def publish(self, definition: DrawDefinition) -> SignedStatement:
        return self.sign(
            StatementKind.DRAW_PUBLISH, definition.draw_id, DrawPublishBody(definition.encode())
        )

    def snapshot(self, draw_id: str, bid_ids: Sequence[str]) -> SignedStatement:
        return self.sign(
            StatementKind.DRAW_SNAPSHOT, draw_id, DrawSnapshotBody(tuple(sorted(set(bid_ids))))
        )

    # -- centre and agent: seeds and opening keys ------------------------------------------------

    def new_seed(self) -> bytes:
        return self.random_bytes(commitment.SEED_BYTES)

    def opening_key(self, draw_id: str, key: ec.EllipticCurvePrivateKey) -> SignedStatement:
        public_key, proof = self._announcement(draw_id, key)
        return self.sign(
            StatementKind.DRAW_OPENING_KEY, draw_id, DrawOpeningKeyBody(public_key, proof)
        )

    def _announcement(self, subject: str, key: ec.EllipticCurvePrivateKey) -> tuple[bytes, bytes]:
        """An opening key's announcement: the public key and its proof of possession (§9.3)."""
        proof = possession.prove(
            key,
            tender_id=self.tender_id,
            subject=subject,
            role=self.role,
            announcer=self.fingerprint,
        )
        return public_bytes(key.public_key()), proof

    def commit(self, draw_id: str, seed: bytes) -> SignedStatement:
        return self.sign(
            StatementKind.DRAW_COMMIT,
            draw_id,
            DrawCommitBody(commitment.commit(draw_id, self.party, seed)),
        )

    def reveal(self, draw_id: str, seed: bytes) -> SignedStatement:
        return self.sign(StatementKind.DRAW_REVEAL, draw_id, DrawRevealBody(seed))

    def release(self, draw_id: str, key: ec.EllipticCurvePrivateKey) -> SignedStatement:
        return self.sign(StatementKind.DRAW_KEY_RELEASE, draw_id, DrawKeyReleaseBody(pkcs8(key)))

    # -- the bid opening (PROTOCOL.md §9.9) ---------------------------------------------------

    def tender_publish(
        self, title: str, *, bid_deadline: int, release_deadline: int
    ) -> SignedStatement:
        body = TenderPublishBody(
            title=title, bid_deadline=bid_deadline, release_deadline=release_deadline
        )
        return self.sign(StatementKind.TENDER_PUBLISH, "", body)

    def tender_opening_key(self, key: ec.EllipticCurvePrivateKey) -> SignedStatement:
        """Announce a per-tender opening key; its private half signs the proof of possession."""
        public_key, proof = self._announcement("", key)
        return self.sign(
            StatementKind.TENDER_OPENING_KEY, "", TenderOpeningKeyBody(public_key, proof)
        )

    def release_tender_keys(self, keys: Sequence[ec.EllipticCurvePrivateKey]) -> SignedStatement:
        """Every per-tender opening key this party announced, in one statement (§9.9 step 5)."""
        return self.sign(
            StatementKind.TENDER_KEY_RELEASE,
            "",
            TenderKeyReleaseBody(tuple(pkcs8(k) for k in keys)),
        )

    def submit_bid(self, envelope_id: str, envelope_hash: bytes, size: int) -> SignedStatement:
        body = EnvelopeSubmitBody(
            envelope_id=envelope_id, purpose="bid", envelope_hash=envelope_hash, size=size
        )
        return self.sign(StatementKind.ENVELOPE_SUBMIT, "", body)

    def replace_bid(
        self, replaces: str, envelope_id: str, envelope_hash: bytes, size: int
    ) -> SignedStatement:
        """A new bid envelope in place of the standing bid ``replaces`` (§9.9 step 3a)."""
        body = EnvelopeReplaceBody(
            replaces=replaces, envelope_id=envelope_id, envelope_hash=envelope_hash, size=size
        )
        return self.sign(StatementKind.ENVELOPE_REPLACE, "", body)

    def withdraw_bid(self, envelope_id: str) -> SignedStatement:
        """Withdraw the standing bid ``envelope_id`` (§9.9 step 3a)."""
        return self.sign(StatementKind.ENVELOPE_WITHDRAW, "", EnvelopeWithdrawBody(envelope_id))

    # -- bidder ---------------------------------------------------------------------------------

    def seal_seed(
        self, draw_id: str, *, agent_key: bytes, centre_key: bytes, envelope_id: str
    ) -> SealedSeed:
        """Seal a fresh seed to the draw's two opening keys (SEC1 points) and sign the submission."""
        seed = self.new_seed()
        out = io.BytesIO()
        info = envelope.seal(
            io.BytesIO(seed),
            out,
            tender_id=self.tender_id,
            envelope_id=envelope_id,
            purpose="seed",
            draw_id=draw_id,
            bidder_fingerprint=self.fingerprint,
            agent_keys=[load_public_key(agent_key)],
            centre_keys=[load_public_key(centre_key)],
            random_bytes=self.random_bytes,
        )
        data = out.getvalue()
        signed = self.sign(
            StatementKind.ENVELOPE_SUBMIT,
            draw_id,
            EnvelopeSubmitBody(
                envelope_id=envelope_id, purpose="seed", envelope_hash=info.hash, size=len(data)
            ),
        )
        return SealedSeed(signed, data, seed)

    def object(self, draw_id: str, reason: str) -> SignedStatement:
        return self.sign(StatementKind.DRAW_OBJECTION, draw_id, DrawObjectionBody(reason))

    # -- supervisor ------------------------------------------------------------------------------

    def confirm(self, draw_id: str, result_hash: bytes) -> SignedStatement:
        return self.sign(StatementKind.DRAW_CONFIRM, draw_id, DrawConfirmBody(result_hash))

    def void(self, draw_id: str, reason: str) -> SignedStatement:
        return self.sign(StatementKind.DRAW_VOID, draw_id, DrawVoidBody(reason))


def pkcs8(key: ec.EllipticCurvePrivateKey) -> bytes:
    """A released opening key as the log carries it: unencrypted PKCS#8 DER."""
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
