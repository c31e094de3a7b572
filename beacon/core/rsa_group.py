"""The group Z_N*/{±1} of the VDF, over the RSA-2048 challenge modulus (PROTOCOL.md §11.1-§11.3).

Its elements are classes {v, N − v}; each is written as its canonical
representative min(v, N − v), encoded as exactly 256 big-endian bytes. Everything
that touches N first checks it against its pin, so a corrupted constant can never
produce or accept a result, and decoding is strict in the three ways §11.2 lists.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

import gmpy2

from beacon.core import labels
from beacon.core.encoding import field, uint
from beacon.errors import ConfigurationError, EncodingError, VerificationError

# The RSA-2048 challenge number (RSA Laboratories, 1991), docs/ARCHITECTURE.md §4.
MODULUS: Final[int] = int(
    "25195908475657893494027183240048398571429282126204032027777137836043662020707"
    "59555626401852588078440691829064124951508218929855914917618450280848912007284"
    "49926873928072877767359714183472702618963750149718246911650776133798590957000"
    "97330459748808428401797429100642458691817195118746121515172654632282216869987"
    "54918242243363725908514186546204357679842338718477444792073993423658482382428"
    "11981638150106748104516603773060562016196762561338441436038339044149526344321"
    "90114657544454178424020924616515723350778707749817125772467962926386356373289"
    "91215483143816789988504044536402352738195137863656439121201039712282212072035"
    "7"
)
# PROTOCOL.md §11.1: SHA-256 of N's 256-byte big-endian encoding.
MODULUS_SHA256: Final = "6ae9d033c1d76c4f535b5ad5c0073933a0b375b4120a75fbb66be814eab1a9ce"
ELEMENT_BYTES: Final = 256

_HEX = re.compile(r"[0-9a-f]*")


def pinned_modulus() -> int:
    """N, after checking it against its pin; a mismatch refuses to run (§11.1).

    Read from the module attribute at every call, so nothing can swap N afterwards.
    """
    n = MODULUS
    try:
        encoded = n.to_bytes(ELEMENT_BYTES, "big")
    except (OverflowError, AttributeError) as e:
        raise ConfigurationError(
            f"VDF modulus is not a {ELEMENT_BYTES}-byte integer; refusing to run"
        ) from e
    digest = hashlib.sha256(encoded).hexdigest()
    if not hmac.compare_digest(digest, MODULUS_SHA256):
        raise ConfigurationError(
            f"VDF modulus does not match its pin: SHA-256 of its encoding is {digest}, "
            f"expected {MODULUS_SHA256}; refusing to run"
        )
    return n


pinned_modulus()  # a corrupted constant stops the import, so nothing runs on a wrong group


def require_modulus(modulus_sha256: str) -> None:
    """Reject a statement that names another group than the pinned N (§11.1)."""
    pinned_modulus()
    expected = MODULUS_SHA256
    if not isinstance(modulus_sha256, str) or not hmac.compare_digest(modulus_sha256, expected):
        raise VerificationError(
            "modulus_sha256: the statement is over another group: "
            f"expected {expected}, got {modulus_sha256!r}",
            field="modulus_sha256",
        )


# -- elements (§11.2) -----------------------------------------------------------------


def canonical(v: int) -> int:
    """The canonical representative min(v, N − v) of v's class in Z_N*/{±1}."""
    n = pinned_modulus()
    v = int(v) % n
    return min(v, n - v)


def check_element(v: object, name: str, *, identity_ok: bool = False) -> int:
    """v itself if it is a canonical element, else an error naming ``name`` and why (§11.2)."""
    n = pinned_modulus()
    if isinstance(v, bool) or not isinstance(v, int):
        raise EncodingError(
            f"{name}: expected an integer group element, got {type(v).__name__}", field=name
        )
    low = 1 if identity_ok else 2
    reason = None
    if v < 0 or v >= n:
        reason = "it is not reduced modulo N"
    elif v == 0:
        reason = "0 is not a unit"
    elif v == 1 and not identity_ok:
        reason = "1 is the identity ±1, which is not allowed here"
    elif v > (n - 1) // 2:
        reason = "it exceeds (N-1)/2, so it is the negative N - v of a canonical value"
    if reason is not None:
        raise EncodingError(
            f"{name}: not a canonical element: {reason}; expected a value in [{low}, (N-1)/2]",
            field=name,
        )
    if gmpy2.gcd(v, n) != 1:
        raise VerificationError(
            f"{name}: not an element of Z_N*: it shares a factor with N", field=name
        )
    return v


def encode_element(v: int, *, name: str = "element", identity_ok: bool = False) -> bytes:
    """Enc(v): the 256-byte big-endian encoding of a canonical element."""
    return check_element(v, name, identity_ok=identity_ok).to_bytes(ELEMENT_BYTES, "big")


def decode_element(data: bytes, *, name: str = "element", identity_ok: bool = False) -> int:
    """The element that ``data`` encodes, strictly: 256 bytes, canonical, a unit (§11.2).

    x and y must lie in [2, (N−1)/2]; the proof π may also be the identity 1
    (``identity_ok``), which it is exactly when T ≤ 255 (§11.6).
    """
    if not isinstance(data, bytes | bytearray):
        raise EncodingError(f"{name}: expected bytes, got {type(data).__name__}", field=name)
    if len(data) != ELEMENT_BYTES:
        raise EncodingError(
            f"{name}: expected exactly {ELEMENT_BYTES} bytes, got {len(data)}", field=name
        )
    return check_element(int.from_bytes(data, "big"), name, identity_ok=identity_ok)


def element_from_hex(text: object, *, name: str = "element", identity_ok: bool = False) -> int:
    """:func:`decode_element` of the lower-case hex presentation (§2.4)."""
    if not isinstance(text, str) or len(text) % 2 or not _HEX.fullmatch(text):
        raise EncodingError(f"{name}: expected lower-case hex of {ELEMENT_BYTES} bytes", field=name)
    return decode_element(bytes.fromhex(text), name=name, identity_ok=identity_ok)


def hash_to_group(seed: bytes) -> int:
    """x = the first canonical, non-trivial unit among the counter-indexed 2560-bit hashes.

    v_c = SHA-512(F(label) ‖ F(seed) ‖ F(u32(c)) ‖ F(u8(j))) for j = 0..4, as one
    big-endian integer, reduced mod N and canonicalised; 2560 bits make the
    reduction's bias below 2^-512 (§11.3).
    """
    if not isinstance(seed, bytes | bytearray):
        raise EncodingError(f"seed: expected bytes, got {type(seed).__name__}", field="seed")
    n = pinned_modulus()
    prefix = hashlib.sha512(field(labels.VDF_HASH_TO_GROUP.encode()) + field(bytes(seed)))
    for counter in range(2**32):
        with_counter = prefix.copy()
        with_counter.update(field(uint(counter, 32)))
        blocks = []
        for j in range(5):
            h = with_counter.copy()
            h.update(field(uint(j, 8)))
            blocks.append(h.digest())
        v = int.from_bytes(b"".join(blocks), "big") % n
        x = min(v, n - v)
        if x >= 2 and gmpy2.gcd(x, n) == 1:
            return x
    raise VerificationError("seed: no group element among 2^32 hash counters")  # pragma: no cover
