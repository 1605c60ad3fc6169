"""The CIPFA seven-principles governance dashboard (seed 004)."""

import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from governance.models import Assessment, GovernanceReview, Principle, SubPrinciple
from governance.services import start_next_review
from tests.forms import submit

pytestmark = pytest.mark.django_db

# The seeds sit beside the checkout, in ../shared/seeds.
SEED = Path(__file__).resolve().parents[1] / "seeds" / "004_governance_dashboard.txt"
DASHBOARD = reverse("governance:review_detail", args=["2017-18"])


def seed_row(assessment: Assessment) -> tuple[str, str]:
    """(direction, RAG) as printed on the seed's line that opens this sub-principle's row."""
    sub = assessment.sub_principle
    # Two rows have no heading: find them by the first words of their expected behaviours.
    # Headings wrap in the seed: the first 30 characters are on the row's first line.
    key = html.unescape(sub.title or re.sub(r"<[^>]+>", "", sub.expected_behaviours))[:30]
    for line in SEED.read_text().splitlines():
        columns = line.split("\t")
        if len(columns) >= 4 and key in columns[0]:
            return columns[2].strip(), columns[3].strip().split()[0]
    raise AssertionError(f"{key!r} not found in the seed")


def test_the_seed_review_has_21_rows_17_green_and_4_amber(seeded):
    review = GovernanceReview.objects.get(year="2017/18")
    assert review.assessments.count() == 21
    assert review.assessments.filter(rag="green").count() == 17
    assert review.assessments.filter(rag="amber").count() == 4
    assert list(Principle.objects.values_list("letter", flat=True)) == list("ABCDEFG")


def test_every_rows_direction_and_rag_match_the_seed(seeded):
    assessments = Assessment.objects.select_related("sub_principle__principle")
    for assessment in assessments:
        direction, rag = seed_row(assessment)
        assert (assessment.get_direction_display() if assessment.direction else "") == direction, (
            assessment
        )
        assert assessment.get_rag_display() == rag, assessment


def test_amber_notes_are_kept_as_the_seed_gives_them(seeded):
    seed = " ".join(SEED.read_text().split())
    notes = {a.sub_principle.title: a.rag_note for a in Assessment.objects.exclude(rag_note="")}
    assert notes == {
        "Engaging comprehensively with institutional stakeholders": (
            "area for improvement collaboration agreements"
        ),
        "Planning interventions": "medium term financial plan being updated in June 2018",
    }
    assert "Amber – medium term financial plan being updated in June 2018" in seed
    assert "Amber (area for improvement collaboration" in seed


def test_developing_capacity_has_no_direction_stated(seeded):
    assessment = Assessment.objects.get(sub_principle__title="Developing the entity's capacity")
    assert assessment.direction == ""
    assert assessment.rag == "amber"


def test_dashboard_shows_all_21_rows_with_seed_direction_and_rag(client, chief_officer, seeded):
    client.force_login(chief_officer)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'<tr id="row-(\w+)".*?</tr>', page, flags=re.S)
    assert len(rows) == 21
    for assessment in Assessment.objects.select_related("sub_principle__principle"):
        direction, rag = seed_row(assessment)
        row = re.search(
            rf'<tr id="row-{assessment.sub_principle.code}".*?</tr>', page, flags=re.S
        ).group(0)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        assert (direction or "Not stated") in cells[1]
        assert rag in cells[2]
    for heading in (
        "Expected Behaviours &amp; Outcomes",
        "How the Requirements Are Met",
        "Direction of Travel",
        "RAG Status",
    ):
        assert heading in page
    assert "Amber – medium term financial plan being updated in June 2018" in page


def test_dashboard_shows_rag_counts_per_principle(client, chief_officer, seeded):
    client.force_login(chief_officer)
    page = client.get(DASHBOARD).content.decode()
    table = re.search(r'<table class="cipfa-summary-table">.*?</table>', page, flags=re.S).group(0)
    counts = {
        letter: tuple(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row))
        for letter, row in re.findall(
            r'<tr><th scope="row"><a href="#principle-(\w)">\w</a></th>(.*?)</tr>', table
        )
    }
    # green, amber, red, not rated, total
    assert counts["B"] == (2, 1, 0, 0, 3)
    assert counts["D"] == (2, 1, 0, 0, 3)
    assert counts["E"] == (1, 1, 0, 0, 2)
    assert counts["F"] == (4, 1, 0, 0, 5)
    assert '<svg role="img"' in page


def test_chief_officer_and_pcc_staff_read_but_see_no_edit_links(
    client, chief_officer, pcc_staff, seeded
):
    sub = SubPrinciple.objects.get(title="Managing data")
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        for url in (reverse("governance:review_list"), DASHBOARD, sub.get_absolute_url()):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "/edit/" not in response.content.decode()
            assert "Start next year" not in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_rows(
    client, risk_officer, seeded, django_assert_max_num_queries
):
    client.force_login(risk_officer)
    with django_assert_max_num_queries(21):
        client.get(DASHBOARD)
    review = GovernanceReview.objects.get(year="2017/18")
    principle = Principle.objects.get(letter="G")
    for position in range(4, 30):
        sub = SubPrinciple.objects.create(principle=principle, position=position, title="Extra")
        Assessment.objects.create(review=review, sub_principle=sub, rag="red")
    with django_assert_max_num_queries(21):
        response = client.get(DASHBOARD)
    assert response.content.decode().count('<tr id="row-') == 47
    with django_assert_max_num_queries(13):
        client.get(reverse("governance:review_list"))


