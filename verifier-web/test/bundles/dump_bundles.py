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

from beacon.service.receipts import receipt_for
from beacon.store.statements import StatementRepository
from tests.service.deployment import TENDER, Deployment
from tests.verifier.conftest import Served, drawn, excluded, unfinished  # noqa: F401 (fixtures)
from tests.verifier.test_omission import _without, chain_positions, every_kind, voided  # noqa: F401 (fixtures)
from tests.verifier.test_tamper import GUARDS, dotted, guard, leaves, mutate, put
from verifier import cli, messages
from verifier.draw import verify_bundle
from verifier.errors import VerifyError

HERE = Path(__file__).parent


def report(doc: Any, ca: Path | None, receipts: tuple[Any, ...] = ()) -> dict[str, Any]:
    """What ``beacon-verify draw BUNDLE [--anchors CA] [--receipt R] --json`` prints (cli.cmd_draw)."""
    try:
        r = verify_bundle(doc, cli.anchors([str(ca)]) if ca else None, receipts=receipts)
    except VerifyError as e:
        return {"unusable": str(e)}
    r.values["note"] = messages.NOTE_GIVEN if ca else messages.NOTE_OWN
    return r.to_json()


# The output options each case's text is recorded with: the language and the time zone.
OUTPUTS = (["--lang", "en", "--utc"], ["--lang", "en"], ["--lang", "zh"], ["--lang", "zh", "--utc"])


def text(doc: Any, ca: Path | None, tmp: Path, receipts: tuple[Any, ...] = ()) -> dict[str, str]:
    """What ``beacon-verify draw BUNDLE [--anchors CA] [--receipt R] OPTIONS`` prints (cli.main),
    by " ".join(OPTIONS) for each of OUTPUTS."""
    (tmp / "bundle.json").write_text(json.dumps(doc, ensure_ascii=False))
    args = ["draw", str(tmp / "bundle.json"), *(["--anchors", str(ca)] if ca else [])]
    for i, r in enumerate(receipts):
        (tmp / f"receipt-{i}.json").write_text(json.dumps(r))
        args += ["--receipt", str(tmp / f"receipt-{i}.json")]
    texts = {}
    for options in OUTPUTS:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.main([*args, *options])
        texts[" ".join(options)] = out.getvalue()
    return texts


def last_receipt(d: Deployment, doc: dict[str, Any]) -> dict[str, Any]:
    """The receipt of the last statement of the draw's chain (test_omission.py's)."""
    last = doc["statements"][chain_positions(doc)[-1]]
    with d.runtime.database.read() as session:
        found = next(
            x
            for x in StatementRepository(session).about(TENDER, doc["draw_id"])
            if x.leaf_index == last["leaf_index"]
        )
        return receipt_for(session, found.row.statement_hash, found.leaf_index).to_dict()


def test_dump(  # the fixtures imported above
    drawn: Served,  # noqa: F811
    excluded: Served,  # noqa: F811
    unfinished: dict[str, Any],  # noqa: F811
    every_kind: tuple[Deployment, dict[str, Any]],  # noqa: F811
    voided: tuple[Deployment, dict[str, Any]],  # noqa: F811
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
                    "texts": text(doc, given, tmp_path),
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
                "texts": text(doc, drawn.ca_pem, tmp_path),
            }
        )
    # draw.differences: a summary mismatch names each differing member (at most 3, long
    # values cut, a missing one as none), whatever the statements and signatures say.
    summary = drawn.bundle["summary"]
    for new in (
        {**summary, "output": "00" * 64},
        {**{k: v for k, v in summary.items() if k != "derived"}, "extra": 1.5},
        {**summary, "seeds": [], "state": "voided", "output": None, "values": "x", "é": [3]},
    ):
        doc = put(drawn.bundle, ("summary",), new)
        cases.append(
            {
                "bundle": "drawn",
                "anchors": True,
                "edit": [["summary"], new],
                "report": report(doc, drawn.ca_pem),
                "texts": text(doc, drawn.ca_pem, tmp_path),
            }
        )
    # §14.3b: the last statement's receipt, with the whole bundle and with that statement cut.
    for name, (d, doc) in {"every-kind": every_kind, "voided": voided}.items():
        ca = d.ca_dir / "ca.pem"
        (HERE / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        (HERE / f"{name}-ca.pem").write_bytes(ca.read_bytes())
        held = (last_receipt(d, doc),)
        (HERE / f"{name}-receipt.json").write_text(json.dumps(held[0], indent=1) + "\n")
        cut = chain_positions(doc)[-1]
        for bundle in (doc, _without(doc, cut)):
            cases.append(
                {
                    "bundle": name,
                    "anchors": True,
                    "receipt": True,
                    "edit": None if bundle is doc else {"drop": cut},
                    "report": report(bundle, ca, held),
                    "texts": text(bundle, ca, tmp_path, held),
                }
            )
    (HERE / "reports.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
