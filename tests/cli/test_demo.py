"""``beacon demo``: a whole draw in process, its proof bundle valid by schema and by the verifier."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from beacon.cli import main
from tests.conftest import ROOT
from verifier import verify_bundle

SCHEMA = json.loads((ROOT / "docs" / "proof-bundle.schema.json").read_text())


def demo(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "p.json"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "proof bundle written to" in result.output and "beacon-verify draw" in result.output
    return json.loads(out.read_text())


def reveals(bundle: dict) -> dict[str, str]:
    return {
        s["signed"]["statement"]["role"]: s["signed"]["statement"]["body"]["seed"]
        for s in bundle["statements"]
        if s["signed"]["statement"]["kind"] == "draw.reveal"
    }


def test_the_issue_command_writes_a_valid_bundle(tmp_path: Path):
    bundle = demo(tmp_path, "--bidders", "5", "--vdf-t", "100000")
    jsonschema.validate(bundle, SCHEMA)
    report = verify_bundle(bundle)
    assert report.valid, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert len(bundle["seed_envelopes"]) == 5
    assert {s["status"] for s in bundle["summary"]["seeds"]} == {"included"}
    assert bundle["definition"]["vdf_t"] == 100000


def test_a_kept_demo_ca_is_named_as_the_anchors(tmp_path: Path):
    """PROTOCOL.md §14: the printed command verifies against the demo CA, which --data-dir keeps."""
    out, data = tmp_path / "p.json", tmp_path / "data"
    result = CliRunner().invoke(
        main,
        ["demo", "--out", str(out), "--vdf-t", "1000", "--bidders", "1", "--data-dir", str(data)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    anchor = data / "ca" / "ca.pem"
    assert f"beacon-verify draw {out} --anchors {anchor}" in result.output
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(anchor.read_bytes()).public_bytes(Encoding.DER)
    report = verify_bundle(json.loads(out.read_text()), [der])
    assert (report.valid, report.verdict) == (True, "VALID")


def test_seed_from_reproduces_every_seed(tmp_path: Path):
    first = demo(tmp_path / "a", "--bidders", "2", "--vdf-t", "1000", "--seed-from", "贵阳-2026")
    second = demo(tmp_path / "b", "--bidders", "2", "--vdf-t", "1000", "--seed-from", "贵阳-2026")
    other = demo(tmp_path / "c", "--bidders", "2", "--vdf-t", "1000", "--seed-from", "another")
    assert reveals(first) == reveals(second) and len(reveals(first)) == 2
    assert reveals(first) != reveals(other)


def test_definition_file(tmp_path: Path):
    definition = {
        "draw_id": "CUSTOM-1",
        "tender_id": "CUSTOM",
        "title": "专家抽取",
        "selections": [
            {
                "code": "EXPERTS",
                "label": "评标专家",
                "kind": "pick_k",
                "k": 2,
                "value_type": "id",
                "candidates": ["E01", "E02", "E03", "E04", "E05"],
            }
        ],
        "deadlines": {
            "commit": "2026-12-01T09:00:00.000Z",
            "reveal": "2026-12-01T09:05:00.000Z",
            "seed_open": "2026-12-01T09:10:00.000Z",
        },
        "vdf_t": 2000,
        # §11.5: T = 2000 covers the 600 s exposure window at a declared 3/s, A_max 1.
        "vdf_rate": 3,
        "vdf_advantage": 1,
    }
    path = tmp_path / "def.json"
    path.write_text(json.dumps(definition, ensure_ascii=False))
    bundle = demo(tmp_path, "--definition", str(path), "--bidders", "1")
    picked = bundle["summary"]["values"][0]["values"]
    assert len(picked) == 2 and set(picked) <= {"E01", "E02", "E03", "E04", "E05"}
    assert verify_bundle(bundle).valid


@pytest.mark.parametrize(
    ("args", "lang", "shown"),
    [
        # 09:00Z + 8 h, as the issue's readers write the time.
        pytest.param([], "en_US.UTF-8", "commit 2026-12-01 17:00:00 Beijing time", id="beijing"),
        pytest.param([], "zh_CN.UTF-8", "commit 2026-12-01 17:00:00 北京时间", id="beijing-zh"),
        pytest.param(["--utc"], "zh_CN.UTF-8", "commit 2026-12-01T09:00:00.000Z", id="utc"),
    ],
)
def test_typed_beijing_deadlines_are_signed_in_utc_and_shown_back(
    tmp_path: Path, args: list[str], lang: str, shown: str
):
    definition = {
        "draw_id": "CUSTOM-2",
        "tender_id": "CUSTOM",
        "title": "专家抽取",
        "selections": [
            {"code": "E", "label": "专家", "value_type": "id", "candidates": ["E1", "E2"]}
        ],
        "deadlines": {
            "commit": "2026-12-01T17:00:00+08:00",
            "reveal": "2026-12-01T17:05:00+08:00",
            "seed_open": "2026-12-01T09:10:00Z",
        },
        "vdf_t": 2000,
        "vdf_rate": 3,
        "vdf_advantage": 1,
    }
    path, out = tmp_path / "def.json", tmp_path / "p.json"
    path.write_text(json.dumps(definition, ensure_ascii=False))
    result = CliRunner(env={"LC_ALL": None, "LC_MESSAGES": None, "LANG": lang}).invoke(
        main,
        ["demo", "--definition", str(path), "--bidders", "1", "--out", str(out), *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"deadlines: {shown}," in result.output
    signed = json.loads(out.read_text())["definition"]["deadlines"]
    assert (signed["commit"], signed["reveal"]) == (
        "2026-12-01T09:00:00.000Z",
        "2026-12-01T09:05:00.000Z",
    )


def test_bad_definition_file_names_the_field(tmp_path: Path):
    path = tmp_path / "def.json"
    path.write_text(
        json.dumps(
            {
                "draw_id": "X",
                "tender_id": "T",
                "title": "t",
                "vdf_t": 10,
                "selections": [
                    {"code": "K", "label": "k", "range": {"from": "0.95", "to": "0.98"}}
                ],
                "deadlines": {
                    "commit": "2026-12-01T09:00:00.000Z",
                    "reveal": "2026-12-01T09:05:00.000Z",
                    "seed_open": "2026-12-01T09:10:00.000Z",
                },
            }
        )
    )
    result = CliRunner().invoke(
        main, ["demo", "--definition", str(path), "--out", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 1
    assert "selections[0].range.step: a range needs an explicit step" in result.output
