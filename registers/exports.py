"""The register's tables as spreadsheets: the tables its pages show, column for column.

Each builder takes the rows the page itself renders, from the function that gives them
to the page (`registers.tables`), so a page and its download cannot disagree. Headers are
the page's own column headings; the register's are the published nine columns of seed 001.
"""

from basics.spreadsheet import Cell, Column, Table, controls_to_text, rich_to_text

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


# --- The register ----------------------------------------------------------------------


def register_columns(trend_labels: list[str], extra_headers: list[str] = ()) -> list[Column]:
    return [
        Column("ID", 9),
        Column("Risk Name", 28),
        Column("Description", 60),
        Column("Impact", 60),
        Column("Key Controls and Activities", 70),
        *(Column(trend_header(label), 11) for label in trend_labels),
        Column(RATING_HEADER, 14),
        *(Column(header, 16) for header in extra_headers),
    ]


def register_row(row) -> list:
    """One `registers.services.RegisterRow` in the published nine columns."""
    return [
        row.reference,
        row.name,
        rich_to_text(row.description),
        rich_to_text(row.impact),
        controls_to_text(row.controls),
        *(cell.value for cell in row.trends),
        _band_cell(row.band),
        *row.extra,
    ]


def register_sheet(table) -> Table:
    """A quarter's register (a `registers.tables.RegisterTable`): every row its filters keep."""
    period = table.period
    return Table(
        title=f"Corporate Risks {period.label}",
        columns=register_columns(table.trend_labels, table.extra_headers),
        rows=[register_row(row) for row in table.rows()],
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
