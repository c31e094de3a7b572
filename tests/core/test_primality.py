"""Baillie–PSW (PROTOCOL.md §11.4) against published lists of primes and pseudoprimes.

Expected values come from sources independent of beacon.core.primality:

* OEIS A001262, strong pseudoprimes to base 2 (all terms of the data section);
* OEIS A217255, strong Lucas pseudoprimes with Selfridge's method A (data section);
* OEIS A002997, Carmichael numbers (data section);
* OEIS A014233, the least odd composites that are strong pseudoprimes to the first
  k prime bases (Jaeschke 1993; Sorenson & Webster 2015), up to 3.3·10^24 > 2^81;
* primes and factorisations from standards and classic results (each named below);
* a sieve of Eratosthenes written in this file, and GMP's test through gmpy2.
"""

from __future__ import annotations

import hashlib
import math

import gmpy2
import pytest

from beacon.core import primality, vdf

A001262 = (
    2047,
    3277,
    4033,
    4681,
    8321,
    15841,
    29341,
    42799,
    49141,
    52633,
    65281,
    74665,
    80581,
    85489,
    88357,
    90751,
    104653,
    130561,
    196093,
    220729,
    233017,
    252601,
    253241,
    256999,
    271951,
    280601,
    314821,
    357761,
    390937,
    458989,
    476971,
    486737,
)
A217255 = (
    5459,
    5777,
    10877,
    16109,
    18971,
    22499,
    24569,
    25199,
    40309,
    58519,
    75077,
    97439,
    100127,
    113573,
    115639,
    130139,
    155819,
    158399,
    161027,
    162133,
    176399,
    176471,
    189419,
    192509,
    197801,
    224369,
    230691,
    231703,
    243629,
    253259,
    268349,
    288919,
    313499,
    324899,
)
A002997 = (
    561,
    1105,
    1729,
    2465,
    2821,
    6601,
    8911,
    10585,
    15841,
    29341,
    41041,
    46657,
    52633,
    62745,
    63973,
    75361,
    101101,
    115921,
    126217,
    162401,
    172081,
    188461,
    252601,
    278545,
    294409,
    314821,
    334153,
    340561,
    399001,
    410041,
    449065,
    488881,
    512461,
)
A014233 = (
    2047,
    1373653,
    25326001,
    3215031751,
    2152302898747,
    3474749660383,
    341550071728321,
    3825123056546413051,
    318665857834031151167461,
    3317044064679887385961981,
)

PRIMES = [
    pytest.param(
        2**61 - 1, id="mersenne-61"
    ),  # OEIS A000043: 2^p - 1 prime for p = 61, 89, 107, 127, 521
    pytest.param(2**89 - 1, id="mersenne-89"),
    pytest.param(2**107 - 1, id="mersenne-107"),
    pytest.param(2**127 - 1, id="mersenne-127"),
    pytest.param(2**521 - 1, id="mersenne-521"),
    pytest.param(2**255 - 19, id="curve25519-p"),  # RFC 7748 §4.1
    pytest.param(
        2**252 + 27742317777372353535851937790883648493, id="ed25519-order"
    ),  # RFC 8032 §5.1
    pytest.param(
        2**256 - 2**224 + 2**192 + 2**96 - 1, id="p256-p"
    ),  # FIPS 186-5 / SP 800-186 §3.2.1.3
    pytest.param(
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551, id="p256-order"
    ),
    pytest.param(2**256 - 2**32 - 977, id="secp256k1-p"),  # SEC 2 v2 §2.4.1
    pytest.param(
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141, id="secp256k1-order"
    ),
]
COMPOSITES = [
    pytest.param(2**67 - 1, id="mersenne-67"),  # = 193707721 · 761838257287 (Cole, 1903)
    pytest.param(2**32 + 1, id="fermat-5"),  # = 641 · 6700417 (Euler, 1732)
    pytest.param((2**127 - 1) * (2**61 - 1), id="two-mersenne-primes"),
    pytest.param((2**255 - 19) ** 2, id="square-of-prime"),
    pytest.param(
        1093**2, id="wieferich-1093-squared"
    ),  # strong base-2 pseudoprime: 1093 is a Wieferich prime
    pytest.param(3511**2, id="wieferich-3511-squared"),
    pytest.param(vdf.MODULUS, id="rsa-2048"),  # a product of two 1024-bit primes (RSA Laboratories)
]


def sieve(bound: int) -> bytearray:
    """is_prime[n] for n < bound, by the sieve of Eratosthenes (independent of the module)."""
    flags = bytearray([1]) * bound
    flags[0] = flags[1] = 0
    for p in range(2, math.isqrt(bound - 1) + 1):
        if flags[p]:
            for m in range(p * p, bound, p):
                flags[m] = 0
    return flags


@pytest.fixture(scope="module")
def small_primes() -> bytearray:
    return sieve(500_000)


class TestPublishedPseudoprimes:
    @pytest.mark.parametrize("n", A001262)
    def test_strong_base_2_pseudoprimes_fool_miller_rabin_but_not_bpsw(self, n):
        assert primality.is_strong_probable_prime(n, 2)
        assert not primality.is_strong_lucas_probable_prime(n)
        assert not primality.is_probable_prime(n)

    @pytest.mark.parametrize("n", A217255)
    def test_strong_lucas_pseudoprimes_fool_lucas_but_not_bpsw(self, n):
        assert primality.is_strong_lucas_probable_prime(n)
        assert not primality.is_strong_probable_prime(n, 2)
        assert not primality.is_probable_prime(n)

    @pytest.mark.parametrize("n", A002997)
    def test_carmichael_numbers_are_composite(self, n):
        assert not primality.is_probable_prime(n)

    @pytest.mark.parametrize("n", A014233)
    def test_strong_pseudoprimes_to_many_bases(self, n):
        # Each is a strong pseudoprime to base 2 at least (it fools the first k bases).
        assert primality.is_strong_probable_prime(n, 2)
        assert not primality.is_probable_prime(n)


