"""``beacon audit uniformity`` on real proof bundles, a served beacon, and simulations.

The bundles come from real draws on an in-process beacon (tests/audit/drawn.py):
four Jiangsu K1/Q1 draws and two BID_SAMPLE draws of 3 of 7 valid bids. Expected
counts are read straight from the bundle files' JSON (the signed result
statement's picks), not from the audit code; simulated counts come from the
second implementation in tests/audit/reference_selection.py.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from beacon.audit import sources
from beacon.audit.sources import HttpStatusError, RemoteBeacon
from beacon.cli import main
from beacon.web import create_app
from tests.audit import reference_selection as ref
from tests.audit.drawn import BIDS, SAMPLE_K, Drawn, run_draws

URL = "http://beacon.test"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Drawn:
    d = run_draws(tmp_path_factory.mktemp("draws"), jiangsu=4, samples=2)
    yield d
    d.deployment.runtime.close()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", *args])
    return result.exit_code, result.output


def counts_from_files(files: list[Path]) -> dict[tuple[str, int, int], list[int]]:
    """(code, candidates, position) → counts, from each file's draw.result statement."""
    sizes = {"K1": 7, "Q1": 5, "BID_SAMPLE": len(BIDS)}
    seen: dict[tuple[str, int, int], Counter[int]] = {}
    for f in files:
        doc = json.loads(f.read_text())
        result = next(
            s for s in doc["statements"] if s["signed"]["statement"]["kind"] == "draw.result"
        )
        for pick in result["signed"]["statement"]["body"]["picks"]:
            for position, index in enumerate(pick["indexes"]):
                seen.setdefault((pick["code"], sizes[pick["code"]], position), Counter())[
                    index
                ] += 1
    return {k: [c[i] for i in range(k[1])] for k, c in seen.items()}


def lists_of(doc: dict) -> dict[tuple[str, int, int], dict]:
    return {(x["code"], x["candidates"], x["position"]): x for x in doc["lists"]}


class TestBundles:
    def test_counts_are_the_signed_picks(self, drawn: Drawn) -> None:
        files = sorted(drawn.files.values())
        code, out = run("uniformity", *map(str, files), "--json")
        assert code == 0, out
        doc = json.loads(out)
        assert doc["source"]["draws"] == 6 and doc["source"]["voided"] == 0
        assert doc["source"]["skipped"] == []
        got = lists_of(doc)
        expected = counts_from_files(files)
        assert set(got) == set(expected)
        assert len([k for k in got if k[0] == "BID_SAMPLE"]) == SAMPLE_K
        for key, counts in expected.items():
            assert got[key]["counts"] == counts
            assert got[key]["test"]["method"] == "exact"  # 2 or 4 draws: expected counts < 5
            assert got[key]["picks"] == (SAMPLE_K if key[0] == "BID_SAMPLE" else 1)

    def test_a_folder_is_its_files(self, drawn: Drawn) -> None:
        folder = next(iter(drawn.files.values())).parent
        _, by_folder = run("uniformity", str(folder), "--json")
        _, by_files = run("uniformity", *map(str, sorted(drawn.files.values())), "--json")
        assert lists_of(json.loads(by_folder)) == lists_of(json.loads(by_files))

    def test_text_report(self, drawn: Drawn) -> None:
        code, out = run("uniformity", *map(str, drawn.files.values()))
        assert code == 0, out
        assert "6 drawn proof bundle(s) from 6 file(s) (0 voided)" in out
        assert "K1, 7 candidates" in out and "BID_SAMPLE, 7 candidates, pick 3 of 3" in out
        assert "Equal probability is not rejected" in out

    def test_the_same_draw_twice_is_refused(self, drawn: Drawn) -> None:
        f = str(next(iter(drawn.files.values())))
        code, out = run("uniformity", f, f)
        assert code == 1
        assert "is given twice; counting it twice would bias the tally" in out

    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            ("picks", "the recorded picks do not follow from R"),
            ("output", "output is not R computed from y"),
            ("y", "the VDF does not verify"),
            ("vdf_t", "the result's T = 2001 is not the definition's 2000"),
        ],
        ids=["picks", "output", "y", "T"],
    )
    def test_results_that_do_not_follow_from_R_are_refused(
        self, drawn: Drawn, tmp_path: Path, edit: str, message: str
    ) -> None:
        source = drawn.files["JS-2026-0142-K1"]
        doc = json.loads(source.read_text())
        result = next(
            s for s in doc["statements"] if s["signed"]["statement"]["kind"] == "draw.result"
        )
        body = result["signed"]["statement"]["body"]
        if edit == "picks":
            pick = body["picks"][0]
            pick["indexes"][0] = (pick["indexes"][0] + 1) % 7
            pick["values"][0] = doc["definition"]["selections"][0]["candidates"][pick["indexes"][0]]
        elif edit == "output":
            body["output"] = ("0" if body["output"][0] != "0" else "1") + body["output"][1:]
        elif edit == "y":
            body["y"] = body["pi"]
        else:
            body["vdf_t"] += 1
        tampered = tmp_path / "tampered.json"
        tampered.write_text(json.dumps(doc))
        code, out = run("uniformity", str(tampered))
        assert code == 1
        assert f"draw JS-2026-0142-K1: {message}" in out

    def test_not_a_bundle(self, tmp_path: Path) -> None:
        bad = tmp_path / "x.json"
        bad.write_text('{"format": "something else"}')
        code, out = run("uniformity", str(bad))
        assert code == 1 and f"{bad}: bundle: missing member" in out


