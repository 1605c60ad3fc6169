"""The one definition of a movement (registers.quarter.compare), rule by rule.

New, closed, escalated and de-escalated are decided by the residual rating between two
quarters; a trend an officer set is their judgement, shown and not counted; a closed risk
is counted once, in the quarter it closed; a quarter without recorded ratings is "not
recorded", never a change from zero.
"""

import pytest
from django.urls import reverse

from registers import services
from registers.models import RatingBand, Register, ReportingPeriod, Risk, Trend
from registers.quarter import quarter_picture, working_register
from tests.html import table_rows

pytestmark = pytest.mark.django_db


def refs(moved) -> list[str]:
    return [m.reference for m in moved]


def corporate() -> Register:
    return Register.objects.get(slug="corporate")


def open_quarter() -> ReportingPeriod:
    return corporate().open_period()


def band(label: str) -> RatingBand:
    return RatingBand.objects.get(label=label)


def test_new_closed_escalated_and_deescalated_by_residual_rating(seeded, risk_officer):
    Risk.objects.filter(reference="CRR10").update(band=band("High"))  # Medium -> High
    Risk.objects.filter(reference="CRR07").update(band=band("Low"))  # Medium -> Low
    Risk.objects.filter(reference="CRR11").update(status="closed")
    Risk.objects.create(register=corporate(), reference="CRR19", name="Estates", position=19)
    for period in (open_quarter(), None):  # the open quarter so far, then once it is closed
        if period is None:
            period = open_quarter()
            services.close_quarter(period=period, user=risk_officer)
            period.refresh_from_db()
        moved = quarter_picture(period).movements
        assert refs(moved.new) == ["CRR19"], period
        assert refs(moved.escalated) == ["CRR10"], period
        assert refs(moved.deescalated) == ["CRR07"], period
        assert refs(moved.closed) == ["CRR11"], period
        assert moved.judgements == []
        assert (moved.escalated[0].before_band.label, moved.escalated[0].after_band.label) == (
            "Medium",
            "High",
        )


def test_a_trend_override_is_the_officers_judgement_not_a_movement(seeded, risk_officer):
    crr05 = Risk.objects.get(reference="CRR05")
    period = open_quarter()
    # Closed with CRR05's trend overridden to "decreasing", its rating (High) unchanged.
    services.close_quarter(period=period, user=risk_officer, overrides={crr05.pk: Trend.DECREASING})
    period.refresh_from_db()
    assert period.snapshots.get(risk=crr05).trend == Trend.DECREASING
    moved = quarter_picture(period).movements
    assert moved.deescalated == [] and moved.escalated == []
    assert refs(moved.judgements) == ["CRR05"]
    assert moved.judgements[0].trend == Trend.DECREASING


def test_a_trend_set_in_the_open_quarter_is_a_judgement_there_too(seeded):
    services.set_current_trend(risk=Risk.objects.get(reference="CRR05"), trend=Trend.DECREASING)
    moved = quarter_picture(open_quarter()).movements
    assert refs(moved.judgements) == ["CRR05"] and moved.deescalated == []


def test_a_trend_that_the_rating_bears_out_is_only_the_movement(seeded):
    Risk.objects.filter(reference="CRR10").update(band=band("High"))
    services.set_current_trend(risk=Risk.objects.get(reference="CRR10"), trend=Trend.INCREASING)
    moved = quarter_picture(open_quarter()).movements
    assert refs(moved.escalated) == ["CRR10"] and moved.judgements == []


def test_a_risk_closed_in_a_quarter_is_counted_once_there(client, seeded, risk_officer):
    Risk.objects.filter(reference="CRR11").update(status="closed")
    q3 = open_quarter()
    # In the open quarter it closed in, the working register still lists it, tagged.
    client.force_login(risk_officer)
    rows = table_rows(client.get(q3.get_absolute_url()).content.decode(), "register")
    crr11 = next(row for row in rows if row[0] == "CRR11")
    assert crr11[1].endswith("Closed")
    assert sum(1 for row in rows if row[1].endswith("Closed")) == 1
    services.close_quarter(period=q3, user=risk_officer)
    q3.refresh_from_db()
    q4 = open_quarter()
    assert refs(quarter_picture(q3).movements.closed) == ["CRR11"]
    assert quarter_picture(q4).movements.closed == []
    # Not on the later working register, not even with the closed filter.
    assert not working_register(q4).filter(reference="CRR11").exists()
    page = client.get(q4.get_absolute_url() + "?status=closed").content.decode()
    assert "CRR11" not in page
    # The live dashboard counts no closed risk in Q4.
    home = client.get("/").content.decode()
    movement = home[home.index('id="movement"') : home.index('id="attention"')]
    q4_block = movement[: movement.index("</ul>")]
    assert "<strong>0</strong> closed" in q4_block


