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
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import beacon
import verifier
from beacon.cli import main as beacon_main
from tests.conftest import ROOT
from verifier.cli import main as verify_main

# sha256sum of https://www.apache.org/licenses/LICENSE-2.0.txt (11,358 bytes).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERIFIER_PYPROJECT = tomllib.loads((ROOT / "verifier/pyproject.toml").read_text(encoding="utf-8"))


def declared() -> list[Requirement]:
    """Every requirement of pyproject.toml: the dependencies and all the extras."""
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"].values()
    return [Requirement(r) for group in [project["dependencies"], *extras] for r in group]


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


# -- constraints.txt: the tested versions ----------------------------------------------------


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    body = [x for x in lines if x.strip() and not x.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+]*", x) for x in body)
    names = [canonicalize_name(x.split("==")[0]) for x in body]
    assert len(names) == len(set(names)), "a distribution pinned twice"
    return dict(zip(names, (x.split("==")[1] for x in body), strict=True))


def test_constraints_pin_every_declared_dependency_within_its_bounds() -> None:
    pinned = pins()
    assert "tender-beacon" not in pinned and "pip" not in pinned
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not pinned in constraints.txt"
        assert Version(pinned[name]) in requirement.specifier, (requirement, pinned[name])
        for extra in requirement.extras:  # psycopg[binary] brings psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in pinned


# -- .ci/lower_bounds.py: the declared lower bounds ------------------------------------------


def lower_bounds(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    script = str(ROOT / ".ci/lower_bounds.py")
    return subprocess.run(
        [sys.executable, script, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_lower_bounds_pins_each_declared_dependency_at_its_minimum() -> None:
    extras = list(PYPROJECT["project"]["optional-dependencies"])
    run = lower_bounds(*extras)
    assert run.returncode == 0, run.stderr
    got = dict(x.split("==") for x in run.stdout.splitlines() if not x.startswith("#"))
    expected: dict[str, Version] = {}
    for requirement in declared():
        (spec,) = requirement.specifier  # one `>=` each; the script refuses anything else
        assert spec.operator == ">="
        name = canonicalize_name(requirement.name)
        expected[name] = max(expected.get(name, Version(spec.version)), Version(spec.version))
    assert {k: Version(v) for k, v in got.items()} == expected


@pytest.mark.parametrize(
    ("dependencies", "error"),
    [
        (["numpy"], "declares no single '>=' lower bound"),
        (["numpy<3"], "declares no single '>=' lower bound"),
        (["numpy>=1.26; python_version < '3.12'"], "cannot read requirement"),
    ],
)
def test_lower_bounds_refuses_a_dependency_without_a_lower_bound(
    tmp_path: Path, dependencies: list[str], error: str
) -> None:
    items = ", ".join(f'"{d}"' for d in dependencies)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\ndependencies = [{items}]\n')
    run = lower_bounds(cwd=tmp_path)
    assert run.returncode == 2 and error in run.stderr and run.stdout == ""


def test_lower_bounds_takes_the_higher_of_two_bounds_and_names_an_unknown_extra(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["Psycopg[binary]>=3.1.4"]\n'
        '[project.optional-dependencies]\ntest = ["psycopg>=3.1.10", "pytest>=8"]\n'
    )
    run = lower_bounds("test", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1:] == ["psycopg==3.1.10", "pytest==8"]
    run = lower_bounds("docs", cwd=tmp_path)
    assert run.returncode == 2 and "no optional-dependencies group ['docs']" in run.stderr
