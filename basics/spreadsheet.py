"""Tables as spreadsheets (XLSX and CSV), and the text of one cell, both ways.

- `Table`, `Column`, `Cell`: a table as a page shows it; `to_xlsx`, `to_csv` and `download`
  write it. Both writers pass every cell through `safe_cell`.
- `safe_cell`: a text that a spreadsheet would run as a formula is escaped (OWASP "CSV
  injection"): one function, for both formats.
- `rich_to_text` / `text_to_rich`: stored rich text (sanitised HTML of paragraphs and
  bullets) as the plain text a cell holds (paragraphs apart by a blank line, bullets as
  "• "), and that text back to the same HTML.
- `controls_to_text` / `text_to_controls`: a risk's key controls as one bulleted cell, one
  bullet a control, as the published register prints them.
- `history_table`: a page's history (`basics.history.history_entries`) as a table.
"""

import csv
import datetime
import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .richtext import sanitise

# OWASP: a cell starting with one of these is read by Excel and LibreOffice as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BULLET = "•"
# A list item in rich text is a "• " line: a paragraph may itself start with "- " (the
# seed's do). A control in the controls cell may be typed "• ", "- " or "* ".
_LIST_ITEM = re.compile(r"^\s*•\s+")
_BULLET_LINE = re.compile(r"^\s*[•\-*]\s+")


def safe_cell(value):
    """`value` as a cell may hold it: a text that would start a formula gets a leading "'".

    The apostrophe is what OWASP recommends and what Excel itself shows for a text typed
    as "'=...": the reader sees the text, nothing runs. Numbers and dates pass as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The text `safe_cell` escaped, as it was: an import reads back what an export wrote."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class _TextParser(HTMLParser):
    """Blocks of stored rich text: ("p", [lines]) and ("ul"/"ol", [items])."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[str]]] = []
        self.current: list[str] | None = None  # the text of the open paragraph or item
        self.lists: list[str] = []

    def _flush_loose(self) -> None:
        if self.current is not None and not self.lists:
            text = "".join(self.current).strip()
            if text:
                self.blocks.append(("p", [line.strip() for line in text.split("\n")]))
            self.current = None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._flush_loose()
            self.current = []
        elif tag in ("ul", "ol"):
            self._flush_loose()
            self.lists.append(tag)
            self.blocks.append((tag, []))
        elif tag == "li":
            self.current = []
        elif tag == "br" and self.current is not None:
            self.current.append("\n")

    def handle_endtag(self, tag):
        if tag == "p":
            self._flush_loose()
        elif tag == "li" and self.current is not None and self.blocks:
            self.blocks[-1][1].append(" ".join("".join(self.current).split()))
            self.current = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()

    def handle_data(self, data):
        if self.current is None:
            if not data.strip():
                return
            self.current = []  # text outside any paragraph: a paragraph of its own
        self.current.append(data)

    def close(self):
        super().close()
        self._flush_loose()


def rich_to_text(value: str | None) -> str:
    """Stored rich text as plain text: paragraphs apart by a blank line, bullets "• ",
    numbered items "1. ", line breaks kept; bold and italic marks dropped."""
    if not value:
        return ""
    parser = _TextParser()
    parser.feed(value)
    parser.close()
    parts = []
    for kind, lines in parser.blocks:
        if kind == "p":
            parts.append("\n".join(lines))
        elif kind == "ul":
            parts.append("\n".join(f"{BULLET} {item}" for item in lines))
        else:
            parts.append("\n".join(f"{n}. {item}" for n, item in enumerate(lines, start=1)))
    return "\n\n".join(part for part in parts if part)


