"""HMIC inspections, PEEL grades, PCC responses and the recommendation tracker (seed 003)."""

import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import Inspection, Recommendation, RecommendationUpdate
from governance.services import recommendations_for_risk
from registers.models import Risk
from tests.forms import form_fields, set_date, submit

pytestmark = pytest.mark.django_db

# The seeds sit beside the checkout, in ../shared/seeds.
SEED = Path(__file__).resolve().parents[1] / "seeds" / "003_strategic_assessment.txt"
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
INSPECTIONS = reverse("governance:inspection_list")
TRACKER = reverse("governance:recommendation_list")


def type_into(data, changes: dict) -> None:
    """Type `changes` into a parsed form's boxes, replacing what they showed."""
    for name, value in changes.items():
        data[name] = str(value)


def seed_tables() -> tuple[list[list[str]], list[list[str]]]:
    """The seed's two HMIC tables as rows of cells, superscript ordinals put back together."""
    lines = SEED.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Title\tInspection/"))
    inspections = [line.split("\t") for line in lines[start + 1 : start + 7]]
    peel_start = next(i for i, line in enumerate(lines) if "status of HMIC PEEL" in line)
    peel = [
        re.sub(r"(\d+) th\b", r"\1th", line).split("\t")
        for line in lines[peel_start + 2 : peel_start + 5]
    ]
    return inspections, peel


def ticked(cell: str) -> bool | None:
    # The seed's ticks were extracted as "~", "✓" or "\checkmark"; an empty cell says nothing.
    return True if cell.strip() in {"~", "✓", "\\checkmark"} else None


def test_the_six_inspections_match_the_seed(seeded):
    rows, _ = seed_tables()
    inspections = list(Inspection.objects.exclude(kind="peel"))
    assert len(inspections) == 6
    for inspection, cells in zip(inspections, rows, strict=True):
        cells += [""] * (5 - len(cells))
        assert inspection.title == cells[0]
        assert inspection.kind_label == cells[1]
        assert inspection.date_text == cells[2]
        assert inspection.core_group_established is ticked(cells[3])
        if ticked(cells[4]):
            assert inspection.action_plan is True
        else:
            assert inspection.action_plan is None
            assert inspection.action_plan_note == cells[4].strip()


def test_the_three_peel_inspections_match_the_seed_with_grades(seeded):
    _, rows = seed_tables()
    peel = list(Inspection.objects.filter(kind="peel"))
    assert [(p.title, p.kind_label, p.date_text, p.outcome) for p in peel] == [
        tuple(cells) for cells in rows
    ]
    assert [p.get_grade_display() for p in peel] == ["Good", "Requires improvement", ""]


def test_inspections_page_shows_the_seed_tables(client, pcc_staff, seeded):
    client.force_login(pcc_staff)
    response = client.get(INSPECTIONS)
    assert response.status_code == 200
    page = response.content.decode()
    table = re.search(r'<table class="hmic-inspections">.*?</table>', page, flags=re.S).group(0)
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert headers == [
        "Title",
        "Inspection/ Self Assessment?",
        "Date (if Inspection)",
        "Core Group Established?",
        "Action Plan?",
    ]
    rows, peel_rows = seed_tables()
    for cells in rows:
        assert f">{cells[0].replace('&', '&amp;')}</a></th>" in table
    assert "Included in PEEL" in table
    assert table.count('<span class="visually-hidden">Yes</span>') == 7
    peel = re.search(r'<table class="hmic-peel">.*?</table>', page, flags=re.S).group(0)
    for cells in peel_rows:
        assert cells[3].replace("'", "&#x27;") in peel
    assert "Requires improvement" in peel and "Good" in peel


def test_pcc_response_is_due_56_days_after_publication_and_overdue_by_date(client, chief_officer):
    late = Inspection.objects.create(title="Late", report_published=TODAY - 57 * DAY)
    answered = Inspection.objects.create(
        title="Answered",
        report_published=TODAY - 90 * DAY,
        pcc_response_published=TODAY - 40 * DAY,
    )
    in_time = Inspection.objects.create(title="In time", report_published=TODAY - 56 * DAY)
    assert late.pcc_response_due == TODAY - DAY
    assert late.pcc_response_overdue() is True
    assert answered.pcc_response_overdue() is False
    assert in_time.pcc_response_due == TODAY
    assert in_time.pcc_response_overdue() is False
    assert in_time.pcc_response_overdue(today=TODAY + DAY) is True
    client.force_login(chief_officer)
    page = client.get(INSPECTIONS).content.decode()
    table = re.search(r'<table class="hmic-responses">.*?</table>', page, flags=re.S).group(0)
    assert table.count("Overdue") == 1
    detail = client.get(late.get_absolute_url()).content.decode()
    assert "Overdue" in detail


