"""Writes the real proof bundles and beacon-verify's reports that bundles.test.js compares
verifier-web with: verifier/ is the second implementation whose output is expected.

Run from the repository root (it uses the service fixtures of tests/verifier/conftest.py):
    PYTHONPATH=$PWD .venv/bin/python -m pytest -q -p no:cacheprovider \
        verifier-web/test/bundles/dump_bundles.py
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

from tests.verifier.conftest import Served, drawn, excluded, unfinished  # noqa: F401 (fixtures)
from tests.verifier.test_tamper import GUARDS, dotted, guard, leaves, mutate, put
from verifier import cli
from verifier.draw import verify_bundle
from verifier.errors import VerifyError

HERE = Path(__file__).parent


def report(doc: Any, ca: Path | None) -> dict[str, Any]:
    """What ``beacon-verify draw BUNDLE [--anchors CA] --json`` prints (cli.cmd_draw)."""
    try:
        r = verify_bundle(doc, cli.anchors([str(ca)]) if ca else None)
    except VerifyError as e:
        return {"unusable": str(e)}
    r.values["note"] = (
        "trust anchors: those given with --anchors"
        if ca
        else "trust anchors: the bundle's own (pass --anchors CA.pem to use anchors you trust)"
    )
    return r.to_json()


def text(doc: Any, ca: Path | None, tmp: Path) -> str:
    """What ``beacon-verify draw BUNDLE [--anchors CA]`` prints (cli.main)."""
    (tmp / "bundle.json").write_text(json.dumps(doc, ensure_ascii=False))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["draw", str(tmp / "bundle.json"), *(["--anchors", str(ca)] if ca else [])])
    return out.getvalue()


def test_dump(  # the fixtures imported above
    drawn: Served,  # noqa: F811
    excluded: Served,  # noqa: F811
    unfinished: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    files = {"drawn": (drawn.bundle, drawn.ca_pem), "excluded": (excluded.bundle, excluded.ca_pem)}
    # An unfinished draw of a third deployment, with the drawn one's CA as its "anchors":
    # VALID-UNANCHORED with its own anchors, INVALID with another deployment's.
    files["computing"] = (unfinished["computing"], drawn.ca_pem)
    cases = []
    for name, (doc, ca) in files.items():
        (HERE / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        (HERE / f"{name}-ca.pem").write_bytes(ca.read_bytes())
        for anchored in (True, False):
            given = ca if anchored else None
            cases.append(
                {
                    "bundle": name,
                    "anchors": anchored,
                    "edit": None,
                    "report": report(doc, given),
                    "text": text(doc, given, tmp_path),
                }
            )
    # test_tamper.py's edit of the first leaf each guard (and the format check) protects.
    seen = set()
    for path, value in leaves(drawn.bundle):
        name = dotted(path)
        if path == ("format",):
            continue
        category = (
            "format"
            if guard(name) == "format"
            else next(c for c, pattern, _ in GUARDS if re.fullmatch(pattern, name))
        )
        if category in seen:
            continue
        seen.add(category)
        new = mutate(name, value)
        doc = put(drawn.bundle, path, new)
        cases.append(
            {
                "bundle": "drawn",
                "anchors": True,
                "edit": [list(path), new],
                "report": report(doc, drawn.ca_pem),
                "text": text(doc, drawn.ca_pem, tmp_path),
            }
        )
    (HERE / "reports.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
