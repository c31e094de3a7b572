"""Wesolowski VDF verification over Z_N*/{±1} (PROTOCOL.md §11).

Big-integer arithmetic uses gmpy2 when it is importable and Python's own integers
otherwise; :func:`use_backend` switches, so both paths are tested and benchmarked.
Primality is Baillie–PSW either way (§11.4): gmpy2's ``is_strong_bpsw_prp`` or
:func:`bpsw` below, so the two paths are also two independent primality tests.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from verifier import encoding as enc
from verifier.errors import CheckFailed, ParseError

try:
    import gmpy2
except ImportError:  # pragma: no cover - exercised by use_backend("python")
    gmpy2 = None

# §11.1: the RSA-2048 challenge number and its pin.
N = int(
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
MODULUS_SHA256 = bytes.fromhex("6ae9d033c1d76c4f535b5ad5c0073933a0b375b4120a75fbb66be814eab1a9ce")
if hashlib.sha256(N.to_bytes(256, "big")).digest() != MODULUS_SHA256:  # §11.1: refuse to run
    raise RuntimeError("the copy of the RSA-2048 modulus does not match its pin")
HALF = (N - 1) // 2
SMALL_PRIMES = [p for p in range(3, 1000, 2) if all(p % q for q in range(3, math.isqrt(p) + 1, 2))]

_backend = "gmpy2" if gmpy2 is not None else "python"


def use_backend(name: str) -> str:
    """Select ``"gmpy2"`` or ``"python"``; returns the previous backend."""
    global _backend
    if name not in ("gmpy2", "python") or (name == "gmpy2" and gmpy2 is None):
        raise ValueError(f"backend {name!r} is not available")
    previous, _backend = _backend, name
    return previous


def backend() -> str:
    return _backend


def _powmod(base: int, exponent: int, modulus: int) -> int:
    return (
        int(gmpy2.powmod(base, exponent, modulus))
        if _backend == "gmpy2"
        else pow(base, exponent, modulus)
    )


def _jacobi(a: int, n: int) -> int:
    a, result = a % n, 1
    while a:
        while a % 2 == 0:
            a //= 2
            if n % 8 in (3, 5):
                result = -result
        a, n = n, a
        if a % 4 == 3 and n % 4 == 3:
            result = -result
        a %= n
    return result if n == 1 else 0


def bpsw(n: int) -> bool:
    """Baillie–PSW, the four steps of §11.4."""
    if n < 2 or n % 2 == 0:
        return n == 2
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    x = pow(2, d, n)
    if x not in (1, n - 1):
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    if math.isqrt(n) ** 2 == n:
        return False
    D = 5  # Selfridge's method A: 5, -7, 9, -11, ...
    while (j := _jacobi(D, n)) != -1:
        if j == 0 and abs(D) != n:
            return False
        D = -D - 2 if D > 0 else -D + 2
    Q, half = (1 - D) // 4, (n + 1) // 2
    d, s = n + 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    U, V, Qk = 1, 1, Q % n  # U_1, V_1 with P = 1
    for bit in bin(d)[3:]:
        U, V, Qk = U * V % n, (V * V - 2 * Qk) % n, Qk * Qk % n
        if bit == "1":
            U, V, Qk = (U + V) * half % n, (D * U + V) * half % n, Qk * Q % n
    if U == 0 or V == 0:
        return True
    for _ in range(s - 1):
        V, Qk = (V * V - 2 * Qk) % n, Qk * Qk % n
        if V == 0:
            return True
    return False


def is_prime(n: int) -> bool:
    return bool(gmpy2.is_strong_bpsw_prp(n)) if _backend == "gmpy2" else bpsw(n)


def encode(v: int) -> bytes:
    return v.to_bytes(256, "big")


def hash_to_group(seed: bytes) -> int:
    """§11.3."""
    for c in range(1 << 32):
        digest = b"".join(
            enc.labelled("sha512", enc.VDF_HASH_TO_GROUP, seed, enc.uint(c, 32), bytes([i]))
            for i in range(5)
        )
        v = int.from_bytes(digest, "big") % N
        x = min(v, N - v)
        if x >= 2 and math.gcd(x, N) == 1:
            return x
    raise CheckFailed("hash_to_group found no element")  # pragma: no cover - probability 2^-(2^32)


def hash_to_prime(x: int, y: int, t: int) -> int:
    """§11.4: the first prime candidate; never a challenge supplied with the proof."""
    prefix = enc.fields(
        enc.VDF_CHALLENGE.encode(), encode(N), encode(x), encode(y), enc.uint(t, 64)
    )
    for c in range(1 << 32):
        h = hashlib.sha256(prefix + enc.field(enc.uint(c, 32))).digest()
        candidate = int.from_bytes(h, "big") | 1 << 255 | 1
        if is_prime(candidate):
            return candidate
    raise CheckFailed("hash_to_prime found no prime")  # pragma: no cover


def element(raw: bytes, name: str, *, identity: bool = False) -> int:
    """Decode ``Enc(v)`` strictly (§11.2): 256 bytes, canonical, a unit."""
    if len(raw) != 256:
        raise CheckFailed(f"{name} is {len(raw)} bytes, not 256", code="malformed")
    v = int.from_bytes(raw, "big")
    if v == 0 or v > HALF or (v == 1 and not identity):
        raise CheckFailed(f"{name} is not a canonical element of Z_N*/{{±1}}", code="non-canonical")
    if math.gcd(v, N) != 1:
        raise CheckFailed(f"{name} is not a unit modulo N", code="not-a-unit")
    return v


def verify(x: int, y: int, pi: int, t: int) -> None:
    """§11.7 steps 1–4 for decoded elements."""
    if not 1 <= t < 1 << 64:
        raise CheckFailed(f"T = {t} is outside [1, 2^64 - 1]", code="bad-T")
    ell = hash_to_prime(x, y, t)
    v = _powmod(pi, ell, N) * _powmod(x, pow(2, t, ell), N) % N
    if min(v, N - v) != y:
        raise CheckFailed(
            "the VDF proof does not verify: π^ℓ · x^(2^T mod ℓ) ≠ y", code="bad-proof"
        )


def output(y: int) -> bytes:
    """``R`` (§11.8)."""
    return enc.labelled("sha512", enc.VDF_OUTPUT, encode(y))


def check_statement(doc: dict[str, Any]) -> str:
    """A VDF statement as tests/vectors/vdf presents it, checked in §11.9's order; the outcome."""
    try:
        if enc.hexbytes(doc["modulus_sha256"], "modulus_sha256") != MODULUS_SHA256:
            return "wrong-modulus"
        raw = {}
        for k in ("x", "y", "pi"):
            try:
                raw[k] = enc.hexbytes(doc[k], k, 256)
            except ParseError:
                return "malformed"
        x, y = element(raw["x"], "x"), element(raw["y"], "y")
        pi = element(raw["pi"], "pi", identity=True)
        if x != hash_to_group(enc.hexbytes(doc["seed"], "seed")):
            return "x-mismatch"
        verify(x, y, pi, doc["T"])
        r = doc["R"]
        if r is not None and not hmac.compare_digest(enc.hexbytes(r, "R", 64), output(y)):
            return "bad-output"
    except CheckFailed as e:
        return e.code
    return "valid"
