"""``beacon-verify`` end to end: files offline, ``--from`` a beacon on a real socket, exit codes."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS
from tests.service.deployment import open_deployment
from tests.service.test_draw_flow import Ceremony
from tests.verifier.conftest import Served
from tests.verifier.test_bundle import STEPS
from verifier.cli import INVALID, UNANCHORED, UNUSABLE, VALID, main

DRAW = "JS-2026-0142-1"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc, ensure_ascii=False))
    return str(path)


def get(url: str) -> Any:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


# -- draw ---------------------------------------------------------------------------------------


def test_draw_with_the_bundles_anchors_says_so(drawn: Served, tmp_path: Path, capsys):
    # PROTOCOL.md §14: without --anchors every check passes, but against anchors the bundle
    # itself carries, so the verdict is not VALID and the exit status is its own.
    code, out, _ = run(capsys, "draw", write(tmp_path / "proof.json", drawn.bundle))
    assert code == UNANCHORED == 3
    lines = out.splitlines()
    assert (
        lines[0]
        == "trust anchors: the bundle's own (pass --anchors CA.pem to use anchors you trust)"
    )
    assert lines[1].startswith("✓ format: draw JS-2026-0142-1, 20 statements")
    assert lines[-3:] == [  # issue 12 item 8: said plainly, with where the CA certificate is
        "not VALID: the certificates were checked only against the bundle's own trust anchors, "
        "which anyone can write",
        "get the platform's CA certificate from the board at its /ca.pem, confirm its fingerprint "
        "with the centre, and run again with --anchors ca.pem",
        "VALID against the bundle's own trust anchors only, which anyone can write: not a "
        "verdict (pass --anchors CA.pem with the CA certificate you trust)",
    ]
    k1 = next(v for v in drawn.bundle["summary"]["values"] if v["code"] == "K1")
    assert f"  K1 下浮系数 K1: {k1['values'][0]} (index {k1['indexes']})" in lines
    assert f"draw {DRAW}: final state drawn, R = {drawn.bundle['summary']['output']}" in lines


def test_draw_with_given_anchors_as_json(drawn: Served, tmp_path: Path, capsys):
    code, out, _ = run(
        capsys,
        "draw",
        write(tmp_path / "p.json", drawn.bundle),
        "--anchors",
        str(drawn.ca_pem),
        "--json",
    )
    assert code == VALID
    report = json.loads(out)
    assert (report["valid"], report["verdict"], report["anchored"]) == (True, "VALID", True)
    assert report["values"]["anchors"] == {"source": "given", "count": 1}
    assert report["values"]["note"] == "trust anchors: those given with --anchors"
    assert [set(c) for c in report["checks"]] == [{"name", "ok", "detail"}] * len(STEPS)
    assert {k: report["values"][k] for k in drawn.bundle["summary"]} == drawn.bundle["summary"]


def test_tampered_draw_is_invalid_and_names_the_check(drawn: Served, tmp_path: Path, capsys):
    doc = json.loads(json.dumps(drawn.bundle))
    k1 = doc["summary"]["values"][0]
    k1["values"] = [
        "0.980" if k1["values"] != ["0.980"] else "0.950"
    ]  # another candidate than the drawn one
    code, out, _ = run(capsys, "draw", write(tmp_path / "p.json", doc))
    assert code == INVALID
    # The field and its two values, not the whole recomputed summary (issue 12 item 9).
    (drawn_k1,) = drawn.bundle["summary"]["values"][0]["values"]
    assert [line for line in out.splitlines() if line.startswith("✗")] == [
        "✗ summary: the summary is not what the statements give: summary.values[0].values[0]: "
        f'expected "{drawn_k1}", the bundle has "{k1["values"][0]}"'
    ]
    assert out.splitlines()[-1] == "INVALID"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read: No such file or directory"),
        (b"{not json", "not JSON"),
        (b'{"pulse": {}}', "not a document with 'format'"),
        (b'{"format": "tender-beacon/v2/receipt"}', "not a tender-beacon/v2/proof-bundle document"),
    ],
    ids=["missing", "not-json", "a-pulse", "a-receipt"],
)
def test_draw_of_unusable_input_exits_2(
    tmp_path: Path, capsys, content: bytes | None, message: str
):
    path = tmp_path / "proof.json"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "draw", str(path))
    assert (code, out) == (UNUSABLE, "")
    assert err.startswith("beacon-verify: unusable input:") and message in err


def test_an_unfinished_draw_is_valid_and_says_it_is_incomplete(unfinished, tmp_path: Path, capsys):
    doc = unfinished["revealing"]
    ca = tmp_path / "ca.pem"  # the CA the deployment used; the test trusts it
    ca.write_text(
        "-----BEGIN CERTIFICATE-----\n" + doc["trust_anchors"][0] + "\n-----END CERTIFICATE-----\n"
    )
    code, out, _ = run(capsys, "draw", write(tmp_path / "p.json", doc), "--anchors", str(ca))
    assert code == VALID
    assert out.splitlines()[-1] == "VALID (incomplete: no result yet, the draw is revealing)"


def test_draw_from_a_running_beacon(drawn: Served, beacon_url: str, tmp_path: Path, capsys):
    saved = tmp_path / "saved.json"
    code, out, _ = run(
        capsys,
        "draw",
        DRAW,
        "--from",
        beacon_url,
        "--anchors",
        str(drawn.ca_pem),
        "--save",
        str(saved),
    )
    assert code == VALID, out
    assert (
        run(capsys, "draw", str(saved), "--anchors", str(drawn.ca_pem))[0] == VALID
    )  # offline, later


def test_draw_from_an_unreachable_beacon_exits_2(capsys):
    code, _, err = run(capsys, "draw", DRAW, "--from", "http://127.0.0.1:9")
    assert code == UNUSABLE and "http://127.0.0.1:9/api/v1/draws/JS-2026-0142-1/proof" in err


# -- pulse and chain ----------------------------------------------------------------------------


def nist(tmp_path: Path, vector: str) -> tuple[list[str], str]:
    """The pulse files of a tests/vectors/pulse vector, and its certificate file."""
    v = json.loads((VECTORS / "pulse" / vector).read_text())
    pem = tmp_path / "cert.pem"
    pem.write_text("".join(v["certificates"].values()))
    return [write(tmp_path / f"{vector}-{i}.json", p) for i, p in enumerate(v["pulses"])], str(pem)


def test_a_real_nist_pulse_and_its_neighbour(tmp_path: Path, capsys):
    (previous, pulse), cert = nist(tmp_path, "nist-chain-1-pulses-54609-54610.json")
    code, out, _ = run(capsys, "pulse", pulse, "--cert", cert, "--previous", previous)
    assert code == VALID
    assert (
        "✓ pulse: pulse 1/54610 at 2018-07-23T19:26:00.000Z" not in out
    )  # pulse 54610 is not at the chain start
    assert out.splitlines()[0].startswith("✓ pulse: pulse 1/54610 at ")
    assert out.splitlines()[1].startswith("✓ neighbours: pulses 54609–54610 verify")
    code, out, _ = run(capsys, "pulse", previous, "--cert", cert, "--next", pulse)
    assert code == VALID and "✓ neighbours" in out


@pytest.mark.parametrize(
    ("vector", "cert", "line"),
    [
        (
            "nist-pulse-54610-time-edited.json",
            "nist-beacon-2018.pem",
            "✗ pulse: pulse 1/54610: the signature does not verify",
        ),
        (
            "chain-valid.json",
            "nist-beacon-2018.pem",
            "✗ pulse: pulse 1/1: no certificate hashes to 04fcbb214249f3c5…",
        ),
    ],
    ids=["time-edited", "another-beacons-certificate"],
)
def test_a_bad_pulse_is_invalid(tmp_path: Path, capsys, vector: str, cert: str, line: str):
    files, _ = nist(tmp_path, vector)
    code, out, _ = run(capsys, "pulse", files[0], "--cert", str(VECTORS / "data" / cert))
    assert code == INVALID and line in out.splitlines()


def test_a_chain_directory_reports_gaps_and_certificate_changes(tmp_path: Path, capsys):
    folder = tmp_path / "chain"
    folder.mkdir()
    v = json.loads((VECTORS / "pulse" / "chain-valid.json").read_text())
    write(folder / "page.json", {"pulses": v["pulses"], "tree_heads": v["tree_heads"]})
    for i, pem in enumerate(v["certificates"].values()):
        (folder / f"cert-{i}.pem").write_text(pem)
    code, out, _ = run(capsys, "chain", str(folder))
    assert code == UNANCHORED  # the certificates came with the pulses: nobody vouched for them
    assert out.splitlines()[0] == (
        "✓ chain 1: pulses 1–6 verify, 6 committing served tree heads; gaps (status 2) at [5]; "
        "certificate changes (status 4) at [6]"
    )
    assert out.splitlines()[-1].startswith(
        "VALID against certificates that came with the pulses only"
    )
    pinned = [str(p) for p in sorted(folder.glob("*.pem"))]
    for pem in pinned:
        Path(pem).rename(tmp_path / Path(pem).name)
    argv = [arg for p in pinned for arg in ("--cert", str(tmp_path / Path(p).name))]
    code, out, _ = run(capsys, "chain", str(folder), *argv)
    assert (code, out.splitlines()[-1]) == (VALID, "VALID")  # certificates the user pinned


def test_a_chain_with_an_unflagged_gap_is_invalid(tmp_path: Path, capsys):
    folder = tmp_path / "chain"
    folder.mkdir()
    v = json.loads((VECTORS / "pulse" / "gap-unflagged.json").read_text())
    for i, p in enumerate(v["pulses"]):
        write(folder / f"{i}.json", p)
    (folder / "certs.pem").write_text("".join(v["certificates"].values()))
    code, out, _ = run(capsys, "chain", str(folder))
    assert code == INVALID
    assert "✗ chain 1: pulse 1/5 after pulse 1/4: statusCode 0, expected 2" in out.splitlines()


def test_a_chain_from_a_running_beacon(drawn: Served, beacon_url: str, capsys):
    last = get(beacon_url + "/beacon/2.0/pulse/last")["pulse"]["pulseIndex"]
    argv = ["chain", "--from", beacon_url, "--chain", "1", "--start", "2"]
    code, out, _ = run(capsys, *argv, "--anchors", str(drawn.ca_pem))
    assert code == VALID
    assert out.startswith(
        f"✓ chain 1: pulses 2–{last} verify, {last - 1} committing served tree heads; gaps (status 2) at none"
    )
    assert out.splitlines()[1] == (
        "✓ certificates: each pulse's certificate is the beacon's and chains to the anchors at its time"
    )
    assert run(capsys, *argv)[0] == UNANCHORED  # the served certificates, unchecked


# -- receipts -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def receipts(drawn: Served, beacon_url: str) -> list[tuple[str, Any]]:
    """(statement hash, receipt) of the draw's first and last statements, as served."""
    statements = get(f"{beacon_url}/api/v1/draws/{DRAW}")["statements"]
    return [
        (s["hash"], get(f"{beacon_url}/api/v1/statements/{s['hash']}/receipt"))
        for s in (statements[0], statements[-1])
    ]


