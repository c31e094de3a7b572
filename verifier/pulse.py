"""NIST Beacon 2.0 pulses (PROTOCOL.md §8): strict reading, signature, output, chain rules.

Reading raises :class:`ParseError` (§8.6's outcome ``parse-error``); every later failure
is a :class:`CheckFailed` whose ``code`` is one of ``certificate-invalid``,
``signature-invalid``, ``output-invalid``, ``chain-invalid``, ``external-invalid``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from verifier import encoding as enc
from verifier.errors import CheckFailed, ParseError
from verifier.identity import load
from verifier.merkle import SOURCE_ID, TreeHead

MEMBERS = (
    "uri",
    "version",
    "cipherSuite",
    "period",
    "certificateId",
    "chainIndex",
    "pulseIndex",
    "timeStamp",
    "localRandomValue",
    "external",
    "listValues",
    "precommitmentValue",
    "statusCode",
    "signatureValue",
    "outputValue",
)
LINKS = ("previous", "hour", "day", "month", "year")
CHAIN_START, GAP, CERTIFICATE_CHANGE = 1, 2, 4


def _hex(value: Any, name: str, size: int | None = 64) -> bytes:
    # §8.3: either case (the signature covers the decoded bytes), never mixed.
    if not isinstance(value, str) or not re.fullmatch(r"(?:[0-9A-F]{2})+|(?:[0-9a-f]{2})+", value):
        raise ParseError(name, "expected hex digits of one case")
    if size is not None and len(value) != 2 * size:
        raise ParseError(name, f"expected {size} bytes, got {len(value) // 2}")
    return bytes.fromhex(value)


def _u32(x: int) -> bytes:  # §8.2: integers bare, without a length
    return enc.uint(x, 32)


@dataclass(frozen=True)
class Pulse:
    """One pulse, its decoded fields and its signed message ``M`` (§8.2)."""

    uri: str
    chain: int
    index: int
    period: int
    certificate_id: bytes
    time_ms: int
    local: bytes
    source_id: bytes
    external_status: int
    external: bytes
    links: tuple[bytes, ...]
    link_uris: tuple[str | None, ...]
    precommitment: bytes
    status: int
    signature: bytes
    output: bytes
    cipher_suite: int
    message: bytes

    @classmethod
    def from_json(cls, doc: Any, name: str = "pulse") -> Pulse:
        p = enc.members(
            enc.members(doc, name, ("pulse",))["pulse"], name := f"{name}.pulse", MEMBERS
        )
        ext = enc.members(p["external"], f"{name}.external", ("sourceId", "statusCode", "value"))
        if not isinstance(p["listValues"], list) or len(p["listValues"]) != 5:
            raise ParseError(f"{name}.listValues", "expected five list values")
        links = [
            enc.members(x, f"{name}.listValues[{i}]", ("uri", "type", "value"))
            for i, x in enumerate(p["listValues"])
        ]
        if p["version"] not in ("2.0", "Version 2.0"):
            raise ParseError(f"{name}.version", f"unknown version {p['version']!r}")
        n = {
            k: enc.integer(v, f"{name}.{k}", 64 if k.endswith("Index") else 32)
            for k, v in (
                ("cipherSuite", p["cipherSuite"]),
                ("period", p["period"]),
                ("chainIndex", p["chainIndex"]),
                ("pulseIndex", p["pulseIndex"]),
                ("statusCode", p["statusCode"]),
                ("external.statusCode", ext["statusCode"]),
            )
        }
        h = {
            k: _hex(v, f"{name}.{k}")
            for k, v in (
                ("certificateId", p["certificateId"]),
                ("localRandomValue", p["localRandomValue"]),
                ("sourceId", ext["sourceId"]),
                ("value", ext["value"]),
                ("precommitmentValue", p["precommitmentValue"]),
                ("outputValue", p["outputValue"]),
                *((f"listValues[{i}]", x["value"]) for i, x in enumerate(links)),
            )
        }
        values = tuple(h[f"listValues[{i}]"] for i in range(5))
        uri, chain, index = enc.string(p["uri"], f"{name}.uri"), n["chainIndex"], n["pulseIndex"]
        time_ms = enc.timestamp(p["timeStamp"], f"{name}.timeStamp")  # before its bytes are read
        uris = tuple(
            _link_uri(x, kind, uri, chain, index, v, f"{name}.listValues[{i}]")
            for i, (x, kind, v) in enumerate(zip(links, LINKS, values, strict=True))
        )
        message = b"".join(
            (
                enc.field(enc.text(uri)),
                enc.field(p["version"].encode()),
                _u32(n["cipherSuite"]),
                _u32(n["period"]),
                enc.field(h["certificateId"]),
                enc.uint(chain, 64),
                enc.uint(index, 64),
                enc.field(p["timeStamp"].encode()),
                enc.field(h["localRandomValue"]),
                enc.field(h["sourceId"]),
                _u32(n["external.statusCode"]),
                enc.field(h["value"]),
                *(enc.field(v) for v in values),
                enc.field(h["precommitmentValue"]),
                _u32(n["statusCode"]),
            )
        )
        return cls(
            uri,
            chain,
            index,
            n["period"],
            h["certificateId"],
            time_ms,
            h["localRandomValue"],
            h["sourceId"],
            n["external.statusCode"],
            h["value"],
            values,
            uris,
            h["precommitmentValue"],
            n["statusCode"],
            _hex(p["signatureValue"], f"{name}.signatureValue", None),
            h["outputValue"],
            n["cipherSuite"],
            message,
        )

    def name(self) -> str:
        return f"pulse {self.chain}/{self.index}"


_URI = r"/beacon/2\.0/chain/([1-9][0-9]*)/pulse/([1-9][0-9]*)"


def _link_uri(
    link: dict[str, Any], kind: str, uri: str, chain: int, index: int, value: bytes, name: str
) -> str | None:
    """§8.1, §8.3: the pulse's uri names it; a link's uri is null for a zero link, else names an earlier pulse.

    Link uris are not signed (§8.2), so a verifier can check only this shape here, and
    within a chain segment that they name the linked pulse (:func:`verify_segment`).
    """
    own = re.fullmatch(r"(.*)" + _URI, uri)
    if not own or (int(own[2]), int(own[3])) != (chain, index):
        raise ParseError(
            f"{name.rsplit('.', 1)[0]}.uri",
            f"the pulse's uri {uri!r} does not name chain {chain}, pulse {index}",
        )
    link_uri = link["uri"]
    if link["type"] != kind:
        raise ParseError(f"{name}.type", f"expected {kind!r}, got {link['type']!r}")
    if (link_uri is None) != (value == bytes(64)):
        raise ParseError(f"{name}.uri", "null exactly when the value is zero (§8.3)")
    if link_uri is None:
        return None
    text = enc.string(link_uri, f"{name}.uri")
    m = re.fullmatch(re.escape(own[1]) + _URI, text)
    if not m or int(m[1]) != chain or not int(m[2]) < index:
        raise ParseError(f"{name}.uri", f"{text!r} does not name an earlier pulse of chain {chain}")
    return text


def verify(p: Pulse, certificates: Mapping[bytes, bytes]) -> None:
    """§8.6 steps 1–4 with the certificate whose SHA-512 is ``certificateId``."""
    if p.cipher_suite != 0:
        raise CheckFailed(
            f"{p.name()}: cipherSuite {p.cipher_suite} is not 0", code="signature-invalid"
        )
    der = certificates.get(p.certificate_id)
    if der is None or hashlib.sha512(der).digest() != p.certificate_id:
        raise CheckFailed(
            f"{p.name()}: no certificate hashes to {p.certificate_id.hex()[:16]}…",
            code="certificate-invalid",
        )
    key = load(der).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CheckFailed(
            f"{p.name()}: the certificate's key is not RSA", code="certificate-invalid"
        )
    try:
        key.verify(p.signature, p.message, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature as e:
        raise CheckFailed(
            f"{p.name()}: the signature does not verify", code="signature-invalid"
        ) from e
    if not hmac.compare_digest(hashlib.sha512(p.message + p.signature).digest(), p.output):
        raise CheckFailed(
            f"{p.name()}: outputValue is not SHA-512(M ‖ signatureValue)", code="output-invalid"
        )


def commits(p: Pulse, head: TreeHead) -> None:
    """§8.4 / §8.6 step 7: the pulse's external value commits ``head``."""
    if p.source_id != SOURCE_ID or p.external_status != 0 or p.external != head.commitment():
        raise CheckFailed(
            f"{p.name()} does not commit tree head {head.tree_size}", code="external-invalid"
        )


