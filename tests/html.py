"""Read a page the way a user reads it: the text of its tables."""

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_class: str | None):
        super().__init__()
        self.table_class = table_class
        self.depth = 0  # >0 inside the table we want
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif self.table_class is None or self.table_class in (attrs.get("class") or "").split():
                self.depth = 1
        elif self.depth == 1 and tag == "tr":
            self.rows.append([])
        elif self.depth == 1 and tag in ("td", "th") and self.rows:
            self.cell = []
        elif self.cell is not None and tag in ("li", "p", "br"):
            self.cell.append(" ")
        if (
            self.cell is not None
            and tag == "span"
            and "visually-hidden" in (attrs.get("class") or "")
        ):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth == 1 and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "span" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if self.cell is not None and not self.hidden:
            self.cell.append(data)


def table_rows(
    html: str, table_class: str | None = None, *, body_only: bool = True
) -> list[list[str]]:
    """Rows of cell texts of the first table with `table_class`.

    Text for screen readers only (`.visually-hidden`) is left out, as a sighted reader sees it.
    """
    parser = _Tables(table_class)
    parser.feed(html)
    rows = [row for row in parser.rows if row]
    return rows[1:] if body_only and rows else rows


def text(html: str) -> str:
    """The visible text of a fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
