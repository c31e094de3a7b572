"""The release files (issue 13 item 6): one version, the license, the pinned and the lowest
versions.

Expected values come from outside the code under test: the installed distribution's
metadata (written by setuptools at install time), the SHA-256 of the Apache License 2.0 as
apache.org publishes it (https://www.apache.org/licenses/LICENSE-2.0.txt), and
pyproject.toml read with tomllib and the ``packaging`` library (pip's own parser), not with
.ci/lower_bounds.py's regular expressions.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import metadata

import pytest
from click.testing import CliRunner

import beacon
import verifier
from beacon.cli import main as beacon_main
from tests.conftest import ROOT
from verifier.cli import main as verify_main

# sha256sum of https://www.apache.org/licenses/LICENSE-2.0.txt (11,358 bytes).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERIFIER_PYPROJECT = tomllib.loads((ROOT / "verifier/pyproject.toml").read_text(encoding="utf-8"))


# -- one version -----------------------------------------------------------------------------


def test_beacon_and_beacon_verify_report_the_installed_version(capsys) -> None:
    installed = metadata.version("tender-beacon")
    result = CliRunner().invoke(beacon_main, ["--version"])
    assert result.exit_code == 0 and result.output == f"beacon, version {installed}\n"
    with pytest.raises(SystemExit) as stop:
        verify_main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"beacon-verify {installed}\n"
    assert beacon.__version__ == verifier.__version__ == installed


def test_the_version_is_written_in_verifier_init_only() -> None:
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert "version" in VERIFIER_PYPROJECT["project"]["dynamic"]
    for doc in (PYPROJECT, VERIFIER_PYPROJECT):
        assert doc["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "verifier.__version__"}
    literal = re.compile(r"""^(__version__|version)\s*=\s*["'][0-9]""", re.MULTILINE)
    sources = [
        p
        for top in ("beacon", "verifier", "bench", "tests")
        for p in (ROOT / top).rglob("*")
        if p.suffix in {".py", ".toml"}
    ]
    written = sorted(
        str(p.relative_to(ROOT)) for p in sources if literal.search(p.read_text(encoding="utf-8"))
    )
    assert written == ["verifier/__init__.py"]


# -- the license -----------------------------------------------------------------------------


def test_license_is_the_unmodified_apache_2_0_text_in_both_distributions() -> None:
    assert PYPROJECT["project"]["license"] == VERIFIER_PYPROJECT["project"]["license"]
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    for where, doc in ((ROOT, PYPROJECT), (ROOT / "verifier", VERIFIER_PYPROJECT)):
        assert doc["project"]["license-files"] == ["LICENSE"]
        text = (where / "LICENSE").read_bytes()
        assert hashlib.sha256(text).hexdigest() == APACHE_2_0_SHA256, where