# The tracker


@pytest.fixture
def inspection(db):
    return Inspection.objects.create(title="Crime data integrity", position=10)


def recommendation(inspection, **fields):
    fields.setdefault("text", "<p>Improve.</p>")
    return Recommendation.objects.create(inspection=inspection, **fields)


def test_overdue_is_judged_by_date_and_status(inspection):
    late = recommendation(inspection, reference="R1", due_date=TODAY - DAY)
    late_in_progress = recommendation(
        inspection, reference="R2", due_date=TODAY - DAY, status="in_progress"
    )
    recommendation(inspection, reference="R3", due_date=TODAY - DAY, status="complete")
    recommendation(inspection, reference="R4", due_date=TODAY - DAY, status="closed")
    recommendation(inspection, reference="R5", due_date=TODAY)
    recommendation(inspection, reference="R6")
    overdue = Recommendation.objects.overdue()
    assert set(overdue) == {late, late_in_progress}
    assert late.is_overdue() and not Recommendation.objects.get(reference="R5").is_overdue()
    assert Recommendation.objects.not_overdue().count() == 4
    # Tomorrow R5 is overdue without anyone setting anything.
    assert Recommendation.objects.overdue(today=TODAY + DAY).count() == 3


def test_tracker_filters_by_overdue_status_owner_and_inspection(client, chief_officer, inspection):
    other = Inspection.objects.create(title="Custody")
    recommendation(inspection, reference="LATE-1", owner="ACC Crime", due_date=TODAY - DAY)
    recommendation(inspection, reference="DONE-1", owner="ACC Crime", status="complete")
    recommendation(other, reference="CUST-1", owner="Head of Custody", status="in_progress")
    client.force_login(chief_officer)

    def refs(query):
        page = client.get(TRACKER, query).content.decode()
        return sorted(re.findall(r"(LATE-1|DONE-1|CUST-1)</a></th>", page))

    assert refs({}) == ["CUST-1", "DONE-1", "LATE-1"]
    assert refs({"overdue": "true"}) == ["LATE-1"]
    assert refs({"overdue": "false"}) == ["CUST-1", "DONE-1"]
    assert refs({"status": "complete"}) == ["DONE-1"]
    assert refs({"owner": "custody"}) == ["CUST-1"]
    assert refs({"inspection": inspection.pk}) == ["DONE-1", "LATE-1"]
    assert refs({"inspection": inspection.pk, "overdue": "true"}) == ["LATE-1"]


def test_list_pages_query_count_does_not_grow_with_rows(
    client, risk_officer, register, inspection, django_assert_max_num_queries
):
    risks = [
        Risk.objects.create(register=register, reference=f"TST{n:02d}", name=f"Risk {n}")
        for n in range(1, 4)
    ]
    client.force_login(risk_officer)

    def add(count):
        for n in range(count):
            rec = recommendation(inspection, reference=f"X{n}", due_date=TODAY - DAY)
            rec.risks.set(risks)
            Inspection.objects.create(title=f"Extra {n}", report_published=TODAY)

    add(2)
    with django_assert_max_num_queries(17) as few:
        client.get(TRACKER)
    with django_assert_max_num_queries(13):
        client.get(INSPECTIONS)
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(TRACKER, {"overdue": "true"})
    assert "TST01, TST02, TST03" in response.content.decode()
    with django_assert_max_num_queries(13):
        client.get(INSPECTIONS)


# Recommendations: create, edit, updates


