"""Draw definitions (PROTOCOL.md §5): strict parsing, validation messages, round trips."""

from __future__ import annotations

import copy
import json

import pytest

from beacon.core.definition import DrawDefinition, Kind, parse_authoring
from beacon.errors import DefinitionError, EncodingError


def authoring() -> dict:
    """A Jiangsu "方法二"-style definition in the authoring form."""
    return {
        "draw_id": "JS-2026-0142-1",
        "tender_id": "JS-2026-0142",
        "section": "第1标段",
        "title": "评标基准价系数抽取",
        "regime": "before_opening",
        "selections": [
            {
                "code": "K1",
                "label": "下浮系数 K1",
                "range": {"from": "0.950", "to": "0.980", "step": "0.005"},
            },
            {
                "code": "Q1",
                "label": "权重 Q1",
                "candidates": ["0.65", "0.70", "0.75", "0.80", "0.85"],
            },
        ],
        "derived": [{"code": "Q2", "label": "权重 Q2", "formula": "1 - Q1"}],
        "deadlines": {
            "commit": "2026-11-26T09:00:00.000Z",
            "reveal": "2026-11-26T09:10:00.000Z",
            "seed_open": "2026-11-26T09:15:00.000Z",
        },
        "dispute_window_ms": 600000,
        "vdf_t": 100000,
        # PROTOCOL.md §11.5: T = 100000 covers A_max · s · W = 1 · 100/s · 900 s = 90000.
        "vdf_rate": 100,
        "vdf_advantage": 1,
    }


def test_range_expands_exactly_at_the_finest_scale():
    d = parse_authoring(authoring())
    assert d.selection("K1").candidates == (
        "0.950",
        "0.955",
        "0.960",
        "0.965",
        "0.970",
        "0.975",
        "0.980",
    )
    assert d.selection("Q1").kind is Kind.PICK_ONE and d.selection("Q1").k == 1


def test_derived_value_is_exact():
    d = parse_authoring(authoring())
    assert d.derived[0].evaluate({"Q1": "0.65", "K1": "0.950"}) == "0.35"


def test_canonical_round_trips():
    d = parse_authoring(authoring())
    assert DrawDefinition.decode(d.encode()) == d
    assert DrawDefinition.decode(d.encode()).encode() == d.encode()
    as_json = json.loads(json.dumps(d.to_dict()))
    assert DrawDefinition.from_dict(as_json) == d


def test_hash_changes_with_any_field():
    d = parse_authoring(authoring())
    doc = authoring()
    doc["selections"][1]["candidates"][0] = "0.60"
    assert parse_authoring(doc).hash() != d.hash()