class TestExhaustiveSmallRanges:
    def test_miller_rabin_base_2_accepts_exactly_primes_and_a001262(self, small_primes):
        bound = A001262[-1] + 1  # the data section lists every term up to here
        accepted = {n for n in range(5, bound, 2) if primality.is_strong_probable_prime(n, 2)}
        assert accepted == {n for n in range(5, bound, 2) if small_primes[n]} | set(A001262)

    def test_strong_lucas_accepts_exactly_primes_and_a217255(self, small_primes):
        bound = 100_000
        accepted = {n for n in range(3, bound, 2) if primality.is_strong_lucas_probable_prime(n)}
        expected = {n for n in range(3, bound, 2) if small_primes[n]} | {
            n for n in A217255 if n < bound
        }
        assert accepted == expected

    def test_bpsw_matches_the_sieve(self, small_primes):
        wrong = [
            n
            for n in range(-3, 200_000)
            if primality.is_probable_prime(n) != bool(small_primes[max(n, 0)])
        ]
        assert wrong == []


class TestLargeNumbers:
    @pytest.mark.parametrize("n", PRIMES)
    def test_known_primes_pass(self, n):
        assert primality.is_probable_prime(n)

    @pytest.mark.parametrize("n", COMPOSITES)
    def test_known_composites_fail(self, n):
        assert not primality.is_probable_prime(n)

    @pytest.mark.parametrize("n", [1093**2, 3511**2], ids=["1093-squared", "3511-squared"])
    def test_squares_need_the_square_check(self, n):
        # These fool Miller–Rabin to base 2, and no Selfridge parameter exists for a square.
        assert primality.is_strong_probable_prime(n, 2)
        assert primality.is_square(n)
        with pytest.raises(ValueError, match="perfect square"):
            primality.selfridge_parameters(n)

    def test_rsa_100_and_its_factors(self):
        # RSA-100 and its factorisation (Lenstra et al., 1991).
        rsa_100 = int(
            "15226050279225333605356183781326374297180681149613"
            "80688657908494580122963258952897654000350692006139"
        )
        p = 37975227936943673922808872755445627854565536638199
        q = 40094690950920881030683735292761468389214899724061
        assert p * q == rsa_100
        assert primality.is_probable_prime(p)
        assert primality.is_probable_prime(q)
        assert not primality.is_probable_prime(rsa_100)

    def test_agrees_with_gmp_on_256_bit_candidates(self):
        # The challenge's own shape (top bit and low bit set), from a hash counter.
        disagreements = []
        for i in range(3000):
            n = int.from_bytes(
                hashlib.sha256(b"bpsw-cross-check" + i.to_bytes(4, "big")).digest(), "big"
            )
            n |= (1 << 255) | 1
            if primality.is_probable_prime(n) != bool(gmpy2.is_prime(n, 30)):
                disagreements.append(n)
        assert disagreements == []


class TestComponents:
    def test_jacobi_matches_gmp(self):
        table = [(a, n) for n in range(1, 400, 2) for a in range(-60, 200)]
        assert [primality.jacobi(a, n) for a, n in table] == [gmpy2.jacobi(a, n) for a, n in table]

    @pytest.mark.parametrize("n", [5459, 5777, 10877, 1000003, 2**127 - 1], ids=str)
    def test_selfridge_picks_the_first_d_with_symbol_minus_one(self, n):
        d, p, q = primality.selfridge_parameters(n)
        assert (p, q) == (1, (1 - d) // 4)
        sequence = [5, -7, 9, -11, 13, -15, 17, -19, 21, -23, 25, -27, 29]
        position = sequence.index(d)
        assert gmpy2.jacobi(d, n) == -1
        assert all(gmpy2.jacobi(e, n) == 1 for e in sequence[:position])

    def test_selfridge_reports_a_shared_factor(self):
        # jacobi(5, 35) = 0 and gcd(5, 35) = 5 is a proper factor.
        assert primality.selfridge_parameters(35) is None

    @pytest.mark.parametrize(
        ("call", "error", "message"),
        [
            pytest.param(
                lambda: primality.jacobi(3, 8),
                ValueError,
                "odd positive modulus, got 8",
                id="jacobi-even",
            ),
            pytest.param(
                lambda: primality.jacobi(3, -5),
                ValueError,
                "odd positive modulus",
                id="jacobi-negative",
            ),
            pytest.param(
                lambda: primality.is_strong_probable_prime(3, 2),
                ValueError,
                "odd n > 3, got 3",
                id="mr-too-small",
            ),
            pytest.param(
                lambda: primality.is_strong_lucas_probable_prime(10),
                ValueError,
                "odd n > 2, got 10",
                id="lucas-even",
            ),
            pytest.param(
                lambda: primality.selfridge_parameters(49),
                ValueError,
                "49 is a perfect square",
                id="selfridge-square",
            ),
            pytest.param(
                lambda: primality.is_probable_prime("7"),
                TypeError,
                "needs an int, got str",
                id="str",
            ),
            pytest.param(
                lambda: primality.is_probable_prime(True), TypeError, "got bool", id="bool"
            ),
        ],
    )
    def test_bad_arguments(self, call, error, message):
        with pytest.raises(error, match=message):
            call()
