"""Importing a register from a spreadsheet: read the file, plan the import, carry it out.

The steps, each a function:

- `read_sheet(content, file_name)`: the file's header row and rows (XLSX or CSV), within
  the size limits of the settings (`IMPORT_MAX_BYTES`, `IMPORT_MAX_ROWS`).
- `plan(register, period, sheet)`: every row as new, changed (with the fields that change)
  or unchanged, and every problem with its row, column and a plain message. Nothing is
  written.
- `register_state(register)`: a digest of everything a plan compares the file with; a
  preview stores it, and confirming refuses if the register no longer matches it.
- `run_import(batch, user)`: the stored file planned again and written in one transaction,
  all or nothing, every change in history naming the importer and the file.

The published layout of seed 001 is the nine columns of the register page; the fuller
template adds the risk's other fields (`FULL_COLUMNS`). Columns are found by their header,
in any order; ID and Risk Name are required, a column left out leaves that field alone.
"""

import csv
import datetime
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils import timezone

from basics.richtext import RICH_TEXT_LIMIT
from basics.spreadsheet import (
    controls_to_text,
    rich_to_text,
    text_to_controls,
    text_to_rich,
    unescape_cell,
)

from .access import person_name
from .exports import NOT_RATED, OPTIONAL_HEADERS, RATING_HEADER, REGISTER_HEADERS, trend_header
from .forms import CONTROL_LIMIT
from .models import (
    REFERENCE_VALIDATOR,
    Action,
    Circulation,
    Control,
    ImportBatch,
    QuarterlySnapshot,
    Register,
    ReportingPeriod,
    Risk,
    Treatment,
    Trend,
    band_for_score,
)
from .reviews import schedule_review
from .services import (
    PERIODS_STAMP,
    lock_open_period,
    record_date_move,
    register_changed,
    take_over_quarter,
    trend_periods,
    with_trend,
)

# An XLSX file is a zip: refuse one that unpacks to far more than any register needs.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")


class ImportFileError(Exception):
    """The file cannot be read as a register: too big, not a spreadsheet, no header row."""


@dataclass(frozen=True)
class Spec:
    key: str
    header: str
    # text, rich, controls, band, int, date, choice, person, lead, category, rating,
    # actions, or derived (a column the page shows that follows from others: not imported)
    kind: str = "text"
    limit: int | None = None
    required: bool = False


# The nine published columns (the three trend columns are found by their quarter) ...
NINE = [
    Spec("reference", "ID", limit=20, required=True),
    Spec("name", "Risk Name", limit=200, required=True),
    Spec("description", "Description", "rich", RICH_TEXT_LIMIT),
    Spec("impact", "Impact", "rich", RICH_TEXT_LIMIT),
    Spec("controls", "Key Controls and Activities", "controls", CONTROL_LIMIT),
    Spec("band", RATING_HEADER, "band"),
]
# ... and the fuller template's other fields of a risk (the register page's optional
# columns under their headings, so a download with them imports back).
FULL = [
    Spec("owner", "Risk Owner", "person"),
    Spec("lead_officer", "Lead officer", "lead", 120),
    Spec("category", "Category", "category"),
    Spec("treatment", "Treatment", "choice"),
    Spec("status", "Status", "choice"),
    Spec("likelihood", "Likelihood", "int"),
    Spec("impact_score", "Impact score", "int"),
    Spec("inherent", "Inherent Rating", "rating"),
    Spec("target", "Target Rating", "rating"),
    Spec("target_date", "Target date", "date"),
    Spec("date_raised", "Date raised", "date"),
    Spec("last_reviewed", "Last reviewed", "date"),
    Spec("circulation", "Circulation", "choice"),
    Spec("restriction_reason", "Restriction reason", limit=300),
    Spec("actions", "Actions", "actions"),
]
# Columns the register page shows that follow from the others: read past, never imported.
DERIVED = [Spec(key, OPTIONAL_HEADERS[key], "derived")
           for key in ("appetite", "next_review", "open_actions")]  # fmt: skip