def test_a_quarter_without_recorded_ratings_is_not_recorded(client, seeded, pcc_staff):
    q2 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    picture = quarter_picture(q2)
    assert picture.previous.label == "Q1 2021/22"
    assert not picture.previous_ratings_recorded and picture.ratings_recorded
    assert all(row.before is None for row in picture.band_counts)
    assert not picture.movements.ratings_compared
    assert len(picture.movements.new) == 6  # who joined the register is still known
    client.force_login(pcc_staff)
    html = client.get("/").content.decode()
    ratings = {row[0]: row[1:] for row in table_rows(html, "ratings-table")}
    assert ratings["High"] == ["not recorded", "13", "not compared"]
    assert "+13" not in html and "Not rated" not in ratings
    changes = client.get(
        reverse("registers:quarter_changes", args=["corporate", 2021, 2])
    ).content.decode()
    assert "Rating rose (not recorded)" in changes and "Rating fell (not recorded)" in changes


def test_with_no_earlier_quarter_every_risk_is_new(seeded):
    first = ReportingPeriod.objects.get(register__slug="corporate", year=2020, quarter=4)
    moved = quarter_picture(first).movements
    assert moved.compared_with is None and moved.ratings_compared
    assert len(moved.new) == first.snapshots.count() == 10
    assert moved.closed == moved.escalated == moved.deescalated == []


def test_the_counts_read_with_a_picture_are_the_lists_read_when_shown(seeded, risk_officer):
    """A picture counts in the database and lists when a page shows the list: for the open
    quarter and once closed, full and public, each count is its list's length."""
    from registers.models import Circulation

    Risk.objects.filter(reference="CRR10").update(band=band("High"))
    Risk.objects.filter(reference="CRR07").update(band=band("Low"))
    Risk.objects.filter(reference="CRR11").update(status="closed")
    Risk.objects.filter(reference="CRR08").update(circulation=Circulation.OFFICIAL_SENSITIVE)
    Risk.objects.create(register=corporate(), reference="CRR19", name="Estates", position=19)
    services.set_current_trend(risk=Risk.objects.get(reference="CRR05"), trend=Trend.DECREASING)
    period = open_quarter()
    pictures = [quarter_picture(period), quarter_picture(period, public=True)]
    for picture in pictures:
        assert_counts_are_lists(picture)
    services.close_quarter(period=period, user=risk_officer)
    period.refresh_from_db()
    pictures = [quarter_picture(period), quarter_picture(period, public=True)]
    for picture in pictures:
        assert_counts_are_lists(picture)
    full, public = pictures
    assert refs(full.movements.escalated) == ["CRR10"] and full.movements.counts["new"] == 1
    assert "CRR08" in [e.reference for e in full.entries]
    assert "CRR08" not in [e.reference for e in public.entries]
    assert public.total == full.total - public.withheld and public.withheld >= 1


def assert_counts_are_lists(picture) -> None:
    moved = picture.movements
    lists = {"new": moved.new, "escalated": moved.escalated, "deescalated": moved.deescalated,
             "closed": moved.closed, "judged": moved.judgements}  # fmt: skip
    assert {kind: len(found) for kind, found in lists.items()} == moved.counts
    assert [item.count for item in moved.items] == [
        len(moved.new),
        len(moved.escalated),
        len(moved.deescalated),
        len(moved.closed),
    ]
    assert picture.total == len(picture.entries)
    assert picture.outside_appetite_count == len(picture.outside_appetite)
    assert sum(row.count for row in picture.band_counts) == picture.total
    heat = picture.heat_map
    assert heat.scored + heat.band_only_total + heat.not_rated == picture.total
