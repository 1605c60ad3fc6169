"""Delivery plan pages: reading as at a quarter, editing commitments, adding progress."""

import datetime

import pytest
from django.urls import reverse

from governance.models import Commitment, ProgressUpdate
from tests.forms import form_fields, set_date, submit

pytestmark = pytest.mark.usefixtures("seeded")


def type_into(data, changes: dict) -> None:
    """Type `changes` into a parsed form's boxes, replacing what they showed."""
    for name, value in changes.items():
        data[name] = str(value)


def plan_url(**params):
    from urllib.parse import urlencode

    return reverse("governance:delivery_plan", args=[1]) + (
        "?" + urlencode(params) if params else ""
    )


def test_delivery_plan_shows_seed_columns_and_progress(client, chief_officer):
    client.force_login(chief_officer)
    response = client.get(plan_url())
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Ref",
        "Plan commitment",
        "Supporting activity",
        "Progress update",
        "Oversight mechanism(s)",
    ):
        assert f">{heading}" in html
    assert "Q3 2016/17" in html
    assert "Safelives conducted a review of existing MARAC and DASH processes." in html


def test_delivery_plan_reads_each_quarter_as_at_that_quarter(client, risk_officer):
    commitment = Commitment.objects.get(reference="2.1")
    ProgressUpdate.objects.create(
        commitment=commitment, year=2016, quarter=4, text="<p>MARAC provision doubled in Q4.</p>"
    )
    client.force_login(risk_officer)
    q3 = client.get(plan_url(quarter="2016-q3")).content.decode()
    q4 = client.get(plan_url(quarter="2016-q4")).content.decode()
    assert "Safelives conducted a review" in q3 and "MARAC provision doubled" not in q3
    assert "MARAC provision doubled in Q4." in q4 and "Safelives conducted a review" not in q4
    # Another commitment with no Q4 update still shows its latest earlier update.
    assert "Business case submitted for consideration." in q4


def test_a_quarter_before_any_update_shows_no_progress(client, risk_officer):
    ProgressUpdate.objects.create(
        commitment=Commitment.objects.get(reference="1.1"), year=2016, quarter=2, text="Early."
    )
    client.force_login(risk_officer)
    html = client.get(plan_url(quarter="2016-q2")).content.decode()
    assert "Early." in html
    assert "Safelives conducted a review" not in html


def test_delivery_plan_filters_by_objective(client, pcc_staff):
    client.force_login(pcc_staff)
    html = client.get(plan_url(objective=3)).content.decode()
    assert 'id="objective-3"' in html and 'id="objective-1"' not in html
    assert "Increasing the number of special constables." in html


def test_delivery_plan_query_count_does_not_grow_with_rows(
    client, risk_officer, django_assert_max_num_queries
):
    client.force_login(risk_officer)
    with django_assert_max_num_queries(23):
        client.get(plan_url())
    for commitment in Commitment.objects.all()[:10]:
        ProgressUpdate.objects.create(commitment=commitment, year=2017, quarter=1, text="More.")
    with django_assert_max_num_queries(23):
        client.get(plan_url(quarter="2017-q1"))


def test_commitment_page_lists_meetings_that_scrutinised_it(client, pcc_staff):
    client.force_login(pcc_staff)
    commitment = Commitment.objects.get(reference="1.5")
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert "Track my crime implementation" in html
    assert "July 2016" in html
    assert "History" in html
    assert "Edit commitment" not in html


def test_risk_officer_edits_a_commitment_and_history_shows_it(client, risk_officer):
    commitment = Commitment.objects.get(reference="D.3")
    client.force_login(risk_officer)
    url = reverse("governance:commitment_edit", args=[commitment.pk])
    before = {
        name: getattr(commitment, name)
        for name in ("reference", "element", "plan_commitment", "oversight_mechanisms")
    }
    bodies = set(commitment.oversight_bodies.all())
    changes = {"supporting_activity": "Approach agreed"}
    response = submit(client, url, changes, containing="supporting_activity")
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.supporting_activity == "<p>Approach agreed</p>"
    # Only the field the officer changed moved; the links it shows as ticked stay.
    assert {name: getattr(commitment, name) for name in before} == before
    assert set(commitment.oversight_bodies.all()) == bodies
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert "Approach to be developed" in html  # the old value, in the history table
    assert "Rita Officer" in html


def test_every_seeded_commitment_has_its_history_from_the_seed():
    # The first edit of a record shows what it was before only if its history starts at
    # the seed: a commitment without a seed entry shows a bare "Changed" with no values.
    missing = Commitment.objects.exclude(pk__in=Commitment.history.values("id"))
    assert list(missing.values_list("reference", flat=True)) == []


def test_commitment_edit_shows_field_errors_for_bad_input(client, risk_officer):
    client.force_login(risk_officer)
    url = reverse("governance:commitment_edit", args=[Commitment.objects.get(reference="D.3").pk])
    changes = {"reference": "", "element": "nonsense"}
    response = submit(client, url, changes, containing="supporting_activity")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_readers_cannot_edit_commitments_or_add_progress(client, request, role):
    client.force_login(request.getfixturevalue(role))
    pk = Commitment.objects.get(reference="1.1").pk
    for name in ("governance:commitment_edit", "governance:progress_add"):
        url = reverse(name, args=[pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"year": 2016, "quarter": 4, "text": "x"}).status_code == 403
    assert ProgressUpdate.objects.filter(year=2016, quarter=4).count() == 0


def test_edit_views_refuse_other_methods(client, risk_officer):
    client.force_login(risk_officer)
    pk = Commitment.objects.get(reference="1.1").pk
    for name in ("governance:commitment_edit", "governance:progress_add"):
        assert client.put(reverse(name, args=[pk])).status_code == 405


def test_risk_officer_adds_a_progress_update(client, risk_officer):
    client.force_login(risk_officer)
    commitment = Commitment.objects.get(reference="A.2")
    url = reverse("governance:progress_add", args=[commitment.pk])
    data = form_fields(client.get(url).content.decode(), containing="quarter")
    type_into(data, {"year": "2016", "quarter": "4", "text": "Provider **appointed**."})
    set_date(data, "reported_on", datetime.date(2017, 3, 1))
    response = client.post(url, {name: data.getlist(name) for name in data})
    assert response.status_code == 302
    update = commitment.progress_updates.get(quarter=4)
    assert update.text == "<p>Provider <strong>appointed</strong>.</p>"
    assert update.reported_on == datetime.date(2017, 3, 1)
    html = client.get(commitment.get_absolute_url()).content.decode()
    assert "Q4 2016/17" in html and "Provider <strong>appointed</strong>." in html


def test_progress_update_rejects_a_second_update_for_the_same_quarter(client, risk_officer):
    client.force_login(risk_officer)
    commitment = Commitment.objects.get(reference="A.2")
    url = reverse("governance:progress_add", args=[commitment.pk])
    response = submit(client, url, {"year": 2016, "quarter": 3, "text": "Again."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "This commitment already has a progress update for that quarter." in page
    response = submit(client, url, {"year": "", "quarter": 7, "text": ""})
    assert response.status_code == 200
    assert response.content.decode().count('class="errorlist"') >= 3
    assert commitment.progress_updates.count() == 1