def test_a_receipt_offline(receipts, drawn: Served, tmp_path: Path, capsys):
    code, out, _ = run(
        capsys,
        "receipt",
        write(tmp_path / "r.json", receipts[0][1]),
        "--anchors",
        str(drawn.ca_pem),
    )
    assert code == VALID
    assert [line.split(":")[0] for line in out.splitlines()[:3]] == [
        "✓ statement",
        "✓ inclusion",
        "✓ pulse",
    ]
    assert out.splitlines()[0].endswith("its certificate chains to the anchors at its issued_at")
    assert out.splitlines()[2].endswith(
        "commits the tree head; its certificate is the beacon's and chains to the anchors"
    )
    code, out, _ = run(capsys, "receipt", str(tmp_path / "r.json"))
    assert code == UNANCHORED
    assert out.splitlines()[-1].startswith("VALID against the receipt's own certificates only")


def test_two_receipts_from_a_running_beacon_are_consistent(
    receipts, drawn: Served, beacon_url: str, capsys
):
    (old, first), (new, last) = receipts
    assert first["tree_head"]["tree_size"] < last["tree_head"]["tree_size"]
    code, out, _ = run(
        capsys, "receipt", old, "--newer", new, "--from", beacon_url, "--anchors", str(drawn.ca_pem)
    )
    assert code == VALID
    size_1, size_2 = first["tree_head"]["tree_size"], last["tree_head"]["tree_size"]
    assert f"✓ consistency: tree {size_1} is a prefix of tree {size_2}" in out.splitlines()


