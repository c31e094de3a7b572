"""Baillie–PSW probable-prime test (PROTOCOL.md §11.4), in pure Python integers.

The VDF challenge ℓ must be prime: with a composite ℓ a prover who knows a
factorisation of ℓ could forge proofs (Boneh–Bünz–Fisch, "A Survey of Two
Verifiable Delay Functions", §3.2). hash_to_prime therefore requires *two*
independent primality tests to agree: GMP's ``mpz_probab_prime_p`` (through
gmpy2) and this module, which is written from the published definitions so that a
bug in one library cannot silently accept a composite:

* trial division by the primes below 1000;
* the strong probable-prime (Miller–Rabin) test to base 2, FIPS 186-5 Appendix B.3;
* a perfect-square check (a square has no Selfridge parameter, see below);
* the strong Lucas probable-prime test with Selfridge's "method A" parameters:
  D is the first of 5, −7, 9, −11, 13, … with Jacobi symbol (D/n) = −1, P = 1,
  Q = (1 − D)/4 (Baillie & Wagstaff, "Lucas pseudoprimes", Math. Comp. 35, 1980,
  §§2–4; OEIS A217255 uses the same parameters).

No composite passing both the base-2 strong test and this Lucas test is known; none
exists below 2^64 (Gilchrist's exhaustive check of Feitsma's base-2 pseudoprime
list). Everything here is deterministic and side-effect free.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

try:
    # Optional speed-up only: gmpy2's integers behave exactly like int under the
    # operators used here, and make the 256-bit challenge test about 3x faster.
    from gmpy2 import mpz as _fast_integer
except ImportError:  # pragma: no cover - gmpy2 is a dependency of the service
    _fast_integer = int

_fast: Callable[[int], int] = _fast_integer

TRIAL_DIVISION_BOUND: Final = 1000


def _primes_below(bound: int) -> tuple[int, ...]:
    sieve = bytearray([1]) * bound
    sieve[0:2] = b"\x00\x00"
    for p in range(2, math.isqrt(bound - 1) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, bound, p)))
    return tuple(i for i in range(bound) if sieve[i])


SMALL_PRIMES: Final = _primes_below(TRIAL_DIVISION_BOUND)
# One gcd with the product of the small primes does all the trial divisions at once.
_SMALL_PRIMORIAL: Final = math.prod(SMALL_PRIMES)


def jacobi(a: int, n: int) -> int:
    """The Jacobi symbol (a/n) for odd n > 0: −1, 0 or 1.

    The binary algorithm of Cohen, "A Course in Computational Algebraic Number
    Theory", Algorithm 1.4.10 (quadratic reciprocity plus the rule for (2/n)).
    """
    if n <= 0 or n % 2 == 0:
        raise ValueError(f"Jacobi symbol needs an odd positive modulus, got {n}")
    a %= n
    result = 1
    while a:
        while a % 2 == 0:
            a //= 2
            # (2/n) = −1 exactly when n ≡ 3 or 5 (mod 8).
            if n % 8 in (3, 5):
                result = -result
        a, n = n, a
        # Reciprocity: the sign flips when both are ≡ 3 (mod 4).
        if a % 4 == 3 and n % 4 == 3:
            result = -result
        a %= n
    return result if n == 1 else 0


def is_square(n: int) -> bool:
    """Whether n ≥ 0 is a perfect square (exact integer square root)."""
    return n >= 0 and math.isqrt(n) ** 2 == n


def is_strong_probable_prime(n: int, base: int) -> bool:
    """The strong probable-prime test of odd n > 3 to ``base`` (FIPS 186-5 Appendix B.3).

    With n − 1 = d·2^s, d odd: true when base^d ≡ 1 or base^(d·2^r) ≡ −1 (mod n)
    for some 0 ≤ r < s. Every odd prime not dividing ``base`` passes.
    """
    if n <= 3 or n % 2 == 0:
        raise ValueError(f"strong probable-prime test needs an odd n > 3, got {n}")
    n = _fast(n)
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    z = pow(base, d, n)
    if z in (1, n - 1):
        return True
    for _ in range(s - 1):
        z = z * z % n
        if z == n - 1:
            return True
        if z == 1:
            # A non-trivial square root of 1: n is composite.
            return False
    return False


def selfridge_parameters(n: int) -> tuple[int, int, int] | None:
    """Selfridge's method A for odd n > 1 that is not a square: (D, P, Q).

    D runs over 5, −7, 9, −11, … until (D/n) = −1; P = 1 and Q = (1 − D)/4.
    Returns None when the search proves n composite (some D shares a proper factor
    with n). A square n has (D/n) ≠ −1 for every D, so squares are refused.
    """
    if n <= 1 or n % 2 == 0:
        raise ValueError(f"Selfridge parameters need an odd n > 1, got {n}")
    if is_square(n):
        raise ValueError(f"{n} is a perfect square: no D with (D/n) = -1 exists")
    d = 5
    while True:
        symbol = jacobi(d, n)
        if symbol == -1:
            return d, 1, (1 - d) // 4
        if symbol == 0 and abs(d) % n != 0:
            # gcd(|D|, n) is a proper divisor of n.
            return None
        d = -d - 2 if d > 0 else -d + 2


def is_strong_lucas_probable_prime(n: int) -> bool:
    """The strong Lucas probable-prime test with Selfridge method A parameters.

    With n + 1 = d·2^s, d odd: true when U_d ≡ 0 or V_(d·2^r) ≡ 0 (mod n) for some
    0 ≤ r < s (Baillie & Wagstaff 1980, Theorem 2 and §4). Odd n > 2 only;
    squares are reported composite.
    """
    if n <= 2 or n % 2 == 0:
        raise ValueError(f"strong Lucas test needs an odd n > 2, got {n}")
    if is_square(n):
        return False
    params = selfridge_parameters(n)
    if params is None:
        return False
    _, p, q = params
    if math.gcd(n, q) not in (1, n):
        return False
    n = _fast(n)
    d, s = n + 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    # A ladder over the bits of d keeps (V_k, V_(k+1), Q^k), from k = 0, using
    # V_2k = V_k² − 2Q^k and V_(2k+1) = V_k·V_(k+1) − P·Q^k (Baillie & Wagstaff
    # 1980, §3); U never needs computing, because D·U_k = 2V_(k+1) − P·V_k and
    # D is a unit mod n: U_d ≡ 0 exactly when 2V_(d+1) ≡ P·V_d.
    v, v_next, qk = 2, p % n, 1
    for bit in bin(int(d))[2:]:
        if bit == "1":
            v, v_next = (v * v_next - p * qk) % n, (v_next * v_next - 2 * qk * q) % n
            qk = qk * qk * q % n
        else:
            v, v_next = (v * v - 2 * qk) % n, (v * v_next - p * qk) % n
            qk = qk * qk % n
    u_is_zero = (2 * v_next - p * v) % n == 0
    if u_is_zero or v == 0:
        return True
    for _ in range(s - 1):
        v = (v * v - 2 * qk) % n
        if v == 0:
            return True
        qk = qk * qk % n
    return False


def is_probable_prime(n: int) -> bool:
    """Baillie–PSW: trial division, strong base-2 test, square check, strong Lucas.

    False for every n < 2 and for every composite known; true for every prime.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"primality test needs an int, got {type(n).__name__}")
    if n < TRIAL_DIVISION_BOUND:
        return n in SMALL_PRIMES
    if math.gcd(n, _SMALL_PRIMORIAL) != 1:
        return False
    # n is odd and has no factor below 1000 from here on, so every test applies.
    if not is_strong_probable_prime(n, 2):
        return False
    if is_square(n):
        return False
    return is_strong_lucas_probable_prime(n)