def test_risk_officer_adds_a_recommendation_linked_to_risks(
    client, risk_officer, register, inspection
):
    risk = Risk.objects.create(register=register, reference="TST05", name="Data quality")
    client.force_login(risk_officer)
    url = reverse("governance:recommendation_create", args=[inspection.pk])
    page = client.get(url).content.decode()
    assert f'name="risks" value="{risk.pk}"' in page  # a checkbox to tick
    data = form_fields(page, containing="reference")
    type_into(
        data,
        {
            "reference": "AFI 3",
            "kind": "afi",
            "text": "The force should improve its crime recording.",
            "owner": "Force Crime Registrar",
            "status": "open",
        },
    )
    data.setlist("risks", [str(risk.pk)])
    set_date(data, "due_date", datetime.date(2026, 3, 31))
    response = client.post(url, {name: data.getlist(name) for name in data})
    rec = Recommendation.objects.get(reference="AFI 3")
    assert response["Location"] == rec.get_absolute_url()
    assert rec.inspection == inspection
    assert rec.due_date == datetime.date(2026, 3, 31)
    assert list(rec.risks.all()) == [risk]
    assert list(recommendations_for_risk(risk)) == [rec]


def test_recommendation_forms_refuse_readers_and_other_methods(
    client, risk_officer, chief_officer, pcc_staff, inspection
):
    rec = recommendation(inspection, reference="R1")
    create = reverse("governance:recommendation_create", args=[inspection.pk])
    edit = reverse("governance:recommendation_edit", args=[rec.pk])
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        for url in (create, edit):
            assert client.get(url).status_code == 403
            assert client.post(url, {"text": "x", "status": "open"}).status_code == 403
    client.force_login(risk_officer)
    assert client.put(create).status_code == 405
    assert client.delete(edit).status_code == 405
    assert Recommendation.objects.count() == 1


def test_bad_recommendation_input_shows_field_errors(client, risk_officer, inspection):
    rec = recommendation(inspection, reference="R1")
    client.force_login(risk_officer)
    url = reverse("governance:recommendation_edit", args=[rec.pk])
    response = submit(client, url, {"status": "closed", "text": ""}, containing="reference")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_text-error"' in page and "This field is required." in page
    assert "Give the evidence on which it is closed." in page
    rec.refresh_from_db()
    assert rec.status == "open"


def test_editing_a_recommendation_is_in_its_history(
    client, risk_officer, chief_officer, inspection
):
    rec = recommendation(inspection, reference="R1", owner="ACC Crime")
    client.force_login(risk_officer)
    changes = {"status": "closed", "evidence": "Audit of 200 records found 98% compliance."}
    url = reverse("governance:recommendation_edit", args=[rec.pk])
    response = submit(client, url, changes, containing="reference")
    assert response.status_code == 302
    rec.refresh_from_db()
    assert (rec.text, rec.owner, rec.status) == ("<p>Improve.</p>", "ACC Crime", "closed")
    client.force_login(chief_officer)
    page = client.get(rec.get_absolute_url()).content.decode()
    history = page[page.index('id="history"') :]
    assert "Rita Officer" in history
    assert "Open" in history and "Closed with evidence" in history
    assert "Audit of 200 records" in history
    assert "Edit the recommendation" not in page
    assert "Add a progress update" not in page


def test_risk_officer_adds_a_progress_update_with_author_and_date(client, risk_officer, inspection):
    rec = recommendation(inspection, reference="R1")
    client.force_login(risk_officer)
    page = client.get(rec.get_absolute_url()).content.decode()
    url = reverse("governance:update_add", args=[rec.pk])
    data = form_fields(page, action=url)
    data["text"] = "Training delivered to **all** staff."
    set_date(data, "date", datetime.date(2026, 1, 15))
    response = client.post(url, {name: data.getlist(name) for name in data})
    assert response.status_code == 302
    update = RecommendationUpdate.objects.get()
    assert update.author == risk_officer
    assert update.date == datetime.date(2026, 1, 15)
    page = client.get(rec.get_absolute_url()).content.decode()
    assert "15 Jan 2026" in page and "Rita Officer" in page
    assert "<strong>all</strong>" in page
    assert update.history.first().history_user == risk_officer


def test_progress_updates_refuse_get_readers_and_bad_input(
    client, risk_officer, chief_officer, pcc_staff, inspection
):
    rec = recommendation(inspection, reference="R1")
    url = reverse("governance:update_add", args=[rec.pk])
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        assert client.post(url, {"date": "2026-01-15", "text": "x"}).status_code == 403
    client.force_login(risk_officer)
    assert client.get(url).status_code == 405
    data = form_fields(client.get(rec.get_absolute_url()).content.decode(), action=url)
    type_into(data, {"date_day": "not", "date_month": "a", "date_year": "date", "text": ""})
    response = client.post(url, {name: data.getlist(name) for name in data})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_date-error"' in page and 'id="id_text-error"' in page
    assert not RecommendationUpdate.objects.exists()


