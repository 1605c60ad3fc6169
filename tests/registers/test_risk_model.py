"""The risk model's rules: appetite, review dates, actions' target dates, what a closed quarter
keeps, and the pages that show them (the register's optional columns, My risks, My actions,
the dashboard's "needs attention")."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from registers.appetite import is_outside_appetite, outside_appetite, with_appetite
from registers.models import (
    Action,
    ActionDateMove,
    Appetite,
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    ReviewFrequency,
    Risk,
)
from registers.reviews import add_months, next_review, record_review
from registers.services import OPTIONAL_COLUMNS, close_quarter
from riskreg.roles import CHIEF_OFFICER
from tests.forms import form_fields, set_date, submit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _risk(reference="CRR05") -> Risk:
    return Risk.objects.select_related("register", "band", "category").get(reference=reference)


def _band(label: str) -> RatingBand:
    return RatingBand.objects.get(scale__name="Standard 5x5", label=label)


# --- Appetite ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "likelihood, impact, band, tolerance, outside",
    [
        (3, 4, "High", 10, True),  # 12 above 10
        (3, 4, "High", 12, False),  # at the tolerance is within
        (2, 4, "Medium", 10, False),
        (None, None, "High", 10, True),  # band only: counts at High's lowest, 11
        (None, None, "High", 11, False),
        (None, None, "Critical", 16, True),
        (None, None, None, 1, False),  # not rated: not judged
    ],
)
def test_outside_appetite_follows_the_category_tolerance(
    seeded, likelihood, impact, band, tolerance, outside
):
    risk = _risk()
    category = risk.register.categories.get(name="Operations")
    category.tolerance = tolerance
    category.save()
    Risk.objects.filter(pk=risk.pk).update(
        likelihood=likelihood,
        impact_score=impact,
        band=_band(band) if band else None,
        category=category,
    )
    risk = _risk()
    # The rule in Python and in the database say the same.
    assert is_outside_appetite(risk.score, risk.band, category.tolerance) is outside
    assert with_appetite(Risk.objects.filter(pk=risk.pk)).get().outside_appetite is outside
    assert outside_appetite(Risk.objects.filter(pk=risk.pk)).exists() is outside


def test_a_risk_without_a_category_is_never_outside_appetite(seeded):
    Risk.objects.filter(reference="CRR18").update(category=None)
    assert not with_appetite(Risk.objects.filter(reference="CRR18")).get().outside_appetite


def test_every_register_has_the_orange_book_categories_and_a_frequency_per_band(seeded):
    register = Register.objects.get(slug="corporate")
    names = list(register.categories.values_list("name", flat=True))
    assert names[:3] == ["Strategy", "Governance", "Operations"] and len(names) == 13
    assert set(register.categories.values_list("appetite", flat=True)) <= set(Appetite.values)
    months = dict(register.review_frequencies.values_list("band__label", "months"))
    assert months == {"Critical": 1, "High": 1, "Medium": 3, "Low": 3}


def test_the_appetite_page_changes_a_category_through_its_form(client, seeded, risk_officer):
    register = Register.objects.get(slug="corporate")
    category = register.categories.get(name="Financial")
    client.force_login(risk_officer)
    url = reverse("registers:category_edit", args=["corporate", category.pk])
    response = submit(client, url, {"appetite": "cautious", "tolerance": "10"})
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.appetite, category.tolerance, category.version) == ("cautious", 10, 2)
    listing = client.get(reverse("registers:category_list", args=["corporate"])).content.decode()
    assert "Financial" in listing and "Cautious" in listing


# --- Reviews -------------------------------------------------------------------------------


def test_add_months_keeps_within_the_month():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 5, 15), 12) == datetime.date(2027, 5, 15)


def test_next_review_follows_the_band_frequency(seeded, risk_officer):
    Risk.objects.update(last_reviewed=None)  # the demonstration's reviews are later
    risk = _risk("CRR18")  # Critical: monthly
    record_review(
        risk=risk, reviewer=risk_officer, reviewed_on=datetime.date(2026, 1, 31),
        outcome="no_change",
    )  # fmt: skip
    risk.refresh_from_db()
    assert risk.last_reviewed == datetime.date(2026, 1, 31)
    assert risk.next_review_date == datetime.date(2026, 2, 28)
    # The register sets its own frequencies.
    ReviewFrequency.objects.filter(register=risk.register, band=_band("Critical")).update(months=2)
    assert next_review(risk) == datetime.date(2026, 3, 31)
    # A Medium risk is reviewed quarterly.
    medium = _risk("CRR10")
    medium.last_reviewed = datetime.date(2026, 1, 10)
    assert medium.band.label == "Medium" and next_review(medium) == datetime.date(2026, 4, 10)


def test_an_older_review_recorded_late_does_not_move_the_last_review_back(seeded, risk_officer):
    risk = _risk("CRR18")
    record_review(risk=risk, reviewer=risk_officer, reviewed_on=TODAY, outcome="no_change")
    record_review(
        risk=risk, reviewer=risk_officer, reviewed_on=TODAY - datetime.timedelta(days=40),
        outcome="no_change",
    )  # fmt: skip
    risk.refresh_from_db()
    assert risk.last_reviewed == TODAY
    assert risk.reviews.count() >= 2


def test_changing_the_rating_in_the_form_moves_the_next_review(client, seeded, risk_officer):
    Risk.objects.update(last_reviewed=None)  # the demonstration's reviews are later
    risk = _risk("CRR10")  # Medium, quarterly
    record_review(
        risk=risk, reviewer=risk_officer, reviewed_on=datetime.date(2026, 1, 10),
        outcome="no_change",
    )  # fmt: skip
    risk.refresh_from_db()
    assert risk.next_review_date == datetime.date(2026, 4, 10)
    client.force_login(risk_officer)
    url = reverse("registers:risk_edit", args=["corporate", "CRR10"])
    assert submit(client, url, {"likelihood": "4", "impact_score": "4"}).status_code == 302
    risk.refresh_from_db()
    assert risk.band.label == "High"  # 16: High, reviewed monthly
    assert risk.next_review_date == datetime.date(2026, 2, 10)


def test_a_review_recorded_through_the_page(client, seeded, risk_officer):
    client.force_login(risk_officer)
    url = reverse("registers:review_create", args=["corporate", "CRR13"])
    page = client.get(url).content.decode()
    data = form_fields(page)
    assert data["reviewed_on_day"] == str(TODAY.day)  # today, as the officer expects
    data["outcome"] = "escalated"
    data["note"] = "Raised with the chief officer group."
    response = client.post(url, data)
    assert response.status_code == 302
    risk = _risk("CRR13")
    review = risk.reviews.first()
    assert (review.outcome, review.reviewer, review.reviewed_on) == (
        "escalated",
        risk_officer,
        TODAY,
    )
    assert risk.next_review_date == add_months(TODAY, 1)  # High: monthly
    detail = client.get(risk.get_absolute_url()).content.decode()
    assert "Escalated" in detail and "Raised with the chief officer group." in detail


def test_a_review_dated_in_the_future_is_refused(client, seeded, risk_officer):
    client.force_login(risk_officer)
    url = reverse("registers:review_create", args=["corporate", "CRR13"])
    data = form_fields(client.get(url).content.decode())
    set_date(data, "reviewed_on", TODAY + datetime.timedelta(days=3))
    data["outcome"] = "no_change"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "must be today or in the past" in response.content.decode()


# --- Actions -------------------------------------------------------------------------------


def test_an_action_keeps_its_original_target_date_and_records_each_move(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    first = TODAY + datetime.timedelta(days=30)
    url = reverse("registers:action_create", args=["corporate", "CRR09"])
    data = form_fields(client.get(url).content.decode())
    data["text"] = "Open a second recruitment campaign"
    data["owner"] = str(risk_officer.pk)
    set_date(data, "target_date", first)
    assert client.post(url, data).status_code == 302
    action = Action.objects.get(text="Open a second recruitment campaign")
    assert action.original_target_date == action.target_date == first
    assert not action.date_moves.exists()

    edit = reverse("registers:action_edit", args=["corporate", action.pk])
    later, latest = first + datetime.timedelta(days=30), first + datetime.timedelta(days=60)
    for day in (later, latest):
        data = form_fields(client.get(edit).content.decode())
        set_date(data, "target_date", day)
        assert client.post(edit, data).status_code == 302
    action.refresh_from_db()
    assert (action.original_target_date, action.target_date) == (first, latest)
    moves = list(action.date_moves.values_list("moved_from", "moved_to", "moved_by"))
    assert moves == [(first, later, risk_officer.pk), (later, latest, risk_officer.pk)]
    # Saving with the date unchanged records no move.
    assert submit(client, edit, {"status": "in_progress"}).status_code == 302
    assert ActionDateMove.objects.filter(action=action).count() == 2
    page = client.get(edit).content.decode()
    assert f"First target date: {first:%-d %B %Y}" in page


def test_overdue_is_open_and_past_its_target(seeded):
    risk = _risk("CRR09")
    past = TODAY - datetime.timedelta(days=1)
    kinds = {
        "late": (past, Action.Status.IN_PROGRESS),
        "done late": (past, Action.Status.DONE),
        "cancelled": (past, Action.Status.CANCELLED),
        "due today": (TODAY, Action.Status.NOT_STARTED),
        "no date": (None, Action.Status.NOT_STARTED),
    }
    for text, (day, status) in kinds.items():
        Action.objects.create(risk=risk, text=text, target_date=day, status=status)
    overdue = Action.objects.filter(risk=risk).overdue(TODAY)
    assert list(overdue.values_list("text", flat=True)) == ["late"]
    assert [a.text for a in Action.objects.filter(risk=risk) if a.is_overdue(TODAY)] == ["late"]


# --- The dashboard, My risks and My actions ------------------------------------------------


def test_overdue_actions_and_reviews_need_attention_on_the_dashboard(client, seeded, chief_officer):
    risk = _risk("CRR09")
    Action.objects.create(
        risk=risk, text="Late action of the test", target_date=TODAY - datetime.timedelta(days=3)
    )
    Risk.objects.filter(pk=risk.pk).update(next_review_date=TODAY - datetime.timedelta(days=2))
    Risk.objects.filter(reference="CRR07").update(
        next_review_date=TODAY + datetime.timedelta(days=5)
    )
    client.force_login(chief_officer)
    page = client.get("/").content.decode()
    overdue_actions = Action.objects.overdue(TODAY).filter(risk__register__slug="corporate")
    count = overdue_actions.count()
    assert f"<strong>{count}</strong> actions overdue" in page
    assert "Late action of the test" in page
    assert "?status=open&amp;overdue=true" in page
    assert "CRR09 Recruitment &amp; Retention/Uplift</a> (due" in page  # overdue review
    assert "reviews due in the next fortnight" in page or "review due in the next fortnight" in page
    assert "CRR07 WMP Demographics and Representation</a> (due" in page
    # The link lists exactly the overdue actions.
    listing = client.get("/registers/corporate/actions/?status=open&overdue=true")
    assert listing.context["page"].paginator.count == count


def test_a_chief_officer_sees_risks_outside_appetite_on_the_dashboard(
    client, seeded, chief_officer
):
    client.force_login(chief_officer)
    page = client.get("/").content.decode()
    outside = outside_appetite(Risk.objects.filter(register__slug="corporate", status="open"))
    assert outside.exists()  # the demonstration data puts some outside
    assert f"<strong>{outside.count()}</strong> risks outside appetite" in page
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    register_page = client.get(f"{period.get_absolute_url()}?appetite=outside")
    rows = register_page.context["rows"]
    assert {row.reference for row in rows} == set(outside.values_list("reference", flat=True))
    assert all(row.outside_appetite for row in rows)


def test_my_actions_lists_the_owner_s_actions_overdue_first(client, seeded, chief_officer):
    risk = _risk("CRR09")
    mine = [
        Action.objects.create(risk=risk, text="Mine, late", owner=chief_officer,
                              target_date=TODAY - datetime.timedelta(days=1)),
        Action.objects.create(risk=risk, text="Mine, next month", owner=chief_officer,
                              target_date=TODAY + datetime.timedelta(days=30)),
        Action.objects.create(risk=risk, text="Mine, done", owner=chief_officer,
                              status=Action.Status.DONE),
    ]  # fmt: skip
    Action.objects.create(risk=risk, text="Someone else's", target_date=TODAY)
    client.force_login(chief_officer)
    response = client.get(reverse("registers:my_actions"))
    assert [a.text for a in response.context["overdue"]] == ["Mine, late"]
    assert [a.text for a in response.context["open"]] == ["Mine, next month"]
    assert [a.text for a in response.context["finished"]] == ["Mine, done"]
    assert "Someone else&#x27;s" not in response.content.decode()
    assert len(mine) == 3


def test_my_risks_shows_reviews_due_and_overdue(client, seeded, chief_officer):
    Risk.objects.filter(reference__in=["CRR09", "CRR13"]).update(owner=chief_officer)
    Risk.objects.filter(reference="CRR09").update(next_review_date=TODAY - datetime.timedelta(1))
    Risk.objects.filter(reference="CRR13").update(next_review_date=TODAY + datetime.timedelta(3))
    client.force_login(chief_officer)
    response = client.get(reverse("registers:my_risks"))
    states = {risk.reference: state for risk, state in response.context["rows"]}
    assert states == {"CRR09": "overdue", "CRR13": "due"}
    page = response.content.decode()
    assert "Overdue" in page and "Due soon" in page


def test_pcc_staff_have_no_actions_or_own_risks_to_see(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    assert client.get(reverse("registers:my_actions")).status_code == 403
    assert client.get(reverse("registers:action_list", args=["corporate"])).status_code == 404
    assert client.get(reverse("registers:category_list", args=["corporate"])).status_code == 404


# --- The register's columns and filters ----------------------------------------------------


def test_the_register_shows_the_nine_columns_unless_asked_for_more(client, seeded, chief_officer):
    client.force_login(chief_officer)
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    page = client.get(period.get_absolute_url()).content.decode()
    assert "Risk Owner</th>" not in page and "Inherent Rating</th>" not in page
    every = "&".join(f"columns={name}" for name, _ in OPTIONAL_COLUMNS)
    page = client.get(f"{period.get_absolute_url()}?{every}").content.decode()
    for heading in ("Risk Owner", "Category", "Appetite", "Inherent Rating", "Target Rating",
                    "Treatment", "Next Review", "Open Actions"):  # fmt: skip
        assert f'<th scope="col">{heading}</th>' in page
    # The chooser keeps the choice (a bookmarkable GET form).
    assert 'name="columns" value="owner" id="id_columns_0" checked' in page


def test_the_register_filters_by_owner_and_category(client, seeded, chief_officer, risk_officer):
    Risk.objects.filter(reference="CRR13").update(owner=risk_officer)
    client.force_login(chief_officer)
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    rows = client.get(f"{period.get_absolute_url()}?owner={risk_officer.pk}").context["rows"]
    assert [row.reference for row in rows] == ["CRR13"]
    rows = client.get(f"{period.get_absolute_url()}?category=Security").context["rows"]
    assert [row.reference for row in rows] == ["CRR13"]


# --- Frozen with the quarter ---------------------------------------------------------------


def _published(client, period) -> tuple[list, str]:
    every = "&".join(f"columns={name}" for name, _ in OPTIONAL_COLUMNS)
    response = client.get(f"{period.get_absolute_url()}?{every}")
    # The page as a reader sees it, without the session's sign-out token.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return response.context["rows"], page


def test_a_closed_quarter_keeps_the_risk_model_as_it_stood(
    client, seeded, one_step_close, risk_officer, chief_officer
):
    risk = _risk("CRR13")
    assert risk.owner and risk.category and risk.inherent_likelihood and risk.actions.exists()
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    close_quarter(period=period, user=risk_officer)
    snapshot = QuarterlySnapshot.objects.get(risk=risk, period=period)
    frozen = {f.attname: getattr(snapshot, f.attname) for f in snapshot._meta.concrete_fields}
    assert frozen["owner_name"] == "Charles Chief"
    assert (frozen["category_name"], frozen["appetite"], frozen["tolerance"]) == (
        "Security", "averse", 4,
    )  # fmt: skip
    assert frozen["outside_appetite"] is True
    assert (frozen["inherent_likelihood"], frozen["target_impact"]) == (5, 4)
    assert {a["status"] for a in frozen["actions"]} == {"in_progress", "done"}
    client.force_login(chief_officer)
    rows_before, page_before = _published(client, period)

    # Everything about the live risk changes afterwards...
    other = Group.objects.get(name=CHIEF_OFFICER).user_set.exclude(pk=risk.owner_id).first()
    risk.owner = other or chief_officer
    risk.category = risk.register.categories.get(name="Strategy")
    risk.inherent_likelihood, risk.target_impact, risk.treatment = 1, 1, "tolerate"
    risk.save()
    risk.actions.update(status=Action.Status.CANCELLED)
    Action.objects.create(risk=risk, text="Added after the close")
    security = risk.register.categories.get(name="Security")
    security.tolerance, security.appetite = 25, "eager"
    security.save()

    # ...and the published quarter does not (read afresh, not from the page cache).
    cache.clear()
    snapshot.refresh_from_db()
    assert {f.attname: getattr(snapshot, f.attname) for f in snapshot._meta.concrete_fields} == (
        frozen
    )
    rows_after, page_after = _published(client, period)
    assert rows_after == rows_before
    assert page_after == page_before
    row = next(row for row in rows_after if row.reference == "CRR13")
    assert (row.owner, row.category, row.outside_appetite, row.open_actions) == (
        "Charles Chief", "Security", True, 1,
    )  # fmt: skip


def test_pcc_staff_read_the_frozen_model_of_a_published_quarter(
    client, seeded, one_step_close, risk_officer, pcc_staff
):
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    close_quarter(period=period, user=risk_officer)
    client.force_login(pcc_staff)
    rows, page = _published(client, period)
    assert "Outside appetite" in page and "Charles Chief" in page
    assert "Averse (up to 4)" in page


# --- Query counts ----------------------------------------------------------------------------


def _grow(count: int, owner) -> None:
    """`count` more open risks, each with an owner, a category, scores and 5 actions."""
    template = _risk("CRR13")
    q2 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    risks = Risk.objects.bulk_create(
        Risk(
            register=template.register, reference=f"GEN{n:05d}", name=f"Risk {n}",
            band=template.band, likelihood=3, impact_score=4, position=100 + n,
            owner=owner, lead_officer_user=owner, category=template.category, treatment="treat",
            inherent_likelihood=4, inherent_impact=5, target_likelihood=2, target_impact=2,
            target_date=TODAY, next_review_date=TODAY - datetime.timedelta(days=n % 3),
        )
        for n in range(count)
    )  # fmt: skip
    Action.objects.bulk_create(
        Action(risk=risk, text=f"Action {i}", owner=owner, status="in_progress",
               target_date=TODAY - datetime.timedelta(days=i - 2))
        for risk in risks
        for i in range(5)
    )  # fmt: skip
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(risk=risk, period=q2, trend="→", band=risk.band,
                          reference=risk.reference, name=risk.name, status="open")
        for risk in risks
    )  # fmt: skip


def _same_queries(client, url, owner, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(2000, owner)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_register_with_every_column_does_not_grow_in_queries(
    client, seeded, chief_officer, django_assert_max_num_queries
):
    client.force_login(chief_officer)
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    every = "&".join(f"columns={name}" for name, _ in OPTIONAL_COLUMNS)
    response = _same_queries(
        client, f"{period.get_absolute_url()}?{every}", chief_officer,
        django_assert_max_num_queries,
    )  # fmt: skip
    assert response.context["page"].paginator.count > 2000


def test_my_actions_does_not_grow_in_queries(
    client, seeded, chief_officer, django_assert_max_num_queries
):
    client.force_login(chief_officer)
    response = _same_queries(
        client, reverse("registers:my_actions"), chief_officer, django_assert_max_num_queries
    )
    assert len(response.context["overdue"]) >= 2000


def test_the_dashboard_does_not_grow_in_queries(
    client, seeded, chief_officer, django_assert_max_num_queries
):
    client.force_login(chief_officer)
    response = _same_queries(client, "/", chief_officer, django_assert_max_num_queries)
    overdue = Action.objects.overdue(TODAY).filter(risk__register__slug="corporate").count()
    assert overdue >= 4000 and f"<strong>{overdue}</strong> actions overdue" in (
        response.content.decode()
    )


def test_my_risks_does_not_grow_in_queries(
    client, seeded, chief_officer, django_assert_max_num_queries
):
    client.force_login(chief_officer)
    response = _same_queries(
        client, reverse("registers:my_risks"), chief_officer, django_assert_max_num_queries
    )
    assert len(response.context["rows"]) >= 2000


def test_the_lead_officer_filter_finds_users_and_typed_names(client, seeded, chief_officer):
    client.force_login(chief_officer)
    Risk.objects.filter(reference="CRR07").update(lead_officer="ACC Local Policing")
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    response = client.get(period.get_absolute_url())
    choices = dict(response.context["filter"].form.fields["lead_officer"].choices)
    assert "Rita Officer" in choices and "ACC Local Policing" in choices  # a user; a name
    rows = client.get(f"{period.get_absolute_url()}?lead_officer=Rita+Officer").context["rows"]
    assert {row.reference for row in rows} == {"CRR18", "CRR13", "CRR05", "CRR10"}
    rows = client.get(f"{period.get_absolute_url()}?lead_officer=ACC+Local+Policing")
    assert [row.reference for row in rows.context["rows"]] == ["CRR07"]


def test_a_published_quarter_filters_by_the_categories_it_was_closed_with(
    client, seeded, one_step_close, risk_officer, chief_officer
):
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    close_quarter(period=period, user=risk_officer)
    security = Register.objects.get(slug="corporate").categories.get(name="Security")
    security.name = "Cyber and physical security"
    security.save()
    client.force_login(chief_officer)
    response = client.get(f"{period.get_absolute_url()}?category=Security")
    assert "Security" in dict(response.context["filter"].form.fields["category"].choices)
    assert [row.reference for row in response.context["rows"]] == ["CRR13"]


def test_a_quarter_closed_before_the_risk_model_says_not_recorded(client, seeded, pcc_staff):
    client.force_login(pcc_staff)  # reads Q2 2021/22, closed before categories were kept
    page = client.get("/").content.decode()
    assert "Appetite: not recorded for Q2 2021/22" in page
    assert "outside appetite</a>" not in page
    q2 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    rows, _ = _published(client, q2)
    assert {row.open_actions for row in rows} == {None}  # shown as "—", not 0
