"""The invariants checked over HTTP after every scenario, once the processes are up again.

* **Receipts** (PROTOCOL.md §6.5, §6.6): every statement a party got a receipt for
  is in the log at its leaf index, byte for byte; the receipt's inclusion proof
  holds; its tree head is a prefix of the final head; the leaf is in the final
  tree. No statement is in the log twice.
* **Chain** (§8.5, §8.6): every pulse document seen during the run is served again
  byte for byte; the whole chain verifies with :class:`beacon.core.chain.ChainVerifier`;
  status 2 marks exactly the pulses after missed boundaries; every pulse commits a
  tree head (§8.4) that is a prefix of the final log.
* **Log** (§7.4): every tree head observed during the run is consistent with the
  final one (RFC 9162 consistency proofs, checked with this test's roots, not the
  server's).

Each check returns how many things it checked, for test-artifacts/faults.json.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from beacon.core import merkle
from beacon.core.chain import ChainVerifier
from beacon.core.logentry import ChainFollower, statement_of
from beacon.core.merkle import TreeHead
from beacon.core.pulse import STATUS_TIME_GAP, Pulse, tree_head_external, verify_external
from beacon.store.pulses import MAX_RANGE
from tests.faults.courier import Courier, Delivery
from tests.faults.observer import Observer

EMPTY_ROOT = hashlib.sha256(b"").digest()


@dataclass(frozen=True)
class ChainReport:
    pulses: int
    gaps: int  # pulses with status 2: boundaries were missed before them
    documents_compared: int


def final_head(api: Courier) -> TreeHead:
    doc = api.get("/api/v1/log/tree-head")
    return TreeHead(int(doc["tree_size"]), bytes.fromhex(doc["root_hash"]))


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def check_consistent(api: Courier, size: int, root: bytes, final: TreeHead) -> None:
    """``(size, root)`` is a prefix of ``final``, proven with the server's proof and our roots."""
    if size == 0:
        assert root == EMPTY_ROOT, "the empty tree was served with a non-empty root"
        return
    proof = api.get(f"/api/v1/log/consistency-proof?first={size}&second={final.tree_size}")
    merkle.verify_consistency(size, final.tree_size, root, final.root_hash, _hashes(proof["proof"]))


def log_entries(api: Courier, size: int) -> list[bytes]:
    entries: list[bytes] = []
    while len(entries) < size:
        page = api.get(f"/api/v1/log/leaves?start={len(entries)}&end={size}")["leaves"]
        assert page, f"no log leaves from {len(entries)} although the log has {size}"
        for leaf in page:
            assert leaf["leaf_index"] == len(entries)
            entries.append(bytes.fromhex(leaf["entry"]))
    return entries


def check_receipts(api: Courier, deliveries: list[Delivery], final: TreeHead) -> int:
    """Every acknowledged statement is in the log where its receipt says, exactly once."""
    entries = log_entries(api, final.tree_size)
    hashes = [statement_of(e).statement.hash() for e in entries]
    twice = [h.hex() for h, n in Counter(hashes).items() if n > 1]
    assert not twice, f"statements logged more than once: {twice}"
    # PROTOCOL.md §7.6: whatever was killed when, every scope chain is one line.
    follower = ChainFollower()
    problems = [p.message for i, e in enumerate(entries) if (p := follower.add(i, e))]
    assert not problems, f"scope chains broken by the faults: {problems}"
    assert len({d.statement_hash for d in deliveries}) == len(deliveries), (
        "a statement was sent twice"
    )
    for d in deliveries:
        where = f"{d.signed.statement.kind} by {d.signed.statement.role} (leaf {d.leaf_index})"
        receipt = d.receipt
        entry = bytes.fromhex(receipt["entry"])
        # PROTOCOL.md §7.6: the entry is the signed statement in its scope chain.
        assert statement_of(entry).encode() == d.signed.encode(), (
            f"{where}: the receipt's entry is not what was signed"
        )
        assert d.leaf_index < final.tree_size, f"{where}: beyond the final log"
        assert entries[d.leaf_index] == entry, f"{where}: the log holds something else at the leaf"
        assert hashes[d.leaf_index] == d.statement_hash
        head = TreeHead(
            int(receipt["tree_head"]["tree_size"]), bytes.fromhex(receipt["tree_head"]["root_hash"])
        )
        leaf = merkle.leaf_hash(entry)
        merkle.verify_inclusion(
            d.leaf_index, head.tree_size, leaf, _hashes(receipt["inclusion"]), head.root_hash
        )
        check_consistent(api, head.tree_size, head.root_hash, final)
        if receipt["pulse"] is not None:
            verify_external(Pulse.from_json(receipt["pulse"]), head)
        later = api.get(f"/api/v1/log/inclusion-proof/{d.leaf_index}?tree_size={final.tree_size}")
        merkle.verify_inclusion(
            d.leaf_index, final.tree_size, leaf, _hashes(later["proof"]), final.root_hash
        )
    return len(deliveries)


