"""verifier/ is its own distribution, tender-beacon-verify (verifier/pyproject.toml).

The wheel is built here offline from a copy of verifier/ (the build writes build/ and
*.egg-info/ into the project directory), and its metadata and file list are read back:
a bidder who installs it gets cryptography (gmpy2 only with the ``fast`` extra), the
``beacon-verify`` script, and nothing of beacon/. .ci/verifier-alone installs the same
project into a fresh venv and verifies the vectors with it.
"""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import zipfile

import pytest

import verifier
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    work = tmp_path_factory.mktemp("verifier-wheel")
    shutil.copytree(
        ROOT / "verifier", work / "verifier", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--no-index", "--quiet", "--wheel-dir", str(work / "dist"), str(work / "verifier")),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = (work / "dist").glob("*.whl")
    return zipfile.ZipFile(built)


def metadata(wheel: zipfile.ZipFile) -> email.message.Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.parser.Parser().parsestr(wheel.read(name).decode())


def test_the_wheel_requires_only_cryptography_and_gmpy2_for_speed(wheel: zipfile.ZipFile):
    meta = metadata(wheel)
    assert (meta["Name"], meta["Version"]) == ("tender-beacon-verify", verifier.__version__)
    assert meta.get_all("Requires-Dist") == ["cryptography>=47", 'gmpy2>=2.2; extra == "fast"']
    assert meta.get_all("Provides-Extra") == ["fast"]


def test_the_wheel_holds_the_verifier_and_nothing_of_beacon(wheel: zipfile.ZipFile):
    files = [n for n in wheel.namelist() if ".dist-info/" not in n]
    # Every module, its subpackages' too: verifier/pyproject.toml must list each subpackage.
    expected = sorted(
        f"verifier/{p.relative_to(ROOT / 'verifier').as_posix()}"
        for p in (ROOT / "verifier").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert sorted(files) == sorted([*expected, "verifier/py.typed"])


def test_the_wheel_installs_beacon_verify(wheel: zipfile.ZipFile):
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert wheel.read(name).decode().split() == [
        "[console_scripts]",
        "beacon-verify",
        "=",
        "verifier.cli:main",
    ]


def test_the_wheel_carries_the_license(wheel: zipfile.ZipFile):
    meta = metadata(wheel)
    assert meta["License-Expression"] == "Apache-2.0"
    assert meta.get_all("License-File") == ["LICENSE"]
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(name) == (ROOT / "LICENSE").read_bytes()
