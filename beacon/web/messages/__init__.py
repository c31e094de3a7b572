"""Every label the board shows, in simplified Chinese (the default) and English.

Templates never hold literal text: each visible label is ``t("key")`` from one
table, kept per page (:mod:`board`, :mod:`draw`, :mod:`tender`, :mod:`pulses`) and
merged here, so the two languages have the same keys (a test checks it) and a page in
one language carries no label of the other. Data (titles, candidate values,
certificate subjects, reasons) is shown as recorded, in whatever language it was
signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from beacon.web.messages import board, draw, pulses, tender

LANGUAGES: Final = ("zh-CN", "en")
DEFAULT: Final = "zh-CN"
COOKIE: Final = "lang"
# Spellings a visitor may type in ``?lang=``, mapped to a language of the table.
ALIASES: Final = {"zh-cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN", "en": "en", "en-us": "en"}


def _merge(parts: Iterable[Mapping[str, tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """One table from the per-page tables; a key defined twice is a bug, caught at import."""
    table: dict[str, tuple[str, str]] = {}
    for part in parts:
        for key, row in part.items():
            if key in table:
                raise ValueError(f"label {key!r} is defined twice in beacon.web.messages")
            table[key] = row
    return table


_TABLE: Final = _merge([board.LABELS, draw.LABELS, tender.LABELS, pulses.LABELS])

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    lang: {key: row[i] for key, row in _TABLE.items()} for i, lang in enumerate(LANGUAGES)
}


def choose(query: str | None, cookie: str | None) -> str:
    """The page language: ``?lang=`` first, then the cookie, else zh-CN."""
    for asked in (query, cookie):
        if asked is not None and asked.lower() in ALIASES:
            return ALIASES[asked.lower()]
    return DEFAULT


def other(lang: str) -> str:
    """The language the switch link offers."""
    return LANGUAGES[1 - LANGUAGES.index(lang)]


class Translator:
    """``t("key", name=value)``: the label in one language, with its parameters filled in."""

    def __init__(self, lang: str) -> None:
        if lang not in MESSAGES:
            raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
        self.lang = lang
        self._messages = MESSAGES[lang]

    def __call__(self, key: str, **params: object) -> str:
        try:
            text = self._messages[key]
        except KeyError:
            # A missing label is a bug in a template, never a reason to show a raw key.
            raise KeyError(f"no {self.lang} label {key!r} in beacon.web.messages") from None
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._messages
