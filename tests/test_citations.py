"""Every document the code cites is in the repository (issue 14 item 5).

A comment such as ``# PROTOCOL.md §7.3`` or ``(docs/ARCHITECTURE.md §6)`` must lead a reader
of this repository somewhere: a cited ``.md`` file has to exist here, at the top level, in
docs/ or beside the citing file. Public specifications maintained elsewhere are cited by their publisher and listed
below, so an unknown name cannot slip in as "external".
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["beacon", "verifier", "tests", "bench", "notebooks", "verifier-web/src", ".ci"]
SUFFIXES = {".py", ".ipynb", ".js", ".mjs", ".html", ""}
# Public specifications cited by name, not files of this project.
EXTERNAL = {
    "age.md": "C2SP's age specification (github.com/C2SP/C2SP/blob/main/age.md)",
}
CITATION = re.compile(r"(?<![\w/.-])((?:[\w-]+/)*[\w-]+\.md)\b")


def _cited() -> list[tuple[str, str]]:
    found = []
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or path.suffix not in SUFFIXES or "node_modules" in path.parts:
                continue
            if path == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for name in CITATION.findall(text):
                found.append((str(path.relative_to(ROOT)), name))
    return found


def _resolves(name: str, where: str) -> bool:
    """Found at the top level, in docs/, or beside the citing file."""
    bases = (ROOT, ROOT / "docs", (ROOT / where).parent)
    return any((base / name).is_file() for base in bases)


def test_citations_were_found() -> None:
    names = {name for _, name in _cited()}
    assert {"PROTOCOL.md", "docs/ARCHITECTURE.md"} <= names


def test_every_cited_document_is_in_the_repository() -> None:
    """Catches, among others, the design brief the project started from (DESIGN.md,
    STYLE.md beside the checkout): what the code needs from it is in docs/ARCHITECTURE.md."""
    missing = sorted(
        f"{where}: {name}"
        for where, name in _cited()
        if name not in EXTERNAL and not _resolves(name, where)
    )
    assert missing == []
