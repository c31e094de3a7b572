"""Every parser, fed random and mutated input: only BeaconError subclasses, never a crash.

What a stranger can hand the service or a verifier (a POSTed statement, an uploaded
envelope, a downloaded bundle, pulse or receipt) goes through one of these parsers.
The contract (beacon/errors.py) is that bad input raises an InputError subclass
(EncodingError, DefinitionError, EnvelopeError, ...) naming the field; anything else
(KeyError, TypeError, ValueError, RecursionError, OverflowError, ...) is a bug, and so
is an accepted input that does not round-trip: ``decode(b).encode() == b`` for
canonical bytes (PROTOCOL.md §2.2) and ``from_dict(x.to_dict()) == x`` for JSON
(§2.4).

Valid inputs to mutate come from tests/fuzz/corpus.py (the project's vectors and a
whole in-process history). ``BEACON_FUZZ_EXAMPLES`` (default 100) sets the number of
examples per test; CI keeps the default, a deeper run sets e.g. 5000.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beacon.core import envelope as env
from beacon.core.bundle import ProofBundle
from beacon.core.definition import DrawDefinition, parse_authoring
from beacon.core.envelope.format import Header, marshal_prefix, read_prefix
from beacon.core.merkle import TreeHead
from beacon.core.pulse import Pulse
from beacon.core.statement import SignedStatement, Statement
from beacon.core.tender_bundle import TenderBundle
from beacon.errors import BeaconError, EnvelopeError, InputError
from beacon.service.receipts import Receipt
from tests.fuzz.corpus import Corpus, build
from tests.fuzz.strategies import JSON_VALUES, mutated_bytes, mutated_json

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

EXAMPLES = int(os.environ.get("BEACON_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return build(tmp_path_factory.mktemp("corpus"))


@dataclass(frozen=True)
class Parser:
    """A parser, where its valid inputs come from, and its round-trip law."""

    seeds: Callable[[Corpus], list[Any]]
    parse: Callable[[Any], Any]
    round_trip: Callable[[Any, Any], None]


def _bytes_law(encode: Callable[[Any], bytes]) -> Callable[[Any, Any], None]:
    def law(data: bytes, parsed: Any) -> None:
        assert encode(parsed) == data

    return law


def _canonical(doc: Any) -> str:
    # Type-exact: in Python True == 1 == 1.0, but in the JSON presentation they differ.
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def _json_law(parse: Callable[[Any], Any]) -> Callable[[Any, Any], None]:
    """One spelling per value (PROTOCOL.md §2.4): what is accepted is exactly ``to_dict``."""

    def law(doc: Any, parsed: Any) -> None:
        assert _canonical(parsed.to_dict()) == _canonical(doc)
        assert parse(parsed.to_dict()) == parsed

    return law


def _receipt_law(doc: Any, parsed: Receipt) -> None:
    """As :func:`_json_law`, but the receipt's pulse is a NIST pulse: its hex may be of
    either case, one case per value (§8.3), as :func:`_pulse_law` allows."""
    again = parsed.to_dict()
    assert _canonical({**again, "pulse": None}) == _canonical({**doc, "pulse": None})
    assert _canonical(again["pulse"]).lower() == _canonical(doc["pulse"]).lower()
    assert Receipt.from_dict(again) == parsed


def _prefix_law(data: bytes, parsed: Any) -> None:
    assert marshal_prefix(parsed.header, parsed.mac) == data[: parsed.size]
    assert parsed.header_bytes == parsed.header.encode()


def _read_prefix(data: bytes) -> Any:
    return read_prefix(io.BytesIO(data))


def _pulse_law(doc: Any, parsed: Pulse) -> None:
    # NIST serves upper-case hex and others lower case (§8.3): one case per value, either.
    assert _canonical(parsed.to_json()).lower() == _canonical(doc).lower()
    assert Pulse.from_json(parsed.to_json()) == parsed


def _authoring_law(_doc: Any, parsed: DrawDefinition) -> None:
    # Authoring is a convenience form: what it accepts must be a valid canonical definition.
    assert DrawDefinition.from_dict(parsed.to_dict()) == parsed
    assert DrawDefinition.decode(parsed.encode()) == parsed


BYTE_PARSERS = {
    "statement-bytes": Parser(
        lambda c: c.statements, Statement.decode, _bytes_law(Statement.encode)
    ),
    "signed-statement-bytes": Parser(
        lambda c: c.signed_statements, SignedStatement.decode, _bytes_law(SignedStatement.encode)
    ),
    "definition-bytes": Parser(
        lambda c: c.definitions, DrawDefinition.decode, _bytes_law(DrawDefinition.encode)
    ),
    "tree-head-bytes": Parser(lambda c: c.tree_heads, TreeHead.decode, _bytes_law(TreeHead.encode)),
    "envelope-header-record": Parser(
        lambda c: [read_prefix(io.BytesIO(e)).header_bytes for e in c.envelopes],
        Header.decode,
        _bytes_law(Header.encode),
    ),
    "envelope-file-prefix": Parser(lambda c: c.envelopes, _read_prefix, _prefix_law),
}
JSON_PARSERS = {
    "statement-json": Parser(
        lambda c: c.statement_docs, Statement.from_dict, _json_law(Statement.from_dict)
    ),
    "signed-statement-json": Parser(
        lambda c: c.signed_statement_docs,
        SignedStatement.from_dict,
        _json_law(SignedStatement.from_dict),
    ),
    "pulse-json": Parser(lambda c: c.pulses, Pulse.from_json, _pulse_law),
    "definition-json": Parser(
        lambda c: c.definition_docs, DrawDefinition.from_dict, _json_law(DrawDefinition.from_dict)
    ),
    "definition-authoring-json": Parser(
        lambda c: c.authoring_docs, parse_authoring, _authoring_law
    ),
    "tree-head-json": Parser(
        lambda c: c.tree_head_docs, TreeHead.from_dict, _json_law(TreeHead.from_dict)
    ),
    "receipt-json": Parser(lambda c: c.receipts, Receipt.from_dict, _receipt_law),
    "proof-bundle-json": Parser(
        lambda c: c.bundles, ProofBundle.from_dict, _json_law(ProofBundle.from_dict)
    ),
    "tender-bundle-json": Parser(
        lambda c: c.tender_bundles, TenderBundle.from_dict, _json_law(TenderBundle.from_dict)
    ),
}


def check(parser: Parser, value: Any) -> None:
    """Parse ``value``: a BeaconError is a refusal; success must round-trip."""
    try:
        parsed = parser.parse(value)
    except BeaconError:
        return
    parser.round_trip(value, parsed)


@pytest.mark.parametrize("name", list(BYTE_PARSERS))
def test_valid_byte_inputs_round_trip(name: str, corpus: Corpus) -> None:
    parser = BYTE_PARSERS[name]
    seeds = parser.seeds(corpus)
    assert seeds, f"no valid {name} inputs in the corpus"
    for data in seeds:
        parser.round_trip(data, parser.parse(data))


@pytest.mark.parametrize("name", list(JSON_PARSERS))
def test_valid_json_inputs_round_trip(name: str, corpus: Corpus) -> None:
    parser = JSON_PARSERS[name]
    seeds = parser.seeds(corpus)
    assert seeds, f"no valid {name} inputs in the corpus"
    for doc in seeds:
        parser.round_trip(doc, parser.parse(doc))


@pytest.mark.parametrize("name", list(BYTE_PARSERS))
@FUZZ
@given(data=st.data())
def test_mutated_bytes(name: str, corpus: Corpus, data: st.DataObject) -> None:
    parser = BYTE_PARSERS[name]
    check(parser, data.draw(mutated_bytes(parser.seeds(corpus)), label="input"))


@pytest.mark.parametrize("name", list(BYTE_PARSERS))
@FUZZ
@given(data=st.binary(max_size=512))
def test_random_bytes(name: str, data: bytes) -> None:
    check(BYTE_PARSERS[name], data)


@pytest.mark.parametrize("name", list(JSON_PARSERS))
@FUZZ
@given(data=st.data())
def test_mutated_json(name: str, corpus: Corpus, data: st.DataObject) -> None:
    parser = JSON_PARSERS[name]
    check(parser, data.draw(mutated_json(parser.seeds(corpus)), label="input"))


@pytest.mark.parametrize("name", list(JSON_PARSERS))
@FUZZ
@given(doc=JSON_VALUES)
def test_random_json(name: str, doc: Any) -> None:
    check(JSON_PARSERS[name], doc)


# -- whole envelope files: opening a mutated file fails opaquely, never otherwise ----------


def _openable(corpus_dir: Path) -> list[tuple[bytes, bytes, bytes]]:
    out = []
    for p in sorted((corpus_dir / "envelope").glob("valid-*.json")):
        v = json.loads(p.read_text())
        out.append(
            (
                bytes.fromhex(v["envelope"]),
                bytes.fromhex(v["shares"]["agent"]),
                bytes.fromhex(v["shares"]["centre"]),
            )
        )
    return out


@FUZZ
@given(data=st.data())
def test_mutated_envelope_files_open_or_fail_opaquely(data: st.DataObject) -> None:
    from tests.conftest import VECTORS

    files = _openable(VECTORS)
    index = data.draw(st.integers(0, len(files) - 1), label="file")
    original, agent, centre = files[index]
    mutated = data.draw(mutated_bytes([original]), label="file bytes")
    out = io.BytesIO()
    try:
        env.open(io.BytesIO(mutated), out, share_agent=agent, share_centre=centre)
    except EnvelopeError as e:
        assert str(e) == "envelope could not be opened"  # one opaque message (PROTOCOL.md §9.7)
        return
    except InputError as e:  # pragma: no cover - a share of the wrong size; cannot happen here
        raise AssertionError(f"unexpected refusal of the shares: {e}") from e
    # Opened: the bytes authenticated, so they are the original file (AEAD + header MAC).
    assert mutated == original
