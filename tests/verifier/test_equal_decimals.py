"""Equal-valued decimal candidates (PROTOCOL.md §5.1): "0.65" and "0.650" cannot both appear.

Two spellings of one value would give that value two chances in a draw meant to be uniform
over values. The service refuses such a definition; the verifier finds a bundle with one
INVALID, naming both candidates.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from beacon.errors import InputError
from beacon.store import LogRepository, sqlite_url
from tests.service.deployment import definition, open_deployment
from tests.service.test_draw_flow import Ceremony
from tests.verifier.conftest import Served
from verifier import verify_bundle
from verifier.definition import parse_definition
from verifier.errors import ParseError

EQUAL = [
    pytest.param(["0.65", "0.650"], 1, "'0.650' has the value of candidates[0] '0.65'", id="0.65-0.650"),
    pytest.param(["1", "2", "1.0"], 2, "'1.0' has the value of candidates[0] '1'", id="1-1.0"),
    pytest.param(["0.5", "0.50", "0.500"], 1, "'0.50' has the value of candidates[0] '0.5'", id="three-spellings"),
    pytest.param(["0.95", "0.95"], 1, "'0.95' appears twice", id="same-string"),
]  # fmt: skip


@pytest.mark.parametrize(("candidates", "index", "message"), EQUAL)
def test_the_verifier_names_both_candidates(drawn: Served, candidates, index: int, message: str):
    doc = copy.deepcopy(drawn.bundle)
    doc["definition"]["selections"][1]["candidates"] = candidates
    with pytest.raises(
        ParseError, match=rf"selections\[1\]\.candidates\[{index}\]: {re.escape(message)}"
    ):
        parse_definition(doc["definition"], "definition")
    report = verify_bundle(doc, [])
    assert [(c.name, c.ok) for c in report.checks] == [("format", False)]
    assert message in report.checks[0].detail


def test_distinct_values_in_several_spellings_are_accepted(drawn: Served):
    doc = copy.deepcopy(drawn.bundle)
    doc["definition"]["selections"][1]["candidates"] = ["0.65", "0.650001", "0.7", "0.070"]
    parsed, _ = parse_definition(doc["definition"], "definition")
    assert parsed["selections"][1]["candidates"] == ["0.65", "0.650001", "0.7", "0.070"]


def test_the_service_refuses_a_published_definition_with_equal_values(tmp_path: Path):
    """The agent signs canonical definition bytes it built by hand: "0.65" and "0.650"."""
    d = open_deployment(tmp_path, sqlite_url(tmp_path / "beacon.sqlite3"))
    request_close = d.runtime.close
    c = Ceremony(d)
    c.register()
    spec = definition(
        selections=[{"code": "Q1", "label": "权重 Q1", "candidates": ["0.65", "0.651"]}],
        derived=[],
    )
    forged = spec.encode().replace(b"0.651", b"0.650")
    with d.runtime.database.read() as session:
        before = LogRepository(session).size()
    with pytest.raises(InputError, match=r"Q1: '0\.650' duplicates '0\.65'"):
        c.submit(c.agent.sign("draw.publish", spec.draw_id, {"definition": forged}))
    with d.runtime.database.read() as session:
        assert LogRepository(session).size() == before
    request_close()
