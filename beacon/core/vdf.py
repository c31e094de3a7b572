"""Wesolowski's verifiable delay function over Z_N*/{±1} (PROTOCOL.md §11).

    x = hash_to_group(seed)            §11.3
    y = x^(2^T)                        §11.5, T sequential squarings
    ℓ = hash_to_prime(x, y, T)         §11.4, a 256-bit prime
    π = x^⌊2^T/ℓ⌋                      §11.6, from checkpoints retained during evaluation
    verify: π^ℓ · x^(2^T mod ℓ) = y    §11.7, two 256-bit exponentiations
    R = SHA-512(label ‖ Enc(y))        §11.8

N is the RSA-2048 challenge modulus, whose factors nobody knows, so nobody knows
the group order and ``y`` can only be reached by squaring T times in sequence. The
module is pure: time and storage belong to the caller, who receives progress and
checkpoints through callbacks and may resume from the checkpoints it kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import gmpy2

from beacon.core import labels, primality
from beacon.core.encoding import field, uint
from beacon.core.rsa_group import (
    ELEMENT_BYTES,
    MODULUS,
    MODULUS_SHA256,
    canonical,
    check_element,
    decode_element,
    element_from_hex,
    encode_element,
    hash_to_group,
    pinned_modulus,
    require_modulus,
)
from beacon.core.vdf_prover import Plan, bucket_power, plan
from beacon.errors import EncodingError, InputError, VerificationError

__all__ = [
    "ELEMENT_BYTES",
    "MAX_T",
    "MODULUS",
    "MODULUS_SHA256",
    "Checkpoint",
    "Plan",
    "VdfProof",
    "canonical",
    "decode_element",
    "element_from_hex",
    "encode_element",
    "evaluate",
    "hash_to_group",
    "hash_to_prime",
    "output",
    "plan",
    "prove",
    "require_modulus",
    "run",
    "verify",
    "verify_run",
]

MAX_T: Final = 2**64 - 1
# Squarings per gmpy2.powmod call: the granularity of progress reports.
CHUNK: Final = 4096


def _check_t(t: object) -> int:
    if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= MAX_T:
        raise InputError(f"T: expected an integer with 1 <= T < 2^64, got {t!r}", field="T")
    return t


# -- the challenge (§11.4) ----------------------------------------------------------------


def hash_to_prime(x: int, y: int, t: int) -> int:
    """ℓ = the first candidate int(h_c) | 2^255 | 1 that both primality tests accept (§11.4).

    h_c = SHA-256(F(label) ‖ F(Enc(N)) ‖ F(Enc(x)) ‖ F(Enc(y)) ‖ F(u64(T)) ‖ F(u32(c))).
    """
    n = pinned_modulus()
    _check_t(t)
    prefix = hashlib.sha256()
    for part in (
        labels.VDF_CHALLENGE.encode(),
        n.to_bytes(ELEMENT_BYTES, "big"),
        encode_element(x, name="x"),
        encode_element(y, name="y"),
        uint(t, 64),
    ):
        prefix.update(field(part))
    for counter in range(2**32):
        h = prefix.copy()
        h.update(field(uint(counter, 32)))
        candidate = int.from_bytes(h.digest(), "big") | (1 << 255) | 1
        # Two independent tests must agree (§11.4); GMP's is the cheap filter.
        if gmpy2.is_prime(candidate, 30) and primality.is_probable_prime(candidate):
            return candidate
    raise VerificationError("no prime challenge among 2^32 hash counters")  # pragma: no cover


# -- evaluation with checkpoints (§11.5) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """x^(2^(index·spacing)), canonical, retained so that a proof can be built and a
    crashed evaluation resumed. ``T`` and ``spacing`` tie it to one evaluation plan.
    """

    T: int
    spacing: int
    index: int
    value: int

    @property
    def position(self) -> int:
        """Number of squarings of x this value represents."""
        return self.index * self.spacing

    def to_dict(self) -> dict[str, Any]:
        value = encode_element(self.value, name="checkpoint.value").hex()
        return {"T": self.T, "spacing": self.spacing, "index": self.index, "value": value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Strict inverse of :meth:`to_dict`: exact keys, integer ranges, canonical value."""
        _exact_keys(data, {"T", "spacing", "index", "value"}, "checkpoint")
        for key, low in (("T", 1), ("spacing", 1), ("index", 0)):
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_T:
                raise EncodingError(
                    f"checkpoint.{key}: expected an integer in [{low}, 2^64), got {value!r}",
                    field=key,
                )
        return cls(
            T=data["T"],
            spacing=data["spacing"],
            index=data["index"],
            value=element_from_hex(data["value"], name="checkpoint.value"),
        )


ProgressCallback = Callable[[int, int], None]
CheckpointCallback = Callable[[Checkpoint], None]


