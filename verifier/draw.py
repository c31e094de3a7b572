"""The verification procedure of a draw's proof bundle (PROTOCOL.md §14), step by step."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier import encoding as enc
from verifier import envelope, identity, merkle, opening_keys, pulse, records, scope, selection, vdf
from verifier.errors import CheckFailed, ParseError, VerifyError
from verifier.merkle import TreeHead
from verifier.pulse import Pulse
from verifier.receipt import verify_receipt
from verifier.report import Report
from verifier.scope import Logged, TimePoint

FORMAT = "tender-beacon/v2/proof-bundle"
KIND_ROLES = {  # §6.3: who makes each kind
    "tender.register": ("beacon", "centre"),
    "draw.publish": ("agent",),
    "draw.countersign": ("centre",),
    "draw.opening_key": ("agent", "centre"),
    "draw.commit": ("agent", "centre"),
    "envelope.submit": ("bidder",),
    "draw.freeze": ("beacon",),
    "draw.snapshot": ("agent",),
    "draw.reveal": ("agent", "centre"),
    "draw.key_release": ("agent", "centre"),
    "draw.result": ("beacon",),
    "draw.objection": ("bidder",),
    "draw.confirm": ("supervisor",),
    "draw.void": ("supervisor",),
}
PARTIES = ("centre", "agent")  # §10.1: the centre first, then the agent
MAX_SKEW_MS = 300_000  # §6.5: S_max, the most any deployment accepts between clocks
EMPTY_ROOT = hashlib.sha256(b"").digest()  # §7.1: MTH of the empty tree
TIME_POINTS = ("commit", "snapshot", "reveal", "seed_open", "result", "dispute_end")


@dataclass(frozen=True)
class Witness:
    pulse: Pulse
    head: TreeHead
    consistency: list[bytes]


def commitment(draw_id: str, role: str, fingerprint: bytes, seed: bytes) -> bytes:
    """A party's seed commitment (§4)."""
    return enc.labelled(
        "sha256", enc.COMMITMENT, draw_id.encode(), role.encode(), fingerprint, seed
    )


def snapshot_hash(bid_ids: Sequence[str]) -> bytes:
    """§10.1: the hash of the snapshot's sorted bid ids."""
    return enc.labelled("sha256", enc.SNAPSHOT_HASH, enc.items([i.encode() for i in bid_ids]))


def combined_seed(
    def_hash: bytes,
    freeze: TreeHead,
    entries: Sequence[tuple[str, bytes, str, bytes]],
    snapshot: bytes,
) -> bytes:
    """§10.1 over the included (role, fingerprint, status, seed) entries, in their given order."""
    # §10.1, §6.4: the centre and the agent each have an entry, or the draw is blocked.
    missing = [p for p in PARTIES if p not in {r for r, _, _, _ in entries}]
    if missing:
        raise CheckFailed(
            f"no seed entry of the {' and the '.join(missing)}: a draw frozen without both "
            "parties' commitments cannot be computed (§6.4)",
            code="missing-party",
        )
    included = [(r, fp, seed) for r, fp, status, seed in entries if status == "included"]
    if not included:
        raise CheckFailed(
            "no seed is included; the draw cannot be computed (§10.2)", code="no-seed"
        )
    # The triples are not framed one by one (§10.1).
    items = enc.field(enc.uint(len(included), 32)) + b"".join(
        enc.fields(r.encode(), fp, s) for r, fp, s in included
    )
    return enc.labelled(
        "sha512",
        enc.DRAW_SEED,
        def_hash,
        enc.uint(freeze.tree_size, 64),
        freeze.root_hash,
        items,
        snapshot,
    )


