"""``beacon audit sp800-22``: output formats and error messages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from beacon.audit import expansion, to_packed
from beacon.cli import main


@pytest.fixture(scope="module")
def e_json():
    result = CliRunner().invoke(main, ["audit", "sp800-22", "--constant", "e", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_names_order_and_counts(e_json):
    assert e_json["bits"] == 1_000_000
    names = [t["name"] for t in e_json["tests"]]
    assert names == [
        "frequency",
        "block_frequency",
        "cumulative_sums",
        "runs",
        "longest_run",
        "rank",
        "dft",
        "non_overlapping_template",
        "overlapping_template",
        "universal",
        "approximate_entropy",
        "random_excursions",
        "random_excursions_variant",
        "serial",
        "linear_complexity",
    ]
    counts = {t["name"]: len(t["pvalues"]) for t in e_json["tests"]}
    assert counts == {
        **dict.fromkeys(names, 1),
        "cumulative_sums": 2,
        "non_overlapping_template": 148,
        "random_excursions": 8,
        "random_excursions_variant": 18,
        "serial": 2,
    }


@pytest.mark.parametrize(
    ("name", "index", "label", "expected"),
    [
        ("frequency", 0, "", 0.953749),
        ("cumulative_sums", 1, "reverse", 0.724265),
        ("non_overlapping_template", 0, "000000001", 0.078790),
        ("random_excursions", 4, "x=1", 0.786868),
        ("random_excursions_variant", 8, "x=-1", 0.826009),
        ("serial", 1, "p2", 0.462921),
    ],
    ids=["frequency", "cusum-reverse", "template-first", "excursion-+1", "variant--1", "serial-p2"],
)
def test_json_values_are_sts_appendix_b(e_json, name, index, label, expected):
    test = next(t for t in e_json["tests"] if t["name"] == name)
    assert test["labels"][index] == label
    assert test["pvalues"][index] == pytest.approx(
        expected, abs=1e-6, rel=0
    )  # SP 800-22 Appendix B


def test_human_table_for_a_binary_file(tmp_path):
    path = tmp_path / "e.bin"
    path.write_bytes(to_packed(expansion("e", 400_000)))
    result = CliRunner().invoke(main, ["audit", "sp800-22", str(path), "--format", "binary"])
    assert result.exit_code == 0, result.output
    assert "on 400000 bits" in result.output
    assert any(
        line.startswith("universal") and line.rstrip().endswith("pass")
        for line in result.output.splitlines()
    )


def test_ascii_file_with_bits_option(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("".join(map(str, expansion("e", 400_000))) + "\n")
    result = CliRunner().invoke(
        main, ["audit", "sp800-22", str(path), "--bits", "390000", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["bits"] == 390_000


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        pytest.param(
            ["--constant", "pi", "--bits", "1000"],
            None,
            "sequence too short: 1000 bits. rank needs 1024",
            id="too-short",
        ),
        pytest.param(
            [], "0101x", "byte 4 is b'x'; an ASCII sequence may hold only '0', '1'", id="bad-char"
        ),
        pytest.param(
            ["--bits", "100"], "0101", "asked for 100 bits, only 4 available", id="not-enough"
        ),
        pytest.param(
            ["--constant", "e"], "0101", "give exactly one of FILE or --constant", id="both"
        ),
    ],
)
def test_errors(tmp_path, args, content, message):
    argv = ["audit", "sp800-22", *args]
    if content is not None:
        path = tmp_path / "data.txt"
        path.write_text(content)
        argv.append(str(path))
    result = CliRunner().invoke(main, argv)
    assert result.exit_code != 0
    assert message in result.output


def test_neither_file_nor_constant():
    result = CliRunner().invoke(main, ["audit", "sp800-22"])
    assert result.exit_code == 2
    assert "give exactly one of FILE or --constant" in result.output
