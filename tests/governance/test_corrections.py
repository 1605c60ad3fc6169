"""Mistakes can be corrected and bad input is refused, as a user meets both in the forms.

Progress updates (HMIC and delivery plan) are changed or withdrawn with a reason that the
history keeps; a risk entered in error is withdrawn, not deleted; impossible dates, years
outside the plan and pasted documents are refused with a message. Every test posts what
the page renders, changed only where the user would change it.
"""

import datetime
import re

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.delivery_forms import ProgressUpdateForm, current_financial_year
from governance.models import (
    Assessment,
    AssessmentTopic,
    Commitment,
    HoldingToAccountMeeting,
    Inspection,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
    quarter_label,
)
from registers import services
from registers.models import RatingBand, ReportingPeriod, Risk
from riskreg.roles import RISK_OFFICER
from tests.conftest import make_user
from tests.forms import form_fields, set_date, submit

pytestmark = pytest.mark.usefixtures("seeded")

TODAY = timezone.localdate()


def type_into(data, changes: dict) -> None:
    """Type `changes` into a parsed form's boxes, replacing what they showed."""
    for name, value in changes.items():
        data[name] = str(value)


def post(client, url: str, data):
    """POST a parsed form (a MultiValueDict) as a browser sends it."""
    return client.post(url, {name: data.getlist(name) for name in data})


def rendered(client, url: str, containing: str):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return form_fields(page.content.decode(), containing=containing)


def history_of(page: str, heading_id: str = "history") -> str:
    return page[page.index(f'<h2 id="{heading_id}"') :]


def before_history(page: str) -> str:
    return page[: page.index('class="history"')]


def refused(response, *messages: str) -> str:
    """The page of a refused form: the GOV.UK error summary lists each message."""
    assert response.status_code in (200, 400), response.status_code
    page = response.content.decode()
    assert "<title>Error: " in page and "There is a problem" in page
    summary = page[page.index('class="error-summary"') :].split("</div>")[0]
    for message in messages:
        assert message in summary, (message, summary)
    return page


@pytest.fixture
def inspection(db):
    return Inspection.objects.create(
        title="Crime data integrity",
        position=10,
        report_published=datetime.date(2021, 10, 15),
        pcc_response_published=datetime.date(2021, 12, 1),
        summary="<p>Recording has improved.</p>",
    )


@pytest.fixture
def recommendation(inspection, register):
    rec = Recommendation.objects.create(
        inspection=inspection,
        reference="R1",
        text="<p>Improve crime recording.</p>",
        owner="Force Crime Registrar",
        due_date=datetime.date(2022, 3, 31),
    )
    rec.risks.add(Risk.objects.get(reference="CRR10"))
    return rec


def add_hmic_update(client, rec: Recommendation, text: str) -> RecommendationUpdate:
    """Add a progress update through the form on the recommendation's page."""
    url = reverse("governance:update_add", args=[rec.pk])
    data = form_fields(client.get(rec.get_absolute_url()).content.decode(), action=url)
    data["text"] = text
    set_date(data, "date", datetime.date(2021, 11, 2))
    assert post(client, url, data).status_code == 302
    return rec.updates.get(text__contains=text.rstrip("."))


def plan_url(quarter: str) -> str:
    return reverse("governance:delivery_plan", args=[1]) + f"?quarter={quarter}"


def fy(year: int) -> str:
    """ "2016/17" for 2016."""
    return quarter_label(year, 1)[3:]


# Years and quarters of delivery progress


def test_a_year_before_the_plan_is_refused_naming_the_years_it_covers(client, risk_officer):
    commitment = Commitment.objects.get(reference="A.2")
    plan = commitment.objective.plan
    plan.period = "2016-2021"
    plan.save()
    client.force_login(risk_officer)
    url = reverse("governance:progress_add", args=[commitment.pk])
    response = submit(client, url, {"year": 1916, "quarter": 4, "text": "Done in Q4 1916/17."})
    refused(response, "Choose a financial year the plan covers, 2016/17 to 2020/21")
    assert commitment.progress_updates.count() == 1
    page = client.get(plan_url("2016-q4")).content.decode()
    assert "Done in Q4 1916/17." not in page