assert [spec.header for spec in NINE[:5]] == REGISTER_HEADERS
CHOICES = {"status": Risk.Status, "circulation": Circulation, "treatment": Treatment}
BLANK_CHOICE = {"status": Risk.Status.OPEN, "circulation": Circulation.PUBLIC, "treatment": ""}
FIELD_LABELS = {spec.key: spec.header for spec in NINE + FULL}
ACTION_STATUSES = {
    **{value: value for value in Action.Status.values},
    **{label.lower(): value for value, label in Action.Status.choices},
}
_BULLET = re.compile(r"^\s*[•\-*]\s+")
_SCORES = re.compile(r"(\d+)\s*[×xX*]\s*(\d+)")
_BY_DATE = re.compile(r"\bby\s+(.+)$", re.IGNORECASE | re.MULTILINE)
_TREND_HEADER = re.compile(r"^q([1-4])\s+trending$")
# Trends as written in a cell: the glyph, its name, or the ASCII a keyboard gives.
TREND_WORDS = {
    **{value.lower(): value for value in Trend.values},
    **{label.lower(): value for value, label in Trend.choices},
    "->": Trend.STABLE, "stable": Trend.STABLE, "up": Trend.INCREASING,
    "down": Trend.DECREASING, "na": Trend.NOT_APPLICABLE, "n/a": Trend.NOT_APPLICABLE,
}  # fmt: skip


def full_template_headers(period: ReportingPeriod) -> list[str]:
    """The fuller template's header row for a register whose open quarter is `period`."""
    labels = [f"Q{quarter}" for _, quarter in trend_periods(period)]
    return [
        *REGISTER_HEADERS,
        *(trend_header(label) for label in labels),
        RATING_HEADER,
        *(spec.header for spec in FULL),
    ]


@dataclass(frozen=True)
class Person:
    """A lead officer as a cell names them: a riskreg user, or a name typed (from paper)."""

    user: object = None
    name: str = ""

    def __str__(self) -> str:
        return person_name(self.user) if self.user is not None else self.name


@dataclass(frozen=True)
class ActionLine:
    """One line of the Actions cell: "text | owner | target date | status"."""

    text: str
    owner: object = None
    target_date: datetime.date | None = None
    status: str = Action.Status.NOT_STARTED

    def __str__(self) -> str:
        owner = person_name(self.owner) if self.owner is not None else ""
        day = self.target_date.strftime("%d/%m/%Y") if self.target_date else ""
        return " | ".join([self.text, owner, day, Action.Status(self.status).label])


# --- Reading the file ----------------------------------------------------------------------


@dataclass
class Sheet:
    header_row: int  # the spreadsheet's row number of the header (1 for the first row)
    headers: list[str]
    rows: list[tuple[int, list]]  # (spreadsheet row number, cell values); blank rows left out


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            f"The file is {_size(size)}: the largest file riskreg imports is {_size(limit)}. "
            "Split the register into smaller files, or leave out columns it does not need."
        )


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    return f"{max(1, round(count / 1024))} KB"


def read_sheet(content: bytes, file_name: str) -> Sheet:
    """The header row and the rows of the file's first sheet (XLSX) or of the CSV file."""
    check_size(len(content))
    if file_name.lower().endswith(".xlsx"):
        raw_rows = _xlsx_rows(content)
    elif file_name.lower().endswith(".csv"):
        raw_rows = _csv_rows(content)
    else:
        raise ImportFileError("The file must be an Excel workbook (.xlsx) or a CSV file (.csv).")
    header_row, headers, rows = None, [], []
    limit = settings.IMPORT_MAX_ROWS
    for number, values in enumerate(raw_rows, start=1):
        if header_row is None:
            # The header is the first row naming the ID column: a title may stand above it.
            if any(_normal(value) == "id" for value in values):
                header_row = number
                headers = [_cell_text(value) for value in values]
            elif number >= 20:
                break
            continue
        if all(_cell_text(value) == "" for value in values):
            continue
        rows.append((number, list(values)))
        if len(rows) > limit:
            raise ImportFileError(
                f"The file has more than {limit:,} rows of risks: the most riskreg imports "
                "at once. Split the register into smaller files."
            )
    if header_row is None:
        raise ImportFileError(
            'No header row found: the first rows must include the column headers, with "ID" '
            'and "Risk Name" among them (download the template to start from).'
        )
    return Sheet(header_row, headers, rows)


def _xlsx_rows(content: bytes):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ImportFileError("The workbook unpacks to more than riskreg imports.")
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(
            "The file could not be read as an Excel workbook (.xlsx). Save it from Excel as "
            '"Excel Workbook", or as "CSV UTF-8".'
        ) from None
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise ImportFileError(f"The file could not be read as CSV: {error}.") from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return unescape_cell(str(value)).replace("\r\n", "\n").strip()


def _normal(value) -> str:
    return " ".join(_cell_text(value).lower().split()).rstrip("?:")


# --- Planning ------------------------------------------------------------------------------