def test_consistency_offline_and_a_wrong_proof(
    receipts, drawn: Served, beacon_url: str, tmp_path: Path, capsys
):
    (_, first), (_, last) = receipts
    sizes = first["tree_head"]["tree_size"], last["tree_head"]["tree_size"]
    proof = get(f"{beacon_url}/api/v1/log/consistency-proof?first={sizes[0]}&second={sizes[1]}")
    files = [
        write(tmp_path / f"{n}.json", d)
        for n, d in (("old", first), ("new", last), ("proof", proof))
    ]
    anchors = ("--anchors", str(drawn.ca_pem))
    assert (
        run(capsys, "receipt", files[0], "--newer", files[1], "--consistency", files[2], *anchors)[
            0
        ]
        == VALID
    )
    proof["proof"][0] = "00" * 32
    write(tmp_path / "proof.json", proof)
    code, out, _ = run(capsys, "receipt", files[0], "--newer", files[1], "--consistency", files[2])
    assert code == INVALID
    assert (
        f"✗ consistency: tree size {sizes[0]} → {sizes[1]}: the consistency proof does not verify"
        in out
    )


def test_consistency_needs_a_proof(receipts, tmp_path: Path, capsys):
    (_, first), (_, last) = receipts
    files = [write(tmp_path / f"{n}.json", d) for n, d in (("old", first), ("new", last))]
    code, out, _ = run(capsys, "receipt", files[0], "--newer", files[1])
    assert code == INVALID
    sizes = first["tree_head"]["tree_size"], last["tree_head"]["tree_size"]
    assert (
        f"✗ consistency: trees {sizes[0]} and {sizes[1]} need a consistency proof: --consistency FILE or "
        "--from URL"
    ) in out.splitlines()


