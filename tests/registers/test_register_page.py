import html

import pytest
from django.db.models import QuerySet
from django.urls import reverse

from registers.models import Control, QuarterlySnapshot, RatingBand, ReportingPeriod, Risk
from tests.html import table_rows, text

from .seed001 import seed_rows

pytestmark = pytest.mark.django_db

Q2 = "/registers/corporate/2021-q2/"
Q3 = "/registers/corporate/2021-q3/"


def words(cell: str) -> list[str]:
    # A bullet is "- item" or "-item" in the seed's text, a list item on the page.
    return [
        w[1:] if w.startswith("-") and w[1:2].isalpha() else w
        for w in text(html.unescape(cell)).split()
        if w not in ("-", "–")
    ]


def test_q2_register_shows_the_seed_rows_in_the_seed_order(client, seeded, chief_officer):
    client.force_login(chief_officer)
    response = client.get(Q2)
    assert response.status_code == 200
    page = response.content.decode()
    rows = table_rows(page, "register")
    expected = seed_rows()
    assert len(expected) == 18
    assert [row[0] for row in rows] == [seed.reference for seed in expected]
    for row, seed in zip(rows, expected, strict=True):
        reference, name, description, impact, controls, q4, q1, q2, rating = row
        assert name == seed.name
        assert (q4, q1, q2) == seed.trends, seed.reference
        assert rating == seed.rating, seed.reference
        # The seed's words, in the seed's order, whether its bullets were dashes or a list.
        assert words(description) == words(seed.description), seed.reference
        assert words(impact) == words(seed.impact), seed.reference
        assert words(controls) == words(seed.controls), seed.reference


def test_register_header_names_the_three_quarters(client, seeded, chief_officer):
    client.force_login(chief_officer)
    header = table_rows(client.get(Q2).content.decode(), "register", body_only=False)[0]
    assert header == [
        "ID", "Risk Name", "Description", "Impact", "Key Controls and Activities",
        "Q4 Trending", "Q1 Trending", "Q2 Trending", "Residual Risk Rating",
    ]  # fmt: skip
    header = table_rows(client.get(Q3).content.decode(), "register", body_only=False)[0]
    assert header[5:8] == ["Q1 Trending", "Q2 Trending", "Q3 Trending"]


def test_rating_cells_carry_their_band_colour_and_trends_are_read_in_words(
    client, seeded, chief_officer
):
    client.force_login(chief_officer)
    page = client.get(Q2).content.decode()
    assert '<td class="band band-critical">Critical</td>' in page
    assert page.count('<td class="band band-high">High</td>') == 13
    assert page.count('<td class="band band-medium">Medium</td>') == 4
    assert '<span aria-hidden="true">→</span><span class="visually-hidden">Stable</span>' in page
    assert (
        '<span aria-hidden="true">↗</span><span class="visually-hidden">Increasing</span>' in page
    )
    assert (
        '<span aria-hidden="true">↘</span><span class="visually-hidden">Decreasing</span>' in page
    )


def test_seed_html_renders_as_lists_and_paragraphs_not_as_markup(client, seeded, chief_officer):
    client.force_login(chief_officer)
    page = client.get(Q2).content.decode()
    assert "&lt;p&gt;" not in page and "&lt;ul" not in page
    assert "list-style-type" not in page  # the seed's inline style is not carried over
    assert "<li>Relaunch of THRIVE+</li>" in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ("band=Medium", ["CRR12", "CRR07", "CRR10", "CRR11"]),
        ("trend=New", ["CRR18", "CRR15", "CRR13", "CRR16", "CRR17", "CRR14"]),
        ("status=closed", []),
    ],
)
def test_published_register_filters(client, seeded, chief_officer, query, expected):
    band = RatingBand.objects.get(label="Medium")
    query = query.replace("band=Medium", f"band={band.pk}")
    client.force_login(chief_officer)
    rows = table_rows(client.get(f"{Q2}?{query}").content.decode(), "register")
    assert [row[0] for row in rows if row[0].startswith("CRR")] == expected