@dataclass
class Problem:
    row: int | None  # the spreadsheet's row number, None for the file as a whole
    column: str  # "C (Description)", or "" for a whole row
    message: str
    in_header: bool = False  # a problem of the header row: the columns themselves

    @property
    def anchor(self) -> str:
        if self.in_header or not self.row:
            return "columns"
        return f"row-{self.row}"

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (f"Row {self.row}" if self.row else "", self.column and
                              f"column {self.column}") if part
        )  # fmt: skip
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class RowPlan:
    row: int
    reference: str
    name: str
    action: str = "unchanged"  # "new", "changed" or "unchanged"
    changes: list[Change] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # parsed values of the columns in the file
    risk: Risk | None = None


@dataclass
class Plan:
    period: ReportingPeriod
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the fields the file holds
    trend_columns: list[tuple[int, int]] = field(default_factory=list)  # their quarters
    left_alone: int = 0  # risks on the register the file does not name
    taken_over: list[tuple[int, int]] = field(default_factory=list)  # quarters to record

    @property
    def column_labels(self) -> list[str]:
        """The headers of the columns the file holds that are imported, trends included."""
        labels = [FIELD_LABELS[key] for key in self.columns]
        return labels + [trend_header(f"Q{quarter}") for _, quarter in self.trend_columns]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def taken_over_labels(self) -> list[str]:
        return [ReportingPeriod(year=y, quarter=q).label for y, q in self.taken_over]


@dataclass
class _Columns:
    index: dict  # key -> column index
    trends: dict  # column index -> (year, quarter)
    letters: dict  # key or ("trend", (year, quarter)) -> "C (Description)"
    fatal: bool = False  # the rows cannot be read: a required column is missing


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _map_columns(sheet: Sheet, period: ReportingPeriod, problems: list[Problem]) -> _Columns:
    specs = {_normal(spec.header): spec for spec in NINE + FULL + DERIVED}
    specs["reference"] = NINE[0]
    specs["owner"] = FULL[0]
    quarters = trend_periods(period)
    by_label = {_normal(trend_header(f"Q{q}")): (y, q) for y, q in quarters}
    columns = _Columns({}, {}, {})
    row = sheet.header_row
    for index, header in enumerate(sheet.headers):
        name = _normal(header)
        where = f"{_letter(index)} ({header})"
        if not name:
            continue
        if name in specs:
            key = specs[name].key
            if key in columns.index:
                problems.append(Problem(row, where, f'"{header}" is a column twice.', True))
                continue
            columns.index[key] = index
            columns.letters[key] = where
        elif _TREND_HEADER.match(name):
            if name not in by_label:
                expected = ", ".join(trend_header(f"Q{q}") for _, q in quarters)
                problems.append(
                    Problem(
                        row,
                        where,
                        f"This register's open quarter is {period.label}: its trend columns "
                        f"are {expected}.",
                        True,
                    )
                )
                continue
            if by_label[name] in columns.trends.values():
                problems.append(Problem(row, where, f'"{header}" is a column twice.', True))
                continue
            columns.trends[index] = by_label[name]
            columns.letters[("trend", by_label[name])] = where
        else:
            problems.append(
                Problem(
                    row,
                    where,
                    f'"{header}" is not a column riskreg imports: rename or remove it '
                    "(the template lists the columns).",
                    True,
                )
            )
    for spec in NINE[:2]:
        if spec.key not in columns.index:
            problems.append(Problem(row, "", f'The file has no "{spec.header}" column.', True))
            columns.fatal = True
    if ("likelihood" in columns.index) != ("impact_score" in columns.index):
        problems.append(
            Problem(
                row, "", 'Give both a "Likelihood" and an "Impact score" column, or neither.', True
            )
        )
        columns.fatal = True
    return columns


def _existing(register: Register, period: ReportingPeriod) -> dict[str, Risk]:
    """Every risk of the register (withdrawn ones too: they keep their reference), by its
    reference in lower case, with controls, band and the open quarter's trend."""
    risks = with_trend(Risk.all_objects.filter(register=register), period)
    risks = risks.select_related("band", "owner", "lead_officer_user", "category")
    risks = risks.prefetch_related(
        "controls", Prefetch("actions", Action.objects.select_related("owner"))
    )
    return {risk.reference.lower(): risk for risk in risks}


def _earlier_trends(register: Register, quarters) -> tuple[dict, dict]:
    """The closed quarters among `quarters` that the register has ({(y, q): period}), and
    their trends by (risk id, year, quarter)."""
    periods = {
        (p.year, p.quarter): p
        for p in ReportingPeriod.objects.filter(register=register)
        if (p.year, p.quarter) in quarters
    }
    snapshots = QuarterlySnapshot.objects.filter(period__in=list(periods.values())).values_list(
        "risk_id", "period__year", "period__quarter", "trend"
    )
    return periods, {(risk, y, q): trend for risk, y, q, trend in snapshots}