def _mutate(path, value):
    def apply(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return doc

    return apply


_DELETE = object()

BAD = [
    (
        "duplicate-code",
        _mutate(["selections", 1, "code"], "K1"),
        r"selections\[1\]\.code: duplicate code 'K1'",
    ),
    (
        "empty-candidates",
        _mutate(["selections", 1, "candidates"], []),
        r"selections\[1\]\.candidates: Q1: the candidate list is empty",
    ),
    (
        "float-candidate",
        _mutate(["selections", 1, "candidates", 0], 0.65),
        r"selections\[1\]\.candidates\[0\]: expected a string, got float 0\.65",
    ),
    (
        "non-decimal",
        _mutate(["selections", 1, "candidates", 2], "75%"),
        r"selections\[1\]\.candidates\[2\]: '75%' is not an exact decimal string",
    ),
    (
        "exponent",
        _mutate(["selections", 1, "candidates", 2], "7.5E-1"),
        r"'7\.5E-1' is not an exact decimal string",
    ),
    (
        "leading-zero",
        _mutate(["selections", 1, "candidates", 2], "00.75"),
        r"'00\.75' is not an exact decimal string",
    ),
    (
        "same-value-two-spellings",
        _mutate(["selections", 1, "candidates", 1], "0.650"),
        r"Q1: '0\.650' duplicates '0\.65'",
    ),
    (
        "k-above-n",
        _mutate(
            ["selections", 1],
            {"code": "Q1", "label": "q", "kind": "pick_k", "k": 6, "candidates": ["1", "2", "3"]},
        ),
        r"selections\[1\]\.k: Q1: k = 6 exceeds the 3 candidates",
    ),
    (
        "pick-k-without-k",
        _mutate(
            ["selections", 1],
            {"code": "Q1", "label": "q", "kind": "pick_k", "candidates": ["1", "2"]},
        ),
        r"selections\[1\]\.k: pick_k needs k",
    ),
    (
        "range-without-step",
        _mutate(["selections", 0, "range"], {"from": "0.95", "to": "0.98"}),
        r"selections\[0\]\.range\.step: a range needs an explicit step \(from '0\.95' to '0\.98' is ambiguous\)",
    ),
    (
        "range-step-misses-end",
        _mutate(["selections", 0, "range", "step"], "0.007"),
        r"selections\[0\]\.range: the step '0\.007' does not reach 'to' '0\.980' exactly from '0\.950'",
    ),
    (
        "range-zero-step",
        _mutate(["selections", 0, "range", "step"], "0"),
        r"selections\[0\]\.range\.step: must be positive, got '0'",
    ),
    (
        "range-reversed",
        _mutate(["selections", 0, "range", "to"], "0.900"),
        r"'to' '0\.900' is below 'from' '0\.950'",
    ),
    (
        "both-list-and-range",
        _mutate(["selections", 0, "candidates"], ["1"]),
        r"selections\[0\]: give exactly one of 'candidates' or 'range'",
    ),
    (
        "reveal-before-commit",
        _mutate(["deadlines", "reveal"], "2026-11-26T08:59:59.999Z"),
        r"deadlines\.reveal: 2026-11-26T08:59:59\.999Z must be after the commit deadline 2026-11-26T09:00:00\.000Z",
    ),
    (
        "seed-open-before-reveal",
        _mutate(["deadlines", "seed_open"], "2026-11-26T09:10:00.000Z"),
        r"deadlines\.seed_open: 2026-11-26T09:10:00\.000Z must be after the reveal deadline",
    ),
    (
        "bad-time-format",
        _mutate(["deadlines", "commit"], "2026-11-26 09:00"),
        r"deadlines\.commit: '2026-11-26 09:00' is not an RFC 3339 date-time with an offset",
    ),
    (
        "impossible-date",
        _mutate(["deadlines", "commit"], "2026-02-30T09:00:00.000Z"),
        r"deadlines\.commit: .* is not a valid date",
    ),
    ("unknown-field", _mutate(["colour"], "red"), r"definition: unknown field\(s\) 'colour'"),
    ("missing-field", _mutate(["title"], _DELETE), r"definition: missing field\(s\) 'title'"),
    (
        "missing-delay-parameter",
        _mutate(["vdf_rate"], _DELETE),
        r"vdf_rate: missing; it is the deployment's published delay parameter",
    ),
    (
        "bad-code",
        _mutate(["selections", 0, "code"], "k1"),
        r"selections\[0\]\.code: 'k1' must match",
    ),
    (
        "bad-kind",
        _mutate(["selections", 0, "kind"], "pick_two"),
        r"selections\[0\]\.kind: 'pick_two' is not one of",
    ),
    ("vdf-t-zero", _mutate(["vdf_t"], 0), r"vdf_t: must be an integer in \[1, 2\^40\], got 0"),
    ("vdf-t-bool", _mutate(["vdf_t"], True), r"vdf_t: expected an integer, got bool"),
    ("bad-draw-id", _mutate(["draw_id"], "a b"), r"draw_id: 'a b' must be 1-64 of"),
    (
        "derived-unknown-code",
        _mutate(["derived", 0, "formula"], "1 - Q9"),
        r"derived\[0\]\.formula: '1 - Q9': 'Q9' is not a pick_one decimal selection",
    ),
    (
        "derived-two-codes",
        _mutate(["derived", 0, "formula"], "K1 - Q1"),
        r"must use exactly one selection code and one decimal constant",
    ),
    (
        "derived-bad-syntax",
        _mutate(["derived", 0, "formula"], "1-Q1"),
        r"derived\[0\]\.formula: '1-Q1' must be '<operand> <\+\|-\|\*> <operand>'",
    ),
    (
        "derived-clashes",
        _mutate(["derived", 0, "code"], "Q1"),
        r"derived\[0\]\.code: duplicate code 'Q1'",
    ),
    (
        "snapshot-before-opening",
        _mutate(["selections", 1], {"code": "BID", "label": "b", "from_snapshot": True}),
        r"selections\[1\]\.from_snapshot: BID: a before_opening draw cannot pick from the snapshot",
    ),
    (
        "snapshot-deadline-without-snapshot",
        _mutate(["deadlines", "snapshot"], "2026-11-26T09:05:00.000Z"),
        r"deadlines\.snapshot: no selection draws from the snapshot, so it must be null",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [(m, msg) for _, m, msg in BAD], ids=[name for name, _, _ in BAD]
)
def test_bad_definitions_are_rejected_naming_field_and_value(mutate, message):
    doc = mutate(copy.deepcopy(authoring()))
    with pytest.raises(DefinitionError, match=message):
        parse_authoring(doc)


def test_after_opening_draw_from_snapshot():
    doc = authoring()
    doc["regime"] = "after_opening"
    doc["selections"] = [
        {"code": "BID", "label": "抽取有效标", "kind": "pick_k", "k": 3, "from_snapshot": True}
    ]
    doc["derived"] = []
    doc["deadlines"]["snapshot"] = "2026-11-26T09:05:00.000Z"
    d = parse_authoring(doc)
    assert d.needs_snapshot and d.deadlines.snapshot > d.deadlines.commit
    del doc["deadlines"]["snapshot"]
    with pytest.raises(
        DefinitionError, match=r"deadlines\.snapshot: a draw that picks from the snapshot"
    ):
        parse_authoring(doc)


# The same three deadlines as authoring(), typed with other RFC 3339 offsets; each pair is
# the same instant by RFC 3339 §5.6 arithmetic (local time minus the offset is UTC).
BEIJING_DEADLINES = {
    "commit": "2026-11-26T17:00:00+08:00",
    "reveal": "2026-11-26t17:10:00.000+08:00",
    "seed_open": "2026-11-26T04:15:00-05:00",
}


def test_deadlines_with_offsets_give_the_same_signed_definition():
    doc = authoring()
    doc["deadlines"] = dict(BEIJING_DEADLINES)
    typed = parse_authoring(doc)
    assert typed.encode() == parse_authoring(authoring()).encode()
    assert typed.to_dict()["deadlines"]["commit"] == "2026-11-26T09:00:00.000Z"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param(
            "2026-11-26T17:00:00",
            r"deadlines\.commit: '2026-11-26T17:00:00' has no UTC offset, so it names no "
            r"instant; give an RFC 3339 date-time with an offset, such as "
            r"2026-12-04T21:42:59\+08:00",
            id="no-offset",
        ),
        pytest.param(
            "2026-11-26T17:00:00.0001+08:00",
            r"deadlines\.commit: .* is finer than a millisecond \(4 fraction digits\)",
            id="sub-millisecond",
        ),
        pytest.param(
            "2026-11-26T23:59:60+08:00",
            r"deadlines\.commit: .* is a leap second",
            id="leap-second",
        ),
    ],
)
def test_typed_deadlines_that_name_no_millisecond_are_refused(typed, message):
    doc = authoring()
    doc["deadlines"]["commit"] = typed
    with pytest.raises(DefinitionError, match=message):
        parse_authoring(doc)