def _exact_keys(data: object, keys: set[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise EncodingError(f"{what}: expected an object, got {type(data).__name__}")
    if set(data) != keys:
        missing, unknown = sorted(keys - set(data)), sorted(set(data) - keys)
        raise EncodingError(
            f"{what}: expected members {sorted(keys)}; missing {missing}, unknown {unknown}"
        )


def _check_checkpoints(
    checkpoints: Sequence[Checkpoint], x: int, t: int, p: Plan, *, complete: bool, what: str
) -> None:
    """A contiguous prefix 0, 1, … of this evaluation's checkpoints, starting at x."""
    count, half = p.checkpoints(t), (pinned_modulus() - 1) // 2
    if len(checkpoints) > count:
        raise InputError(
            f"{what}: T={t} has {count} checkpoints, got {len(checkpoints)}", field=what
        )
    if complete and len(checkpoints) != count:
        raise InputError(
            f"{what}: expected all {count} checkpoints, got {len(checkpoints)}", field=what
        )
    for i, cp in enumerate(checkpoints):
        where = f"{what}[{i}]"
        if not isinstance(cp, Checkpoint):
            raise InputError(
                f"{where}: expected a Checkpoint, got {type(cp).__name__}", field=where
            )
        if t != cp.T or cp.spacing != p.spacing or cp.index != i:
            raise InputError(
                f"{where}: expected T={t}, spacing={p.spacing}, index={i}; "
                f"got T={cp.T}, spacing={cp.spacing}, index={cp.index}",
                field=where,
            )
        # Range only: every value descends from the unit x by squaring, and a corrupted
        # one is caught when the finished proof is verified (prove). A gcd per
        # checkpoint would cost more than the proof's own bookkeeping.
        if isinstance(cp.value, bool) or not isinstance(cp.value, int) or not 2 <= cp.value <= half:
            raise InputError(f"{where}.value: not a canonical element in [2, (N-1)/2]", field=where)
    if checkpoints and checkpoints[0].value != x:
        raise InputError(
            f"{what}[0]: checkpoint 0 must be x itself; these belong to another x", field=what
        )


def evaluate(
    x: int,
    T: int,
    *,
    on_progress: ProgressCallback | None = None,
    on_checkpoint: CheckpointCallback | None = None,
    resume: Sequence[Checkpoint] = (),
    backend: str = "gmpy2",
    plan_override: Plan | None = None,
) -> tuple[int, tuple[Checkpoint, ...]]:
    """y = x^(2^T) canonical, and every checkpoint retained on the way (§11.5).

    Each new checkpoint is passed to ``on_checkpoint`` as soon as it exists, so a
    worker can persist it; ``resume`` takes a contiguous prefix of them and continues
    from its last one. ``on_progress(done, T)`` is called at the start, whenever
    another 4096 squarings are done, and at the end. ``backend="int"`` squares with
    Python integers instead (for cross-checks and benchmarks); the result is the same.
    """
    n = pinned_modulus()
    _check_t(T)
    check_element(x, "x")
    if backend not in ("gmpy2", "int"):
        raise InputError(f"backend: expected 'gmpy2' or 'int', got {backend!r}", field="backend")
    p = plan_override or plan(T)
    s = p.spacing
    _check_checkpoints(resume, x, T, p, complete=False, what="resume")
    if len(resume) >= 2:
        # The evaluation continues from the last checkpoint alone, so check that it
        # follows from the one before (one spacing of squarings): this catches a
        # stored value that is corrupted or was computed under another plan.
        before, last = resume[-2], resume[-1]
        if canonical(gmpy2.powmod(before.value, gmpy2.mpz(1) << s, n)) != last.value:
            raise InputError(
                f"resume[{last.index}]: is not checkpoint {before.index} squared {s} times; "
                "the stored checkpoints are corrupted or belong to another plan",
                field="resume",
            )
    retained = list(resume)
    if not retained:
        retained.append(Checkpoint(T=T, spacing=s, index=0, value=x))
        if on_checkpoint is not None:
            on_checkpoint(retained[0])
    if backend == "gmpy2":
        modulus, square = gmpy2.mpz(n), gmpy2.powmod
        v = gmpy2.mpz(retained[-1].value)
    else:
        modulus, square, v = n, pow, retained[-1].value
    exponents: dict[int, Any] = {}
    done = retained[-1].position
    if on_progress is not None:
        on_progress(done, T)
    # Checkpoints may be only a few hundred squarings apart: reports stay coarser.
    next_report = done - done % CHUNK + CHUNK
    while done < T:
        stop = min(done + s, T)
        while done < stop:
            c = min(CHUNK, stop - done)
            if c not in exponents:
                exponents[c] = gmpy2.mpz(1) << c if backend == "gmpy2" else 1 << c
            v = square(v, exponents[c], modulus)
            done += c
            if on_progress is not None and (done >= next_report or done == T):
                on_progress(done, T)
                next_report = done - done % CHUNK + CHUNK
        if done < T:
            # Positional arguments: a frozen dataclass is cheaper to build that way,
            # and at T = 2^24 there are 70,000 checkpoints.
            cp = Checkpoint(T, s, done // s, int(min(v, modulus - v)))
            retained.append(cp)
            if on_checkpoint is not None:
                on_checkpoint(cp)
    return int(min(v, modulus - v)), tuple(retained)


# -- proofs (§11.6, §11.7) -------------------------------------------------------------


@dataclass(frozen=True)
class VdfProof:
    """The evaluation's claim: y = x^(2^T), with π = x^⌊2^T/ℓ⌋ (both canonical)."""

    y: int
    pi: int

    def __post_init__(self) -> None:
        check_element(self.y, "y")
        check_element(self.pi, "pi", identity_ok=True)

    def to_dict(self) -> dict[str, str]:
        return {
            "y": encode_element(self.y, name="y").hex(),
            "pi": encode_element(self.pi, identity_ok=True).hex(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VdfProof:
        """Strict: exactly ``y`` and ``pi``, lower-case hex of 256 canonical bytes."""
        _exact_keys(data, {"y", "pi"}, "proof")
        return cls(
            y=element_from_hex(data["y"], name="y"),
            pi=element_from_hex(data["pi"], name="pi", identity_ok=True),
        )


def prove(
    x: int,
    T: int,
    y: int,
    checkpoints: Sequence[Checkpoint],
    *,
    plan_override: Plan | None = None,
) -> VdfProof:
    """π from the complete set of checkpoints of x's evaluation (§11.6).

    The proof is checked before it is returned, so a wrong ``y`` or a corrupted
    checkpoint raises instead of producing a proof that others would reject.
    """
    n = pinned_modulus()
    _check_t(T)
    check_element(x, "x")
    check_element(y, "y")
    p = plan_override or plan(T)
    _check_checkpoints(checkpoints, x, T, p, complete=True, what="checkpoints")
    ell = hash_to_prime(x, y, T)
    pi = bucket_power([cp.value for cp in checkpoints], T, ell, p, n)
    proof = VdfProof(y=y, pi=canonical(pi))
    try:
        verify(x, T, proof)
    except VerificationError as e:
        raise VerificationError(
            f"y or a checkpoint is wrong: the computed proof fails ({e})", field="y"
        ) from e
    return proof


def verify(x: int, T: int, proof: VdfProof) -> None:
    """Accept only if π^ℓ · x^(2^T mod ℓ) = y in Z_N*/{±1} with ℓ recomputed (§11.7)."""
    n = pinned_modulus()
    _check_t(T)
    check_element(x, "x")
    if not isinstance(proof, VdfProof):
        raise EncodingError(
            f"proof: expected a VdfProof, got {type(proof).__name__}", field="proof"
        )
    # Re-checked although the constructor did: a frozen dataclass can still be forced.
    check_element(proof.y, "y")
    check_element(proof.pi, "pi", identity_ok=True)
    ell = hash_to_prime(x, proof.y, T)
    r = gmpy2.powmod(2, T, ell)
    m = gmpy2.mpz(n)
    lhs = gmpy2.powmod(proof.pi, ell, m) * gmpy2.powmod(x, r, m) % m
    if min(lhs, m - lhs) != proof.y:
        raise VerificationError(
            f"pi: the proof does not verify: pi^l * x^(2^T mod l) != +-y (mod N) for T={T}",
            field="pi",
        )


def output(y: int) -> bytes:
    """R = SHA-512(F(label) ‖ F(Enc(y))), the 64-byte VDF output (§11.8)."""
    h = hashlib.sha512(field(labels.VDF_OUTPUT.encode()) + field(encode_element(y, name="y")))
    return h.digest()


def run(
    seed: bytes,
    T: int,
    *,
    on_progress: ProgressCallback | None = None,
    on_checkpoint: CheckpointCallback | None = None,
    resume: Sequence[Checkpoint] = (),
    backend: str = "gmpy2",
) -> tuple[int, VdfProof, bytes]:
    """hash_to_group → evaluate → prove: (x, proof, R) for a seed."""
    x = hash_to_group(seed)
    y, checkpoints = evaluate(
        x, T, on_progress=on_progress, on_checkpoint=on_checkpoint, resume=resume, backend=backend
    )
    proof = prove(x, T, y, checkpoints)
    return x, proof, output(proof.y)


def verify_run(seed: bytes, T: int, x: int, proof: VdfProof) -> bytes:
    """Check a published run end to end and return R: x from the seed, then the proof."""
    if x != hash_to_group(seed):
        raise VerificationError("x: does not equal hash_to_group(seed)", field="x")
    verify(x, T, proof)
    return output(proof.y)