@dataclass
class _Lookups:
    """What cells name, each read once: bands, scale levels, people and categories."""

    bands: dict  # label, lower case -> band
    likelihoods: set
    impacts: set
    people: dict  # username, e-mail address or full name, lower case -> [users]
    categories: dict  # name, lower case -> category

    @classmethod
    def of(cls, register: Register) -> "_Lookups":
        scale = register.rating_scale
        people: dict = {}
        for user in get_user_model().objects.filter(is_active=True):
            for key in {user.get_username(), user.email, user.get_full_name()}:
                if key:
                    people.setdefault(key.lower(), []).append(user)
        return cls(
            bands={band.label.lower(): band for band in scale.bands.all()},
            likelihoods=set(scale.likelihoods.values_list("value", flat=True)),
            impacts=set(scale.impacts.values_list("value", flat=True)),
            people=people,
            categories={c.name.lower(): c for c in register.categories.all()},
        )

    def person(self, text: str):
        """The user a cell names (username, e-mail address, or a full name only one user
        has), or a message saying why not."""
        found = self.people.get(text.lower(), [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, f'More than one user is called "{text}": give their username.'
        return None, f'"{text}" is not a riskreg user: give their username or e-mail address.'


def plan(register: Register, period: ReportingPeriod, sheet: Sheet) -> Plan:
    """What importing `sheet` into `period` (the register's open quarter) would do.

    A fixed number of queries, whatever the number of rows.
    """
    result = Plan(period=period)
    columns = _map_columns(sheet, period, result.problems)
    result.columns = [key for key in FIELD_LABELS if key in columns.index]
    result.trend_columns = sorted(columns.trends.values())
    if columns.fatal:
        return result
    lookups = _Lookups.of(register)
    existing = _existing(register, period)
    quarters = trend_periods(period)
    earlier_periods, earlier_trends = _earlier_trends(register, quarters[:2])
    has_closed = ReportingPeriod.objects.filter(
        register=register, status=ReportingPeriod.Status.CLOSED
    ).exists()
    seen: dict[str, int] = {}
    wanted_quarters: set = set()
    for number, values in sheet.rows:
        row = _parse_row(number, values, columns, lookups, result.problems)
        key = row.reference.lower()
        if key:
            if key in seen:
                result.problems.append(
                    Problem(
                        number,
                        columns.letters["reference"],
                        f"ID {row.reference} is also on row {seen[key]}: a risk may be in "
                        "the file once.",
                    )
                )
            seen.setdefault(key, number)
        risk = existing.get(key)
        if risk is not None and risk.withdrawn_at is not None:
            result.problems.append(
                Problem(
                    number,
                    columns.letters["reference"],
                    f"{risk.reference} was withdrawn as entered in error; give the risk "
                    "another ID.",
                )
            )
            risk = None
        row.risk = risk
        for year, quarter in columns.trends.values():
            if (year, quarter) == quarters[-1]:
                continue
            trend = row.values.get(("trend", year, quarter)) or Trend.NOT_APPLICABLE
            where = columns.letters[("trend", (year, quarter))]
            label = ReportingPeriod(year=year, quarter=quarter).label
            earlier = earlier_periods.get((year, quarter))
            if earlier is None:
                if has_closed and trend != Trend.NOT_APPLICABLE:
                    result.problems.append(
                        Problem(
                            number,
                            where,
                            f"{label} is not a quarter of this register, so its trend "
                            "cannot be recorded: leave it N/A.",
                        )
                    )
                elif trend != Trend.NOT_APPLICABLE:
                    wanted_quarters.add((year, quarter))
                continue
            stored = earlier_trends.get((risk.pk if risk else None, year, quarter))
            stored = stored or Trend.NOT_APPLICABLE
            if trend != stored:
                result.problems.append(
                    Problem(
                        number,
                        where,
                        f"{label} is published with {stored} for this risk, and a "
                        f"published quarter cannot change (the file says {trend}).",
                    )
                )
        _compare(row, risk, period, columns)
        result.rows.append(row)
    result.taken_over = sorted(wanted_quarters)
    named = {row.reference.lower() for row in result.rows}
    result.left_alone = sum(
        1 for key, risk in existing.items() if key not in named and risk.withdrawn_at is None
    )
    return result


def _parse_row(number, values, columns, lookups: _Lookups, problems) -> RowPlan:
    def cell(index):
        return values[index] if index < len(values) else None

    def problem(key, message):
        problems.append(Problem(number, columns.letters[key], message))

    bands = lookups.bands
    parsed: dict = {}
    for spec in NINE + FULL:
        if spec.key not in columns.index:
            continue
        raw = cell(columns.index[spec.key])
        text = _cell_text(raw)
        if spec.required and not text:
            what = "ID" if spec.key == "reference" else "name"
            problem(spec.key, f"Give the risk's {what}.")
        if spec.kind == "controls":
            controls = text_to_controls(text)
            for n, control in enumerate(controls, start=1):
                length = len(rich_to_text(control))
                if length > spec.limit:
                    problem(
                        spec.key,
                        f"Control {n} is {length:,} characters: a control may have at most "
                        f"{spec.limit:,}.",
                    )
            parsed[spec.key] = controls
            continue
        if spec.limit and len(text) > spec.limit:
            problem(
                spec.key,
                f"The cell is {len(text):,} characters long: {spec.header} may have at most "
                f"{spec.limit:,}.",
            )
        if spec.kind == "rich":
            parsed[spec.key] = text_to_rich(text)
        elif spec.kind == "band":
            if text and text.lower() != NOT_RATED.lower() and text.lower() not in bands:
                known = ", ".join(band.label for band in bands.values())
                problem(spec.key, f'"{text}" is not a rating of this register: use {known}.')
            parsed[spec.key] = bands.get(text.lower())
        elif spec.kind == "int":
            parsed[spec.key] = _parse_int(text, spec, lookups, problem)
        elif spec.kind == "person":
            user, message = lookups.person(text) if text else (None, "")
            if message:
                problem(spec.key, message)
            parsed[spec.key] = user
        elif spec.kind == "lead":
            user, _ = lookups.person(text) if text else (None, "")
            parsed[spec.key] = Person(user, "" if user else text)
        elif spec.kind == "category":
            category = lookups.categories.get(text.lower()) if text else None
            if text and category is None:
                known = ", ".join(c.name for c in lookups.categories.values())
                problem(spec.key, f'"{text}" is not a category of this register: use {known}.')
            parsed[spec.key] = category
        elif spec.kind == "rating":
            parsed[spec.key] = _parse_rating(text, spec, lookups, problem)
            by = _BY_DATE.search(text)
            if by and spec.key == "target" and "target_date" not in columns.index:
                parsed["target_date"] = _parse_date(None, by.group(1).strip(), spec, problem)
        elif spec.kind == "actions":
            parsed[spec.key] = _parse_actions(text, lookups, partial(problem, spec.key))
        elif spec.kind == "date":
            parsed[spec.key] = _parse_date(raw, text, spec, problem)
        elif spec.kind == "choice":
            parsed[spec.key] = _parse_choice(text, spec, problem)
        else:
            parsed[spec.key] = text
    reference = parsed.get("reference", "")
    if reference and len(reference) <= 20:
        try:
            REFERENCE_VALIDATOR(reference)
        except ValidationError as error:
            problem("reference", error.messages[0])
    if "likelihood" in parsed and (parsed["likelihood"] is None) != (
        parsed["impact_score"] is None
    ):
        problem("likelihood", "Give both likelihood and impact score, or neither.")
    score = (parsed.get("likelihood") or 0) * (parsed.get("impact_score") or 0)
    if score and parsed.get("band") is not None and "band" in columns.letters:
        follows = band_for_score(list(bands.values()), score)
        if follows is not None and follows != parsed["band"]:
            problem(
                "band",
                f"{parsed['band'].label} does not match likelihood {parsed['likelihood']} x "
                f"impact {parsed['impact_score']} = {score}, which is {follows.label}: give "
                "the rating the scores make, or leave it blank.",
            )
    if parsed.get("circulation") == Circulation.EXEMPT and not parsed.get("restriction_reason"):
        problem("circulation", "Give the reason the risk is exempt from publication.")
    for index, (year, quarter) in columns.trends.items():
        text = _cell_text(cell(index))
        trend = TREND_WORDS.get(text.lower()) if text else ""
        if trend is None:
            problems.append(
                Problem(
                    number,
                    columns.letters[("trend", (year, quarter))],
                    f'"{text}" is not a trend: use New, N/A, → (stable), ↗ (increasing) or '
                    "↘ (decreasing).",
                )
            )
            trend = ""
        parsed[("trend", year, quarter)] = trend
    return RowPlan(row=number, reference=reference, name=parsed.get("name", ""), values=parsed)


def _parse_int(text, spec, lookups, problem):
    if not text:
        return None
    levels = lookups.likelihoods if spec.key == "likelihood" else lookups.impacts
    if not text.isdigit() or int(text) not in levels:
        allowed = ", ".join(str(level) for level in sorted(levels))
        problem(
            spec.key, f'"{text}" is not a {spec.header.lower()} of this register: use {allowed}.'
        )
        return None
    return int(text)


def _parse_rating(text, spec, lookups, problem) -> tuple[int, int] | None:
    """ "4 x 3", or the page's "High\n4 × 3 = 12\nby 31 Mar 2022": (likelihood, impact)."""
    if not text or text.lower() == NOT_RATED.lower():
        return None
    scores = _SCORES.search(text)
    if scores is None:
        problem(spec.key, f'"{text}" is not a rating: write likelihood x impact, as 4 x 3.')
        return None
    likelihood, impact = int(scores.group(1)), int(scores.group(2))
    if likelihood not in lookups.likelihoods or impact not in lookups.impacts:
        problem(spec.key, f"{likelihood} x {impact} is not on this register's rating scale.")
        return None
    return likelihood, impact


def _parse_actions(text: str, lookups: _Lookups, problem) -> list[ActionLine]:
    """The Actions cell: a line for each action, "text | owner | target date | status" (all
    but the text may be left out)."""
    actions = []
    for n, line in enumerate(
        (_BULLET.sub("", line).strip() for line in text.splitlines()), start=1
    ):
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")] + ["", "", ""]
        words, owner_text, day_text, status_text = parts[:4]
        if not words:
            problem(f"Action {n} has no text: start the line with what will be done.")
            continue
        if len(words) > 500:
            problem(f"Action {n} is {len(words):,} characters: an action may have at most 500.")
        owner = None
        if owner_text:
            owner, message = lookups.person(owner_text)
            if message:
                problem(f"Action {n}: {message}")
        day = None
        if day_text:
            day = _parse_date(None, day_text, None, partial(_numbered, problem, n))
        status = Action.Status.NOT_STARTED
        if status_text:
            status = ACTION_STATUSES.get(status_text.lower())
            if status is None:
                allowed = ", ".join(Action.Status.labels)
                problem(f'Action {n}: "{status_text}" is not a status: use {allowed}.')
                status = Action.Status.NOT_STARTED
        actions.append(ActionLine(words, owner, day, status))
    return actions


def _numbered(problem, n: int, key, message: str) -> None:
    problem(f"Action {n}: {message}")


def _parse_date(raw, text, spec, problem):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    problem(spec.key if spec else None, f'"{text}" is not a date: write it as 30/09/2021.')
    return None


def _parse_choice(text, spec, problem):
    choices = CHOICES[spec.key]
    if not text:
        return BLANK_CHOICE[spec.key]
    for value, label in choices.choices:
        if text.lower() in (value.lower(), label.lower()):
            return value
    allowed = ", ".join(label for _, label in choices.choices)
    problem(spec.key, f'"{text}" is not a {spec.header.lower()}: use {allowed}.')
    return BLANK_CHOICE[spec.key]


def _shown(key: str, value) -> str:
    """A value as the preview shows it: text as the cell holds it."""
    if value is None:
        return ""
    if key in ("description", "impact"):
        return rich_to_text(value)
    if key == "controls":
        return controls_to_text(value)
    if key == "band":
        return value.label if value else ""
    if key == "owner":
        return person_name(value)
    if key == "category":
        return value.name
    if key in ("inherent", "target"):
        return f"{value[0]} x {value[1]}"
    if key == "actions":
        return "\n".join(str(action) for action in value)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if key in CHOICES:
        return str(dict(CHOICES[key].choices).get(value, value))
    return str(value)


def _current(risk: Risk, key: str, row: RowPlan):
    if key == "controls":
        return [control.text for control in risk.controls.all()]
    if key == "lead_officer":
        return Person(risk.lead_officer_user, "" if risk.lead_officer_user else risk.lead_officer)
    if key in ("inherent", "target"):
        scores = (getattr(risk, f"{key}_likelihood"), getattr(risk, f"{key}_impact"))
        return None if None in scores else scores
    if key == "actions":
        # The risk's actions the file names (by their text), as the cell would write them.
        named = {action.text.lower() for action in row.values["actions"]}
        return [
            _action_line(action) for action in risk.actions.all() if action.text.lower() in named
        ]
    return getattr(risk, key)


def _action_line(action: Action) -> ActionLine:
    return ActionLine(action.text, action.owner, action.target_date, action.status)


def _compare(row: RowPlan, risk: Risk | None, period: ReportingPeriod, columns: _Columns):
    """Mark the row new, changed (listing each field that changes) or unchanged.

    Rich text is compared as the text a cell holds, so a file exported from riskreg and
    imported unchanged changes nothing (bold and italic marks, which a cell cannot hold,
    are kept).
    """
    current_quarter = ("trend", period.year, period.quarter)
    if risk is None:
        row.action = "new"
        return
    for key in FIELD_LABELS:
        if key == "reference" or key not in row.values:
            continue
        before, after = _shown(key, _current(risk, key, row)), _shown(key, row.values[key])
        if key == "band" and risk.score is not None and "likelihood" not in row.values:
            continue  # a scored risk's band follows its scores
        if before != after:
            row.changes.append(Change(FIELD_LABELS[key], before, after))
    if current_quarter in row.values:
        after = row.values[current_quarter]
        before = risk.set_trend or ""
        # A trend left to be proposed, and the file giving the proposal, is no change.
        if after != before and not (not before and after == risk.proposed_trend):
            label = trend_header(f"Q{period.quarter}")
            row.changes.append(Change(label, before or "(to be proposed)", after or "(blank)"))
    row.action = "changed" if row.changes else "unchanged"


# --- The register's state ------------------------------------------------------------------


def register_state(register: Register) -> str:
    """A digest of what a plan compares a file with: every field of the register's risks,
    controls and actions, its quarters and trends, its categories. Any save changes it."""

    def rows(queryset, exclude=("updated_at",)):
        model = queryset.model
        names = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
        return list(queryset.order_by("pk").values_list(*names))

    parts = {
        "risks": rows(Risk.all_objects.filter(register=register)),
        "controls": rows(Control.objects.filter(risk__register=register)),
        "actions": rows(Action.all_objects.filter(risk__register=register)),
        "periods": rows(ReportingPeriod.objects.filter(register=register)),
        "snapshots": list(
            QuarterlySnapshot.objects.filter(period__register=register)
            .order_by("pk")
            .values_list("pk", "risk_id", "period_id", "trend")
        ),
        "categories": rows(register.categories.all()),
        "scale": register.rating_scale_id,
    }
    encoded = json.dumps(parts, default=str, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- The upload and its preview -------------------------------------------------------------


def start_import(*, register: Register, period: ReportingPeriod, user, file_name: str,
                 content: bytes) -> ImportBatch:  # fmt: skip
    """Read and plan an uploaded file, and keep it as uploaded, with a digest of the register
    as the plan saw it, for its preview and confirmation. ImportFileError if unreadable."""
    found = plan(register, period, read_sheet(content, file_name))
    return ImportBatch.objects.create(
        register=register, period=period, uploaded_by=user, file_name=file_name[:255],
        content=content, sha256=hashlib.sha256(content).hexdigest(),
        register_state=register_state(register), rows=len(found.rows),
        new=found.count("new"), changed=found.count("changed"),
        unchanged=found.count("unchanged"), problems=len(found.problems),
    )  # fmt: skip


@dataclass
class Preview:
    plan: Plan
    fresh: bool  # the register is as the plan saw it at upload: the file may be imported

    def rows(self) -> list[tuple[RowPlan, list[Problem]]]:
        """Each row of the file with its problems (the header's are the file's)."""
        by_row: dict[int, list[Problem]] = {}
        for problem in self.plan.problems:
            if not problem.in_header:
                by_row.setdefault(problem.row, []).append(problem)
        return [(row, by_row.get(row.row, [])) for row in self.plan.rows]


def preview(batch: ImportBatch) -> Preview:
    """The stored file planned against the register as it is now, and whether confirming is
    still open: the quarter open and the register unchanged since the upload."""
    found = plan(batch.register, batch.period, read_sheet(bytes(batch.content), batch.file_name))
    fresh = not batch.period.is_closed and batch.register_state == register_state(batch.register)
    return Preview(found, fresh)


# --- Importing -----------------------------------------------------------------------------


class StaleImportError(Exception):
    """The register changed after the preview: confirming would import something unseen."""


@transaction.atomic
def run_import(*, batch: ImportBatch, user) -> Plan:
    """Import the batch's stored file into its quarter, all or nothing.

    Refused (StaleImportError, nothing written) if the register changed after the preview
    or the stored file is not the one previewed; refused (ValueError) if the plan has
    problems. Every change is saved with history naming `user` and the file.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_imported:
        raise StaleImportError("This file has already been imported.")
    register = batch.register
    period = lock_open_period(register=register, period=batch.period)
    content = bytes(batch.content)
    if hashlib.sha256(content).hexdigest() != batch.sha256:
        raise StaleImportError("The stored file is not the one previewed.")
    if register_state(register) != batch.register_state:
        raise StaleImportError(
            "The register has changed since this preview, so nothing was imported. "
            "Upload the file again to see what it would change now."
        )
    result = plan(register, period, read_sheet(content, batch.file_name))
    if result.problems:
        raise ValueError("The file has problems; nothing was imported.")
    reason = f"Imported from {batch.file_name} by {user.get_username()}"
    _write(register, period, result, user, reason)
    # lock_open_period has said the register changed; quarters taken over add to the packs.
    if result.taken_over:
        register_changed(register.pk, PERIODS_STAMP)
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.rows = len(result.rows)
    batch.new, batch.changed = result.count("new"), result.count("changed")
    batch.unchanged, batch.problems = result.count("unchanged"), 0
    batch.save()
    return result


def _write(register, period, result: Plan, user, reason: str) -> None:
    position = (Risk.all_objects.filter(register=register).aggregate(Max("position"))[
        "position__max"
    ] or 0)  # fmt: skip
    current = ("trend", period.year, period.quarter)
    risks: dict[int, Risk] = {}
    for row in result.rows:
        risk = row.risk
        if row.action == "unchanged":
            risks[row.row] = risk
            continue
        if risk is None:
            position += 1
            risk = Risk(register=register, position=position)
        else:
            risk.version += 1
        changed = {change.field for change in row.changes}
        is_new = risk.pk is None
        for key, value in row.values.items():
            if isinstance(key, str) and key not in ("controls", "actions"):
                if is_new or FIELD_LABELS[key] in changed:
                    _set(risk, key, value)
        risk.derive_band()
        schedule_review(risk)
        risk._history_user = user
        risk._change_reason = reason
        risk.save()
        if "controls" in row.values and (is_new or FIELD_LABELS["controls"] in changed):
            _write_controls(risk, row.values["controls"], user, reason)
        if "actions" in row.values and (is_new or FIELD_LABELS["actions"] in changed):
            _write_actions(risk, row.values["actions"], user, reason)
        if current in row.values:
            _write_trend(risk, period, row, user, reason)
        risks[row.row] = risk
    for year, quarter in result.taken_over:
        trends = [
            (risks[row.row], row.values[("trend", year, quarter)])
            for row in result.rows
            if row.values.get(("trend", year, quarter), Trend.NOT_APPLICABLE)
            not in ("", Trend.NOT_APPLICABLE)
        ]
        take_over_quarter(
            register=register, year=year, quarter=quarter, trends=trends, user=user, reason=reason
        )


def _set(risk: Risk, key: str, value) -> None:
    if key == "lead_officer":
        risk.lead_officer_user, risk.lead_officer = value.user, value.name
    elif key in ("inherent", "target"):
        likelihood, impact = value or (None, None)
        setattr(risk, f"{key}_likelihood", likelihood)
        setattr(risk, f"{key}_impact", impact)
    else:
        setattr(risk, key, value)


def _write_actions(risk: Risk, lines: list[ActionLine], user, reason: str) -> None:
    """Add the file's actions a risk does not have (by their text); change those it has
    where the file differs, recording a moved target date as the action form does."""
    stored = {action.text.lower(): action for action in risk.actions.all()}
    for line in lines:
        action = stored.get(line.text.lower())
        if action is None:
            action = Action(risk=risk, text=line.text, original_target_date=line.target_date)
        elif _action_line(action) == line:
            continue
        else:
            action.version += 1
        moved_from = action.target_date if action.pk else None
        action.owner, action.target_date, action.status = line.owner, line.target_date, line.status
        if action.original_target_date is None:
            action.original_target_date = action.target_date
        action._history_user = user
        action._change_reason = reason
        action.save()
        if moved_from is not None and moved_from != action.target_date:
            record_date_move(action=action, moved_from=moved_from, user=user)


def _write_controls(risk: Risk, texts: list[str], user, reason: str) -> None:
    stored = list(risk.controls.all()) if risk.pk else []
    for position, text in enumerate(texts, start=1):
        control = stored[position - 1] if position <= len(stored) else Control(risk=risk)
        if control.pk and control.text == text and control.position == position:
            continue
        if control.pk and rich_to_text(control.text) == rich_to_text(text):
            text = control.text  # the same words: keep the stored marks
        control.text, control.position = text, position
        control._history_user = user
        control._change_reason = reason
        control.save()
    for control in stored[len(texts) :]:
        control._history_user = user
        control._change_reason = reason
        control.delete()  # as the edit form removes one: its history stays


def _write_trend(risk: Risk, period: ReportingPeriod, row: RowPlan, user, reason: str) -> None:
    trend = row.values[("trend", period.year, period.quarter)]
    snapshot = QuarterlySnapshot.objects.filter(risk=risk, period=period).first()
    if snapshot is None and not trend:
        return
    if row.action == "changed" and not any(c.field.endswith("Trending") for c in row.changes):
        return
    snapshot = snapshot or QuarterlySnapshot(risk=risk, period=period)
    snapshot.trend = trend
    snapshot._history_user = user
    snapshot._change_reason = reason
    snapshot.save()