def test_subprinciple_page_shows_evidence_and_history(client, chief_officer, seeded):
    sub = SubPrinciple.objects.get(title="Managing data")
    client.force_login(chief_officer)
    page = client.get(sub.get_absolute_url()).content.decode()
    assert "Ensuring effective arrangements are in place for the safe collection" in page
    assert "<li>Freedom of Information Act 2000 arrangements</li>" in page
    assert "2017/18" in page
    assert "History" in page


# Editing an assessment


def edit_url(assessment):
    return reverse("governance:assessment_edit", args=[assessment.pk])


def test_risk_officer_edits_an_assessment_and_the_history_shows_it(client, risk_officer, seeded):
    assessment = Assessment.objects.get(sub_principle__title="Managing data")
    client.force_login(risk_officer)
    changes = {
        "evidence": "- GDPR implementation complete\n- Data protection officer appointed",
        "direction": "improving",
        "rag": "green",
        "rag_note": "",
    }
    response = submit(client, edit_url(assessment), changes, containing="rag")
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.rag == "green"
    assert assessment.direction == "improving"
    assert "<li>GDPR implementation complete</li>" in assessment.evidence
    page = client.get(assessment.sub_principle.get_absolute_url()).content.decode()
    history = page[page.index('id="history-2017-18"') :]
    assert "Rita Officer" in history
    assert "Amber" in history and "Green" in history
    assert "Maintaining" in history and "Improving" in history


def test_assessment_edit_refuses_other_methods(client, risk_officer, seeded):
    client.force_login(risk_officer)
    assessment = Assessment.objects.first()
    assert client.put(edit_url(assessment)).status_code == 405


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_readers_cannot_edit_an_assessment(client, role, request, seeded):
    client.force_login(request.getfixturevalue(role))
    assessment = Assessment.objects.first()
    assert client.get(edit_url(assessment)).status_code == 403
    assert client.post(edit_url(assessment), {"rag": "red"}).status_code == 403
    assessment.refresh_from_db()
    assert assessment.rag == "green"


def test_bad_assessment_input_shows_field_errors(client, risk_officer, seeded):
    client.force_login(risk_officer)
    assessment = Assessment.objects.first()
    changes = {"rag": "purple", "direction": "sideways"}
    response = submit(client, edit_url(assessment), changes, containing="rag")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice. purple is not one of the available choices." in page
    assert 'id="id_rag-error"' in page
    assessment.refresh_from_db()
    assert assessment.rag == "green"


# Starting next year's review


START = reverse("governance:review_start_next")


def test_starting_next_year_copies_the_last_review(client, risk_officer, seeded):
    client.force_login(risk_officer)
    response = client.post(START)
    assert response.status_code == 302
    new = GovernanceReview.objects.get(year="2018/19")
    assert response["Location"] == new.get_absolute_url()
    old = GovernanceReview.objects.get(year="2017/18")
    copied = {
        a.sub_principle_id: (a.evidence, a.direction, a.rag, a.rag_note)
        for a in new.assessments.all()
    }
    original = {
        a.sub_principle_id: (a.evidence, a.direction, a.rag, a.rag_note)
        for a in old.assessments.all()
    }
    assert copied == original
    record = new.assessments.first().history.first()
    assert record.history_user == risk_officer
    assert record.history_change_reason == "Copied from the 2017/18 review"


def test_each_start_makes_the_following_year(client, risk_officer, seeded):
    client.force_login(risk_officer)
    client.post(START)
    response = client.post(START, follow=True)
    assert "The 2019/20 review starts as a copy of the last one." in response.content.decode()
    years = list(GovernanceReview.objects.values_list("year", flat=True))
    assert years == ["2019/20", "2018/19", "2017/18"]


def test_start_next_review_refuses_get_and_readers(client, risk_officer, chief_officer, seeded):
    client.force_login(risk_officer)
    assert client.get(START).status_code == 405
    client.force_login(chief_officer)
    assert client.post(START).status_code == 403
    assert not GovernanceReview.objects.filter(year="2018/19").exists()


def test_year_on_year_comparison_marks_what_changed(client, risk_officer, seeded):
    review = start_next_review(user=risk_officer)
    changed = review.assessments.get(sub_principle__title="Managing data")
    changed.rag = "green"
    changed.direction = "improving"
    changed.save()
    client.force_login(risk_officer)
    dashboard = client.get(review.get_absolute_url()).content.decode()
    assert "Compare with 2017/18" in dashboard
    page = client.get(reverse("governance:review_compare", args=["2018-19"])).content.decode()
    assert page.count('<tr class="changed">') == 1
    row = re.search(r'<tr class="changed">.*?</tr>', page, flags=re.S).group(0)
    assert "Managing data" in row and "Amber" in row and "Improving" in row


def test_comparison_needs_an_earlier_review(client, chief_officer, seeded):
    client.force_login(chief_officer)
    response = client.get(reverse("governance:review_compare", args=["2017-18"]))
    assert response.status_code == 404
    assert "Compare with" not in client.get(DASHBOARD).content.decode()
