"""docs/definition.schema.json, the documented examples, and the authoring parser agree.

The schema is published for authoring tools; beacon/core/definition.py is what
``beacon draw create`` runs. Each case below is the documented example with one change;
the schema and the parser must both accept it, or both refuse it (the parser's message
pinned). A second table lists the rules the schema says it cannot express, where only
the parser refuses.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from beacon.core.definition import parse_authoring
from beacon.errors import DefinitionError
from tests.conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "definition.schema.json").read_text())
EXAMPLES = ROOT / "docs" / "examples"
# What `beacon draw create` adds when the file leaves them out: the deployment's published
# delay parameters (here the test deployment's, tests/service/deployment.py).
DEPLOYMENT = {"vdf_rate": 3, "vdf_advantage": 1}
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

Doc = dict[str, Any]


def example(name: str = "definition.json") -> Doc:
    doc: Doc = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return doc


def parse(doc: Doc) -> None:
    parse_authoring(DEPLOYMENT | doc)


def test_the_schema_is_a_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", ["definition.json", "definition-after-opening.json"])
def test_the_examples_validate_and_parse(name: str):
    doc = example(name)
    assert list(VALIDATOR.iter_errors(doc)) == []
    parsed = parse_authoring(DEPLOYMENT | doc)
    assert parsed.draw_id == doc["draw_id"]


def test_the_example_expands_its_ranges():
    parsed = parse_authoring(DEPLOYMENT | example())
    # PROTOCOL.md §5.3: from, from + step, ..., to at the finest scale of the three.
    assert parsed.selection("K1").candidates == (
        "0.950",
        "0.955",
        "0.960",
        "0.965",
        "0.970",
        "0.975",
        "0.980",
    )
    assert parsed.selection("Q1").candidates == ("0.65", "0.70", "0.75", "0.80", "0.85")


def keys_of(schema: dict[str, Any]) -> set[str]:
    return set(schema["properties"])


def test_every_key_is_documented():
    """docs/examples/README.md has a row for each key of each object of the form."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    defs = SCHEMA["$defs"]
    objects = {
        "definition": keys_of(SCHEMA),
        "selection": keys_of(defs["selection"]),
        "range": keys_of(defs["range"]),
        "derived": keys_of(defs["derived"]),
        "deadlines": keys_of(defs["deadlines"]),
    }
    for where, keys in objects.items():
        for key in keys:
            assert re.search(rf"^\| `{re.escape(key)}` \|", text, re.M), (where, key)


def test_draw_create_help_names_the_example():
    from click.testing import CliRunner

    from beacon.cli import main

    result = CliRunner().invoke(main, ["draw", "create", "--help"], terminal_width=100)
    assert result.exit_code == 0
    assert "docs/examples/definition.json" in result.output
    assert "docs/definition.schema.json" in result.output


# -- one change to the example at a time -----------------------------------------------------


def edit(change: Callable[[Doc], object]) -> Doc:
    doc = copy.deepcopy(example())
    change(doc)
    return doc


def sel(i: int, **fields: object) -> Callable[[Doc], object]:
    return lambda d: d["selections"][i].update(fields)


def drop(*path: str | int) -> Callable[[Doc], object]:
    def change(d: Doc) -> None:
        target: Any = d
        for p in path[:-1]:
            target = target[p]
        del target[path[-1]]

    return change


def top(**fields: object) -> Callable[[Doc], object]:
    return lambda d: d.update(fields)


def after_opening(d: Doc) -> None:
    d.clear()
    d.update(example("definition-after-opening.json"))


def minimal(d: Doc) -> None:
    d.clear()
    d.update(
        draw_id="D-1",
        tender_id="T-1",
        title="K",
        selections=[{"code": "K", "label": "K", "candidates": ["0.95", "0.96"]}],
        deadlines=example()["deadlines"],
    )


K1_RANGE = {"from": "0.950", "to": "0.980", "step": "0.005"}