def check_link(q: Pulse, p: Pulse) -> None:
    """§8.5 rules 1–4 between ``p`` and its predecessor ``q``."""

    def fail(why: str) -> CheckFailed:
        return CheckFailed(f"{p.name()} after {q.name()}: {why}", code="chain-invalid")

    step = p.time_ms - q.time_ms
    if (p.chain, p.index, p.period) != (q.chain, q.index + 1, q.period) or q.period == 0:
        raise fail("not the next pulse of the same chain and period")
    if step <= 0 or step % p.period or p.time_ms % p.period:
        raise fail("timeStamp is not a later period boundary")
    want = (GAP if step > p.period else 0) | (
        CERTIFICATE_CHANGE if p.certificate_id != q.certificate_id else 0
    )
    if p.status != want:
        raise fail(f"statusCode {p.status}, expected {want}")
    if hashlib.sha512(p.local).digest() != q.precommitment:
        raise fail("localRandomValue does not open the predecessor's precommitmentValue")
    if (p.links[0], p.link_uris[0]) != (q.output, q.uri):
        raise fail("the previous link is not the predecessor's outputValue and uri")


def _units(ms: int) -> tuple[object, ...]:
    t = dt.datetime.fromtimestamp(ms // 1000, dt.UTC)
    return ms // 3_600_000, ms // 86_400_000, (t.year, t.month), t.year


def verify_segment(
    pulses: Sequence[Pulse],
    certificates: Mapping[bytes, bytes],
    tree_heads: Sequence[TreeHead | None] | None = None,
) -> None:
    """A chain segment in index order (§8.5, §8.6 steps 1–7); raises at the first failure."""
    first: list[tuple[object, bytes, str | None] | None] = [
        None
    ] * 4  # per unit: the first pulse's (unit, output, uri)
    for i, p in enumerate(pulses):
        verify(p, certificates)
        q = pulses[i - 1] if i else None
        if p.index == 1 or p.status & CHAIN_START:
            if q is not None or p.index != 1 or p.status != CHAIN_START or any(map(any, p.links)):
                raise CheckFailed(
                    f"{p.name()}: a chain starts with pulse 1, status 1 and zero links",
                    code="chain-invalid",
                )
        elif q is not None:
            check_link(q, p)
            for u, unit in enumerate(_units(q.time_ms)):
                known, link = first[u], (unit, p.links[u + 1], p.link_uris[u + 1])
                if known is None:  # §8.6: a segment begun mid-period accepts the first link into it
                    first[u] = link
                elif known != link:
                    raise CheckFailed(
                        f"{p.name()}: the {LINKS[u + 1]} link is not the first pulse of its "
                        f"{LINKS[u + 1]}",
                        code="chain-invalid",
                    )
        for u, unit in enumerate(_units(p.time_ms)):
            if (q is None and p.index == 1) or (q is not None and _units(q.time_ms)[u] != unit):
                first[u] = (unit, p.output, p.uri)
        if p.link_uris[0] is not None and not p.link_uris[0].endswith(f"/pulse/{p.index - 1}"):
            raise CheckFailed(
                f"{p.name()}: the previous link's uri names another pulse", code="chain-invalid"
            )
        head = tree_heads[i] if tree_heads else None
        if head is not None:
            commits(p, head)
