"""The chief officers' dashboard: the seed's picture, the heat map's links, constant queries."""

import json
import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from registers.models import (
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
)
from registers.quarter import quarter_picture
from tests.html import table_rows, text
from tests.registers.seed001 import seed_rows

pytestmark = pytest.mark.django_db

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "registers_corporate.json"


def _fixture(model: str) -> list[dict]:
    records = json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
    return [record["fields"] for record in records if record["model"] == model]


def _ratings(html: str) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table_rows(html, "ratings-table")}


def _movement(html: str, label: str) -> dict[str, int]:
    """The counts of the movement block headed `label` ("Q2 2021/22, since ...")."""
    section = html[html.index('id="movement"') : html.index('id="attention"')]
    block = section[section.index(f"<h3>{label}") :]
    block = block[: block.index("</ul>")]
    return {
        word: int(count) for count, word in re.findall(r"<strong>(\d+)</strong> ([a-z-]+)", block)
    }


def test_seed_picture_matches_the_seed_document(seeded):
    # The figures the dashboard must show, read from the seed document itself.
    ratings = Counter(row.rating for row in seed_rows() if row.rating)
    assert ratings == {"Critical": 1, "High": 13, "Medium": 4}
    assert sum(1 for row in seed_rows() if row.trends[2] == "New") == 6


def test_chief_officer_sees_the_open_risks_per_rating(client, seeded, chief_officer):
    client.force_login(chief_officer)
    html = client.get("/").content.decode()
    expected = Counter(Risk.objects.filter(status="open").values_list("band__label", flat=True))
    assert expected == Counter(row.rating for row in seed_rows())
    rows = _ratings(html)
    # Columns: Q2 2021/22, Q3 2021/22 (now), change.
    assert {label: int(rows[label][1]) for label in expected} == expected
    assert rows["Critical"][1:] == ["1", "no change"]
    assert rows["High"][1] == "13" and rows["Medium"][1] == "4"
    assert "Q3 2021/22</strong>, the open quarter" in html
    assert "You are signed in as <strong>Chief Officer</strong>" in html