def test_a_tampered_receipt_is_invalid(receipts, tmp_path: Path, capsys):
    doc = json.loads(json.dumps(receipts[0][1]))
    doc["leaf_index"] += 1
    code, out, _ = run(capsys, "receipt", write(tmp_path / "r.json", doc))
    assert code == INVALID
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("✗")] == [
        "✗ inclusion"
    ]


def test_a_receipt_before_the_next_pulse_proves_less(tmp_path: Path, capsys):
    """Fresh from the ledger, a receipt has no pulse yet (§6.6): not enough, so INVALID."""
    from beacon.store import sqlite_url

    d = open_deployment(tmp_path, sqlite_url(tmp_path / "b.sqlite3"))
    try:
        c = Ceremony(d)
        receipt = c.submit(c.centre.register("agent", c.agent.certificate)).to_dict()
    finally:
        d.runtime.close()
    code, out, _ = run(capsys, "receipt", write(tmp_path / "r.json", receipt))
    assert code == INVALID
    assert (
        "✗ pulse: no pulse yet: the receipt proves only what the service said; fetch it again after the next pulse"
        in out
    )


def test_help_documents_the_receipt_design(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["receipt", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--newer RECEIPT" in text and "/api/v1/log/consistency-proof" in text


def test_help_documents_the_exit_statuses(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for status in (
        "0 VALID: every check passed against the anchors or certificates you gave",
        "1 INVALID",
        "2 unusable input",
        "3 VALID against the document's own anchors or certificates only: not a verdict",
    ):
        assert status in text
    assert UNANCHORED == 3