# Inspections: create and edit


def test_risk_officer_records_publication_and_the_response_due_date_follows(
    client, risk_officer, inspection
):
    client.force_login(risk_officer)
    url = reverse("governance:inspection_edit", args=[inspection.pk])
    data = form_fields(client.get(url).content.decode(), containing="title")
    type_into(data, {"core_group_established": "true", "action_plan": "unknown"})
    set_date(data, "report_published", datetime.date(2026, 1, 10))
    response = client.post(url, {name: data.getlist(name) for name in data})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.pcc_response_due == datetime.date(2026, 3, 7)
    assert inspection.core_group_established is True and inspection.action_plan is None
    page = client.get(inspection.get_absolute_url()).content.decode()
    assert "7 Mar 2026" in page
    assert "Rita Officer" in page[page.index('id="history"') :]


def test_risk_officer_adds_a_peel_inspection_with_a_grade(client, risk_officer):
    client.force_login(risk_officer)
    url = reverse("governance:inspection_create")
    changes = {"title": "PEEL 2021/22", "kind": "peel", "grade": "adequate", "position": "1"}
    response = submit(client, url, changes, containing="title")
    created = Inspection.objects.get(title="PEEL 2021/22")
    assert response["Location"] == created.get_absolute_url()
    assert created.get_grade_display() == "Adequate"


def test_inspection_forms_refuse_readers_other_methods_and_bad_input(
    client, risk_officer, chief_officer, pcc_staff, inspection
):
    create = reverse("governance:inspection_create")
    edit = reverse("governance:inspection_edit", args=[inspection.pk])
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        for url in (create, edit):
            assert client.get(url).status_code == 403
            assert client.post(url, {"title": "x", "kind": "inspection"}).status_code == 403
    client.force_login(risk_officer)
    assert client.put(edit).status_code == 405
    data = form_fields(client.get(edit).content.decode(), containing="title")
    type_into(data, {"title": "", "kind": "inspection", "grade": "good", "position": "1"})
    set_date(data, "pcc_response_published", datetime.date(2026, 1, 1))
    response = client.post(edit, {name: data.getlist(name) for name in data})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Only a PEEL inspection has a PEEL grade." in page
    assert "Give the date the report was published." in page
    assert 'id="id_title-error"' in page
    inspection.refresh_from_db()
    assert inspection.title == "Crime data integrity"


def test_readers_see_inspections_without_edit_links(client, chief_officer, pcc_staff, seeded):
    custody = Inspection.objects.get(title="Custody")
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        for url in (INSPECTIONS, custody.get_absolute_url(), TRACKER):
            response = client.get(url)
            assert response.status_code == 200
            assert "/edit/" not in response.content.decode()
            assert "/new/" not in response.content.decode()
    page = client.get(custody.get_absolute_url()).content.decode()
    assert "23rd of November 2015" in page


def test_risk_page_include_lists_the_linked_recommendations(register, inspection):
    from django.template.loader import render_to_string

    risk = Risk.objects.create(register=register, reference="TST07", name="Custody")
    linked = recommendation(inspection, reference="AFI 1", due_date=TODAY - DAY)
    linked.risks.add(risk)
    recommendation(inspection, reference="AFI 2")
    html = render_to_string(
        "governance/includes/risk_recommendations.html",
        {"recommendations": recommendations_for_risk(risk)},
    )
    assert "AFI 1" in html and "AFI 2" not in html
    assert "Overdue" in html


def test_linking_a_risk_is_in_the_recommendations_history(
    client, risk_officer, register, inspection
):
    rec = recommendation(inspection, reference="R1", text="<p>Improve.</p>")
    risk = Risk.objects.create(register=register, reference="TST01", name="Custody deaths")
    client.force_login(risk_officer)
    url = reverse("governance:recommendation_edit", args=[rec.pk])
    assert f'name="risks" value="{risk.pk}"' in client.get(url).content.decode()
    response = submit(client, url, {"risks": [risk.pk]}, containing="reference")
    assert response.status_code == 302
    assert list(rec.risks.all()) == [risk]
    page = client.get(rec.get_absolute_url()).content.decode()
    history = page[page.index('id="history"') :]
    assert re.search(r'<th scope="row">Risks</th>\s*<td class="diff-old">\(none\)</td>', history)
    assert '<td class="diff-new">TST01 Custody deaths</td>' in history
