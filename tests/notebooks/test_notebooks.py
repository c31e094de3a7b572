"""The audit notebooks run, at small scale, and report the facts they exist to show.

Each notebook is executed with nbclient on a kernel of this interpreter (a
kernelspec written to a temporary JUPYTER_PATH, so the project's .venv runs it),
with BEACON_NOTEBOOK_SCALE=small and BEACON_NOTEBOOK_SUMMARY pointing at a JSON
file the notebook's last cell writes. Expected values come from closed forms
(counts of enumerated inputs), from the second implementation of PROTOCOL.md §12
in tests/audit/reference_selection.py, from docs/AUDIT.md §5 (draws_needed(4, 0.2)
= 1444) and from the chain the notebook was asked to build.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from beacon.audit.sp800_22.suite import NAMES
from beacon.identity import ca
from tests.audit import reference_selection as ref
from tests.audit.chain import make_chain
from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
KERNEL = "beacon-tests"


@pytest.fixture(scope="module")
def jupyter_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec that starts ipykernel with this very interpreter."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "tender-beacon tests", "language": "python"})
    )
    return home


def execute(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path, **env: str
) -> dict:
    """Run notebook ``name`` at small scale in ``tmp_path``; return its summary."""
    summary = tmp_path / "summary.json"
    for key, value in {
        "JUPYTER_PATH": str(home),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
        "TMPDIR": str(tmp_path),  # the notebooks' own temporary folders land here
        "BEACON_NOTEBOOK_SCALE": "small",
        "BEACON_NOTEBOOK_SUMMARY": str(summary),
        **env,
    }.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    return json.loads(summary.read_text())


@pytest.mark.parametrize("name", ALL)
def test_committed_without_outputs_and_with_one_scale_switch(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in cells)
    first = cells[0].source
    assert 'SCALE = os.environ.get("BEACON_NOTEBOOK_SCALE", "small")' in first
    assert "FULL = " in first and "SMALL = " in first
    # Notebooks call beacon.audit and plot; statistics live in the library, not here.
    assert not any("scipy" in c.source for c in cells)


def test_four_notebooks() -> None:
    assert ALL == [
        "01-exact-uniformity.ipynb",
        "02-simulated-draws.ipynb",
        "03-sp800-22-beacon-output.ipynb",
        "04-chain-audit.ipynb",
    ]


@pytest.mark.slow
def test_exact_uniformity(tmp_path, monkeypatch, jupyter_home) -> None:
    s = execute("01-exact-uniformity.ipynb", tmp_path, monkeypatch, jupyter_home)
    assert s["scale"] == "small"
    assert s["discard"]["r_checked"] == 64
    assert s["discard"]["inputs"] == sum(2 ** (r - 1).bit_length() for r in range(1, 65))
    assert s["discard"]["deviations"] == 0 and s["discard"]["all_hits_one"] is True
    assert s["discard"]["max_discard_rate"] == 1 - 33 / 64  # r = 33: 31 of 64 inputs discarded
    assert s["shuffle"]["cases"] == sum(n + 1 for n in range(1, 7))
    assert s["shuffle"]["deviations"] == 0 and s["shuffle"]["tuples_match"] is True


@pytest.mark.slow
def test_simulated_draws(tmp_path, monkeypatch, jupyter_home) -> None:
    s = execute("02-simulated-draws.ipynb", tmp_path, monkeypatch, jupyter_home)
    draws = s["parameters"]["draws"]
    lists = s["many"]["lists"]
    assert len(lists) == 8 + 3  # eight pick_one lists and three positions of 3 of 12
    assert all(x["draws"] == draws and x["method"] == "pearson" for x in lists)
    assert all(0 <= x["pvalue"] <= x["holm"] <= 1 and x["bh"] <= x["holm"] for x in lists)
    assert isinstance(s["many"]["uniform"], bool)
    seed = s["seed"].encode()
    for x in s["exact"]:
        n = x["candidates"]
        assert x["method"] == "exact" and x["draws"] == 2 * n
        assert x["counts"] == ref.simulated_counts(seed, 2 * n, n, 1)[0]
        assert x["mid_pvalue"] <= x["pvalue"] <= 1
    assert [x["code"] for x in s["exact"]] == ["DELTA", "K", "K1", "Q1", "R2", "R3", "R33"]
    assert s["power"]["table"]["4"][s["power"]["deltas"].index(0.2)] == 1444  # docs/AUDIT.md §5
    assert s["calibration"]["chunks"] == 20 and s["calibration"]["chunk_draws"] == draws // 20


@pytest.mark.slow
def test_sp800_22_on_beacon_outputs(tmp_path, monkeypatch, jupyter_home) -> None:
    s = execute("03-sp800-22-beacon-output.ipynb", tmp_path, monkeypatch, jupyter_home)
    p = s["parameters"]
    values = math.ceil(p["pulse_sequences"] * p["sequence_bits"] / 512)
    # At 4,096 bits every test but the universal one (387,840 bits, docs/AUDIT.md) runs.
    assert s["runnable"] == [n for n in NAMES if n != "universal"]
    assert s["pulses"]["emitted"] == s["pulses"]["verified"] == values
    assert s["pulses"]["whole_stream"]["bits"] == 512 * values
    assert s["pulses"]["whole_stream"]["not_computable"] == ["universal"]
    assert s["pulses"]["second_level"]["sequences"] == p["pulse_sequences"]
    assert s["draws"]["outputs"] == s["draws"]["distinct"] == values
    assert s["draws"]["second_level"]["sequences"] == p["draw_sequences"]
    for stream in ("pulses", "draws"):
        flagged = s[stream]["second_level"]["flagged"]
        assert set(flagged) == {"recommended_length", "below_recommended_length"}
        weak = {name.split()[0] for name in flagged["below_recommended_length"]}
        assert weak <= set(s["below_recommendation"])


@pytest.mark.slow
def test_chain_audit_in_process(tmp_path, monkeypatch, jupyter_home) -> None:
    s = execute("04-chain-audit.ipynb", tmp_path, monkeypatch, jupyter_home)
    n = s["parameters"]["pulses"]
    assert s["source"] == "in-process"
    assert s["chain"]["pulses"] == n
    assert s["chain"]["notes"] == [f"{n} pulses verified (signatures, outputs, chain rules)"]
    assert s["chain"]["status_codes"] == {"0": n - 2, "1": 1, "2": 1}  # one start, one outage
    assert s["chain"]["gaps"] == 1
    assert s["chain"]["order"][0].endswith("2027-01-01T00:32:00.000Z)")  # across the new year
    assert s["sp800_22"]["bits"] == s["sp800_22"]["local_bits"] == 512 * n
    assert s["sp800_22"]["not_computable"] == ["universal"]
    assert s["bytes"]["count"] == 64 * n and s["bytes"]["method"] == "pearson"


@pytest.mark.slow
def test_chain_audit_of_a_folder(tmp_path, monkeypatch, jupyter_home) -> None:
    chain = make_chain(tmp_path / "beacon", [*range(30), *range(32, 42)])
    folder = tmp_path / "export"
    folder.mkdir()
    for p in chain.pulses:
        (folder / f"{p.pulse_index:03d}.json").write_text(json.dumps(p.to_json()))
    chain.runtime.close()
    certificate = tmp_path / "beacon" / "ca" / f"{ca.SIGNER}.pem"
    s = execute(
        "04-chain-audit.ipynb",
        tmp_path,
        monkeypatch,
        jupyter_home,
        BEACON_CHAIN_SOURCE=str(folder),
        BEACON_CHAIN_CERTIFICATE=str(certificate),
    )
    assert s["source"] == str(folder)
    assert s["chain"]["pulses"] == 40
    assert s["chain"]["notes"] == ["40 pulses verified (signatures, outputs, chain rules)"]
    assert s["chain"]["status_codes"] == {"0": 38, "1": 1, "2": 1} and s["chain"]["gaps"] == 1
    assert s["sp800_22"]["bits"] == 40 * 512