class TestServedBeacon:
    """--from URL, with the Flask test client behind the one HTTP seam."""

    @pytest.fixture
    def served(self, drawn: Drawn, monkeypatch: pytest.MonkeyPatch):
        client = create_app({"TESTING": True}, runtime=drawn.deployment.runtime).test_client()

        def fetch(url: str) -> bytes:
            assert url.startswith(URL)
            parts = urlsplit(url)
            response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            if response.status_code != 200:
                raise HttpStatusError(url, response.status_code, response.get_data(as_text=True))
            return response.data

        monkeypatch.setattr(sources, "http_get", fetch)
        return fetch

    def test_same_counts_as_the_files(self, drawn: Drawn, served) -> None:
        code, out = run("uniformity", "--from", URL, "--json")
        assert code == 0, out
        doc = json.loads(out)
        assert doc["source"]["kind"] == "beacon" and doc["source"]["draws"] == 6
        expected = counts_from_files(list(drawn.files.values()))
        assert {k: v["counts"] for k, v in lists_of(doc).items()} == expected

    def test_a_proof_not_yet_out_is_skipped_with_the_reason(self, served) -> None:
        def pending(url: str) -> bytes:
            if url.endswith("/proof"):
                raise HttpStatusError(url, 409, "the next pulse will commit it")
            return served(url)

        bundles, skipped = sources.remote_bundles(RemoteBeacon(URL, fetch=pending))
        assert bundles == [] and len(skipped) == 6
        assert skipped[0][1] == "proof not yet covered by a pulse (HTTP 409)"


class TestSimulation:
    @pytest.mark.parametrize(
        ("args", "n", "k", "draws"),
        [
            (["--candidates", "7"], 7, 1, 400),
            (["--candidates", "12", "--kind", "pick_k", "--k", "3"], 12, 3, 120),
            (["--candidates", "5", "--kind", "permutation"], 5, 5, 60),
        ],
        ids=["pick_one", "pick_k", "permutation"],
    )
    def test_counts_match_a_second_implementation(
        self, args: list[str], n: int, k: int, draws: int
    ) -> None:
        code, out = run(
            "uniformity", "--simulate", str(draws), *args, "--seed", "cli-test", "--json"
        )
        assert code == 0, out
        doc = json.loads(out)
        expected = ref.simulated_counts(b"cli-test", draws, n, k)
        got = lists_of(doc)
        assert sorted(got) == [("SIM", n, p) for p in range(k)]
        for p in range(k):
            assert got[("SIM", n, p)]["counts"] == expected[p]
        assert (
            doc["source"]["r_source"] == "counter"
            and "seed = 'cli-test'" in doc["source"]["r_values"]
        )
        method = "pearson" if draws / n >= 5 else "exact"
        assert {x["test"]["method"] for x in doc["lists"]} == {method}

    def test_urandom_source_is_marked_not_reproducible(self) -> None:
        code, out = run(
            "uniformity", "--simulate", "50", "--candidates", "3", "--r-source", "urandom", "--json"
        )
        assert code == 0, out
        doc = json.loads(out)
        assert doc["source"]["r_values"] == "os.urandom(64) per draw (not reproducible)"
        assert sum(doc["lists"][0]["counts"]) == 50

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ([], "give exactly one of PROOF.json files, --simulate N or --from URL"),
            (["--simulate", "10"], "--simulate needs --candidates K"),
            (["--simulate", "10", "--candidates", "5", "--kind", "pick_k"], "--k is required with --kind pick_k"),
            (["--simulate", "10", "--candidates", "5", "--k", "2"], "allowed only with it"),
            (["--simulate", "10", "--candidates", "5", "--from", URL], "give exactly one of"),
            (["--simulate", "10", "--candidates", "5", "--kind", "pick_k", "--k", "6"], "pick_k needs 1 <= k <= 5, got k = 6"),
            (["--simulate", "10", "--candidates", "0"], "0 is not in the range 1<=x<=10000"),
            (["--simulate", "5", "--candidates", "3", "--alpha", "1"], "1.0 is not in the range 0<x<1"),
            (["--from", "file:///etc"], "only http:// and https:// URLs are read"),
            (["--from", URL, "--candidates", "7"], "--candidates applies only with --simulate"),
            (["--from", URL, "--seed", "x", "--k", "2"], "--k, --seed apply only with --simulate"),
        ],
        ids=["no-source", "no-candidates", "pick_k-without-k", "k-without-pick_k", "two-sources",
             "k-above-n", "zero-candidates", "alpha", "file-url", "candidates-without-simulate",
             "seed-without-simulate"],
    )  # fmt: skip
    def test_usage_errors(self, args: list[str], message: str) -> None:
        code, out = run("uniformity", *args)
        assert code != 0
        assert message in out
