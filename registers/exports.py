"""The register's tables as spreadsheets: the tables its pages show, column for column.

Each builder takes the rows the page itself renders, from the function that gives them
to the page (`registers.tables`), so a page and its download cannot disagree. Headers are
the page's own column headings; the register's are the published nine columns of seed 001.
"""

from basics.spreadsheet import Cell, Column, Table, controls_to_text, rich_to_text

from .access import person_name

# The published layout of the register (seed 001): its nine columns, three of them trends.
REGISTER_HEADERS = ["ID", "Risk Name", "Description", "Impact", "Key Controls and Activities"]
RATING_HEADER = "Residual Risk Rating"
NOT_RATED = "Not rated"


def trend_header(label: str) -> str:
    return f"{label} Trending"


def _band_cell(band) -> Cell:
    if band is None:
        return Cell(NOT_RATED)
    return Cell(band.label, fill=band.colour, colour=band.text_colour)


def rating_text(rating, by=None) -> str:
    """A likelihood x impact rating as its cell shows it: "High\n4 × 3 = 12\nby 31 Mar 2022"."""
    if rating is None:
        return NOT_RATED
    lines = [rating.band.label if rating.band else "Not banded"]
    lines.append(f"{rating.likelihood} × {rating.impact} = {rating.score}")
    if by:
        lines.append(f"by {by.day} {by:%b %Y}")
    return "\n".join(lines)


def _rating_cell(rating, by=None) -> Cell:
    band = rating.band if rating else None
    if band is None:
        return Cell(rating_text(rating, by))
    return Cell(rating_text(rating, by), fill=band.colour, colour=band.text_colour)


# The register's optional columns (services.OPTIONAL_COLUMNS): the page's headings
# (templates/registers/includes/optional_column.html), and each row's value.
OPTIONAL_HEADERS = {
    "owner": "Risk Owner", "category": "Category", "appetite": "Appetite",
    "inherent": "Inherent Rating", "target": "Target Rating", "treatment": "Treatment",
    "next_review": "Next Review", "open_actions": "Open Actions",
}  # fmt: skip


def optional_value(row, column: str):
    if column == "appetite":
        if not row.appetite:
            return ""
        text = f"{row.appetite} (up to {row.tolerance})"
        return f"{text}\nOutside appetite" if row.outside_appetite else text
    if column == "inherent":
        return _rating_cell(row.inherent)
    if column == "target":
        return _rating_cell(row.target, row.target_date)
    if column == "next_review":
        return row.next_review_date
    return getattr(row, column)


# --- The register ----------------------------------------------------------------------


def register_columns(trend_labels: list[str], columns: list[str] = ()) -> list[Column]:
    return [
        Column("ID", 9),
        Column("Risk Name", 28),
        Column("Description", 60),
        Column("Impact", 60),
        Column("Key Controls and Activities", 70),
        *(Column(trend_header(label), 11) for label in trend_labels),
        Column(RATING_HEADER, 14),
        *(Column(OPTIONAL_HEADERS[column], 16) for column in columns),
    ]


def register_row(row, columns: list[str] = ()) -> list:
    """One `registers.services.RegisterRow` in the published nine columns and the optional
    `columns` chosen."""
    return [
        row.reference,
        row.name,
        rich_to_text(row.description),
        rich_to_text(row.impact),
        controls_to_text(row.controls),
        *(cell.value for cell in row.trends),
        _band_cell(row.band),
        *(optional_value(row, column) for column in columns),
    ]


def register_sheet(table) -> Table:
    """A quarter's register (a `registers.tables.RegisterTable`): every row its filters keep."""
    period = table.period
    return Table(
        title=f"Corporate Risks {period.label}",
        columns=register_columns(table.trend_labels, table.columns),
        rows=[register_row(row, table.columns) for row in table.rows()],
    )


# --- A risk ----------------------------------------------------------------------------


def risk_quarters_sheet(risk, snapshots) -> Table:
    """The risk page's "Trend and rating by quarter" table."""
    rows = []
    for snapshot in snapshots:
        closed = snapshot.period.is_closed
        rows.append(
            [
                snapshot.period.label,
                snapshot.trend or "To be proposed at close",
                _band_cell(snapshot.band) if closed else "Set at close",
                "published" if closed else "open",
            ]
        )
    return Table(
        title=f"{risk.reference} by quarter",
        columns=[
            Column("Quarter", 12),
            Column("Trend", 24),
            Column(RATING_HEADER, 16),
            Column("Register", 12),
        ],
        rows=rows,
    )


# --- Actions and reviews ---------------------------------------------------------------


def actions_sheet(title: str, actions, today, *, show_risk: bool) -> Table:
    """An actions table (the register's actions page, or a risk's), each action's first
    target date beside its date now, and overdue said in its status."""
    rows = []
    for action in actions:
        status = action.get_status_display()
        if action.is_overdue(today):
            status = f"{status} (overdue)"
        owner = person_name(action.owner) if action.owner else ""
        row = [action.text, owner, action.target_date, status, action.original_target_date]
        rows.append([action.risk.reference, *row] if show_risk else row)
    columns = [
        Column("Action", 50), Column("Owner", 20), Column("Target date", 12),
        Column("Status", 16), Column("First target date", 12),
    ]  # fmt: skip
    return Table(title, [Column("Risk", 9), *columns] if show_risk else columns, rows)


def reviews_sheet(risk, reviews) -> Table:
    """A risk's reviews, as its page lists them."""
    rows = [
        [
            review.reviewed_on,
            person_name(review.reviewer) if review.reviewer else "a former user",
            review.get_outcome_display(),
            review.note,
        ]
        for review in reviews
    ]
    columns = [Column("Date", 12), Column("Reviewer", 20), Column("Outcome", 16),
               Column("Note", 60)]  # fmt: skip
    return Table(f"{risk.reference} reviews", columns, rows)
