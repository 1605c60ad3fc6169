"""Downloads of the register's tables: opened with openpyxl and the csv module, for each role,
they hold the rows and columns the page shows that user."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from basics.spreadsheet import safe_cell
from registers.models import RatingBand, Risk
from tests.html import table_rows

from .test_register_page import _grow_register

pytestmark = pytest.mark.django_db

Q2 = "/registers/corporate/2021-q2/"
Q3 = "/registers/corporate/2021-q3/"
RISK = "/registers/corporate/risks/CRR13/"


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def words(value) -> str:
    return " ".join(str(value or "").replace("•", " ").split())


def download_links(page: str) -> list[str]:
    import re

    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)" download', page)]


@pytest.mark.parametrize("role", ["risk_officer", "chief_officer", "pcc_staff"])
def test_published_register_downloads_hold_the_page_rows_and_columns(client, seeded, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(Q2).content.decode()
    shown = table_rows(page, "register", body_only=False)
    xlsx_link, csv_link = download_links(page)[:2]
    for rows in (xlsx_rows(client.get(xlsx_link)), csv_rows(client.get(csv_link))):
        assert rows[0] == shown[0]  # the page's own headers
        assert len(rows) == len(shown) == 19
        for row, on_page in zip(rows[1:], shown[1:], strict=True):
            assert row[0] == on_page[0]  # ID, in the page's order
            assert row[1] == on_page[1]
            assert words(row[4]) == words(on_page[4])  # controls, word for word
            assert row[5:] == on_page[5:]  # trends and rating


def test_the_open_quarter_downloads_for_officers_and_is_hidden_from_pcc_staff(
    client, seeded, risk_officer, pcc_staff
):
    client.force_login(risk_officer)
    rows = xlsx_rows(client.get(f"{Q3}export.xlsx"))
    assert rows[0][5:8] == ["Q1 Trending", "Q2 Trending", "Q3 Trending"]
    assert len(rows) == 1 + Risk.objects.filter(status="open").count()
    client.force_login(pcc_staff)
    assert client.get(f"{Q3}export.xlsx").status_code == 404
    assert client.get(f"{Q3}export.csv").status_code == 404
    assert client.get(f"{RISK}history.xlsx").status_code == 404
    assert client.get(f"{RISK}quarters.csv").status_code == 404
    assert "export.xlsx" not in client.get(Q2.replace("q2", "q3")).content.decode()


def test_a_download_keeps_the_page_filters(client, seeded, chief_officer):
    client.force_login(chief_officer)
    critical = RatingBand.objects.get(label="Critical")
    page = client.get(f"{Q2}?band={critical.pk}&q=&page=1").content.decode()
    xlsx_link = download_links(page)[0]
    assert f"band={critical.pk}" in xlsx_link and "page=" not in xlsx_link
    rows = xlsx_rows(client.get(xlsx_link))
    shown = table_rows(page, "register")
    assert [row[0] for row in rows[1:]] == [row[0] for row in shown]
    assert {row[8] for row in rows[1:]} == {"Critical"}


def test_xlsx_has_frozen_header_widths_band_colours_and_text_with_bullets(
    client, seeded, chief_officer
):
    client.force_login(chief_officer)
    response = client.get(f"{Q2}export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["C"].width == 60
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    crr13 = rows["CRR13"]
    band = Risk.objects.get(reference="CRR13").band
    rating = crr13[8]
    assert rating.value == band.label
    assert rating.fill.fgColor.rgb == "FF" + band.colour.lstrip("#").upper()
    # Rich text as plain text: paragraphs a blank line apart, list items as bullets.
    impact_with_list = next(row[3].value for row in rows.values() if "•" in (row[3].value or ""))
    assert "<" not in impact_with_list and "\n• " in "\n" + impact_with_list
    assert crr13[4].value.startswith("• ") and "\n• " in crr13[4].value


def test_csv_keeps_the_trend_arrows_in_utf8(client, seeded, chief_officer):
    client.force_login(chief_officer)
    rows = csv_rows(client.get(f"{Q2}export.csv"))
    assert "→" in {cell for row in rows for cell in row[5:8]}


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


@pytest.mark.parametrize("payload", FORMULAS)
def test_a_formula_in_a_risk_name_comes_out_escaped_in_both_formats(
    client, seeded, risk_officer, payload
):
    Risk.objects.filter(reference="CRR13").update(name=payload)
    client.force_login(risk_officer)
    xlsx = load_workbook(io.BytesIO(client.get(f"{Q3}export.xlsx").content)).worksheets[0]
    cell = next(row[1] for row in xlsx.iter_rows(min_row=2) if row[0].value == "CRR13")
    assert cell.data_type == "s"  # text, never a formula
    # XML reads a carriage return back as a line feed; the apostrophe is what counts.
    assert cell.value == "'" + payload.replace("\r", "\n")
    rows = csv_rows(client.get(f"{Q3}export.csv"))
    assert next(row[1] for row in rows if row[0] == "CRR13") == "'" + payload


def test_safe_cell_escapes_only_what_starts_a_formula():
    assert [safe_cell(v) for v in ("=1", "+1", "-1", "@a", "\t1", "\r1")] == [
        "'=1", "'+1", "'-1", "'@a", "'\t1", "'\r1",
    ]  # fmt: skip
    assert [safe_cell(v) for v in ("CRR01", "→", "", None, -1, 2.5)] == [
        "CRR01", "→", "", None, -1, 2.5,
    ]  # fmt: skip


@pytest.mark.parametrize("role", ["risk_officer", "chief_officer"])
def test_a_risks_quarters_and_history_download_as_on_its_page(client, seeded, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(RISK).content.decode()
    links = download_links(page)
    assert f"{RISK}quarters.xlsx" in links and f"{RISK}history.csv" in links
    quarters = xlsx_rows(client.get(f"{RISK}quarters.xlsx"))
    assert quarters[0] == ["Quarter", "Trend", "Residual Risk Rating", "Register"]
    snapshots = Risk.objects.get(reference="CRR13").snapshots.order_by("-period__year")
    assert [row[0] for row in quarters[1:]] == [s.period.label for s in snapshots]
    history = csv_rows(client.get(f"{RISK}history.csv"))
    assert history[0] == ["When", "Who", "What", "Field", "Before", "After"]
    assert len(history) > 1
    sheet = load_workbook(io.BytesIO(client.get(f"{RISK}history.xlsx").content)).worksheets[0]
    assert sheet["A2"].is_date


def test_a_download_in_another_format_is_not_found(client, seeded, chief_officer):
    client.force_login(chief_officer)
    assert client.get(f"{Q2}export.pdf").status_code == 404


@pytest.mark.parametrize("url", [f"{Q2}export.xlsx", f"{Q3}export.csv?q=cyber&status=open"])
def test_register_download_query_count_does_not_grow_with_the_register(
    client, seeded, chief_officer, django_assert_max_num_queries, url
):
    client.force_login(chief_officer)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow_register(2000)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(small) <= 16


ALL_COLUMNS = "&".join(
    f"columns={name}"
    for name in ("owner", "category", "appetite", "inherent", "target", "treatment",
                 "next_review", "open_actions")
)  # fmt: skip


def _as_page_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value.day} {value:%b %Y}"
    return " ".join(str(value).split())


@pytest.mark.parametrize("url", [Q2, Q3])
def test_the_optional_columns_chosen_on_the_page_are_the_downloads_columns(
    client, seeded, risk_officer, url
):
    client.force_login(risk_officer)
    page = client.get(f"{url}?{ALL_COLUMNS}").content.decode()
    shown = table_rows(page, "register", body_only=False)
    assert shown[0][9:] == [
        "Risk Owner", "Category", "Appetite", "Inherent Rating", "Target Rating", "Treatment",
        "Next Review", "Open Actions",
    ]  # fmt: skip
    xlsx_link, csv_link = download_links(page)[:2]
    assert "columns=open_actions" in xlsx_link
    for rows in (xlsx_rows(client.get(xlsx_link)), csv_rows(client.get(csv_link))):
        assert rows[0] == shown[0]
        for row, on_page in zip(rows[1:], shown[1:], strict=True):
            cells = [_as_page_text(value) for value in row[9:]]
            if isinstance(row[15], str):  # the CSV's dates are ISO
                cells[6] = _as_page_text(datetime.date.fromisoformat(row[15]) if row[15] else None)
            assert cells == on_page[9:], row[0]
        if url == Q3:  # the demo's live risks have owners, categories and ratings
            assert any(row[9] for row in rows[1:]) and any(
                row[12] != "Not rated" for row in rows[1:]
            )


def _risk_with_action_and_review(officer):
    from registers.models import Action
    from registers.reviews import record_review

    risk = Risk.objects.get(reference="CRR13")
    Action.objects.create(
        risk=risk, text="=cmd|' /C calc'!A0", owner=officer, status="in_progress",
        target_date=datetime.date(2020, 1, 31), original_target_date=datetime.date(2019, 12, 1),
    )  # fmt: skip
    record_review(
        risk=risk, reviewer=officer, reviewed_on=datetime.date(2021, 9, 1),
        outcome="no_change", note="Checked with the owner.",
    )  # fmt: skip
    return risk


@pytest.mark.parametrize("role", ["risk_officer", "chief_officer"])
def test_a_risks_actions_and_reviews_download_as_on_its_page(client, seeded, request, role):
    officer = request.getfixturevalue("risk_officer")
    _risk_with_action_and_review(officer)
    client.force_login(request.getfixturevalue(role))
    page = client.get(RISK).content.decode()
    links = download_links(page)
    assert f"{RISK}actions.xlsx" in links and f"{RISK}reviews.csv" in links
    actions = xlsx_rows(client.get(f"{RISK}actions.xlsx"))
    assert actions[0] == ["Action", "Owner", "Target date", "Status", "First target date"]
    escaped = next(row for row in actions[1:] if "calc" in row[0])
    assert escaped[0] == "'=cmd|' /C calc'!A0"  # a formula in an action is escaped too
    assert escaped[1:4] == ["Rita Officer", datetime.datetime(2020, 1, 31), "In progress (overdue)"]
    reviews = csv_rows(client.get(f"{RISK}reviews.csv"))
    assert reviews[0] == ["Date", "Reviewer", "Outcome", "Note"]
    assert ["2021-09-01", "Rita Officer", "No change", "Checked with the owner."] in reviews


def test_the_register_actions_download_keeps_the_page_filters(
    client, seeded, risk_officer, pcc_staff
):
    _risk_with_action_and_review(risk_officer)
    client.force_login(risk_officer)
    url = "/registers/corporate/actions/"
    page = client.get(f"{url}?overdue=on").content.decode()
    shown = [row for row in table_rows(page) if row and row[0].startswith("CRR")]
    xlsx_link = next(link for link in download_links(page) if link.endswith("overdue=on"))
    rows = xlsx_rows(client.get(xlsx_link))
    assert rows[0][:5] == ["Risk", "Action", "Owner", "Target date", "Status"]
    assert [row[:2] for row in rows[1:]] == [
        [row[0], "'" + row[1] if row[1].startswith("=") else row[1]] for row in shown
    ]
    assert all("(overdue)" in row[4] for row in rows[1:])
    client.force_login(pcc_staff)
    assert client.get(f"{url}export.xlsx").status_code == 404