def test_pcc_staff_dashboard_is_the_latest_closed_quarter(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get("/").content.decode()
    latest = Register.objects.get(slug="corporate").latest_closed_period()
    assert latest.label == "Q2 2021/22"
    assert f"{latest.label}</strong>, the latest published quarter" in html
    assert "Q3 2021/22" not in html  # the open quarter is not even named
    published = Counter(
        QuarterlySnapshot.objects.filter(period=latest).values_list("band__label", flat=True)
    )
    assert published == {"Critical": 1, "High": 13, "Medium": 4}
    rows = _ratings(html)
    # Columns: Q1 2021/22, Q2 2021/22, change.
    assert {label: int(rows[label][1]) for label in published} == published


def test_six_risks_are_new_in_q2_as_the_seed_and_the_changes_page_say(
    client, seeded, pcc_staff, chief_officer
):
    q2 = ReportingPeriod.objects.get(year=2021, quarter=2)
    changes = quarter_picture(q2).movements
    seed_new = sorted(row.reference for row in seed_rows() if row.trends[2] == "New")
    assert sorted(change.reference for change in changes.new) == seed_new
    for user in (pcc_staff, chief_officer):
        client.force_login(user)
        html = client.get("/").content.decode()
        counts = _movement(html, "Q2 2021/22, since Q1 2021/22")
        # Q1 2021/22 holds trends only: its ratings cannot be compared with.
        assert counts == {"new": len(seed_new), "closed": len(changes.closed)}
        assert "Escalated: not recorded" in html and "De-escalated: not recorded" in html
        assert counts["new"] == 6
        assert "/registers/corporate/2021-q2/changes/#new" in html


def test_pcc_dashboard_is_built_from_snapshots_not_live_risks(client, seeded, pcc_staff):
    # An unpublished change to the working register must not show to PCC staff.
    Risk.objects.filter(reference="CRR18").update(band=RatingBand.objects.get(label="Low"))
    client.force_login(pcc_staff)
    rows = _ratings(client.get("/").content.decode())
    assert rows["Critical"][1] == "1" and rows["Low"][1] == "0"


def test_live_dashboard_follows_an_edit_of_the_working_register(client, seeded, chief_officer):
    Risk.objects.filter(reference="CRR18").update(band=RatingBand.objects.get(label="High"))
    client.force_login(chief_officer)
    rows = _ratings(client.get("/").content.decode())
    assert rows["Critical"][1:] == ["0", "−1"]
    assert rows["High"][1:] == ["14", "+1"]


def _heat_cells(html: str) -> dict[tuple[int, int], tuple[int, str, str]]:
    """(likelihood, impact) -> (count, band class, link) for each heat-map cell."""
    cells = {}
    for match in re.finditer(
        r'<td class="heat-cell band-([a-z]+)[^"]*"><a href="([^"]+)">(\d+)<span', html
    ):
        url = unescape(match.group(2))
        likelihood = int(re.search(r"likelihood=(\d)", url).group(1))
        impact = int(re.search(r"impact_score=(\d)", url).group(1))
        cells[(likelihood, impact)] = (int(match.group(3)), match.group(1), url)
    return cells


def test_heat_map_counts_scored_risks_in_their_cells_and_links_to_exactly_them(
    client, seeded, chief_officer
):
    # The demonstration's scores cleared: the test places its own.
    Risk.objects.update(likelihood=None, impact_score=None)
    Risk.objects.filter(reference__in=["CRR01", "CRR02"]).update(likelihood=4, impact_score=5)
    Risk.objects.filter(reference="CRR03").update(likelihood=2, impact_score=3)
    client.force_login(chief_officer)
    html = client.get("/").content.decode()
    cells = _heat_cells(html)
    assert len(cells) == 25
    assert cells[(4, 5)][:2] == (2, "critical")  # 20 is in Critical's 17-25
    assert cells[(2, 3)][:2] == (1, "medium")  # 6 is in Medium's 5-10
    assert sum(count for count, _, _ in cells.values()) == 3
    for (likelihood, impact), (count, _, url) in cells.items():
        expected = set(
            Risk.objects.filter(
                status="open", likelihood=likelihood, impact_score=impact
            ).values_list("reference", flat=True)
        )
        assert count == len(expected)
        if not count:
            continue
        register = table_rows(client.get(url).content.decode(), "register")
        assert {row[0] for row in register} == expected, url
    # The other fifteen, rated by band only, are counted beside the grid.
    band_only = Counter(
        Risk.objects.filter(status="open", likelihood__isnull=True).values_list(
            "band__label", flat=True
        )
    )
    side = html[html.index('class="band-only"') : html.index('id="ratings"')]
    for label, count in band_only.items():
        assert f">{count} {label}</a>" in side
    assert sum(band_only.values()) == 15


def test_band_only_link_filters_the_register_by_band(client, seeded, chief_officer):
    client.force_login(chief_officer)
    html = client.get("/").content.decode()
    high = RatingBand.objects.get(label="High")
    url = unescape(re.search(rf'href="([^"]*band={high.pk}&amp;status=open)"', html).group(1))
    rows = table_rows(client.get(url).content.decode(), "register")
    assert len(rows) == Risk.objects.filter(status="open", band=high).count() == 13


def test_pcc_heat_map_links_stay_in_the_published_quarter(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get("/").content.decode()
    for _, _, url in _heat_cells(html).values():
        assert url.startswith("/registers/corporate/2021-q2/?")
        assert client.get(url).status_code == 200


def test_attention_lists_overdue_reviews_hmic_and_amber_red_governance(
    client, seeded, chief_officer
):
    import datetime

    from governance.models import Assessment, GovernanceReview, Rag, Recommendation

    # The demonstration's reviews set aside: one risk overdue, none due soon.
    Risk.objects.update(next_review_date=datetime.date.today() + datetime.timedelta(days=60))
    Risk.objects.filter(reference="CRR05").update(next_review_date=datetime.date(2000, 1, 1))
    client.force_login(chief_officer)
    html = client.get("/").content.decode()
    section = text(html[html.index('id="attention"') : html.index('id="trend"')])
    assert "1 risk past its review date" in section and "CRR05" in section
    overdue = Recommendation.objects.overdue().count()
    assert f"{overdue} HMIC recommendation" in section
    review = GovernanceReview.objects.order_by("-year").first()
    flagged = Assessment.objects.filter(review=review, rag__in=[Rag.AMBER, Rag.RED])
    assert flagged.exists()
    assert f"{flagged.count()} governance sub-principles rated Amber or Red" in section
    for assessment in flagged:
        assert unescape(str(assessment.sub_principle)) in unescape(section)


def test_pcc_staff_see_no_review_dates_of_the_working_register(client, seeded, pcc_staff):
    import datetime

    # The demonstration's reviews set aside: one risk overdue, none due soon.
    Risk.objects.update(next_review_date=datetime.date.today() + datetime.timedelta(days=60))
    Risk.objects.filter(reference="CRR05").update(next_review_date=datetime.date(2000, 1, 1))
    client.force_login(pcc_staff)
    html = client.get("/").content.decode()
    assert "review date" not in html and "CRR05" not in html


def test_trend_table_counts_each_quarter_from_its_snapshots(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get("/").content.decode()
    rows = {row[0]: row[1:] for row in table_rows(html, "trend-table")}
    for period in ReportingPeriod.objects.filter(status="closed"):
        snapshots = QuarterlySnapshot.objects.filter(period=period)
        assert rows[period.label][-1] == str(snapshots.count())
        assert rows[period.label][1] == str(snapshots.filter(band__label="High").count())
    assert "<svg" in html and 'role="img"' in html


def test_several_registers_can_be_picked(client, seeded, chief_officer):
    other = Register.objects.create(
        name="Alliance Risk Register",
        slug="alliance",
        organisation="Alliance",
        rating_scale=Register.objects.get(slug="corporate").rating_scale,
    )
    ReportingPeriod.objects.create(
        register=other, year=2021, quarter=3, start="2021-10-01", end="2021-12-31"
    )
    client.force_login(chief_officer)
    first = client.get("/").content.decode()
    assert 'name="register"' in first
    # Registers are ordered by name: the alliance register comes first and is empty.
    assert _ratings(first)["High"] == ["0"]  # no earlier quarter to compare with
    assert _ratings(client.get("/?register=corporate").content.decode())["High"][1] == "13"
    assert client.get("/?register=nowhere").status_code == 404


def test_user_without_a_role_sees_the_welcome_but_no_dashboard(client, db):
    from tests.conftest import make_user

    client.force_login(make_user("nobody"))
    html = client.get("/").content.decode()
    assert "Welcome, Nobody" in html and 'id="heat-map"' not in html


def _grow(count: int) -> None:
    """`count` more open risks, some scored, each with a Q2 snapshot and a history row."""
    template = Risk.objects.get(reference="CRR13")
    q2 = ReportingPeriod.objects.get(year=2021, quarter=2)
    risks = Risk.objects.bulk_create(
        Risk(
            register=template.register,
            reference=f"GEN{n:05d}",
            name=f"{template.name} {n}",
            band=template.band,
            likelihood=(n % 5 + 1) if n % 2 else None,
            impact_score=(n % 4 + 1) if n % 2 else None,
            position=100 + n,
        )
        for n in range(count)
    )
    # Written straight to the table, as closing the quarter would have written them.
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(
            risk=risk, period=q2, trend="→", band=risk.band, reference=risk.reference,
            name=risk.name, status="open", position=risk.position,
            likelihood=risk.likelihood, impact_score=risk.impact_score,
        )
        for risk in risks
    )  # fmt: skip


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_dashboard_query_count_does_not_grow_with_the_register(
    client, seeded, request, role, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(role))
    client.get("/")  # warm the session
    cache.clear()  # the page as first built, not as served again (test_page_cache.py)
    with CaptureQueriesContext(connection) as small:
        response = client.get("/")
    assert response.status_code == 200
    assert Risk.objects.count() == 18
    _grow(2000)  # written behind the app's back, which would have moved the stamps on
    cache.clear()
    with django_assert_max_num_queries(len(small)):
        response = client.get("/")
    assert response.status_code == 200
    assert len(small) <= 35, len(small)  # with reviews due and overdue actions, each counted
    assert _ratings(response.content.decode())["High"][1] == "2013"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_band_colours_keep_contrast_with_their_text(db):
    # Bands are drawn with their text on the heat map, the ratings table and the register.
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text(encoding="utf-8")
    for band in RatingBand.objects.all():
        assert _contrast(band.colour, band.text_colour) >= 4.5, band.label
        rule = re.search(rf"\.band-{band.slug} {{ background: var\(--band-{band.slug}\); "
                         rf"color: (#[0-9a-f]{{6}}|#fff);", css)  # fmt: skip
        assert rule, band.slug
        text_colour = rule.group(1).replace("#fff", "#ffffff")
        css_fill = re.search(rf"--band-{band.slug}: (#[0-9a-f]{{6}});", css).group(1)
        assert _contrast(css_fill, text_colour) >= 4.5, band.slug


def test_pcc_staff_attention_reads_governance_as_published(
    client, seeded, chief_officer, pcc_staff
):
    """A recommendation gone overdue and a sub-principle rated Red since the latest
    publication show to officers now, to PCC staff only when a quarter publishes them."""
    import datetime

    from governance.models import Assessment, GovernanceReview, Inspection, Rag, Recommendation

    def attention(user) -> str:
        client.force_login(user)
        html = client.get("/").content.decode()
        return text(html[html.index('id="attention"') : html.index('id="trend"')])

    published = attention(pcc_staff)
    inspection = Inspection.objects.create(title="Crime data integrity", position=10)
    Recommendation.objects.create(
        inspection=inspection, reference="R1", text="<p>Audit the crime data.</p>",
        due_date=datetime.date(2000, 1, 1),
    )  # fmt: skip
    review = GovernanceReview.objects.order_by("-year").first()
    green = Assessment.objects.filter(review=review, rag=Rag.GREEN).first()
    green.rag = Rag.RED
    green.save()
    live = attention(chief_officer)
    overdue = Recommendation.objects.overdue().count()
    assert overdue == 1 and "1 HMIC recommendation overdue" in live
    assert unescape(str(green.sub_principle)) in unescape(live)
    assert attention(pcc_staff) == published
    assert "0 HMIC recommendations overdue" in published
    assert unescape(str(green.sub_principle)) not in unescape(published)
