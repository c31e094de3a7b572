"""make notebooks' reports: an HTML page per notebook and the committed figure gallery.

One notebook is executed at small scale (as tests/notebooks/test_notebooks.py does) and
notebooks/gallery.py exports it and extracts its gallery figure into a temporary folder.
PNG validity is checked against the PNG signature (RFC 2083 §3.1, ISO/IEC 15948) and by
decoding with matplotlib, not with the script's own check. The committed docs/gallery/
must match the notebooks' gallery metadata and docs/gallery/README.md, both ways.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from types import ModuleType

import matplotlib.image
import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT
from tests.notebooks.test_notebooks import KERNEL, NOTEBOOKS, jupyter_home  # noqa: F401

GALLERY = ROOT / "docs" / "gallery"
PNG_SIGNATURE = bytes([137, 80, 78, 71, 13, 10, 26, 10])  # RFC 2083 §3.1
MAX_BYTES = 150 * 1024  # keeps the repository small (issue 13 item 8)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebook_gallery", NOTEBOOKS / "gallery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def declared() -> dict[str, str]:
    """Gallery name -> notebook, from the committed notebooks' cell metadata."""
    out: dict[str, str] = {}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if "gallery" in cell.metadata:
                assert cell.cell_type == "code"
                out[cell.metadata["gallery"]["name"]] = path.name
    return out


def assert_png(data: bytes, where: str) -> None:
    assert data[:8] == PNG_SIGNATURE, where
    assert len(data) <= MAX_BYTES, f"{where}: {len(data):,} bytes"


@pytest.mark.slow
def test_html_report_and_gallery_of_an_executed_notebook(
    tmp_path,
    monkeypatch,
    jupyter_home,  # noqa: F811
) -> None:
    for key, value in {
        "JUPYTER_PATH": str(jupyter_home),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
        "BEACON_NOTEBOOK_SCALE": "small",
    }.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / "01-exact-uniformity.ipynb", as_version=4)
    NotebookClient(
        nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    executed = tmp_path / "01-exact-uniformity.ipynb"
    nbformat.write(nb, executed)

    gallery = load_script()
    status = gallery.main(
        [str(executed), "--html", str(tmp_path / "html"), "--gallery", str(tmp_path / "g")]
    )
    assert status == 0

    html = (tmp_path / "html" / "01-exact-uniformity.html").read_text(encoding="utf-8")
    # Both plots of the notebook, inline: the page needs no other file.
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == 2
    assert "scale = small" in html

    written = sorted(p.name for p in (tmp_path / "g").iterdir())
    assert written == ["01-discards-and-hits.png", "README.md"]
    png = (tmp_path / "g" / "01-discards-and-hits.png").read_bytes()
    assert_png(png, "01-discards-and-hits.png")
    pixels = matplotlib.image.imread(tmp_path / "g" / "01-discards-and-hits.png")
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    readme = (tmp_path / "g" / "README.md").read_text(encoding="utf-8")
    assert "![01-discards-and-hits](01-discards-and-hits.png)" in readme
    assert "made at: **small** (01-exact-uniformity);" in readme and "{'r_max': 64" in readme


def test_gallery_refuses_a_notebook_that_was_not_executed(tmp_path, capsys) -> None:
    gallery = load_script()
    assert gallery.main([str(NOTEBOOKS / "01-exact-uniformity.ipynb")]) == 1
    assert "expected one PNG output, found 0" in capsys.readouterr().err


def test_committed_gallery_matches_the_notebooks_and_the_docs() -> None:
    names = declared()
    assert len(names) >= 4 and set(names.values()) == {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    pngs = {p.stem for p in GALLERY.glob("*.png")}
    assert pngs == set(names), "docs/gallery/ and the notebooks' gallery cells differ"
    readme = (GALLERY / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\.png\)", readme))
    assert linked == pngs, "every PNG is shown in docs/gallery/README.md, and only those"
    for name, notebook in names.items():
        assert f"notebooks/{notebook}" in readme.split(f"## {name}\n", 1)[1].split("## ")[0]
        data = (GALLERY / f"{name}.png").read_bytes()
        assert_png(data, name)
        assert matplotlib.image.imread(GALLERY / f"{name}.png").ndim == 3
    # The scale the figures were made at is stated, as the notebook printed it.
    made = re.search(r"made at: (.*);", readme)
    assert made and set(re.findall(r"\*\*(\w+)\*\*", made.group(1))) <= {"small", "full"}
    assert all(n.removesuffix(".ipynb") in made.group(1) for n in names.values())
    # The docs readers open link the gallery.
    for doc in ("docs/AUDIT.md", "README.md"):
        assert "docs/gallery" in (ROOT / doc).read_text(encoding="utf-8") or (
            "gallery/README.md" in (ROOT / doc).read_text(encoding="utf-8")
        ), doc
