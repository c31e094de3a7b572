"""The verification procedure of a tender bundle (PROTOCOL.md §14.1), step by step.

A tender bundle (§13.4) carries every frozen bid's header and MAC but never its
payload. From the released opening keys this module recomputes every share and
header MAC, so every outcome of the opening record is rechecked except what only
the payload can show (a payload failure, the plaintext hash): those are reported
as not rechecked, and a bidder rechecks its own with its file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from verifier import encoding as enc
from verifier import envelope, identity, merkle, opening_keys, pulse, scope
from verifier.codecs import ID_VALUE
from verifier.errors import CheckFailed, ParseError, VerifyError
from verifier.merkle import TreeHead
from verifier.pulse import Pulse
from verifier.report import Report
from verifier.scope import Logged, TimePoint

FORMAT = "tender-beacon/v2/tender-bundle"
KIND_ROLES = {  # §6.3: who makes each kind a tender bundle carries
    "tender.register": ("beacon", "centre"),
    "tender.publish": ("agent",),
    "tender.opening_key": ("agent", "centre"),
    "envelope.submit": ("bidder",),
    "envelope.replace": ("bidder",),
    "envelope.withdraw": ("bidder",),
    "tender.key_release": ("agent", "centre"),
    "tender.opening": ("beacon",),
}
PARTIES = ("agent", "centre")
BID_KINDS = ("envelope.submit", "envelope.replace", "envelope.withdraw")  # §9.9 step 3a
TIME_POINTS = ("closing", "release")
MAX_KEYS_PER_ROLE = 2
MISSING = {  # §9.9 step 6: which party's keys are missing → the status
    ("agent",): "agent-key-missing",
    ("centre",): "centre-key-missing",
    ("agent", "centre"): "both-keys-missing",
}
PAYLOAD_REASONS = (  # §9.7: failures only the payload shows
    "nonce-truncated",
    "payload-truncated",
    "payload-auth-failed",
    "payload-empty-final-chunk",
    "payload-trailing-data",
)


def _check(ok: object, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


def _short(b: bytes) -> str:
    return b.hex()[:12] + "…"


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc[key]
    if not isinstance(value, list):
        raise ParseError(key, "expected a list")
    return value


class TenderCheck:
    """One tender bundle under verification: parsed strictly, then each ``check_*`` is a step."""

    def __init__(
        self, doc: dict[str, Any], anchors: Sequence[bytes] | None, crls: Sequence[bytes] = ()
    ) -> None:
        self.crls = tuple(crls)
        doc = enc.members(
            doc,
            "bundle",
            (
                "format",
                "tender_id",
                "trust_anchors",
                "beacon_certificates",
                "statements",
                "bid_headers",
                "log",
                "time_points",
            ),
        )
        self.tender_id = enc.string(doc["tender_id"], "tender_id", ID_VALUE)
        own = tuple(
            enc.b64(a, f"trust_anchors[{i}]") for i, a in enumerate(_list(doc, "trust_anchors"))
        )
        if len(set(own)) != len(own):
            raise ParseError("trust_anchors", "a certificate appears twice")
        self.anchors, self.anchor_source = (
            (own, "bundle") if anchors is None else (tuple(anchors), "given")
        )
        ders = [
            enc.b64(c, f"beacon_certificates[{i}]")
            for i, c in enumerate(_list(doc, "beacon_certificates"))
        ]
        if not ders or len(set(ders)) != len(ders):
            raise ParseError("beacon_certificates", "expected distinct certificates, at least one")
        self.certs = {hashlib.sha512(d).digest(): d for d in ders}
        self.statements = []
        for i, x in enumerate(_list(doc, "statements")):
            n = f"statements[{i}]"
            logged = Logged.parse(x, n)
            if logged.s.kind not in KIND_ROLES:
                raise ParseError(
                    f"{n}.signed", f"a {logged.s.kind} does not belong in a tender bundle"
                )
            self.statements.append(logged)
        self.headers: dict[str, tuple[bytes, bytes]] = {}
        for i, x in enumerate(_list(doc, "bid_headers")):
            n = f"bid_headers[{i}]"
            x = enc.members(x, n, ("envelope_id", "header", "mac"))
            eid = enc.string(x["envelope_id"], f"{n}.envelope_id", ID_VALUE)
            if eid in self.headers:
                raise ParseError("bid_headers", f"envelope {eid} appears twice")
            self.headers[eid] = (
                enc.hexbytes(x["header"], f"{n}.header"),
                enc.hexbytes(x["mac"], f"{n}.mac", 32),
            )
        log = enc.members(doc["log"], "log", ("tree_head", "pulse"))
        self.head = TreeHead.from_json(log["tree_head"], "log.tree_head")
        self.pulse = Pulse.from_json(log["pulse"], "log.pulse")
        self.time_points: dict[str, TimePoint] = {}
        for i, x in enumerate(_list(doc, "time_points")):
            name, point = TimePoint.parse(x, f"time_points[{i}]", TIME_POINTS)
            if name in self.time_points:
                raise ParseError("time_points", f"{name} appears twice")
            self.time_points[name] = point
        names = list(self.time_points)
        if names != sorted(names, key=TIME_POINTS.index):
            raise ParseError("time_points", f"not in deadline order: {names}")
        self.kinds = {k: [x for x in self.statements if x.s.kind == k] for k in KIND_ROLES}
        self.state: dict[str, Any] = {}

    def need(self, key: str) -> Any:
        if key not in self.state:
            raise CheckFailed(f"not checked: it depends on {key}, which failed")
        return self.state[key]

    def deadline(self, name: str) -> int:
        body = self.need("publish").s.body
        return int(body["bid_deadline" if name == "closing" else "release_deadline"])

    def before(self, x: Logged, name: str) -> bool:
        """Logged before deadline ``name`` (§13.2)."""
        tp = self.time_points.get(name)
        return x.leaf < tp.head.tree_size if tp else self.pulse.time_ms < self.deadline(name)

    def after(self, x: Logged, name: str) -> bool:
        tp = self.time_points.get(name)
        return tp is not None and x.leaf >= tp.head.tree_size

    # -- the beacon, the log, signatures and roles (as §14 steps 2–5) ---------------------

    def check_beacon(self) -> str:
        pulses = [
            self.pulse,
            *(p for tp in self.time_points.values() for p in (tp.previous, tp.pulse)),
        ]
        return scope.check_beacon(self.certs, pulses, self.statements, self.anchors, self.crls)

    def check_log(self) -> str:
        return scope.check_log(self.statements, self.pulse, self.certs, self.head)

    def check_completeness(self) -> str:
        """§14.1 step 2a: the bundle holds the tender's whole scope chain (§7.6): no bid,
        opening key, key release or registration can be left out without breaking it."""
        chain = [x for x in self.statements if x.s.subject == ""]
        return scope.check_chain(chain, scope="tender")

    def check_signatures(self) -> str:
        for x in self.statements:
            try:
                identity.verify_statement(x.s)
            except CheckFailed as e:
                raise CheckFailed(f"leaf {x.leaf} ({x.s.kind}): {e}") from e
        scope.check_certificates(self.statements, self.anchors, self.crls)
        return (
            f"{len(self.statements)} signatures verify; every certificate chains to the anchors "
            "with the profile of its role"
        )

    def check_roles(self) -> str:
        registered: dict[bytes, str] = {}
        for x in self.statements:
            s, what = x.s, f"leaf {x.leaf} ({x.s.kind} by {x.s.role})"
            _check(s.tender_id == self.tender_id, f"{what}: tender {s.tender_id}")
            _check(s.subject == "", f"{what}: subject {s.subject!r}, expected none (§9.9)")
            scope.check_role(s, what, registered, KIND_ROLES, self.certs.values())
        return f"{len(registered)} registered parties; every statement is by a registered role"

    # -- §9.9 steps 1–4: deadlines, keys, bids, the frozen set -----------------------------

    def check_publication(self) -> str:
        found = self.kinds["tender.publish"]
        _check(len(found) == 1, f"expected exactly one tender.publish, found {len(found)}")
        pub = found[0]
        b = pub.s.body
        _check(
            b["release_deadline"] > b["bid_deadline"],
            "the release deadline is not after the bid deadline",
        )
        early = [
            x.leaf for x in self.statements if x.s.kind != "tender.register" and x.leaf < pub.leaf
        ]
        _check(not early, f"leaves {early} precede the tender's publication")
        self.state["publish"] = pub
        return (
            f"bids until {enc.format_time(b['bid_deadline'])}, "
            f"keys released until {enc.format_time(b['release_deadline'])}"
        )

    def check_time_points(self) -> str:
        shown = []
        for name in TIME_POINTS:
            d, tp = self.deadline(name), self.time_points.get(name)
            if tp is None:
                _check(
                    self.pulse.time_ms < d,
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

    def check_opening_keys(self) -> str:
        # §9.3: each announcement proves possession of its key, and no key comes twice.
        opening_keys.check_announcements([(x.leaf, x.s) for x in self.kinds["tender.opening_key"]])
        seen: dict[bytes, str] = {}
        for x in self.kinds["tender.opening_key"]:
            point, role = x.s.body["public_key"], x.s.role
            try:
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            except ValueError as e:
                raise CheckFailed(f"leaf {x.leaf}: the opening key is not a P-256 point") from e
            _check(len(point) == 65, f"leaf {x.leaf}: the opening key is not an uncompressed point")
            _check(point not in seen, f"leaf {x.leaf}: the key was already announced")
            seen[point] = role
            _check(
                list(seen.values()).count(role) <= MAX_KEYS_PER_ROLE,
                f"leaf {x.leaf}: the {role} announces more than {MAX_KEYS_PER_ROLE} keys",
            )
            _check(
                self.before(x, "closing"), f"leaf {x.leaf}: a key announced after the closing pulse"
            )
        self.state["keys"] = [
            (x.leaf, x.s.role, x.s.body["public_key"]) for x in self.kinds["tender.opening_key"]
        ]
        return ", ".join(f"{r}: {list(seen.values()).count(r)} key(s)" for r in PARTIES)

    def keys_before(self, role: str, leaf: int) -> list[bytes]:
        """The role's announced public keys logged before ``leaf``, in log order."""
        return [k for at, r, k in self.need("keys") if r == role and at < leaf]

    def check_bids(self) -> str:
        """§14.1 step 6: replay every bidder's bid statements (§9.9 step 3a); the frozen bids
        are the standing ones, in the log order of the statements that brought them."""
        standing: dict[bytes, str] = {}  # bidder → the envelope id of its standing bid
        brought: dict[str, Logged] = {}  # envelope id → the statement that brought it
        ended: dict[str, str] = {}  # envelope id → "replaced by …" or "withdrawn"
        for x in self.statements:
            if x.s.kind not in BID_KINDS:
                continue
            b, actor = x.s.body, x.s.actor
            if x.s.kind == "envelope.withdraw":
                what = f"leaf {x.leaf} (withdrawal of {b['envelope_id']})"
            else:
                what = f"leaf {x.leaf} ({b['envelope_id']})"
            # §9.9 step 4: the service accepts no bid statement after the bid deadline.
            _check(
                self.before(x, "closing"),
                f"{what}: a bid {'withdrawn' if x.s.kind == 'envelope.withdraw' else 'logged'} "
                "after the closing pulse",
            )
            if x.s.kind == "envelope.submit":
                _check(
                    b["purpose"] == "bid", f"{what}: a {b['purpose']} envelope in a tender's bids"
                )
                _check(
                    actor not in standing,
                    f"{what}: a second bid by {_short(actor)} while its bid "
                    f"{standing.get(actor)} stands (replace or withdraw it first)",
                )
            else:
                named = b["replaces" if x.s.kind == "envelope.replace" else "envelope_id"]
                verb = "replaces" if x.s.kind == "envelope.replace" else "withdraws"
                _check(named in brought, f"{what}: {verb} {named}, which is no bid of this tender")
                _check(
                    brought[named].s.actor == actor,
                    f"{what}: {verb} {named}, another bidder's envelope",
                )
                _check(
                    standing.get(actor) == named,
                    f"{what}: {verb} {named}, which was already {ended.get(named)}",
                )
                del standing[actor]
                ended[named] = (
                    f"replaced by {b['envelope_id']}"
                    if x.s.kind == "envelope.replace"
                    else "withdrawn"
                )
            if x.s.kind != "envelope.withdraw":
                _check(b["envelope_id"] not in brought, f"{what}: the envelope id is used twice")
                _check(
                    all(self.keys_before(r, x.leaf) for r in PARTIES),
                    f"{what}: submitted before both parties announced an opening key",
                )
                brought[b["envelope_id"]] = x
                standing[actor] = b["envelope_id"]
        frozen = sorted((brought[e] for e in standing.values()), key=lambda x: x.leaf)
        ids = [x.s.body["envelope_id"] for x in frozen]
        self.state["history"] = [
            (e, x.s.actor, ended.get(e, "standing")) for e, x in brought.items()
        ]
        closed = "closing" in self.time_points
        expected = ids if closed else []
        _check(
            list(self.headers) == expected,
            f"bid_headers {list(self.headers)} are not the frozen bids {expected} in log order",
        )
        parsed = {}
        for x in frozen if closed else []:
            b = x.s.body
            header, mac = self.headers[b["envelope_id"]]
            try:
                h = envelope.parse_prefix(header, mac)
            except ParseError as e:
                raise CheckFailed(f"the header of {b['envelope_id']}: {e}") from e
            bound = (self.tender_id, b["envelope_id"], "bid", "", x.s.actor)
            _check(
                (h.tender_id, h.envelope_id, h.purpose, h.draw_id, h.bidder) == bound,
                f"the header of {b['envelope_id']} names another tender, envelope, purpose or bidder",
            )
            _check(
                b["size"] >= 8 + len(header) + len(mac),
                f"{b['envelope_id']}: its signed size {b['size']} is shorter than its header",
            )
            for role in PARTIES:  # the service refuses a bid not sealed to every announced key
                have = {s[1] for s in h.stanzas if s[0] == role}
                for k in self.keys_before(role, x.leaf):
                    _check(
                        envelope.key_id(k) in have,
                        f"{b['envelope_id']}: not sealed to the {role} key {_short(k)} announced before it",
                    )
            parsed[b["envelope_id"]] = h
        self.state.update(frozen=frozen if closed else [], parsed=parsed)
        replaced = sum(v.startswith("replaced") for v in ended.values())
        changes = (
            f" ({replaced} replaced and {len(ended) - replaced} withdrawn envelope(s) not counted)"
            if ended
            else ""
        )
        return f"{len(frozen)} bid(s){changes}, " + (
            f"all frozen below tree size {self.time_points['closing'].head.tree_size}"
            if closed
            else "not closed yet"
        )

    # -- §9.9 steps 5–6: key releases and the opening record --------------------------------

    def check_releases(self) -> str:
        released: dict[str, dict[bytes, ec.EllipticCurvePrivateKey]] = {}
        for x in self.kinds["tender.key_release"]:
            role, what = x.s.role, f"leaf {x.leaf} (the {x.s.role}'s release)"
            _check(role not in released, f"{what}: a second release")
            _check(self.after(x, "closing"), f"{what}: logged before the closing pulse")
            _check(self.before(x, "release"), f"{what}: logged after the release deadline's pulse")
            keys = {}
            for i, der in enumerate(x.s.body["private_keys"]):
                key = envelope.load_private(der, f"leaf {x.leaf}.private_keys[{i}]")
                keys[envelope.public_bytes(key)] = key
            announced = self.keys_before(role, x.leaf)
            # §9.9 step 5: every announced key, each once, and nothing else.
            _check(
                len(keys) == len(x.s.body["private_keys"]) and sorted(keys) == sorted(announced),
                f"{what}: the released keys are not exactly the {len(announced)} key(s) the {role} announced",
            )
            released[role] = keys
        self.state["released"] = released
        late = [r for r in PARTIES if r not in released and "release" in self.time_points]
        return f"released: {sorted(released) or 'nobody'}" + (
            f"; not released by the deadline, the party's fault: {late}" if late else ""
        )

    def expected(self, x: Logged) -> tuple[str, str, bool]:
        """The outcome the keys and the header prove: (status, reason, payload-decided)."""
        released, h = self.need("released"), self.need("parsed")[x.s.body["envelope_id"]]
        missing = tuple(r for r in PARTIES if r not in released)
        if missing:
            return MISSING[missing], "share-missing", False
        try:
            shares = {
                r: envelope.role_share(h, r, [released[r][k] for k in self.keys_before(r, x.leaf)])
                for r in PARTIES
            }
        except CheckFailed as e:
            return "bidder-fault", e.code, False
        _, mac = self.headers[x.s.body["envelope_id"]]
        if not envelope.mac_matches(h, mac, shares["agent"], shares["centre"]):
            return "bidder-fault", "header-mac-mismatch", False
        return "opened", "", True

    def check_opening(self) -> str:
        found = self.kinds["tender.opening"]
        _check(len(found) <= 1, f"{len(found)} opening records")
        frozen, released = self.need("frozen"), self.need("released")
        if not found:
            self.state["outcomes"] = []
            return "no opening record yet"
        x = found[0]
        b = x.s.body
        tp = self.time_points.get("closing")
        used = [r.leaf for r in self.kinds["tender.key_release"]]
        _check(
            list(b["releases"]) == used,
            f"the opening used the key releases at leaves {list(b['releases'])}, the bundle has {used}",
        )
        _check(tp is not None, "an opening record without the closing time point")
        assert tp is not None
        _check(
            self.after(x, "release")
            or (
                set(released) == set(PARTIES)
                and all(r.leaf < x.leaf for r in self.kinds["tender.key_release"])
            ),
            "the opening record precedes both releases and the release deadline's pulse",
        )
        _check(
            (b["tree_size"], b["root_hash"]) == (tp.head.tree_size, tp.head.root_hash),
            "the opening names another tree head than the closing pulse's",
        )
        entries = b["openings"]
        named = [(e["envelope_id"], e["bidder"]) for e in entries]
        frozen_ids = [(y.s.body["envelope_id"], y.s.actor) for y in frozen]
        _check(
            named == frozen_ids,
            f"the opening names {[n for n, _ in named]}, the frozen set is {[n for n, _ in frozen_ids]}",
        )
        outcomes = []
        for y, e in zip(frozen, entries, strict=True):
            eid = e["envelope_id"]
            header, mac = self.headers[eid]
            _check(
                e["header_hash"] == envelope.header_hash(header, mac),
                f"{eid}: the opening record committed another header than the bundle's",
            )
            status, reason, by_payload = self.expected(y)
            if not by_payload:
                _check(
                    (e["status"], e["reason"], e["plaintext_sha256"], e["size"])
                    == (status, reason, b"", 0),
                    f"{eid}: recorded {e['status']} ({e['reason'] or 'no reason'}), "
                    f"the keys and header prove {status} ({reason or 'no reason'})",
                )
                outcomes.append((eid, y.s.actor, status, reason, "rechecked"))
                continue
            payload = y.s.body["size"] - 8 - len(header) - len(mac)
            if e["status"] == "opened":
                _check(
                    e["reason"] == "" and len(e["plaintext_sha256"]) == 32,
                    f"{eid}: an opened record without its plaintext hash",
                )
                _check(
                    envelope.payload_size(e["size"]) == payload,
                    f"{eid}: {e['size']} plaintext bytes cannot come from a payload of {payload}",
                )
            else:
                _check(
                    e["status"] == "bidder-fault"
                    and e["reason"] in PAYLOAD_REASONS
                    and (e["plaintext_sha256"], e["size"]) == (b"", 0),
                    f"{eid}: recorded {e['status']} ({e['reason']}), but the keys open its "
                    "header: only a payload failure can stop it",
                )
                _check(
                    payload >= 16 or e["reason"] == "nonce-truncated",
                    f"{eid}: a payload of {payload} bytes fails as nonce-truncated, not {e['reason']}",
                )
            outcomes.append(
                (eid, y.s.actor, e["status"], e["reason"], "shares and MAC rechecked; payload not")
            )
        self.state["outcomes"] = outcomes
        counts = {s: [o[2] for o in outcomes].count(s) for s in sorted({o[2] for o in outcomes})}
        return f"{len(outcomes)} outcome(s) match the released keys and headers: {counts}"

    def phase(self) -> str:
        if self.kinds["tender.opening"]:
            return "opened"
        if "closing" not in self.time_points:
            return "accepting"
        if set(self.need("released")) == set(PARTIES) or "release" in self.time_points:
            return "opening"
        return "releasing"

    def run(self, report: Report) -> None:
        for name, step in (
            ("beacon-certificate", self.check_beacon),
            ("log", self.check_log),
            ("completeness", self.check_completeness),
            ("signatures", self.check_signatures),
            ("roles", self.check_roles),
            ("publication", self.check_publication),
            ("time-points", self.check_time_points),
            ("opening-keys", self.check_opening_keys),
            ("bids", self.check_bids),
            ("releases", self.check_releases),
            ("opening", self.check_opening),
        ):
            report.run(name, step)