AGREE: list[tuple[str, Callable[[Doc], object], str | None]] = [
    # (id, change, None if both accept, else the parser's message as a regex)
    ("example", lambda d: None, None),
    ("minimal", minimal, None),
    ("after-opening-example", after_opening, None),
    ("ids-pick-k", sel(2, value_type="id", kind="pick_k", k=2, unit=""), None),
    ("permutation-without-k", sel(2, kind="permutation"), None),
    ("permutation-k-0", sel(2, kind="permutation", k=0), None),
    ("pick-one-k-1", sel(2, k=1), None),
    ("explicit-defaults", top(suite=1, redraw_of=None, section="-"), None),
    ("redraw-of", top(redraw_of="JS-2026-0142-0"), None),
    ("redraw-of-empty", top(redraw_of=""), None),
    ("explicit-vdf", top(vdf_t=10800, vdf_rate=3, vdf_advantage=1), None),
    ("explicit-result", lambda d: d["deadlines"].update(result="2026-12-18T06:00:00.000Z"), None),
    # RFC 3339 offsets (issue 12 item 1): Beijing time, a lower-case z, a space for T.
    ("beijing-time", lambda d: d["deadlines"].update(commit="2026-12-18T09:30:00+08:00"), None),
    ("lower-case-z", lambda d: d["deadlines"].update(commit="2026-12-18t01:30:00z"), None),
    (
        "offset-without-colon",
        lambda d: d["deadlines"].update(commit="2026-12-18T09:30:00+0800"),
        "deadlines.commit",
    ),
    ("snapshot-null", lambda d: d["deadlines"].update(snapshot=None), None),
    (
        "candidates-as-object",
        sel(2, candidates=K1_RANGE),
        r"selections\[2\]\.candidates: expected a JSON array of candidates, got an object; to give "
        r'the candidates as a range, write "range": \{"from": …, "to": …, "step": …\} in place of '
        r'"candidates" \(PROTOCOL\.md §5\.3\)',
    ),
    (
        "range-as-array",
        sel(0, range=["0.950", "0.980", "0.005"]),
        r'selections\[0\]\.range: expected a JSON object \{"from": …, "to": …, "step": …\}, got an array',
    ),
    (
        "range-without-step",
        sel(0, range={"from": "0.95", "to": "0.98"}),
        "a range needs an explicit step",
    ),
    ("range-unknown-key", sel(0, range=K1_RANGE | {"by": "1"}), r"unknown field\(s\) 'by'"),
    (
        "range-and-candidates",
        sel(0, candidates=["1"]),
        "give exactly one of 'candidates' or 'range'",
    ),
    ("neither", drop("selections", 0, "range"), "give exactly one of 'candidates' or 'range'"),
    ("range-of-ids", sel(0, value_type="id"), "only decimal selections can be given as a range"),
    (
        "range-bad-decimal",
        sel(0, range=K1_RANGE | {"step": ".005"}),
        "is not an exact decimal string",
    ),
    ("unknown-top-key", top(deadline="x"), r"definition: unknown field\(s\) 'deadline'"),
    (
        "unknown-selection-key",
        sel(1, values=["1"]),
        r"selections\[1\]: unknown field\(s\) 'values'",
    ),
    ("missing-title", drop("title"), r"definition: missing field\(s\) 'title'"),
    ("missing-deadline", drop("deadlines", "reveal"), r"deadlines: missing field\(s\) 'reveal'"),
    ("selections-as-object", top(selections={"K1": {}}), "selections: expected a JSON array"),
    ("no-selection", top(selections=[]), "need 1 to 32 selections, got 0"),
    ("pick-k-without-k", sel(2, kind="pick_k"), r"selections\[2\]\.k: pick_k needs k"),
    ("pick-k-k-0", sel(2, kind="pick_k", k=0), "pick_k needs k >= 1, got 0"),
    ("pick-one-k-2", sel(2, k=2), "pick_one has k = 1, got 2"),
    ("permutation-k-3", sel(2, kind="permutation", k=3), "k must be 0, got 3"),
    ("unknown-kind", sel(2, kind="pick_two"), "'pick_two' is not one of"),
    (
        "decimal-with-exponent",
        sel(2, candidates=["6", "1e1"]),
        "'1e1' is not an exact decimal string",
    ),
    ("decimal-leading-zero", sel(2, candidates=["06"]), "'06' is not an exact decimal string"),
    ("number-candidate", sel(2, candidates=[6, 7]), r"candidates\[0\]: expected a string"),
    ("id-with-space", sel(2, value_type="id", candidates=["bid 1"]), "is not a valid id"),
    ("repeated-candidate", sel(2, candidates=["6", "6"]), "'6' duplicates '6'"),
    ("lowercase-code", sel(0, code="k1"), r"'k1' must match \[A-Z\]"),
    ("bad-unit", sel(2, unit="percent!"), "must be up to 8 letters or % ‰"),
    ("empty-title", top(title=""), "title: must be 1-200 printable characters"),
    ("control-in-label", sel(0, label="K1\x07"), r"label: must be 1-200 printable characters"),
    ("long-section", top(section="段" * 201), "section: must be 1-200 printable characters"),
    ("draw-id-with-space", top(draw_id="JS 1"), "draw_id: 'JS 1' must be 1-64 of"),
    ("redraw-of-bad-id", top(redraw_of="-x"), "redraw_of: '-x' is not a valid draw id"),
    ("suite-2", top(suite=2), "unsupported suite 2, expected 1"),
    ("unknown-regime", top(regime="during_opening"), "'during_opening' is not one of"),
    ("vdf-t-0", top(vdf_t=0), r"vdf_t: must be an integer in \[1, 2\^40\]"),
    ("vdf-t-string", top(vdf_t="10800"), "vdf_t: expected an integer"),
    (
        "vdf-advantage-too-big",
        top(vdf_advantage=2**20 + 1),
        r"vdf_advantage: must be an integer in \[1, 2\^20\]",
    ),
    ("dispute-window-0", top(dispute_window_ms=0), "dispute_window_ms: must be positive"),
    ("dispute-window-true", top(dispute_window_ms=True), "dispute_window_ms: expected an integer"),
    ("naive-time", lambda d: d["deadlines"].update(commit="2026-12-18 09:30"), "deadlines.commit"),
    ("derived-no-spaces", lambda d: d["derived"][0].update(formula="1-Q1"), "must be '<operand> <"),
    (
        "derived-unknown-key",
        lambda d: d["derived"][0].update(value="0.3"),
        r"unknown field\(s\) 'value'",
    ),
    (
        "snapshot-in-before-opening",
        sel(2, from_snapshot=True),
        "from_snapshot selections take no candidates or range",
    ),
    (
        "before-opening-from-snapshot",
        lambda d: (
            d.update(selections=example("definition-after-opening.json")["selections"])
            or d["deadlines"].update(snapshot="2026-12-18T01:45:00.000Z")
        ),
        "a before_opening draw cannot pick from the snapshot",
    ),
    (
        "snapshot-deadline-without-snapshot",
        lambda d: d["deadlines"].update(snapshot="2026-12-18T01:45:00.000Z"),
        "no selection draws from the snapshot, so it must be null",
    ),
    (
        "snapshot-without-its-deadline",
        lambda d: after_opening(d) or d["deadlines"].pop("snapshot"),
        "needs a snapshot deadline",
    ),
    (
        "snapshot-of-decimals",
        lambda d: after_opening(d) or d["selections"][0].update(value_type="decimal"),
        "value_type must be 'id'",
    ),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in AGREE], ids=[c[0] for c in AGREE])