class TestStrictCanonicalForms:
    def test_from_dict_keeps_the_one_spelling(self):
        # PROTOCOL.md §1: the canonical presentation has one spelling per time; offsets are
        # an authoring convenience only.
        doc = parse_authoring(authoring()).to_dict()
        doc["deadlines"]["commit"] = BEIJING_DEADLINES["commit"]
        with pytest.raises(
            DefinitionError,
            match=r"deadlines\.commit: '2026-11-26T17:00:00\+08:00' is not of the form "
            r"YYYY-MM-DDTHH:MM:SS\.sssZ",
        ):
            DrawDefinition.from_dict(doc)

    def test_from_dict_rejects_ranges(self):
        doc = parse_authoring(authoring()).to_dict()
        doc["selections"][0]["range"] = {"from": "1", "to": "2", "step": "1"}
        with pytest.raises(DefinitionError, match=r"selections\[0\]: unknown field\(s\) 'range'"):
            DrawDefinition.from_dict(doc)

    def test_decode_rejects_trailing_bytes(self):
        data = parse_authoring(authoring()).encode()
        with pytest.raises(EncodingError, match="trailing"):
            DrawDefinition.decode(data + b"\x00")

    def test_decode_rejects_another_version(self):
        data = parse_authoring(authoring()).encode()
        tag = b"tender-beacon/v2/definition"
        with pytest.raises(EncodingError, match="unknown record type or version"):
            DrawDefinition.decode(data.replace(tag, b"tender-beacon/v1/definition", 1))

    def test_decode_validates(self):
        d = parse_authoring(authoring())
        bad = d.encode().replace(b"0.955", b"0.950")  # same length: now a duplicate candidate
        with pytest.raises(DefinitionError, match="duplicates"):
            DrawDefinition.decode(bad)
