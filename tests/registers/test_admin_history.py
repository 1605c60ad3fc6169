"""The admin's history pages of a closed quarter's records show, and never save."""

import pytest
from django.urls import reverse

from registers.models import QuarterlySnapshot, ReportingPeriod

pytestmark = pytest.mark.django_db


def q2() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)


def test_reverting_a_closed_quarter_to_an_open_version_is_refused(client, seeded, administrator):
    period = q2()
    period.history.create(  # an earlier version, from before it closed
        id=period.pk, register_id=period.register_id, year=2021, quarter=2, start=period.start,
        end=period.end, status="open", history_type="~", history_date=period.closed_at,
    )  # fmt: skip
    version = period.history.filter(status="open").first()
    url = reverse("admin:registers_reportingperiod_simple_history", args=[period.pk, version.pk])
    client.force_login(administrator)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # no Revert button
    response = client.post(url, {"year": 2020, "quarter": 1, "start": "2020-04-01",
                                 "end": "2020-06-30", "register": period.register_id})  # fmt: skip
    assert response.status_code == 403
    period.refresh_from_db()
    assert (period.year, period.quarter, period.status) == (2021, 2, "closed")


def test_reverting_a_frozen_row_is_refused(client, seeded, administrator):
    snap = QuarterlySnapshot.objects.filter(period=q2()).order_by("position").first()
    version = snap.history.first()
    url = reverse("admin:registers_quarterlysnapshot_simple_history", args=[snap.pk, version.pk])
    client.force_login(administrator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"risk": snap.risk_id, "period": snap.period_id, "trend": "↗",
                                 "position": 99, "reference": "MOVED"})  # fmt: skip
    assert response.status_code == 403
    snap.refresh_from_db()
    assert snap.reference != "MOVED" and snap.position != 99


def test_an_open_quarters_history_form_still_works(client, seeded, administrator):
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    version = period.history.first()
    url = reverse("admin:registers_reportingperiod_simple_history", args=[period.pk, version.pk])
    client.force_login(administrator)
    assert 'name="_save"' in client.get(url).content.decode()