def text_to_rich(text: str) -> str:
    """Plain text from a cell as stored rich text: the inverse of `rich_to_text`.

    A run of "• " lines is a list; other lines are paragraphs, a blank line apart (lines
    next to each other in one paragraph keep their line break).
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    out, paragraph, items = [], [], []

    def close_paragraph():
        if paragraph:
            out.append("<p>" + "<br>".join(html.escape(line, quote=False) for line in paragraph))
            out[-1] += "</p>"
            paragraph.clear()

    def close_list():
        if items:
            out.append("<ul>" + "".join(f"<li>{html.escape(i, quote=False)}</li>" for i in items))
            out[-1] += "</ul>"
            items.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            close_paragraph()
            close_list()
        elif _LIST_ITEM.match(line):
            close_paragraph()
            items.append(_LIST_ITEM.sub("", line, count=1).strip())
        else:
            close_list()
            paragraph.append(line)
    close_paragraph()
    close_list()
    return sanitise("".join(out))


def controls_to_text(controls: list[str] | None) -> str:
    """A risk's controls (stored rich text each) as one cell: a "• " line for each."""
    lines = []
    for control in controls or []:
        text = " ".join(rich_to_text(control).replace(f"{BULLET} ", "").split())
        if text:
            lines.append(f"{BULLET} {text}")
    return "\n".join(lines)


def text_to_controls(text: str) -> list[str]:
    """The controls of a bulleted cell, one a bullet; a line without a bullet continues the
    control above it (a cell wrapped by hand), or is a control of its own if it is the first.
    """
    controls: list[str] = []
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if _BULLET_LINE.match(line) or not controls:
            controls.append(_BULLET_LINE.sub("", line, count=1).strip())
        else:
            controls[-1] = f"{controls[-1]} {line}"
    return [sanitise(html.escape(control, quote=False)) for control in controls if control]


FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass
class Column:
    header: str
    width: int = 15  # characters, as Excel measures a column


@dataclass
class Cell:
    """A value with the colours the page shows it in (a rating band, a RAG status)."""

    value: object
    fill: str = ""  # "#rrggbb"
    colour: str = ""


@dataclass
class Table:
    """A table as a page shows it: a title, its columns and its rows of values or Cells."""

    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def values(self) -> list[list]:
        """The rows' plain values (a Cell's value), as the CSV holds them."""
        return [[_value(cell) for cell in row] for row in self.rows]


def _value(cell):
    return cell.value if isinstance(cell, Cell) else cell


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads "→" and "’" as they are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for header in table.headers])
    for row in table.values():
        writer.writerow([safe_cell(_text(value)) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _argb(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


def to_xlsx(table: Table) -> bytes:
    """One sheet: a bold header row, panes frozen below it, widths, wrapped text, dates as
    dates and coloured cells as on screen."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.title)
    sheet.append([safe_cell(header) for header in table.headers])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([safe_cell(_value(cell)) for cell in row])
        written = sheet[sheet.max_row]
        for source, cell in zip(row, written, strict=True):
            cell.alignment = wrap
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
            if isinstance(source, Cell) and source.fill:
                cell.fill = PatternFill("solid", fgColor=_argb(source.fill))
                if source.colour:
                    cell.font = Font(color=_argb(source.colour))
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Sheet1"


def download(table: Table, fmt: str, filename: str) -> HttpResponse:
    """The table as a file to save: `fmt` is "xlsx" or "csv" (anything else: 404)."""
    if fmt not in FORMATS:
        raise Http404("Downloads are .xlsx or .csv files.")
    content = to_xlsx(table) if fmt == "xlsx" else to_csv(table)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.{fmt}"'
    return response


def local_time(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment as the wall-clock time in the UK: a spreadsheet has no time zones."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)


HISTORY_COLUMNS = [
    Column("When", 18),
    Column("Who", 20),
    Column("What", 40),
    Column("Field", 30),
    Column("Before", 60),
    Column("After", 60),
]


def history_table(title: str, entries) -> Table:
    """A page's history (`basics.history.history_entries`): a row for each field changed."""
    rows = []
    for entry in entries:
        what = f"{entry.action}: {entry.reason}" if entry.reason else entry.action
        head = [local_time(entry.when), entry.who, what]
        if not entry.changes:
            rows.append([*head, "", "", ""])
        for change in entry.changes:
            rows.append([*head, change.field, change.old, change.new])
    return Table(title=title, columns=HISTORY_COLUMNS, rows=rows)
