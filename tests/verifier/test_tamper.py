"""Tampering with a real proof bundle: every field, and random byte- and field-level edits.

Every leaf of the bundle's JSON is changed once (a hex digit, a base64 byte, a
millisecond, an integer, a flag, a character); each change must make the bundle
INVALID with the check that guards that field failing. A change that breaks strict
parsing must fail the ``format`` check naming the field's object. Then 500 random
byte-level and 500 random field-level edits (fixed seeds): none verifies, and none
raises anything but the verifier's own clean parse error.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.verifier.conftest import Served
from tests.verifier.test_omission import chain_positions
from verifier import verify_bundle
from verifier.encoding import format_time, timestamp
from verifier.errors import ParseError
from verifier.report import Report

Path = tuple[str | int, ...]


def leaves(doc: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from leaves(v, (*path, i))
    else:
        yield path, doc


def dotted(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def put(doc: Any, path: Path, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    target = doc
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return doc


BASE64 = re.compile(
    r"(trust_anchors\[\d+\]|beacon_certificates\[\d+\]|.*\.signed\.certificate|.*\.chain\[\d+\]|.*\.data)"
)


def mutate(path: str, value: Any) -> Any:
    """One small change of ``value`` that keeps its JSON type where it can."""
    if path.endswith(".algorithm"):
        return "ecdsa-p384-sha384" if value != "ecdsa-p384-sha384" else "ed25519"
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "X-1"
    if BASE64.fullmatch(path):
        raw = base64.b64decode(value)
        return base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", value):
        return format_time(timestamp(value, path) + 1)
    if re.fullmatch(r"(?:[0-9a-f]{2})+|(?:[0-9A-F]{2})+", value):
        digit = format(int(value[-1], 16) ^ 1, "x")
        return value[:-1] + (digit.upper() if value.isupper() else digit)
    return value + "x" if value else "ab"


def field_changes(bundle: Any) -> Iterator[tuple[str, Any]]:
    """Each leaf but ``format`` changed once by :func:`mutate`: (dotted path, document)."""
    for path, value in leaves(bundle):
        if path != ("format",):
            name = dotted(path)
            yield name, put(bundle, path, mutate(name, value))


# Leaves whose change breaks strict parsing (§2.2, §2.4, §8.3): enums, patterns, the
# uri that must name its pulse (so its chain and pulse index), suites and tag-like names.
FORMAT = re.compile(
    "|".join(
        (
            r"draw_id",
            r"definition\.(suite|draw_id|regime|deadlines\.snapshot|selections\[\d+\]\.(code|kind|k|value_type|from_snapshot|candidates\[\d+\])"
            r"|derived\[\d+\]\.(code|formula))",
            r"statements\[\d+\]\.signed\.statement\.(suite|kind|role)",
            r"statements\[\d+\]\.signed\.statement\.body\.(role|purpose|snapshot_hash|seeds\[\d+\]\.(role|status)|picks\[\d+\]\.code)",
            r"(log\.pulse|time_points\[\d+\]\.(pulse|previous)|witnesses\[\d+\]\.pulse)\.pulse\.(version|uri|chainIndex|pulseIndex|listValues\[\d\]\.(uri|type))",
            r"(log|time_points\[\d+\]|witnesses\[\d+\])\.tree_head\.suite",
            # The first witness is the chain's first pulse (before the first leaf): its links
            # are zero, and a non-zero link needs a uri (§8.3).
            r"witnesses\[0\]\.pulse\.pulse\.listValues\[\d\]\.value",
            r"time_points\[\d+\]\.name",
            # The test draw uses the least T and result deadline its windows allow, so one
            # more ms of exposure, squaring, s or A_max breaks the §11.5 rules at parsing.
            r"definition\.(deadlines\.seed_open|vdf_t|vdf_rate|vdf_advantage)",
        )
    )
)
# Every other leaf, by the check that guards it (first match).
GUARDS = [
    ("definition", r"definition\..*", "publication"),
    ("trust-anchor", r"trust_anchors\[\d+\]", "beacon-certificate"),
    ("beacon-certificate", r"beacon_certificates\[\d+\]", "log"),
    ("leaf-index", r"statements\[\d+\]\.leaf_index", "log"),
    ("chain-link", r"statements\[\d+\]\.chain\..*", "log"),
    ("inclusion-proof", r"statements\[\d+\]\.inclusion\[\d+\]", "log"),
    ("statement", r"statements\[\d+\]\.signed\..*", "signatures"),
    ("seed-envelope", r"seed_envelopes\[\d+\]\..*", "seed-envelopes"),
    ("log-head-and-pulse", r"log\..*", "log"),
    ("time-point", r"time_points\[\d+\]\..*", "time-points"),
    ("witness", r"witnesses\[\d+\]\..*", "time-of-record"),
    ("summary", r"summary\..*", "summary"),
]


def guard(path: str) -> str:
    if FORMAT.fullmatch(path):
        return "format"
    return next(check for _, pattern, check in GUARDS if re.fullmatch(pattern, path))


def test_every_leaf_has_a_guard(drawn: Served):
    paths = [dotted(p) for p, _ in leaves(drawn.bundle) if p != ("format",)]
    assert len(paths) > 500
    assert all(guard(p) for p in paths)
    assert {guard(p) for p in paths} == {"format"} | {check for _, _, check in GUARDS}


def rejected(report: Report, path: Path, expected: str) -> str | None:
    """Why ``report`` is not the expected rejection of the edit at ``path`` (None if it is)."""
    if report.valid:
        return "VALID"
    if expected == "format":  # the failure names the edited field's object
        parent, first = dotted(path[:-1]), report.checks[0]
        return (
            None
            if first.name == "format" and not first.ok and first.detail.startswith(parent)
            else str(report.checks[0])
        )
    if not report.checks[0].ok:
        return f"did not parse: {report.checks[0].detail}"
    return None if expected in report.failed() else f"failed {report.failed()}, not {expected}"


@pytest.mark.slow
@pytest.mark.parametrize("category", ["format", *(c for c, _, _ in GUARDS)])
def test_every_field_change_is_rejected_by_its_guard(drawn: Served, category: str):
    misses = []
    for path, value in leaves(drawn.bundle):
        name = dotted(path)
        expected = guard(name) if path != ("format",) else None
        if expected is None or category != (
            "format"
            if expected == "format"
            else next(c for c, pattern, _ in GUARDS if re.fullmatch(pattern, name))
        ):
            continue
        doc = put(drawn.bundle, path, mutate(name, value))
        assert doc != drawn.bundle
        why = rejected(verify_bundle(doc), path, expected)
        if why:
            misses.append(f"{name}: {why}")
    assert not misses, "\n".join(misses)


def test_the_format_member_itself_makes_the_document_unusable(drawn: Served):
    with pytest.raises(ParseError, match="not a tender-beacon/v2/proof-bundle document"):
        verify_bundle(put(drawn.bundle, ("format",), "tender-beacon/v2/proof-bundlex"))


# §8.2: hour/day/month/year link uris are not signed; only their shape is checked (see the
# xfail below). An edit confined to them is the one kind of change a bundle cannot show.
UNSIGNED = re.compile(r".*\.pulse\.listValues\[[1-4]\]\.uri")


def _verdict(doc: Any, original: Any) -> str:
    try:
        if not verify_bundle(doc).valid:
            return "INVALID"
    except ParseError:
        return "unusable"
    before, after = dict(leaves(original)), dict(leaves(doc))
    changed = {dotted(p) for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    return (
        "unsigned link uri" if changed and all(UNSIGNED.fullmatch(p) for p in changed) else "VALID"
    )


def byte_edits(bundle: Any, count: int = 500) -> Iterator[tuple[int, bytes]]:
    """``count`` random one-byte edits of ``bundle``'s JSON (fixed seed): (offset, edited bytes).

    Edits that leave the same document (whitespace, an equivalent escape) are not counted.
    """
    text = json.dumps(bundle).encode()
    rng, counted = random.Random(20261126), 0
    while counted < count:
        at = rng.randrange(len(text))
        edited = text[:at] + bytes([rng.randrange(256)]) + text[at + 1 :]
        try:
            if json.loads(edited) == bundle:
                continue
        except ValueError:
            pass
        counted += 1
        yield at, edited


@pytest.mark.slow
def test_random_byte_edits_never_verify(drawn: Served):
    verdicts = {"INVALID": 0, "unusable": 0, "not JSON": 0, "unsigned link uri": 0}
    for at, edited in byte_edits(drawn.bundle):
        try:
            doc = json.loads(edited)
        except ValueError:
            verdicts["not JSON"] += 1  # a clean parse error (beacon-verify exits 2)
            continue
        verdict = _verdict(doc, drawn.bundle)
        assert verdict != "VALID", f"byte {at} of the bundle edited and it still verifies"
        verdicts[verdict] += 1
    assert (
        verdicts["INVALID"] > 100
    )  # most edits land in a field and are caught by a check, not by JSON


def _random_edit(rng: random.Random, doc: Any) -> Any:
    """Change, retype, delete, duplicate or reorder something at a random place of ``doc``."""
    paths = [p for p, _ in leaves(doc)]
    path = rng.choice(paths)
    cut = rng.randrange(1, len(path) + 1)
    parent_path, key = path[: cut - 1], path[cut - 1]
    out = copy.deepcopy(doc)
    parent = out
    for p in parent_path:
        parent = parent[p]
    how = rng.choice(["mutate", "retype", "delete", "duplicate", "swap", "add"])
    if how == "mutate" and cut == len(path):
        parent[key] = mutate(dotted(path), parent[key])
    elif how == "retype":
        parent[key] = rng.choice(
            [None, 0, -1, 2**64, 1.5, True, "", "00", [], {}, "2026-11-26T08:10:00.000Z"]
        )
    elif how == "delete":
        del parent[key]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(key, copy.deepcopy(parent[key]))
    elif how == "swap" and isinstance(parent, list) and len(parent) > 1:
        other = rng.randrange(len(parent))
        parent[key], parent[other] = parent[other], parent[key]
    elif isinstance(parent, dict):
        parent[f"extra{rng.randrange(9)}"] = copy.deepcopy(parent[key])
    else:
        parent.append(copy.deepcopy(parent[key]))
    return out


def field_edits(bundle: Any, count: int = 500) -> Iterator[tuple[int, Any]]:
    """``count`` random structural edits of ``bundle`` (fixed seed): (number, edited document)."""
    rng, counted = random.Random(6), 0
    while counted < count:
        doc = _random_edit(rng, bundle)
        if doc == bundle:
            continue
        counted += 1
        yield counted, doc


@pytest.mark.slow
def test_random_field_edits_never_verify(drawn: Served):
    for counted, doc in field_edits(drawn.bundle):
        assert _verdict(doc, drawn.bundle) != "VALID", f"edit #{counted} still verifies"


# -- the witnesses (§13.3): the pulses either side of each leaf ----------------------------------


def _shift_result(doc: dict[str, Any], ms: int) -> None:
    x = next(x for x in doc["statements"] if x["signed"]["statement"]["kind"] == "draw.result")
    at = x["signed"]["statement"]["issued_at"]
    x["signed"]["statement"]["issued_at"] = format_time(timestamp(at, "issued_at") + ms)


# The drawn bundle's witnesses are pulses 1/1 (tree size 0), 1/2 and 1/11 (15: leaves 0-14
# lie between them) and 1/12 (21: the freeze at leaf 15 to the result at leaf 20).
WITNESS_EDITS = [
    pytest.param(
        lambda b: b["witnesses"].pop(0),
        r"^leaf 0 \(tender\.register by beacon\): the pulse before pulse 1/2 is missing",
        id="drop-the-first",
    ),
    pytest.param(
        lambda b: b["witnesses"].pop(1),
        r"^pulse 1/11 after pulse 1/1: not the next pulse of the same chain",
        id="drop-one-between",
    ),
    pytest.param(
        lambda b: b["witnesses"].pop(),
        r"^leaf 15 \(draw\.freeze by beacon\): no witness pulse covers it",
        id="drop-the-results-after",
    ),
    pytest.param(
        lambda b: b["witnesses"].insert(1, b["witnesses"].pop(2)),
        r"^witnesses are not in increasing \(chainIndex, pulseIndex\) order, each once",
        id="swap-two",
    ),
    pytest.param(
        lambda b: b["witnesses"].append(b["witnesses"][-1]),
        r"^witnesses are not in increasing \(chainIndex, pulseIndex\) order, each once",
        id="duplicate-one",
    ),
    pytest.param(
        lambda b: b["witnesses"][2].update(
            tree_head=b["witnesses"][1]["tree_head"] | {"tree_size": 14}
        ),
        r"^witness tree sizes \[0, 15, 14, 21\] decrease",
        id="shrink-a-tree-head",
    ),
    pytest.param(
        lambda b: _shift_result(b, 3_600_000),
        r"^leaf 20 \(draw\.result by beacon\): issued_at 2026-11-26T09:10:00\.000Z is not "
        r"before 2026-11-26T08:12:00\.000Z",
        id="result-issued-an-hour-later",
    ),
    pytest.param(
        lambda b: _shift_result(b, -1),
        r"^leaf 20 \(draw\.result by beacon\): issued_at 2026-11-26T08:09:59\.999Z is more "
        r"than 0 ms before pulse 1/11",
        id="result-issued-1ms-before-its-pulse",
    ),
]


@pytest.mark.parametrize(("edit", "message"), WITNESS_EDITS)
def test_witness_edits_fail_the_time_of_record(drawn: Served, edit, message: str):
    doc = copy.deepcopy(drawn.bundle)
    edit(doc)
    report = verify_bundle(doc)
    assert "time-of-record" in report.failed()
    assert re.search(message, next(c.detail for c in report.checks if c.name == "time-of-record"))


# -- what a bundle cannot show: pinned, so that a protocol change that closes them shows up --


UNSIGNED_URI = (
    "PROTOCOL.md §8.2: a list value's uri is not signed, so renumbering an hour "
    "link's uri (still an earlier pulse of the chain) cannot be detected outside a chain segment"
)


def _renumbered_hour_link(bundle: Any) -> Any:
    path = ("log", "pulse", "pulse", "listValues", 1, "uri")
    uri = bundle["log"]["pulse"]["pulse"]["listValues"][1]["uri"]
    return put(bundle, path, re.sub(r"/pulse/\d+$", "/pulse/2", uri))


@pytest.mark.xfail(reason=UNSIGNED_URI, strict=True)
def test_a_renumbered_hour_link_uri_is_rejected(drawn: Served):
    assert not verify_bundle(_renumbered_hour_link(drawn.bundle)).valid


def test_an_omitted_key_release_is_rejected(excluded: Served):
    doc = copy.deepcopy(excluded.bundle)
    doc["statements"] = [
        x for x in doc["statements"] if x["signed"]["statement"]["kind"] != "draw.key_release"
    ]
    assert not verify_bundle(doc).valid


# Omission of each statement kind, and of the last one with its receipt: test_omission.py.


def _swapped_links(bundle: Any) -> Any:
    doc = copy.deepcopy(bundle)
    chain = chain_positions(doc)
    a, b = chain[1], chain[2]
    doc["statements"][a]["chain"], doc["statements"][b]["chain"] = (
        doc["statements"][b]["chain"],
        doc["statements"][a]["chain"],
    )
    return doc


def test_the_chain_links_are_checked_not_only_the_numbers(drawn: Served):
    """Swapping two statements of the chain keeps every seq present but breaks the links."""
    report = verify_bundle(_swapped_links(drawn.bundle))
    assert not report.valid and "log" in report.failed()  # the entries no longer match the leaves


# -- every edit above, for the other implementations ------------------------------------------


def mutations(bundle: Any) -> Iterator[tuple[str, bytes]]:
    """Every edit of ``bundle`` this suite makes, as the bytes a verifier reads: (id, bytes).

    tests/verifier/test_browser_verifier.py runs the browser verifier on each and checks that
    it agrees with beacon-verify.
    """

    def text(doc: Any) -> bytes:
        return json.dumps(doc).encode()

    yield "format member", text(put(bundle, ("format",), "tender-beacon/v2/proof-bundlex"))
    for name, doc in field_changes(bundle):
        yield f"field {name}", text(doc)
    for param in WITNESS_EDITS:
        doc = copy.deepcopy(bundle)
        param.values[0](doc)
        yield f"witnesses {param.id}", text(doc)
    yield "chain links swapped", text(_swapped_links(bundle))
    yield "hour link uri renumbered", text(_renumbered_hour_link(bundle))
    for n, (at, edited) in enumerate(byte_edits(bundle), 1):
        yield f"byte edit #{n} at {at}", edited
    for n, doc in field_edits(bundle):
        yield f"field edit #{n}", text(doc)