def test_a_year_after_the_current_financial_year_is_refused(client, risk_officer):
    now = current_financial_year()
    commitment = Commitment.objects.get(reference="A.2")
    plan = commitment.objective.plan
    plan.period = f"{now - 2}-{now + 3}"  # a plan still running: its later years are ahead
    plan.save()
    client.force_login(risk_officer)
    url = reverse("governance:progress_add", args=[commitment.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{now}">' in page and f'<option value="{now + 1}">' not in page
    response = submit(client, url, {"year": now + 1, "quarter": 1, "text": "Too early."})
    refused(response, f"Choose a financial year the plan covers, {fy(now - 2)} to {fy(now)}")
    assert not commitment.progress_updates.filter(year=now + 1).exists()


# Dates on the inspection form


@pytest.mark.parametrize(
    "day,month,year,message",
    [
        ("31", "2", "2021", "Report published must be a real date"),
        ("15", "10", "", "Report published must include a year"),
        ("15", "10", "1916", "Report published must be between 2000 and"),
        ("15", "October", "2021", "Report published must be a real date"),
        ("15", "10", "21", "Report published: the year must have 4 numbers"),
    ],
)
def test_a_date_that_is_not_a_date_is_refused(
    client, risk_officer, inspection, day, month, year, message
):
    client.force_login(risk_officer)
    url = reverse("governance:inspection_edit", args=[inspection.pk])
    data = rendered(client, url, "title")
    assert (data["report_published_day"], data["report_published_month"]) == ("15", "10")
    type_into(
        data,
        {
            "report_published_day": day,
            "report_published_month": month,
            "report_published_year": year,
        },
    )
    page = refused(post(client, url, data), message)
    # What the officer typed is shown back, to correct.
    shown = form_fields(page, containing="title")
    assert [shown[f"report_published_{part}"] for part in ("day", "month", "year")] == [
        day,
        month,
        year,
    ]
    inspection.refresh_from_db()
    assert inspection.report_published == datetime.date(2021, 10, 15)
    assert inspection.version == 1


# Lengths


LONG = "x" * 240_000


def test_a_pasted_document_in_a_cipfa_assessment_is_refused(client, risk_officer):
    assessment = Assessment.objects.get(sub_principle__title="Managing data")
    before = assessment.evidence
    client.force_login(risk_officer)
    url = reverse("governance:assessment_edit", args=[assessment.pk])
    response = submit(client, url, {"evidence": LONG}, containing="rag")
    refused(response, "must be 5,000 characters or fewer (it has 240,000)")
    assessment.refresh_from_db()
    assert (assessment.evidence, assessment.version) == (before, 1)


def test_a_pasted_document_in_an_inspection_summary_is_refused(client, risk_officer, inspection):
    client.force_login(risk_officer)
    url = reverse("governance:inspection_edit", args=[inspection.pk])
    response = submit(client, url, {"summary": LONG}, containing="title")
    refused(response, "Summary must be 5,000 characters or fewer (it has 240,000)")
    inspection.refresh_from_db()
    assert (inspection.summary, inspection.version) == ("<p>Recording has improved.</p>", 1)


def test_a_long_plain_text_box_is_refused_with_its_limit(client, risk_officer):
    commitment = Commitment.objects.get(reference="A.2")
    before = commitment.oversight_mechanisms
    client.force_login(risk_officer)
    url = reverse("governance:commitment_edit", args=[commitment.pk])
    page = client.get(url).content.decode()
    assert "You can enter up to 5,000 characters" in page
    response = submit(client, url, {"oversight_mechanisms": "y" * 6000}, containing="reference")
    refused(response, "must be 5,000 characters or fewer")
    commitment.refresh_from_db()
    assert (commitment.oversight_mechanisms, commitment.version) == (before, 1)


# Correcting an HMIC progress update


def test_risk_officer_changes_an_hmic_progress_update_giving_the_reason(
    client, risk_officer, recommendation
):
    client.force_login(risk_officer)
    update = add_hmic_update(client, recommendation, "Training plannd for November.")
    page = client.get(recommendation.get_absolute_url()).content.decode()
    url = reverse("governance:update_edit", args=[update.pk])
    assert f'href="{url}"' in page

    changes = {"text": "Training planned for November."}
    response = submit(client, url, changes, containing="text")
    refused(response, "Give the reason for changing the update")
    update.refresh_from_db()
    assert update.text == "<p>Training plannd for November.</p>"

    changes["reason"] = "Spelling"
    response = submit(client, url, changes, containing="text")
    assert response.status_code == 302
    assert response["Location"] == recommendation.get_absolute_url()
    update.refresh_from_db()
    assert update.text == "<p>Training planned for November.</p>"
    assert update.date == datetime.date(2021, 11, 2)  # the date box kept its value
    assert update.author == risk_officer
    assert update.history.first().history_change_reason == "Spelling"
    page = client.get(recommendation.get_absolute_url()).content.decode()
    updates = page[page.index('id="updates"') : page.index('id="history"')]
    assert "Training planned for November." in updates and "plannd" not in updates
    assert "Spelling" in history_of(page)
    assert "plannd" in history_of(page)  # the history keeps what it said before


def test_risk_officer_withdraws_an_hmic_progress_update_giving_the_reason(
    client, risk_officer, recommendation
):
    client.force_login(risk_officer)
    update = add_hmic_update(client, recommendation, "Audit of the wrong force.")
    kept = add_hmic_update(client, recommendation, "Audit booked.")
    url = reverse("governance:update_withdraw", args=[update.pk])
    assert f'href="{url}"' in client.get(recommendation.get_absolute_url()).content.decode()

    refused(submit(client, url, {"reason": ""}, containing="reason"), "Give the reason")
    assert RecommendationUpdate.objects.filter(pk=update.pk).exists()

    reason = "Entered against the wrong recommendation"
    response = submit(client, url, {"reason": reason}, containing="reason")
    assert response.status_code == 302
    assert response["Location"] == recommendation.get_absolute_url()
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Audit of the wrong force." not in before_history(page)
    assert "Audit booked." in page
    assert list(recommendation.updates.all()) == [kept]
    withdrawn = RecommendationUpdate.all_objects.get(pk=update.pk)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == risk_officer
    assert withdrawn.text == "<p>Audit of the wrong force.</p>"  # kept, not deleted
    assert withdrawn.history.first().history_change_reason == f"Withdrawn: {reason}"
    assert reason in history_of(page)
    # A withdrawn update is gone from the forms too.
    assert client.get(url).status_code == 404
    assert client.get(reverse("governance:update_edit", args=[update.pk])).status_code == 404


# Correcting a delivery progress update


def test_risk_officer_changes_a_delivery_progress_update_giving_the_reason(client, risk_officer):
    commitment = Commitment.objects.get(reference="A.2")
    update = commitment.progress_updates.get(year=2016, quarter=3)
    client.force_login(risk_officer)
    url = reverse("governance:progress_edit", args=[update.pk])
    assert f'href="{url}"' in client.get(commitment.get_absolute_url()).content.decode()
    data = rendered(client, url, "quarter")
    assert (data["year"], data["quarter"]) == ("2016", "3")
    data["text"] = "Provider appointed in December."
    set_date(data, "reported_on", datetime.date(2017, 1, 10))
    refused(post(client, url, data), "Give the reason for changing the update")

    data["reason"] = "The report was reissued"
    response = post(client, url, data)
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.text == "<p>Provider appointed in December.</p>"
    assert update.reported_on == datetime.date(2017, 1, 10)
    assert (update.year, update.quarter) == (2016, 3)
    assert update.history.first().history_change_reason == "The report was reissued"
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert "The report was reissued" in history_of(page, "commitment-history")
    assert "Provider appointed in December." in client.get(plan_url("2016-q3")).content.decode()


def test_moving_a_progress_update_onto_a_taken_quarter_is_refused(client, risk_officer):
    commitment = Commitment.objects.get(reference="A.2")
    later = ProgressUpdate.objects.create(commitment=commitment, year=2016, quarter=4, text="Q4.")
    client.force_login(risk_officer)
    url = reverse("governance:progress_edit", args=[later.pk])
    changes = {"quarter": 3, "reason": "Wrong quarter"}
    response = submit(client, url, changes, containing="quarter")
    refused(response, "This commitment already has a progress update for that quarter.")
    later.refresh_from_db()
    assert (later.quarter, later.version) == (4, 1)


def test_risk_officer_withdraws_a_delivery_progress_update_and_its_quarter_is_free(
    client, risk_officer
):
    commitment = Commitment.objects.get(reference="A.2")
    update = commitment.progress_updates.get(year=2016, quarter=3)
    wrong = update.text
    client.force_login(risk_officer)
    as_at = client.get(plan_url("2016-q3")).content.decode()
    assert wrong in as_at
    url = reverse("governance:progress_withdraw", args=[update.pk])
    assert f'href="{url}"' in client.get(commitment.get_absolute_url()).content.decode()

    refused(submit(client, url, {"reason": ""}, containing="reason"), "Give the reason")
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()

    reason = "Belongs to commitment A.3"
    response = submit(client, url, {"reason": reason}, containing="reason")
    assert response.status_code == 302
    assert response["Location"] == commitment.get_absolute_url()
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert wrong not in before_history(page)
    assert reason in history_of(page, "commitment-history")
    assert wrong not in client.get(plan_url("2016-q3")).content.decode()
    withdrawn = ProgressUpdate.all_objects.get(pk=update.pk)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == risk_officer
    assert withdrawn.history.first().history_change_reason == f"Withdrawn: {reason}"

    # The quarter is free for the corrected update.
    add = reverse("governance:progress_add", args=[commitment.pk])
    changes = {"year": 2016, "quarter": 3, "text": "Corrected Q3 progress."}
    assert submit(client, add, changes, containing="quarter").status_code == 302
    assert "Corrected Q3 progress." in client.get(plan_url("2016-q3")).content.decode()
    assert commitment.progress_updates.count() == 1


def test_two_officers_adding_progress_for_the_same_quarter_the_second_is_told(client, risk_officer):
    commitment = Commitment.objects.get(reference="A.2")
    other = Client()
    other.force_login(make_user("olga", RISK_OFFICER, last_name="Other"))
    client.force_login(risk_officer)
    url = reverse("governance:progress_add", args=[commitment.pk])
    mine, theirs = rendered(client, url, "quarter"), rendered(other, url, "quarter")
    for data, text in ((mine, "Mine."), (theirs, "Theirs.")):
        type_into(data, {"year": "2016", "quarter": "4", "text": text})
    assert post(client, url, mine).status_code == 302
    page = refused(
        post(other, url, theirs), "This commitment already has a progress update for that quarter."
    )
    assert "Theirs." in page  # what they typed is still there to copy
    assert [u.text for u in commitment.progress_updates.filter(quarter=4)] == ["<p>Mine.</p>"]


def test_a_progress_update_created_at_the_same_moment_is_a_message_not_an_error(
    client, risk_officer, monkeypatch
):
    # Both saves pass the form's check before either is written: the database refuses the
    # second, and the officer is told.
    commitment = Commitment.objects.get(reference="A.2")
    client.force_login(risk_officer)
    url = reverse("governance:progress_add", args=[commitment.pk])
    monkeypatch.setattr(ProgressUpdateForm, "validate_unique", lambda form: None)
    response = submit(client, url, {"year": 2016, "quarter": 3, "text": "Again."})
    refused(response, "was created by someone else just now")
    assert commitment.progress_updates.count() == 1


# Withdrawing a risk entered in error


def create_risk(client, reference: str) -> Risk:
    url = reverse("registers:risk_create", args=["corporate"])
    changes = {
        "reference": reference,
        "name": "Estates backlog (entered twice)",
        "lead_officer": "Director of Commercial Services",
        "position": 19,
        "band": RatingBand.objects.get(label="Medium").pk,
        "controls-0-text": "Estates survey",
        "date_raised_day": "3",
        "date_raised_month": "11",
        "date_raised_year": "2021",
    }
    assert submit(client, url, changes, containing="reference").status_code == 302
    return Risk.objects.get(reference=reference)


def dashboard_total(client) -> int:
    # As the dashboard says it ("... working register (18 open risks)").
    page = client.get(reverse("home")).content.decode()
    return int(re.search(r"\((\d+) open risks?\)", page).group(1))


def test_risk_officer_withdraws_a_risk_entered_in_error(client, risk_officer):
    client.force_login(risk_officer)
    before = dashboard_total(client)
    risk = create_risk(client, "CRR19")
    register_page = reverse("registers:register_detail", args=["corporate"])
    assert "CRR19" in client.get(register_page, follow=True).content.decode()
    assert dashboard_total(client) == before + 1
    url = reverse("registers:risk_withdraw", args=["corporate", "CRR19"])
    assert f'href="{url}"' in client.get(risk.get_absolute_url()).content.decode()

    refused(submit(client, url, {"reason": ""}, containing="reason"), "Give the reason")
    assert Risk.objects.filter(pk=risk.pk).exists()

    response = submit(client, url, {"reason": "The same risk as CRR07"}, containing="reason")
    assert response.status_code == 302
    message = client.get(response["Location"], follow=True).content.decode()
    assert "CRR19 withdrawn: entered in error." in message
    page = client.get(register_page, follow=True).content.decode()
    assert "CRR19" not in page and "Estates backlog" not in page
    assert dashboard_total(client) == before
    assert not Risk.objects.filter(pk=risk.pk).exists()
    assert client.get(risk.get_absolute_url()).status_code == 404
    withdrawn = Risk.all_objects.get(pk=risk.pk)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == risk_officer
    reason = withdrawn.history.first().history_change_reason
    assert reason == "Withdrawn: entered in error. The same risk as CRR07"
    assert withdrawn.history.count() >= 2  # created, then withdrawn: both kept
    # Closing the quarter publishes the register without it.
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    services.close_quarter(period=period, user=risk_officer)
    published = client.get(period.get_absolute_url()).content.decode()
    assert "CRR19" not in published and "Estates backlog" not in published
    changes = reverse("registers:quarter_changes", args=["corporate", 2021, 3])
    assert "CRR19" not in client.get(changes).content.decode()


def test_a_risk_in_a_published_quarter_cannot_be_withdrawn(client, risk_officer):
    risk = Risk.objects.get(reference="CRR10")
    before = model_to_dict(risk), risk.history.count()
    client.force_login(risk_officer)
    url = reverse("registers:risk_withdraw", args=["corporate", "CRR10"])
    assert f'href="{url}"' not in client.get(risk.get_absolute_url()).content.decode()
    message = "CRR10 is in a published quarter, so it cannot be withdrawn"
    response = client.get(url, follow=True)
    assert message in response.content.decode()
    response = client.post(url, {"reason": "Trying anyway"}, follow=True)
    assert message in response.content.decode()
    risk = Risk.all_objects.get(pk=risk.pk)
    assert (model_to_dict(risk), risk.history.count()) == before
    assert risk.withdrawn_at is None


# Who may correct, and how


@pytest.fixture
def correction_urls(recommendation, register):
    update = RecommendationUpdate.objects.create(
        recommendation=recommendation, date=TODAY, text="<p>Started.</p>"
    )
    progress = Commitment.objects.get(reference="A.2").progress_updates.get()
    risk = Risk.objects.create(register=register, reference="CRR19", name="Entered in error")
    return [
        reverse("governance:update_edit", args=[update.pk]),
        reverse("governance:update_withdraw", args=[update.pk]),
        reverse("governance:progress_edit", args=[progress.pk]),
        reverse("governance:progress_withdraw", args=[progress.pk]),
        reverse("governance:meeting_edit", args=[HoldingToAccountMeeting.objects.first().pk]),
        reverse("registers:risk_withdraw", args=["corporate", risk.reference]),
    ]


def corrections_state():
    return (
        [model_to_dict(u) for u in RecommendationUpdate.all_objects.all()],
        [model_to_dict(u) for u in ProgressUpdate.all_objects.all()],
        [model_to_dict(m) for m in HoldingToAccountMeeting.objects.all()],
        [model_to_dict(r) for r in Risk.all_objects.all()],
    )


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_readers_cannot_reach_any_correction(client, request, role, correction_urls):
    before = corrections_state()
    client.force_login(request.getfixturevalue(role))
    data = {"reason": "x", "text": "x", "year": "2016", "quarter": "3", "held": "on"}
    for url in correction_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert corrections_state() == before


def test_corrections_refuse_other_methods(client, risk_officer, correction_urls):
    client.force_login(risk_officer)
    for url in correction_urls:
        for method in (client.put, client.patch, client.delete):
            assert method(url).status_code == 405, (method.__name__, url)


# Saving a form unchanged writes nothing


def _topic():
    topic = AssessmentTopic.objects.get(number=2)
    topic.probability = "high"
    topic.save()
    topic.risks.add(Risk.objects.get(reference="CRR13"))
    return topic


def _hmic_update(recommendation):
    return RecommendationUpdate.objects.create(
        recommendation=recommendation, date=datetime.date(2021, 11, 2), text="<p>Started.</p>"
    )


def _progress():
    update = Commitment.objects.get(reference="A.2").progress_updates.get()
    update.reported_on = datetime.date(2017, 1, 10)
    update.save()
    return update


UNCHANGED = {
    # form: (the record, the view, a field of its form, what else the user types)
    "cipfa assessment": (
        lambda rec: Assessment.objects.get(sub_principle__title="Managing data"),
        "governance:assessment_edit",
        "rag",
        {},
    ),
    "assessment topic": (lambda rec: _topic(), "governance:topic_edit", "probability", {}),
    "inspection": (lambda rec: rec.inspection, "governance:inspection_edit", "title", {}),
    "recommendation": (lambda rec: rec, "governance:recommendation_edit", "reference", {}),
    "hmic update": (
        _hmic_update,
        "governance:update_edit",
        "text",
        {"reason": "Checked: nothing to change"},
    ),
    "commitment": (
        lambda rec: Commitment.objects.filter(oversight_bodies__isnull=False).first(),
        "governance:commitment_edit",
        "supporting_activity",
        {},
    ),
    "delivery progress": (
        lambda rec: _progress(),
        "governance:progress_edit",
        "quarter",
        {"reason": "Checked: nothing to change"},
    ),
    "meeting": (
        lambda rec: HoldingToAccountMeeting.objects.first(),
        "governance:meeting_edit",
        "note",
        {},
    ),
}


def _state(obj) -> dict:
    obj = type(obj)._base_manager.get(pk=obj.pk)
    state = model_to_dict(obj)
    for field in obj._meta.many_to_many:
        state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


@pytest.mark.parametrize("kind", UNCHANGED)
def test_a_governance_form_saved_unchanged_writes_nothing(
    client, risk_officer, recommendation, kind
):
    make, view, field, typed = UNCHANGED[kind]
    obj = make(recommendation)
    before, records = _state(obj), obj.history.count()
    client.force_login(risk_officer)
    response = submit(client, reverse(view, args=[obj.pk]), typed, containing=field)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _state(obj) == before
    assert obj.history.count() == records
