"""Merkle log (PROTOCOL.md §7, RFC 9162 §2.1): hashing, tree heads, proofs.

Independent sources: the transparency-dev/merkle conformance vectors (read in
place from ../shared/vectors/rfc9162-merkle) and a naive recursive transcription
of RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH and §2.1.4.1 PROOF written below.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

import pytest

from beacon.core import labels, merkle
from beacon.core.merkle import TreeHead
from beacon.errors import EncodingError, VerificationError
from tests.conftest import SHARED_VECTORS, VECTORS, shared_vectors


def _vector_params(kind: str) -> list[object]:
    folder = SHARED_VECTORS / "rfc9162-merkle" / kind
    if not folder.is_dir():
        return [pytest.param(None, id="shared-vectors-absent")]
    return [pytest.param(p, id=str(p.relative_to(folder))) for p in sorted(folder.rglob("*.json"))]


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


class TestConformanceVectors:
    """Every transparency-dev/merkle vector (commit 417fb0c3), wantErr cases included."""

    @pytest.mark.parametrize("path", _vector_params("inclusion"))
    def test_inclusion(self, path: Path | None) -> None:
        shared_vectors("rfc9162-merkle", "inclusion")
        assert path is not None
        v = json.loads(path.read_text())
        args = (
            v["leafIdx"],
            v["treeSize"],
            _b64(v["leafHash"]),
            [_b64(p) for p in v["proof"] or []],
            _b64(v["root"]),
        )
        if v["wantErr"]:
            with pytest.raises(VerificationError):
                merkle.verify_inclusion(*args)
        else:
            merkle.verify_inclusion(*args)

    @pytest.mark.parametrize("path", _vector_params("consistency"))
    def test_consistency(self, path: Path | None) -> None:
        shared_vectors("rfc9162-merkle", "consistency")
        assert path is not None
        v = json.loads(path.read_text())
        args = (
            v["size1"],
            v["size2"],
            _b64(v["root1"]),
            _b64(v["root2"]),
            [_b64(p) for p in v["proof"] or []],
        )
        if v["wantErr"]:
            with pytest.raises(VerificationError):
                merkle.verify_consistency(*args)
        else:
            merkle.verify_consistency(*args)

    def test_vectors_were_found(self) -> None:
        folder = shared_vectors("rfc9162-merkle")
        assert len(list(folder.rglob("*.json"))) == 196


# -- a naive, recursive transcription of RFC 9162 §2.1 over leaf *data* ------------

ENTRIES = [f"entry {i}".encode() for i in range(72)]


@cache
def naive_mth(start: int, end: int) -> bytes:
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + ENTRIES[start]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(
        b"\x01" + naive_mth(start, start + k) + naive_mth(start + k, end)
    ).digest()


def naive_path(m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, start, start + k), naive_mth(start + k, end)]
    return [*naive_path(m - k, start + k, end), naive_mth(start, start + k)]


def naive_subproof(m: int, start: int, end: int, b: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if b else [naive_mth(start, end)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, start, start + k, b), naive_mth(start + k, end)]
    return [*naive_subproof(m - k, start + k, end, False), naive_mth(start, start + k)]


MAX_SIZE = 70
LEAVES = [merkle.leaf_hash(e) for e in ENTRIES[:MAX_SIZE]]
SUBTREE = merkle.memory_subtrees(LEAVES)


class TestAgainstNaiveRfc:
    def test_rfc6962_empty_and_known_roots(self) -> None:
        # RFC 6962 reference roots (transparency-dev/merkle testdata): the empty
        # tree and the classic 8-leaf tree of leaves "", 00, 10, 2021, ...
        assert (
            merkle.root([]).hex()
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        leaves = [
            bytes.fromhex(h)
            for h in (
                "",
                "00",
                "10",
                "2021",
                "3031",
                "40414243",
                "5051525354555657",
                "606162636465666768696a6b6c6d6e6f",
            )
        ]
        assert merkle.root([merkle.leaf_hash(x) for x in leaves]).hex() == (
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
        )

    @pytest.mark.parametrize("size", range(MAX_SIZE + 1))
    def test_roots(self, size: int) -> None:
        expected = naive_mth(0, size)
        assert merkle.root(LEAVES[:size]) == expected
        assert merkle.tree_root(size, SUBTREE) == expected

    @pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
    def test_inclusion_proofs_all_indices(self, size: int) -> None:
        root = naive_mth(0, size)
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, SUBTREE)
            assert proof == naive_path(index, 0, size), f"leaf {index} of {size}"
            merkle.verify_inclusion(index, size, LEAVES[index], proof, root)

    @pytest.mark.parametrize("size2", range(1, MAX_SIZE + 1))
    def test_consistency_proofs_all_pairs(self, size2: int) -> None:
        root2 = naive_mth(0, size2)
        for size1 in range(1, size2 + 1):
            proof = merkle.consistency_proof(size1, size2, SUBTREE)
            assert proof == naive_subproof(size1, 0, size2, True), f"{size1} -> {size2}"
            merkle.verify_consistency(size1, size2, naive_mth(0, size1), root2, proof)

    def test_completed_subtrees_build_the_same_store(self) -> None:
        stored: dict[tuple[int, int], bytes] = {}
        for i, h in enumerate(LEAVES):
            for level, index, node in merkle.completed_subtrees(
                i, h, lambda lv, ix: stored[(lv, ix)]
            ):
                stored[(level, index)] = node
        for (level, index), node in stored.items():
            assert node == naive_mth(index << level, (index + 1) << level)
        # Exactly the complete subtrees of a 70-leaf tree: 70 + 35 + 17 + 8 + 4 + 2 + 1.
        assert len(stored) == 137


class TestVerifyFailures:
    ROOT8 = naive_mth(0, 8)

    @pytest.mark.parametrize(
        ("mutate", "message"),
        [
            pytest.param(lambda p: p[:-1], "too short", id="truncated"),
            pytest.param(lambda p: [*p, p[0]], "too long", id="extended"),
            pytest.param(
                lambda p: [p[0][:-1], *p[1:]], r"inclusion_path\[0\] is 31 bytes", id="short-hash"
            ),
            pytest.param(
                lambda p: [bytes(32), *p[1:]], "does not lead to the root", id="wrong-hash"
            ),
        ],
    )
    def test_inclusion(self, mutate, message) -> None:
        proof = merkle.inclusion_proof(3, 8, SUBTREE)
        with pytest.raises(VerificationError, match=message):
            merkle.verify_inclusion(3, 8, LEAVES[3], mutate(proof), self.ROOT8)

    @pytest.mark.parametrize(
        ("size1", "size2", "proof_of", "message"),
        [
            pytest.param(5, 3, (3, 5), "went down from 5 to 3", id="shrink"),
            pytest.param(0, 3, None, "from the empty tree", id="from-empty"),
            pytest.param(3, 8, None, "empty consistency proof", id="empty"),
            pytest.param(3, 8, (3, 7), "too short|does not lead", id="proof-for-other-size"),
        ],
    )
    def test_consistency(self, size1, size2, proof_of, message) -> None:
        proof = merkle.consistency_proof(*sorted(proof_of), SUBTREE) if proof_of else []
        with pytest.raises(VerificationError, match=message):
            merkle.verify_consistency(size1, size2, naive_mth(0, size1), naive_mth(0, size2), proof)

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            pytest.param(
                lambda: merkle.inclusion_proof(8, 8, SUBTREE),
                "not below tree size 8",
                id="incl-index",
            ),
            pytest.param(
                lambda: merkle.consistency_proof(0, 8, SUBTREE),
                "0 < size1 <= size2",
                id="cons-zero",
            ),
            pytest.param(
                lambda: merkle.range_hash(4, 4, SUBTREE),
                r"empty or negative leaf range \[4, 4\)",
                id="range",
            ),
        ],
    )
    def test_generation_rejects_bad_arguments(self, call, message) -> None:
        with pytest.raises(ValueError, match=message):
            call()


class TestTreeHead:
    HEAD = TreeHead(5, bytes(range(32)))

    def test_exact_encoding(self) -> None:
        # Written out by hand from PROTOCOL.md §2.1 and §7.2.
        tag = labels.TAG_TREE_HEAD.encode()
        expected = (
            len(tag).to_bytes(4, "big")
            + tag
            + bytes.fromhex("000000020001")
            + bytes.fromhex("000000080000000000000005")
            + bytes.fromhex("00000020")
            + bytes(range(32))
        )
        assert self.HEAD.encode() == expected
        assert TreeHead.decode(expected) == self.HEAD

    def test_commitment_is_labelled_sha512(self) -> None:
        label = b"tender-beacon/v1/tree-head"
        manual = hashlib.sha512(
            len(label).to_bytes(4, "big")
            + label
            + bytes.fromhex("000000080000000000000005")
            + bytes.fromhex("00000020")
            + bytes(range(32))
        ).digest()
        assert self.HEAD.commitment() == manual

    def test_dict_round_trip(self) -> None:
        d = self.HEAD.to_dict()
        assert d == {"suite": 1, "tree_size": 5, "root_hash": bytes(range(32)).hex()}
        assert TreeHead.from_dict(d) == self.HEAD

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            pytest.param(lambda b: b + b"\x00", "1 trailing byte", id="trailing"),
            pytest.param(
                lambda b: b.replace(b"tree-head", b"tree-heaD"), "unknown record type", id="tag"
            ),
            pytest.param(
                lambda b: b.replace(bytes.fromhex("000000020001"), bytes.fromhex("000000020002")),
                "suite: expected 1, got 2",
                id="suite",
            ),
            pytest.param(
                lambda b: b[:-36] + bytes.fromhex("0000001f") + bytes(range(31)),
                "expected exactly 32 bytes, got 31",
                id="short-root",
            ),
        ],
    )
    def test_decode_rejects(self, change, message) -> None:
        with pytest.raises(EncodingError, match=message):
            TreeHead.decode(change(self.HEAD.encode()))

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            pytest.param({"extra": 1}, r"unknown member\(s\) \['extra'\]", id="unknown"),
            pytest.param({"suite": 2}, "suite: expected 1, got 2", id="suite"),
            pytest.param({"tree_size": -1}, "tree_size: expected 0 <= value", id="negative"),
            pytest.param({"tree_size": True}, "tree_size: expected an integer", id="bool"),
            pytest.param({"root_hash": "AB" * 32}, "lower-case hex", id="upper-hex"),
            pytest.param({"root_hash": "ab" * 31}, "expected 32 bytes", id="short"),
        ],
    )
    def test_from_dict_rejects(self, change, message) -> None:
        with pytest.raises(EncodingError, match=message):
            TreeHead.from_dict({**self.HEAD.to_dict(), **change})

    def test_from_dict_rejects_missing(self) -> None:
        d = self.HEAD.to_dict()
        del d["root_hash"]
        with pytest.raises(EncodingError, match=r"missing member\(s\) \['root_hash'\]"):
            TreeHead.from_dict(d)

    def test_constructor_rejects_bad_root(self) -> None:
        with pytest.raises(EncodingError, match="root_hash must be 32 bytes, got 3"):
            TreeHead(1, b"abc")


MERKLE_VECTORS = sorted((VECTORS / "merkle").glob("*.json"))


@cache
def _naive_root(entries: tuple[bytes, ...]) -> bytes:
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < len(entries):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_root(entries[:k]) + _naive_root(entries[k:])).digest()


class TestProjectVectors:
    @pytest.mark.parametrize("path", MERKLE_VECTORS, ids=[p.stem for p in MERKLE_VECTORS])
    def test_vector(self, path: Path) -> None:
        v = json.loads(path.read_text())
        assert v["expect"] in {"valid", "invalid"}
        if v["kind"] == "tree-head":
            head = TreeHead.from_dict(v["tree_head"])
            assert head.root_hash == _naive_root(tuple(e.encode() for e in v["entries"]))
            assert head.encode().hex() == v["encoding"]
            assert TreeHead.decode(bytes.fromhex(v["encoding"])) == head
            assert head.commitment().hex() == v["commitment"]
            return
        proof = [bytes.fromhex(h) for h in v["proof"]]
        if v["kind"] == "inclusion":
            head = TreeHead.from_dict(v["tree_head"])
            leaf = merkle.leaf_hash(v["entry"].encode())
            check = lambda: merkle.verify_inclusion(  # noqa: E731
                v["leaf_index"], head.tree_size, leaf, proof, head.root_hash
            )
        else:
            h1, h2 = TreeHead.from_dict(v["tree_head_1"]), TreeHead.from_dict(v["tree_head_2"])
            check = lambda: merkle.verify_consistency(  # noqa: E731
                h1.tree_size, h2.tree_size, h1.root_hash, h2.root_hash, proof
            )
        if v["expect"] == "valid":
            check()
        else:
            with pytest.raises(VerificationError):
                check()