@pytest.mark.parametrize("needle", ["cyber", "IT&D", "THRIVE", "crr1", "Nightingale", "£"])
def test_published_register_search_finds_what_the_seed_holds(client, seeded, chief_officer, needle):
    expected = [
        row.reference
        for row in seed_rows()
        if needle.lower()
        in " ".join([row.reference, row.name, row.description, row.impact, row.controls]).lower()
    ]
    client.force_login(chief_officer)
    response = client.get(Q2, {"q": needle})
    rows = table_rows(response.content.decode(), "register")
    assert [row[0] for row in rows if row[0].startswith("CRR")] == expected
    assert expected or needle == "£"


def test_live_register_filters_by_lead_officer_and_proposed_trend(client, seeded, chief_officer):
    Risk.objects.filter(reference__in=["CRR01", "CRR05"]).update(
        lead_officer="ACC Operations", lead_officer_user=None
    )
    Risk.objects.filter(reference="CRR10").update(band=RatingBand.objects.get(label="High"))
    client.force_login(chief_officer)
    page = client.get(f"{Q3}?lead_officer=ACC+Operations").content.decode()
    assert [row[0] for row in table_rows(page, "register")] == ["CRR01", "CRR05"]
    rows = table_rows(client.get(f"{Q3}?trend=%E2%86%97").content.decode(), "register")
    assert [row[0] for row in rows] == ["CRR10"]
    assert rows[0][7] == "↗ (proposed)"


def test_pcc_staff_read_published_quarters_but_not_the_open_one(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    assert client.get(Q2).status_code == 200
    assert client.get(Q3).status_code == 404
    assert (
        client.get(reverse("registers:risk_detail", args=["corporate", "CRR10"])).status_code == 404
    )
    listing = client.get(reverse("registers:register_list")).content.decode()
    assert "Q2 2021/22" in listing and "Q3 2021/22" not in listing
    # The register's own address takes PCC staff to the latest published quarter.
    assert client.get("/registers/corporate/")["Location"] == Q2


def test_the_register_address_takes_officers_to_the_working_register(client, seeded, chief_officer):
    client.force_login(chief_officer)
    assert client.get("/registers/corporate/")["Location"] == Q3


def test_pcc_staff_see_no_links_into_the_live_register(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    page = client.get(Q2).content.decode()
    assert "/registers/corporate/risks/" not in page
    assert "Add a risk" not in page


def _grow_register(count: int) -> None:
    """Add `count` risks with controls and a Q2 snapshot each, as dense as the seed's."""
    template = Risk.objects.get(reference="CRR13")
    period = ReportingPeriod.objects.get(year=2021, quarter=2)
    risks = Risk.objects.bulk_create(
        Risk(
            register=template.register,
            reference=f"GEN{n:05d}",
            name=f"{template.name} {n}",
            description=template.description,
            impact=template.impact,
            band=template.band,
            position=100 + n,
        )
        for n in range(count)
    )
    Control.objects.bulk_create(
        Control(risk=risk, text=f"Control {i} of {risk.reference}", position=i)
        for risk in risks
        for i in range(1, 4)
    )
    # Written straight to the table, as closing the quarter would have written them.
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(
            risk=risk, period=period, trend="→", band=risk.band, reference=risk.reference,
            name=risk.name, description=risk.description, impact=risk.impact,
            controls=["one", "two"], status="open", position=risk.position,
        )
        for risk in risks
    )  # fmt: skip


@pytest.mark.parametrize("url", [Q2, Q3, f"{Q2}?q=cyber&status=open", f"{Q3}?q=cyber&status=open"])
def test_register_page_query_count_does_not_grow_with_the_register(
    client, seeded, chief_officer, django_assert_max_num_queries, django_assert_num_queries, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(chief_officer)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow_register(2000)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    # the filters name owners and categories, the optional columns read the scale
    assert len(small) <= 19


def test_a_filter_value_that_is_not_understood_is_said_so(client, seeded, chief_officer):
    client.force_login(chief_officer)
    page = client.get(f"{Q2}?band=999").content.decode()
    assert "Some filters were not understood and are not applied" in page
    assert "Select a valid choice" in page