def test_the_schema_and_the_parser_agree(change: Callable[[Doc], object], message: str | None):
    doc = edit(change)
    schema_errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    if message is None:
        assert schema_errors == []
        parse(doc)
    else:
        assert schema_errors != [], "the schema accepts what the parser refuses"
        with pytest.raises(DefinitionError, match=message):
            parse(doc)


# -- what the schema says it cannot express: only the parser refuses ---------------------------

PARSER_ONLY: list[tuple[str, Callable[[Doc], object], str]] = [
    ("same-value-two-spellings", sel(2, candidates=["0.95", "0.950"]), "'0.950' duplicates '0.95'"),
    ("code-reused-by-derived", lambda d: d["derived"][0].update(code="Q1"), "duplicate code 'Q1'"),
    ("k-above-n", sel(2, kind="pick_k", k=8), "k = 8 exceeds the 7 candidates"),
    (
        "range-misses-to",
        sel(0, range=K1_RANGE | {"step": "0.007"}),
        "the step '0.007' does not reach 'to' '0.980' exactly",
    ),
    ("range-backwards", sel(0, range=K1_RANGE | {"from": "0.990"}), "is below 'from'"),
    (
        "derived-of-unknown-code",
        lambda d: d["derived"][0].update(formula="1 - Q9"),
        "'Q9' is not a pick_one decimal selection",
    ),
    (
        "deadlines-out-of-order",
        lambda d: d["deadlines"].update(reveal="2026-12-18T01:00:00.000Z"),
        "must be after the commit deadline",
    ),
    ("redraw-of-itself", top(redraw_of="JS-2026-0142-1"), "a re-draw needs a new draw id"),
    ("vdf-t-below-the-windows", top(vdf_t=10799), "is below A_max · s · W"),
]


@pytest.mark.parametrize(
    ("change", "message"), [c[1:] for c in PARSER_ONLY], ids=[c[0] for c in PARSER_ONLY]
)
def test_rules_only_the_parser_checks(change: Callable[[Doc], object], message: str):
    doc = edit(change)
    assert list(VALIDATOR.iter_errors(doc)) == []
    with pytest.raises(DefinitionError, match=message):
        parse(doc)
