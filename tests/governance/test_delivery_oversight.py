"""Oversight glossary and the holding-to-account log."""

import pytest
from django.urls import reverse

from governance.models import AgendaItem, HoldingToAccountMeeting, OversightBody

pytestmark = pytest.mark.usefixtures("seeded")


def test_oversight_glossary_groups_bodies_by_objective(client, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get(reverse("governance:oversight_list")).content.decode()
    assert "Purpose: cross cutting / other" in html
    assert "Purpose: Reforming West Mercia" in html
    assert "Trust, Integrity and Ethics Committee" in html
    assert "3 per annum" in html


def test_oversight_glossary_filters_cross_cutting(client, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get(reverse("governance:oversight_list") + "?objective=null").content.decode()
    assert "Alliance Governance Group" in html
    assert "Victims Board" not in html


def test_oversight_body_page_lists_commitments_and_history(client, chief_officer):
    client.force_login(chief_officer)
    body = OversightBody.objects.get(name="Victims Board")
    html = client.get(body.get_absolute_url()).content.decode()
    assert "A.3" in html and "History" in html and "Created" in html


def test_holding_to_account_log_by_month(client, chief_officer):
    client.force_login(chief_officer)
    html = client.get(reverse("governance:meeting_list")).content.decode()
    assert "August 2016" in html and "No meeting" in html
    assert "Rural crime initiative" in html
    assert "item was deferred" in html


def test_holding_to_account_log_filters_by_kind(client, chief_officer):
    client.force_login(chief_officer)
    html = client.get(reverse("governance:meeting_list") + "?kind=SI").content.decode()
    assert "Workspace modernisation" in html
    assert "Victim satisfaction and follow up" not in html


def test_meeting_page_shows_items_and_history(client, pcc_staff):
    client.force_login(pcc_staff)
    meeting = HoldingToAccountMeeting.objects.get(month__month=10)
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "OCC and 101 performance" in html and "Ad hoc" in html and "History" in html


@pytest.mark.parametrize("name", ["governance:oversight_list", "governance:meeting_list"])
def test_list_query_count_does_not_grow_with_rows(
    client, risk_officer, django_assert_max_num_queries, name
):
    client.force_login(risk_officer)
    with django_assert_max_num_queries(16):
        client.get(reverse(name))
    meeting = HoldingToAccountMeeting.objects.create(month="2016-12-01")
    for i in range(10):
        OversightBody.objects.create(name=f"Extra board {i}")
        AgendaItem.objects.create(meeting=meeting, order=i, title=f"Extra item {i}", kind="P")
    with django_assert_max_num_queries(16):
        client.get(reverse(name))
