"""A small HTML tree for the page tests (stdlib only): find elements, read their text.

Parsing is strict about structure: a closing tag that does not match the open
element fails the test, so the pages' markup stays well formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        """The text content, whitespace collapsed (hidden elements included)."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements by tag and attributes (``class_`` matches one class among several)."""
        out = []
        for e in self.iter():
            if tag is not None and e.tag != tag:
                continue
            ok = True
            for name, want in attrs.items():
                if name == "class_":
                    ok = ok and want in e.attrs.get("class", "").split()
                else:
                    ok = ok and e.attrs.get(name.replace("_", "-")) == want
            if ok:
                out.append(e)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag}> with {attrs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        return self.find(id=element_id)

    def table_rows(self) -> list[list[str]]:
        """The text of each body row's cells (th and td), in order."""
        body = self.find("tbody")
        return [
            [c.text() for c in row.iter() if c.tag in ("th", "td")] for row in body.find_all("tr")
        ]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        open_tag = self.stack[-1].tag
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(markup: str) -> Element:
    builder = _Builder()
    builder.feed(markup)
    builder.close()
    assert len(builder.stack) == 1, f"unclosed <{builder.stack[-1].tag}>"
    return builder.root


def visible_text(root: Element) -> str:
    """The text a reader sees: without <script>, <style> and <title>."""

    def walk(e: Element) -> list[str]:
        if e.tag in ("script", "style", "head"):
            return []
        out: list[str] = []
        for c in e.children:
            out += [c] if isinstance(c, str) else walk(c)
        return out

    return " ".join(" ".join(walk(root)).split())