def picks(
    definition: dict[str, Any], r: bytes, bid_ids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every selection's pick from ``R`` (§12), the snapshot's bid ids for ``from_snapshot`` ones."""
    out = []
    for i, sel in enumerate(definition["selections"]):
        cands = list(bid_ids) if sel["from_snapshot"] else sel["candidates"]
        k = {"pick_one": 1, "pick_k": sel["k"], "permutation": len(cands)}[sel["kind"]]
        _check(k <= len(cands), f"{sel['code']}: k = {k} exceeds {len(cands)} candidates (§12.3)")
        idx, _ = selection.pick(r, i, len(cands), k)
        out.append({"code": sel["code"], "indexes": idx, "values": [cands[j] for j in idx]})
    return out


def derived(definition: dict[str, Any], drawn: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The derived values (§5.1), computed exactly from the drawn ones."""
    by_code = {p["code"]: p["values"][0] for p in drawn}
    out = []
    for d in definition["derived"]:
        a, op, b = records.derived_operands(d["formula"], definition["selections"], "formula")
        value = records.compute(by_code.get(a, a), op, by_code.get(b, b))
        out.append({k: d[k] for k in ("code", "label", "unit", "formula")} | {"value": value})
    return out


def _check(ok: object, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


def _short(b: bytes) -> str:
    return b.hex()[:12] + "…"


def _each(
    doc: dict[str, Any],
    key: str,
    members: tuple[str, ...],
    make: Callable[[dict[str, Any], str], Any],
) -> list[Any]:
    if not isinstance(doc[key], list):
        raise ParseError(key, "expected a list")
    return [
        make(enc.members(x, f"{key}[{i}]", members), f"{key}[{i}]") for i, x in enumerate(doc[key])
    ]


def _json(x: Any, limit: int = 200) -> str:
    """Canonical JSON of one value, cut at ``limit`` characters (R's 128 digits fit)."""
    text = json.dumps(x, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def differences(expected: Any, got: Any, path: str) -> list[tuple[str, Any, Any]]:
    """Where two JSON values differ: (path, expected, got) at the deepest member that does.

    Compared as canonical JSON, so that 3.0 or true cannot stand for 3 or 1; a member one
    side lacks is the ``...`` Ellipsis on that side, a list of another length differs whole.
    """
    if isinstance(expected, dict) and isinstance(got, dict):
        return [
            d
            for k in sorted(expected.keys() | got.keys(), key=str)
            for d in differences(expected.get(k, ...), got.get(k, ...), f"{path}.{k}")
        ]
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [
            d
            for i, (e, g) in enumerate(zip(expected, got, strict=True))
            for d in differences(e, g, f"{path}[{i}]")
        ]
    if expected is not ... and got is not ... and _json(expected, 10**9) == _json(got, 10**9):
        return []
    return [(path, expected, got)]


def _unique(pairs: list[tuple[str, Any]], key: str) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ParseError(key, "a name appears twice")
    return out


class DrawCheck:
    """One bundle under verification: parsed strictly (§14.1), then each ``check_*`` is a §14 step.

    ``state`` holds what a step establishes for later ones; a step whose input failed
    reports that it depends on it, so the report never passes a step it could not run.
    """

    def __init__(
        self, doc: dict[str, Any], anchors: Sequence[bytes] | None, crls: Sequence[bytes] = ()
    ) -> None:
        self.crls = tuple(crls)
        doc = enc.members(
            doc,
            "bundle",
            (
                "format",
                "draw_id",
                "definition",
                "trust_anchors",
                "beacon_certificates",
                "statements",
                "seed_envelopes",
                "log",
                "time_points",
                "witnesses",
                "summary",
            ),
        )
        self.definition, self.encoded = records.parse_definition(doc["definition"], "definition")
        self.def_hash, self.draw_id = (
            records.definition_hash(self.encoded),
            self.definition["draw_id"],
        )
        if doc["draw_id"] != self.draw_id:
            raise ParseError(
                "definition.draw_id",
                f"{self.draw_id!r} is not the bundle's draw_id {doc['draw_id']!r}",
            )
        if not isinstance(doc["trust_anchors"], list):
            raise ParseError("trust_anchors", "expected a list")
        own = tuple(enc.b64(a, f"trust_anchors[{i}]") for i, a in enumerate(doc["trust_anchors"]))
        if len(set(own)) != len(own):
            raise ParseError("trust_anchors", "a certificate appears twice")
        self.anchors, self.anchor_source = (
            (own, "bundle") if anchors is None else (tuple(anchors), "given")
        )
        if not isinstance(doc["beacon_certificates"], list) or not doc["beacon_certificates"]:
            raise ParseError("beacon_certificates", "expected a non-empty list")
        ders = [
            enc.b64(c, f"beacon_certificates[{i}]")
            for i, c in enumerate(doc["beacon_certificates"])
        ]
        if len(set(ders)) != len(ders):
            raise ParseError("beacon_certificates", "a certificate appears twice")
        # §13: one certificate per beacon key the bundle uses (more than one after a rotation).
        self.certs = {hashlib.sha512(d).digest(): d for d in ders}
        self.statements: list[Logged] = _each(
            doc,
            "statements",
            ("leaf_index", "chain", "signed", "inclusion"),
            Logged.parse,
        )
        for i, x in enumerate(self.statements):
            if x.s.kind not in KIND_ROLES:
                raise ParseError(
                    f"statements[{i}]", f"a {x.s.kind} does not belong in a draw bundle"
                )
        self.envelopes: dict[str, bytes] = _unique(
            _each(
                doc,
                "seed_envelopes",
                ("envelope_id", "data"),
                lambda x, n: (
                    enc.string(x["envelope_id"], f"{n}.envelope_id"),
                    enc.b64(x["data"], f"{n}.data"),
                ),
            ),
            "seed_envelopes",
        )
        log = enc.members(doc["log"], "log", ("tree_head", "pulse"))
        self.head, self.pulse = (
            TreeHead.from_json(log["tree_head"], "log.tree_head"),
            Pulse.from_json(log["pulse"], "log.pulse"),
        )
        self.time_points: dict[str, TimePoint] = _unique(
            _each(
                doc,
                "time_points",
                ("name", "deadline", "pulse", "previous", "tree_head", "consistency"),
                lambda x, n: TimePoint.parse(x, n, TIME_POINTS),
            ),
            "time_points",
        )
        self.witnesses: list[Witness] = _each(
            doc,
            "witnesses",
            ("pulse", "tree_head", "consistency"),
            lambda x, n: Witness(
                Pulse.from_json(x["pulse"], f"{n}.pulse"),
                TreeHead.from_json(x["tree_head"], f"{n}.tree_head"),
                merkle.proof(x["consistency"], f"{n}.consistency"),
            ),
        )
        # One canonical order, so that no two bundles say the same: envelopes in log order, time points by deadline.
        names = list(self.time_points)
        if names != sorted(names, key=TIME_POINTS.index):
            raise ParseError("time_points", f"not in deadline order: {names}")
        submitted = [
            x.s.body["envelope_id"] for x in self.statements if x.s.kind == "envelope.submit"
        ]
        if [e for e in self.envelopes if e in submitted] != [
            e for e in submitted if e in self.envelopes
        ]:
            raise ParseError(
                "seed_envelopes", "not in the log order of their envelope.submit statements"
            )
        self.summary = doc["summary"]
        self.kinds: dict[str, list[Logged]] = {
            k: [x for x in self.statements if x.s.kind == k] for k in KIND_ROLES
        }
        self.state: dict[str, Any] = {}

    def need(self, key: str) -> Any:
        if key not in self.state:
            raise CheckFailed(f"not checked: it depends on {key}, which failed")
        return self.state[key]

    def one(self, kind: str, *, optional: bool = False) -> Any:
        found = self.kinds[kind]
        _check(
            len(found) == 1 or (optional and not found),
            f"expected exactly one {kind}, found {len(found)}",
        )
        return found[0] if found else None

    def deadline(self, name: str) -> int:
        if name == "dispute_end":  # §13.2: the result's time of record plus the dispute window
            recorded = self.need("recorded")[self.one("draw.result").leaf]
            return int(recorded + self.definition["dispute_window_ms"])
        return int(self.definition["deadlines"][name])

    def before(self, x: Logged, name: str) -> bool:
        """Logged before deadline ``name`` (§13.2): below its time point's tree size, or every
        statement is, when the bundle's last pulse precedes the deadline."""
        tp = self.time_points.get(name)
        return x.leaf < tp.head.tree_size if tp else self.pulse.time_ms < self.deadline(name)

    def after(self, x: Logged, name: str) -> bool:
        tp = self.time_points.get(name)
        return tp is not None and x.leaf >= tp.head.tree_size

    def both_before(self, kind: str, x: Logged) -> bool:
        """Both the centre and the agent made ``kind`` before ``x``."""
        return {y.s.role for y in self.kinds[kind] if y.leaf < x.leaf} >= set(PARTIES)

    # -- §14.2–4: the beacon, the log, the time points ------------------------------------------

    def check_beacon(self) -> str:
        pulses = [
            self.pulse,
            *(p for tp in self.time_points.values() for p in (tp.previous, tp.pulse)),
            *(w.pulse for w in self.witnesses),
        ]
        return scope.check_beacon(self.certs, pulses, self.statements, self.anchors, self.crls)

    def check_log(self) -> str:
        return scope.check_log(self.statements, self.pulse, self.certs, self.head)

    def check_completeness(self) -> str:
        """§14.3a: the bundle holds the draw's whole scope chain (§7.6), from its publication.

        Leaving a statement out without a break needs two log entries at one place of
        the chain: a fork of the beacon's own signed log, which the left-out party's
        receipt proves (``--receipt``, §14.3b).
        """
        chain = [x for x in self.statements if x.s.subject == self.draw_id]
        shown = scope.check_chain(chain, scope="draw", first_kind="draw.publish")
        self.state["chain"] = chain
        return shown

    def check_time_of_record(self) -> str:
        """§14.4, §13.3: every statement's issued_at against the pulses either side of its leaf."""
        ws = self.witnesses
        order = [(w.pulse.chain, w.pulse.index) for w in ws]
        _check(
            order == sorted(set(order)),
            "witnesses are not in increasing (chainIndex, pulseIndex) order, each once",
        )
        sizes = [w.head.tree_size for w in ws]
        _check(sizes == sorted(sizes), f"witness tree sizes {sizes} decrease")
        for w in ws:
            pulse.verify_segment([w.pulse], self.certs, [w.head])
            if w.head.tree_size == 0:  # §7.4 has no proof from the empty tree; its head is fixed
                _check(
                    w.head.root_hash == EMPTY_ROOT and not w.consistency,
                    f"witness {w.pulse.name()}: not the empty tree's head with an empty proof",
                )
            else:
                merkle.verify_consistency(w.head, self.head, w.consistency)
        used: set[int] = set()
        recorded: dict[int, int] = {}
        for x in self.statements:
            what = f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
            i = next((i for i, w in enumerate(ws) if w.head.tree_size > x.leaf), None)
            _check(i is not None, f"{what}: no witness pulse covers it")
            assert i is not None
            after, before = ws[i].pulse, (ws[i - 1].pulse if i else None)
            if after.index != 1:  # its predecessor in the chain is the pulse before the leaf
                _check(before is not None, f"{what}: the pulse before {after.name()} is missing")
                assert before is not None
                pulse.check_link(before, after)
            else:  # a chain start: the last pulse of the previous chain, if there is one
                _check(
                    before is not None or after.chain == 1,
                    f"{what}: {after.name()} starts chain {after.chain}, but no earlier pulse is given",
                )
                _check(
                    before is None or before.time_ms < after.time_ms,
                    f"{what}: {after.name()} is not later than the pulse before it",
                )
            # §13.3: S = 0 for the beacon, whose clock is the pulses'; S_max for every party.
            s = 0 if x.s.role == "beacon" else MAX_SKEW_MS
            at = x.s.issued_at
            if before is not None:
                _check(
                    at >= before.time_ms - s,
                    f"{what}: issued_at {enc.format_time(at)} is more than {s} ms before "
                    f"{before.name()} of {enc.format_time(before.time_ms)}, which was made "
                    "before the leaf was logged",
                )
            end = after.time_ms + after.period + s
            _check(
                at < end,
                f"{what}: issued_at {enc.format_time(at)} is not before {enc.format_time(end)}, "
                f"{s} ms after the period of {after.name()}, which was made after the leaf was logged",
            )
            used.update({i, i - 1} if before is not None else {i})
            recorded[x.leaf] = after.time_ms
        unused = [ws[i].pulse.name() for i in range(len(ws)) if i not in used]
        _check(not unused, f"witnesses {unused} are on neither side of any statement")
        self.state["recorded"] = recorded
        return (
            f"{len(self.statements)} issued_at within their time of record, from {len(ws)} "
            f"witness pulses (S = 0 for the beacon, {MAX_SKEW_MS} ms for parties)"
        )

    def check_time_points(self) -> str:
        names = [n for n in TIME_POINTS[:5] if n != "snapshot" or self.definition["deadlines"][n]]
        if self.kinds["draw.result"]:
            names.append("dispute_end")
        _check(
            set(self.time_points) <= set(names),
            f"time points {sorted(set(self.time_points) - set(names))} do not belong",
        )
        shown = []
        for name in names:
            d, tp = self.deadline(name), self.time_points.get(name)
            # §13: the service adds dispute_end only once confirmed; without it, an objection
            # after the window cannot be told from one in it, and check_after_result fails closed.
            optional = name == "dispute_end" and not self.kinds["draw.confirm"]
            if tp is None:
                _check(
                    optional or self.pulse.time_ms < d,
                    f"time point {name} is missing, though {self.pulse.name()} is later",
                )
                continue
            _check(
                tp.deadline == d,
                f"time point {name}: deadline {enc.format_time(tp.deadline)}, not {enc.format_time(d)}",
            )
            pulse.verify_segment([tp.previous, tp.pulse], self.certs, [None, tp.head])
            _check(
                tp.previous.time_ms < d <= tp.pulse.time_ms,
                f"time point {name}: its pulses do not straddle the deadline",
            )
            merkle.verify_consistency(tp.head, self.head, tp.consistency)
            shown.append(
                f"{name} {enc.format_time(d)} → {tp.pulse.name()}, tree {tp.head.tree_size}"
            )
        return "; ".join(shown) or "no deadline has passed"

    # -- §14.5: signatures, chains and roles ---------------------------------------------------

    def check_signatures(self) -> str:
        for x in self.statements:
            try:
                identity.verify_statement(x.s)
            except CheckFailed as e:
                raise CheckFailed(f"leaf {x.leaf} ({x.s.kind}): {e}") from e
        return f"{len(self.statements)} signatures verify, each by its certificate's key"

    def check_certificates(self) -> str:
        scope.check_certificates(self.statements, self.anchors, self.crls)
        return (
            f"every certificate chains to the {len(self.anchors)} anchor(s) at its statement's "
            "issued_at, with the profile of its role; every registered certificate too"
        )

    def check_roles(self) -> str:
        registered: dict[bytes, str] = {}
        for x in self.statements:
            s, what = x.s, f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
            _check(s.tender_id == self.definition["tender_id"], f"{what}: tender {s.tender_id}")
            # Registrations name no draw: their subject is empty (§6.1).
            _check(
                s.subject == ("" if s.kind == "tender.register" else self.draw_id),
                f"{what}: subject {s.subject!r}",
            )
            scope.check_role(s, what, registered, KIND_ROLES, self.certs.values())
        return f"{len(registered)} registered parties; every statement is by a registered role"

    # -- §14.6–10: publication, commitments, snapshot, reveals, seed envelopes -----------------

    def check_publication(self) -> str:
        pub, cs = self.one("draw.publish"), self.one("draw.countersign")
        _check(
            pub.s.body["definition"] == self.encoded, "the published definition is not the bundle's"
        )
        _check(
            cs.leaf > pub.leaf and cs.s.body["definition_hash"] == self.def_hash,
            "no countersignature of it follows",
        )
        _check(self.before(cs, "commit"), "published or countersigned after the commit time point")
        return f"definition {_short(self.def_hash)} published and countersigned"

    def check_commitments(self) -> str:
        keys: dict[str, Logged] = {}
        commits: dict[str, Logged] = {}
        for kind, table in (("draw.opening_key", keys), ("draw.commit", commits)):
            for x in self.kinds[kind]:
                _check(
                    x.s.role not in table and self.before(x, "commit"),
                    f"leaf {x.leaf}: a second or late {kind}",
                )
                table[x.s.role] = x
        # §9.3: each key a P-256 point with its proof of possession; no key in both roles.
        opening_keys.check_announcements([(x.leaf, x.s) for x in keys.values()])
        envs: dict[bytes, Logged] = {}
        for x in self.kinds["envelope.submit"]:
            _check(
                x.s.body["purpose"] == "seed" and x.s.actor not in envs,
                f"leaf {x.leaf}: not one seed envelope per bidder",
            )
            _check(
                self.both_before("draw.opening_key", x) and self.before(x, "commit"),
                f"leaf {x.leaf}: outside its window",
            )
            envs[x.s.actor] = x
        self.state.update(keys=keys, commits=commits, envelopes=envs)
        freeze = self.one("draw.freeze", optional=True)
        if freeze is None:
            later = [
                k
                for k in ("draw.snapshot", "draw.reveal", "draw.key_release", "draw.result")
                if self.kinds[k]
            ]
            _check("commit" not in self.time_points and not later, "the draw.freeze is missing")
            self.state.update(freeze=None, result=None, missing=[])
            return "not frozen: the commit deadline had not passed"
        tp, b = self.time_points.get("commit"), freeze.s.body
        _check(tp is not None, "a freeze without the commit time point")
        assert tp is not None
        _check(
            (b["pulse_chain"], b["pulse_index"]) == (tp.pulse.chain, tp.pulse.index),
            "the freeze names another pulse",
        )
        _check(
            (b["tree_size"], b["root_hash"]) == (tp.head.tree_size, tp.head.root_hash),
            "the freeze names another tree head",
        )
        _check(freeze.leaf >= tp.head.tree_size, "the freeze precedes its pulse")
        frozen = sorted(x.leaf for x in [*commits.values(), *envs.values()])
        _check(
            b["commitments"] == frozen,
            f"the freeze lists leaves {b['commitments']}, the bundle has {frozen}",
        )
        self.state["freeze"] = freeze
        done = (
            f"{len(commits)} commitments and {len(envs)} seed envelopes frozen by {tp.pulse.name()}"
        )
        # §6.4: without both parties' opening key and commitment in the frozen set, the draw
        # is blocked at the freeze; nothing but a void may follow.
        missing = [r for r in PARTIES if r not in keys or r not in commits]
        self.state["missing"] = missing
        if not missing:
            return done
        who = " and the ".join(missing)
        later = [
            k
            for k in ("draw.snapshot", "draw.reveal", "draw.key_release", "draw.result")
            if self.kinds[k]
        ]
        _check(
            not later,
            f"the draw is blocked at the freeze (no opening key or commitment of the {who}, "
            f"§6.4), yet the bundle has {', '.join(later)}",
        )
        return f"{done}; blocked: no opening key or commitment of the {who} (at fault)"

    def check_snapshot(self) -> str:
        freeze, snap = self.need("freeze"), self.one("draw.snapshot", optional=True)
        uses = any(s["from_snapshot"] for s in self.definition["selections"])
        if freeze is None or not uses:
            _check(snap is None, "a snapshot in a draw that is not frozen or does not use one")
            self.state.update(snapshot=None, snapshot_hash=b"")
            return "not frozen yet" if uses else "no selection draws from a snapshot"
        if snap is None:
            # §6.4: without a snapshot the draw stays frozen (blocked once the snapshot time
            # point is out); no reveal, key release or result may follow.
            later = [k for k in ("draw.reveal", "draw.key_release", "draw.result") if self.kinds[k]]
            _check(not later, f"no draw.snapshot, yet the bundle has {', '.join(later)}")
            self.state.update(snapshot=None, snapshot_hash=b"")
            return (
                "blocked: no snapshot was signed before its deadline"
                if "snapshot" in self.time_points
                else "not signed yet"
            )
        ids = snap.s.body["bid_ids"]
        _check(
            snap.leaf > freeze.leaf and self.before(snap, "snapshot"),
            "the snapshot is outside its window",
        )
        _check(ids == sorted(set(ids), key=str.encode), "bid ids are not sorted and unique")
        digest = snapshot_hash(ids)
        self.state.update(snapshot=snap, snapshot_hash=digest)
        return f"{len(ids)} valid bids, snapshot hash {_short(digest)}"

    def check_reveals(self) -> str:
        freeze, commits, snap = self.need("freeze"), self.need("commits"), self.need("snapshot")
        seeds: dict[str, bytes] = {}
        if freeze is None:  # check_commitments saw no reveal without a freeze
            self.state["seeds"] = seeds
            return "not frozen yet"
        for x in self.kinds["draw.reveal"]:
            c = commits.get(x.s.role)
            _check(
                c and c.s.actor == x.s.actor and x.s.role not in seeds,
                f"leaf {x.leaf}: no frozen commitment to reveal",
            )
            _check(
                x.leaf > (snap or freeze).leaf and self.before(x, "reveal"),
                f"leaf {x.leaf}: reveal outside its window",
            )
            digest = commitment(self.draw_id, x.s.role, x.s.actor, x.s.body["seed"])
            _check(
                hmac.compare_digest(digest, c.s.body["commitment"]),
                f"the {x.s.role}'s seed does not open its commitment",
            )
            seeds[x.s.role] = x.s.body["seed"]
        self.state["seeds"] = seeds
        missing = [r for r in commits if r not in seeds]
        return f"revealed: {sorted(seeds) or 'none'}" + (
            f"; not revealed: {missing}" if missing else ""
        )

    def check_seed_envelopes(self) -> str:
        keys, envs, _ = self.need("keys"), self.need("envelopes"), self.need("seeds")
        released: dict[str, ec.EllipticCurvePrivateKey] = {}
        if self.need("freeze") is None:
            self.state.update(released=released, bidder_seeds={})
            return "not frozen yet"
        for x in self.kinds["draw.key_release"]:
            role, k = x.s.role, keys.get(x.s.role)
            _check(
                k and k.s.actor == x.s.actor and role not in released,
                f"leaf {x.leaf}: no announced key to release",
            )
            _check(
                (self.both_before("draw.reveal", x) or self.after(x, "reveal"))
                and self.before(x, "seed_open"),
                f"leaf {x.leaf}: release outside its window",
            )
            released[role] = envelope.load_private(
                x.s.body["private_key"], f"leaf {x.leaf}.private_key"
            )
            _check(
                envelope.public_bytes(released[role]) == k.s.body["public_key"],
                f"the {role}'s key is not its announced one",
            )
        _check(
            set(self.envelopes) == {x.s.body["envelope_id"] for x in envs.values()},
            "seed_envelopes are not the frozen ones",
        )
        status: dict[bytes, tuple[str, bytes]] = {}
        notes = []
        for fp, x in sorted(envs.items()):
            body = x.s.body
            data = self.envelopes[body["envelope_id"]]
            _check(
                (envelope.envelope_hash(data), len(data)) == (body["envelope_hash"], body["size"]),
                f"envelope {body['envelope_id']} does not match its envelope_hash and size",
            )
            if len(released) < 2:  # §10.2: key-not-released
                status[fp] = ("key-not-released", b"")
                continue
            try:
                h, seed = envelope.open_envelope(data, dict(released))
                bound = (
                    self.definition["tender_id"],
                    body["envelope_id"],
                    "seed",
                    self.draw_id,
                    fp,
                )
                _check(
                    (h.tender_id, h.envelope_id, h.purpose, h.draw_id, h.bidder) == bound,
                    "its header names another tender, envelope, draw or bidder",
                )
                status[fp] = ("included", seed)
            except CheckFailed as e:
                status[fp] = ("envelope-invalid", b"")
                notes.append(f"; {_short(fp)} envelope-invalid ({e.code}): {e}")
        self.state.update(released=released, bidder_seeds=status)
        counts = {
            s: [v[0] for v in status.values()].count(s)
            for s in sorted({v[0] for v in status.values()})
        }
        return (
            f"keys released: {sorted(released) or 'none'}; bidder seeds: {counts or 'none'}"
            + "".join(notes)
        )

    # -- §14.11: the result ------------------------------------------------------------------------

    def expected_seeds(self) -> list[tuple[str, bytes, str, bytes]]:
        """Seed entries in canonical order (§10.1) with their §10.2 status."""
        commits, seeds = self.need("commits"), self.need("seeds")
        out = [
            (r, commits[r].s.actor, "included" if r in seeds else "not-revealed", seeds.get(r, b""))
            for r in PARTIES
            if r in commits
        ]
        return out + [
            ("bidder", fp, st, seed) for fp, (st, seed) in sorted(self.need("bidder_seeds").items())
        ]

    def check_result(self) -> str:
        result = self.one("draw.result", optional=True)
        if result is None:
            self.state["result"] = None
            missing = self.need("missing")
            return (
                "no result: the draw was voided"
                if self.kinds["draw.void"]
                else f"no result: blocked at the freeze by the {' and the '.join(missing)}, "
                "awaiting a supervisor's void"
                if missing
                else f"no result yet: {self.phase()}"
            )
        freeze, envs, b = self.need("freeze"), self.need("envelopes"), result.s.body
        # §6.4: after the result time point the draw has failed; a later result would be a
        # second chance to compute (and the beacon's choice of the moment).
        _check(
            self.before(result, "result"),
            f"the result (leaf {result.leaf}) was logged after the result deadline "
            f"{enc.format_time(self.deadline('result'))}",
        )
        # §6.4: computing starts with both releases, the seed_open time point, or, without seed
        # envelopes, with the opening phase (both reveals or the reveal time point).
        opening = self.after(result, "reveal") or self.both_before("draw.reveal", result)
        _check(
            self.after(result, "seed_open")
            or self.both_before("draw.key_release", result)
            or (not envs and opening),
            "the result precedes the computing phase",
        )
        _check(b["definition_hash"] == self.def_hash, "the result names another definition")
        _check(
            (b["freeze_tree_size"], b["freeze_root_hash"])
            == (freeze.s.body["tree_size"], freeze.s.body["root_hash"]),
            "the result names another freeze tree head",
        )
        _check(
            b["snapshot_hash"] == self.need("snapshot_hash"), "the result names another snapshot"
        )
        _check(
            b["vdf_t"] == self.definition["vdf_t"], f"vdf_t {b['vdf_t']} is not the definition's"
        )
        used = sorted(
            x.leaf
            for k in ("draw.snapshot", "draw.reveal", "draw.key_release")
            for x in self.kinds[k]
        )
        _check(
            list(b["inputs"]) == used,
            f"the result's inputs {list(b['inputs'])} are not the leaves of the bundle's "
            f"snapshot, reveals and key releases {used}",
        )
        entries = [(e["role"], e["fingerprint"], e["status"], e["seed"]) for e in b["seeds"]]
        _check(
            entries == self.expected_seeds(),
            "the seed entries are not those the statements give (§10)",
        )
        combined = combined_seed(
            self.def_hash,
            TreeHead(b["freeze_tree_size"], b["freeze_root_hash"]),
            entries,
            b["snapshot_hash"],
        )
        _check(
            combined == b["combined_seed"],
            "combined_seed is not the §10.1 hash of the included seeds",
        )
        self.state["result"] = result
        included = sum(e[2] == "included" for e in entries)
        return f"{included} of {len(entries)} seeds included; combined seed {_short(combined)}"

    def check_vdf(self) -> str:
        result = self.need("result")
        if result is None:
            return "no result"
        b = result.s.body
        y, pi = vdf.element(b["y"], "y"), vdf.element(b["pi"], "pi", identity=True)
        vdf.verify(vdf.hash_to_group(b["combined_seed"]), y, pi, b["vdf_t"])
        r = vdf.output(y)
        _check(hmac.compare_digest(r, b["output"]), "output is not R = SHA-512(… Enc(y)) (§11.8)")
        self.state["R"] = r
        return f"T = {b['vdf_t']}, verified with {vdf.backend()}; R = {_short(r)}"

    def check_picks(self) -> str:
        result = self.need("result")
        if result is None:
            return "no result"
        snap = self.need("snapshot")
        expected = picks(self.definition, self.need("R"), snap.s.body["bid_ids"] if snap else ())
        _check(result.s.body["picks"] == expected, f"the picks are not those R gives: {expected}")
        self.state["picks"] = expected
        return "; ".join(f"{p['code']} = {', '.join(p['values'])}" for p in expected)

    # -- §14.12–13: after the result, the summary ------------------------------------------------

    def phase(self) -> str:
        """The §6.4 phase a draw without result or void has reached: its bundle is incomplete."""
        if self.need("freeze") is None:
            return "committing" if len(self.need("keys")) == 2 else "published"
        if self.need("missing"):
            return "frozen"  # blocked at the freeze (§6.4)
        if (
            any(s["from_snapshot"] for s in self.definition["selections"])
            and self.need("snapshot") is None
        ):
            return "frozen"
        if not (set(self.need("seeds")) >= set(PARTIES) or "reveal" in self.time_points):
            return "revealing"
        if self.need("envelopes") and not (
            len(self.need("released")) == 2 or "seed_open" in self.time_points
        ):
            return "opening"
        if "result" in self.time_points:
            return "failed"  # §6.4: no result by the result deadline, the beacon's fault
        return "computing"

    def check_after_result(self) -> str:
        result = self.need("result")
        objections, confirms, voids = (
            self.kinds[k] for k in ("draw.objection", "draw.confirm", "draw.void")
        )
        _check(len(confirms) + len(voids) <= 1, "more than one confirmation or void")
        if confirms or voids:  # nothing is accepted after the final statement but registrations
            end = (confirms + voids)[0].leaf
            _check(
                all(x.s.kind == "tender.register" for x in self.statements if x.leaf > end),
                "statements after the end",
            )
        if result is None:
            _check(not objections and not confirms, "objections or a confirmation without a result")
            final: str = "voided" if voids else self.phase()
            self.state["final"] = final
            return final
        for x in objections:
            _check(
                x.leaf > result.leaf and self.before(x, "dispute_end"),
                f"leaf {x.leaf}: objection outside the window",
            )
        for x in confirms:
            _check(
                x.s.body["result"] == result.s.hash and x.leaf > result.leaf,
                "the confirmation names another result",
            )
            _check(
                objections or self.after(x, "dispute_end"),
                "confirmed before the dispute window ended",
            )
        final = (
            "voided"
            if voids
            else ("resolved" if objections else "confirmed")
            if confirms
            else "disputed"
            if objections
            else "drawn"
        )
        self.state["final"] = final
        return final

    def check_summary(self) -> str:
        final, drawn = self.need("final"), self.state.get("picks", [])
        by_code = {p["code"]: p for p in drawn}
        values = [
            {k: s[k] for k in ("code", "label", "unit")}
            | {k: by_code[s["code"]][k] for k in ("indexes", "values")}
            for s in self.definition["selections"]
            if s["code"] in by_code
        ]
        seeds = [
            {"role": r, "fingerprint": fp.hex(), "status": st}
            for r, fp, st, _ in (self.expected_seeds() if self.state.get("result") else [])
        ]
        r = self.state.get("R")
        expected = {
            "state": final,
            "output": r.hex() if r else None,
            "values": values,
            "derived": derived(self.definition, drawn) if drawn else [],
            "seeds": seeds,
        }
        self.state["summary"] = expected
        found = differences(expected, self.summary, "summary")
        if found:
            shown = [
                f"{path}: expected {'none' if e is ... else _json(e)}, "
                f"the bundle has {'none' if g is ... else _json(g)}"
                for path, e, g in found[:3]
            ]
            more = f"; and {len(found) - 3} more" if len(found) > 3 else ""
            raise CheckFailed(
                f"the summary is not what the statements give: {'; '.join(shown)}{more}"
            )
        return f"state {final}"

    def run(self, report: Report) -> None:
        for name, step in (
            ("beacon-certificate", self.check_beacon),
            ("log", self.check_log),
            ("completeness", self.check_completeness),
            ("time-of-record", self.check_time_of_record),
            ("time-points", self.check_time_points),
            ("signatures", self.check_signatures),
            ("certificates", self.check_certificates),
            ("roles", self.check_roles),
            ("publication", self.check_publication),
            ("commitments", self.check_commitments),
            ("snapshot", self.check_snapshot),
            ("reveals", self.check_reveals),
            ("seed-envelopes", self.check_seed_envelopes),
            ("result", self.check_result),
            ("vdf", self.check_vdf),
            ("picks", self.check_picks),
            ("after-result", self.check_after_result),
            ("summary", self.check_summary),
        ):
            report.run(name, step)


def check_receipts(
    check: DrawCheck,
    receipts: Sequence[Any],
    anchors: Sequence[bytes] | None,
    crls: Sequence[bytes] = (),
) -> str:
    """§14.3b: every statement a party holds a receipt for is in the bundle, as receipted.

    A receipt's entry names its place in its scope's chain (§7.6). If it is a statement
    of this draw below the bundle's tree size, the bundle must hold that very entry at
    that leaf; a different entry at the same place of the chain is a fork of the log,
    which the receipt's pulse-signed tree head and the bundle's prove together.
    """
    by_leaf = {x.leaf: x for x in check.statements}
    by_seq = {x.link.seq: x for x in check.state.get("chain", [])}
    shown = []
    for i, doc in enumerate(receipts):
        report = verify_receipt(doc, anchors=anchors, crls=crls)
        bad = [c for c in report.checks if not c.ok and c.name != "pulse"]
        _check(not bad, f"receipt {i + 1} does not verify: {bad[0].detail if bad else ''}")
        leaf = enc.integer(doc["leaf_index"], "receipt.leaf_index")
        entry = enc.hexbytes(doc["entry"], "receipt.entry")
        link, s = records.decode_log_entry(entry)
        what = (
            f"receipt {i + 1} ({s.kind} by {s.role} {_short(s.actor)}, leaf {leaf}, seq {link.seq})"
        )
        if (s.tender_id, s.subject) != (check.definition["tender_id"], check.draw_id):
            shown.append(f"{what}: another scope")
            continue
        _check(
            leaf < check.head.tree_size,
            f"{what}: the bundle's tree (size {check.head.tree_size}) predates it; "
            "fetch a newer bundle",
        )
        held = by_leaf.get(leaf)
        if held is None or held.entry != entry:
            other = by_seq.get(link.seq)
            fork = (
                f"; the bundle's seq {link.seq} is leaf {other.leaf} ({other.s.kind}): the beacon "
                "logged two entries at one place of the draw's chain"
                if other is not None and other.leaf != leaf
                else ""
            )
            raise CheckFailed(f"{what}: the bundle leaves this statement out{fork}")
        shown.append(f"{what}: in the bundle")
    return "; ".join(shown)


def verify_bundle(
    doc: Any,
    anchors: Sequence[bytes] | None = None,
    *,
    crls: Sequence[bytes] = (),
    receipts: Sequence[Any] = (),
) -> Report:
    """Verify a proof bundle (§14). ``anchors`` are DER CA certificates; ``None`` uses the
    bundle's own, and then the report is at most VALID against those (``report.unanchored``).
    ``crls`` are DER CRLs applied to every chain (§3.2).

    ``receipts`` are receipts (§6.6) the caller holds: each statement of this draw they
    prove logged must be in the bundle (§14.3b).

    Raises :class:`ParseError` only when ``doc`` is not a proof bundle at all; everything
    else, a malformed member included, is a failed check of the report.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParseError("format", f"not a {FORMAT} document")
    report = Report(unanchored="" if anchors is not None else "the bundle's own trust anchors")
    try:
        check = DrawCheck(doc, anchors, crls)
    except VerifyError as e:
        report.fail("format", str(e))
        return report
    report.run("format", lambda: f"draw {check.draw_id}, {len(check.statements)} statements")
    report.values["anchors"] = {"source": check.anchor_source, "count": len(check.anchors)}
    check.run(report)
    if receipts:
        report.run("receipts", lambda: check_receipts(check, receipts, anchors, crls))
    # The values shown are the ones recomputed here, never the bundle's own summary.
    report.values.update(
        draw_id=check.draw_id, **check.state.get("summary", {"state": check.state.get("final")})
    )
    report.values["complete"] = bool(check.state.get("result") or check.kinds["draw.void"])
    # §13: the objections, confirmation and void as signed, each with its maker's reason.
    report.values["after_result"] = [
        {
            "kind": x.s.kind.removeprefix("draw."),
            "role": x.s.role,
            "actor": x.s.actor.hex(),
            "issued_at": enc.format_time(x.s.issued_at),
            "leaf": x.leaf,
            "reason": x.s.body.get("reason", ""),
        }
        for x in check.statements
        if x.s.kind in ("draw.objection", "draw.confirm", "draw.void")
    ]
    return report
