"""Downloads of the governance tables: for each role they hold what the page shows that
user, PCC staff the records as at the latest publication, never live ones."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from governance.models import (
    Assessment,
    Commitment,
    Inspection,
    PoliceAndCrimePlan,
    Recommendation,
)
from tests.html import table_rows

pytestmark = pytest.mark.usefixtures("seeded")

ROLES = ["risk_officer", "chief_officer", "pcc_staff"]
DASHBOARD = reverse("governance:review_detail", args=["2017-18"])
INSPECTIONS = reverse("governance:inspection_list")
TRACKER = reverse("governance:recommendation_list")


def plan_url() -> str:
    return reverse("governance:delivery_plan", args=[PoliceAndCrimePlan.objects.first().pk])


def links(page: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)" download', page)]


def both(client, page: str) -> list[list[list]]:
    """The page's two downloads read back: the XLSX's rows and the CSV's."""
    xlsx_link, csv_link = links(page)[:2]
    xlsx = client.get(xlsx_link)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.values]
    response = client.get(csv_link)
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    return [rows, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))]


@pytest.mark.parametrize("role", ROLES)
def test_cipfa_dashboard_download_holds_each_assessment_as_on_the_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(DASHBOARD).content.decode()
    codes = re.findall(r'data-code="([^"]+)"', page)
    assert len(codes) > 20
    for rows in both(client, page):
        assert rows[0][2:] == [
            "Expected Behaviours & Outcomes", "How the Requirements Are Met",
            "Direction of Travel", "RAG Status",
        ]  # fmt: skip
        assert [row[1] for row in rows[1:]] == codes


def test_cipfa_rag_cells_are_coloured_as_on_screen(client, chief_officer):
    client.force_login(chief_officer)
    content = client.get(DASHBOARD.rstrip("/") + "/export.xlsx").content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    green = next(row[5] for row in sheet.iter_rows(min_row=2) if row[5].value.startswith("Green"))
    assert green.fill.fgColor.rgb == "FF1E6B34"


@pytest.mark.parametrize("role", ROLES)
def test_inspections_download_holds_the_page_tables(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(INSPECTIONS).content.decode()
    titles = [row[0] for row in table_rows(page, "hmic-inspections")]
    titles += [row[0] for row in table_rows(page, "hmic-peel")]
    for rows in both(client, page):
        assert rows[0][:5] == [
            "Title", "Inspection/ Self Assessment?", "Date", "Core Group Established?",
            "Action Plan?",
        ]  # fmt: skip
        assert [row[0] for row in rows[1:]] == titles


@pytest.mark.parametrize("role", ROLES)
def test_recommendation_download_keeps_the_filters_and_holds_the_page_rows(client, request, role):
    inspection = Inspection.objects.order_by("pk").first()
    for n, status in enumerate(["open", "open", "complete"]):
        Recommendation.objects.create(
            inspection=inspection, reference=f"R{n}", text=f"Do {n}.", status=status
        )
    from governance.publication import publish
    from registers.models import ReportingPeriod

    publish(period=ReportingPeriod.objects.filter(status="closed").last())
    client.force_login(request.getfixturevalue(role))
    page = client.get(f"{TRACKER}?status=open").content.decode()
    shown = table_rows(page, "hmic-tracker")
    assert [row[1] for row in shown] == ["R0", "R1"]
    for rows in both(client, page):
        assert rows[0] == table_rows(page, "hmic-tracker", body_only=False)[0]
        assert [row[1] for row in rows[1:]] == ["R0", "R1"]


def test_pcc_staff_download_governance_as_published_never_live(client, chief_officer, pcc_staff):
    assessment = Assessment.objects.filter(rag="green").first()
    assessment.rag_note = "Changed after publication"
    assessment.save()
    Recommendation.objects.create(
        inspection=Inspection.objects.first(), reference="LIVE1", text="Not published."
    )
    commitment = Commitment.objects.first()
    commitment.reference = "9.9"
    commitment.save()
    seen = {}
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        dashboard = both(client, client.get(DASHBOARD).content.decode())[1]
        tracker = both(client, client.get(TRACKER).content.decode())[1]
        plan = both(client, client.get(plan_url()).content.decode())[1]
        seen[user.username] = (
            any("Changed after publication" in row[5] for row in dashboard),
            any(row[1] == "LIVE1" for row in tracker),
            any(row[2] == "9.9" for row in plan),
        )
    assert seen == {"charles": (True, True, True), "priya": (False, False, False)}


@pytest.mark.parametrize("role", ROLES)
def test_delivery_plan_download_holds_the_page_rows_as_at_the_quarter(client, request, role):
    client.force_login(request.getfixturevalue(role))
    page = client.get(plan_url()).content.decode()
    quarter = re.search(r'<option value="(\d{4}-q\d)"', page).group(1)
    page = client.get(f"{plan_url()}?quarter={quarter}").content.decode()
    refs = re.findall(r'<th scope="row"><a href="/governance/commitments/\d+/">([^<]+)</a>', page)
    assert refs
    for rows in both(client, page):
        assert rows[0][2:4] == ["Ref", "Plan commitment"]
        assert [row[2] for row in rows[1:]] == refs
        label = re.search(r"progress as at <strong>([^<]+)</strong>", page).group(1)
        assert rows[0][5] == f"Progress update ({label})"


@pytest.mark.parametrize("url", ["/governance/cipfa/2017-18/export.csv", f"{TRACKER}export.xlsx"])
def test_governance_download_query_counts_do_not_grow_with_the_records(
    client, chief_officer, django_assert_max_num_queries, url
):
    client.force_login(chief_officer)
    inspection = Inspection.objects.first()
    Recommendation.objects.create(inspection=inspection, reference="G", text="x")
    target = url
    client.get(target)
    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    Recommendation.objects.bulk_create(
        Recommendation(inspection=inspection, reference=f"G{n}", text="x") for n in range(2000)
    )
    with django_assert_max_num_queries(len(small)):
        assert client.get(target).status_code == 200