def verify_tender(
    doc: Any, anchors: Sequence[bytes] | None = None, *, crls: Sequence[bytes] = ()
) -> Report:
    """Verify a tender bundle (§14.1). ``anchors`` are DER CA certificates; ``None`` uses the
    bundle's own, and then the report is at most VALID against those (``report.unanchored``).

    Raises :class:`ParseError` only when ``doc`` is not a tender bundle at all.
    """
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParseError("format", f"not a {FORMAT} document")
    report = Report(unanchored="" if anchors is not None else "the bundle's own trust anchors")
    try:
        check = TenderCheck(doc, anchors, crls)
    except VerifyError as e:
        report.fail("format", str(e))
        return report
    report.run("format", lambda: f"tender {check.tender_id}, {len(check.statements)} statements")
    report.values["anchors"] = {"source": check.anchor_source, "count": len(check.anchors)}
    check.run(report)
    report.values["tender_id"] = check.tender_id
    try:
        report.values["state"] = check.phase()
    except VerifyError:
        report.values["state"] = None
    report.values["bids"] = [
        {"envelope_id": e, "bidder": fp.hex(), "status": st, "reason": r, "checked": how}
        for e, fp, st, r, how in check.state.get("outcomes", [])
    ]
    report.values["superseded"] = [
        {"envelope_id": e, "bidder": fp.hex(), "state": st}
        for e, fp, st in check.state.get("history", [])
        if st != "standing"
    ]
    report.values["complete"] = bool(check.kinds["tender.opening"])
    return report
