"""The authoring form is only a convenience over the canonical form (PROTOCOL.md §5.3).

parse_authoring expands an authored definition into the canonical JSON form and reads
that with DrawDefinition.from_dict, the one strict parser. The expected canonical form
is the definition's own canonical presentation (to_dict, §5.1) of the documented
examples in docs/examples/, so the expansion can be checked without a second parser.
"""

from __future__ import annotations

import json

import pytest

from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.definition_authoring import canonical_form
from beacon.errors import DefinitionError
from tests.conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"
# The test deployment's published delay parameters (tests/service/deployment.py).
DEPLOYMENT = {"vdf_rate": 3, "vdf_advantage": 1}


def authored(name: str) -> dict:
    return DEPLOYMENT | json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["definition.json", "definition-after-opening.json"])
def test_the_expansion_is_the_canonical_form(name):
    doc = authored(name)
    expanded = canonical_form(doc)
    definition = parse_authoring(doc)
    assert expanded == definition.to_dict()
    assert DrawDefinition.from_dict(expanded) == definition


def test_defaults_follow_from_the_windows():
    doc = authored("definition.json")
    doc.pop("vdf_t", None)
    doc["deadlines"].pop("result", None)
    definition = parse_authoring(doc)
    # §11.5 by hand: T = ⌈A_max · s · W⌉, W from the commit to the seed-open deadline, and
    # the result deadline 5/4 of T/s seconds after the seed-open deadline.
    d = definition.deadlines
    assert definition.vdf_t == max(1, -(-1 * 3 * (d.seed_open - d.commit) // 1000))
    assert d.result == d.seed_open + -(-definition.vdf_t * 1000 * 5 // (3 * 4))


def test_a_zero_rate_is_refused_not_divided_by():
    doc = authored("definition.json") | {"vdf_rate": 0}
    doc["deadlines"].pop("result", None)
    with pytest.raises(DefinitionError, match=r"vdf_rate: must be an integer in \[1, 2\^40\]"):
        parse_authoring(doc)


@pytest.mark.parametrize("name", ["commit", "seed_open"])
def test_a_null_window_deadline_is_refused_not_subtracted(name):
    """T and the result deadline follow from the commit and seed-open deadlines (§11.5):
    a null one is a DefinitionError naming it, never arithmetic on None."""
    doc = authored("definition.json")
    doc.pop("vdf_t", None)
    doc["deadlines"].pop("result", None)
    doc["deadlines"][name] = None
    with pytest.raises(DefinitionError, match=rf"^deadlines\.{name}: expected a time string"):
        parse_authoring(doc)