def check_log(api: Courier, observer: Observer, final: TreeHead) -> int:
    """Every tree head served during the run is a prefix of the final log."""
    for size, root in sorted(observer.heads.items()):
        assert size <= final.tree_size, (
            f"tree size {size} was served, the log now has {final.tree_size}"
        )
        check_consistent(api, size, root, final)
    return len(observer.heads)


def _certificates(api: Courier) -> Callable[[bytes], bytes]:
    """The pulse certificates as served (``/beacon/2.0/certificate/{id}``), fetched once each."""
    cache: dict[bytes, bytes] = {}

    def lookup(certificate_id: bytes) -> bytes:
        if certificate_id not in cache:
            status, _, pem = api.get_raw(f"/beacon/2.0/certificate/{certificate_id.hex()}")
            assert status == 200, f"certificate {certificate_id.hex()[:16]}: HTTP {status}"
            der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
            cache[certificate_id] = der
        return cache[certificate_id]

    return lookup


def served_chain(api: Courier, chain_index: int = 1) -> tuple[list[Pulse], dict[bytes, TreeHead]]:
    """The whole chain as served now, and the tree heads its pulses commit to (by commitment)."""
    pulses: list[Pulse] = []
    heads: dict[bytes, TreeHead] = {}
    while True:
        start = len(pulses) + 1
        page = api.get(f"/api/v1/chains/{chain_index}/pulses?start={start}&end={start + MAX_RANGE}")
        pulses += [Pulse.from_json(p) for p in page["pulses"]]
        for h in page["tree_heads"]:
            head = TreeHead(int(h["tree_size"]), bytes.fromhex(h["root_hash"]))
            heads[head.commitment()] = head
        if len(page["pulses"]) < MAX_RANGE:
            return pulses, heads


def check_chain(api: Courier, observer: Observer, final: TreeHead, period_ms: int) -> ChainReport:
    """Nothing served changed; the chain verifies; status 2 exactly after missed boundaries."""
    assert not observer.changed, observer.changed
    assert not observer.server_errors, observer.server_errors
    last = json.loads(api.get_raw("/beacon/2.0/pulse/last")[2])["pulse"]
    assert last["chainIndex"] == 1, "a new chain was started although nobody asked for one"
    for (chain, index), document in sorted(observer.pulses.items()):
        status, _, now = api.get_raw(f"/beacon/2.0/chain/{chain}/pulse/{index}")
        assert status == 200 and now == document, (
            f"pulse {chain}/{index} changed after it was served"
        )
    pulses, heads = served_chain(api)
    assert [p.pulse_index for p in pulses] == list(range(1, len(pulses) + 1))
    verifier = ChainVerifier(_certificates(api))
    gaps = 0
    committed: dict[int, TreeHead] = {}
    previous: Pulse | None = None
    for pulse in pulses:
        verifier.add(pulse)
        if previous is not None:
            missed = pulse.time_ms - previous.time_ms > period_ms
            flagged = bool(pulse.status_code & STATUS_TIME_GAP)
            assert missed == flagged, (
                f"pulse {pulse.pulse_index}: status {pulse.status_code} but the gap since "
                f"{previous.pulse_index} is {pulse.time_ms - previous.time_ms} ms"
            )
            gaps += missed
        head = heads.get(pulse.external.value)
        assert head is not None, f"pulse {pulse.pulse_index} commits a tree head that is not served"
        assert tree_head_external(head) == pulse.external
        committed[head.tree_size] = head
        previous = pulse
    for head in committed.values():
        check_consistent(api, head.tree_size, head.root_hash, final)
    return ChainReport(len(pulses), gaps, len(observer.pulses))
