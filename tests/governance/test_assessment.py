"""Seed 003 (alliance strategic assessment 2016/17): fixtures, chart, topic pages, editing."""

import pytest
from django.urls import reverse

from governance.models import (
    AssessmentTopic,
    ControlStrategyPriority,
    RiskDefinition,
    StrategicAssessment,
)
from tests.forms import submit

pytestmark = pytest.mark.usefixtures("seeded")

LEGEND = [
    "CSP", "Cyber", "CSE", "OCG", "Rape/sexual assault", "Domestic Abuse",
    "Killed/seriously injured", "Modern slavery and human trafficking", "FGM", "FNO",
    "Pipeline incursion", "Performance/demand management", "Risk", "StraDA/Change programme",
    "Environmental scanning/combined authorities", "Health and Wellbeing", "Mental health demand",
    "HMIC", "OPCC elections", "Community engagement E&D", "Under reported Hate Crime",
    "Special Constabulary", "PSD", "Radicalisation",
]  # fmt: skip


def test_assessment_metadata_matches_the_seed():
    assessment = StrategicAssessment.objects.get()
    assert assessment.title == "Alliance Strategic Assessment 2016/17"
    assert assessment.version == "V19 final (not protectively marked)"
    assert assessment.protective_marking == "Not protectively marked"
    assert assessment.author == "Business Planning and Policy Team"
    assert assessment.date.isoformat() == "2016-01-14"
    assert assessment.purpose.startswith("To provide Chief Officers and the OPCCs")


def test_24_topics_numbered_as_in_the_legend():
    topics = AssessmentTopic.objects.order_by("number")
    assert [(t.number, t.name) for t in topics] == list(enumerate(LEGEND, start=1))


def test_topic_texts_come_from_the_assessment_summary():
    cyber = AssessmentTopic.objects.get(number=2)
    assert "International cyber crime groups." in cyber.emerging_trends
    ksi = AssessmentTopic.objects.get(number=7)
    assert "<li>Travelling too fast for the conditions</li>" in ksi.situation_report
    assert (
        ksi.recommendations
        == "<p>Ongoing support for the work of the Alliance Safer Roads Partnership.</p>"
    )
    assert AssessmentTopic.objects.get(number=18).recommendations == ""  # HMIC: none in the summary
    assert not AssessmentTopic.objects.filter(risks__isnull=False).exists()


def test_control_strategy_priorities_and_risk_definitions():
    titles = list(ControlStrategyPriority.objects.values_list("title", flat=True))
    assert titles[0].startswith("Cyber Crime") and titles[-1] == (
        "Killed and seriously injured road traffic collisions"
    )
    assert len(titles) == 6
    capacity = RiskDefinition.objects.get(term="capacity")
    assert capacity.definition == (
        "the level of corporate risk exposure that we cannot and will not tolerate exceeding."
    )
    assert RiskDefinition.objects.count() == 3


def test_assessment_page_has_chart_and_table(client, chief_officer):
    AssessmentTopic.objects.filter(number=2).update(probability="high")
    client.force_login(chief_officer)  # live records: PCC staff see the change once published
    html = client.get(reverse("governance:assessment_detail", args=[1])).content.decode()
    # A chart whose dots are links is a group: an image cannot hold links (axe nested-interactive).
    assert '<svg role="group"' in html and "<title" in html
    assert "Not placed" in html and "Radicalisation" in html
    high_band = html.split(">High</text>")[1].split("</text>")[0]
    assert ">2" in high_band  # topic 2 is drawn in the high band


def test_assessment_page_query_count_is_constant(
    client, risk_officer, django_assert_max_num_queries
):
    client.force_login(risk_officer)
    with django_assert_max_num_queries(15):
        client.get(reverse("governance:assessment_detail", args=[1]))
    for number in range(25, 45):
        AssessmentTopic.objects.create(assessment_id=1, number=number, name=f"Topic {number}")
    with django_assert_max_num_queries(15):
        client.get(reverse("governance:assessment_detail", args=[1]))


def test_priorities_page_shows_priorities_definitions_and_history(client, chief_officer):
    client.force_login(chief_officer)
    html = client.get(reverse("governance:assessment_priorities", args=[1])).content.decode()
    assert "MoRiLE" in html and "Organised Crime Groups" in html
    assert "Risk Appetite" in html and "History" in html


def test_topic_page_shows_text_and_hides_edit_from_readers(client, chief_officer):
    client.force_login(chief_officer)
    topic = AssessmentTopic.objects.get(number=9)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Honour Based Violence (HBV)" in html and "Situation report" in html
    assert "Edit topic" not in html


def test_risk_officer_places_a_topic_and_links_a_risk(client, risk_officer, register):
    from registers.models import Risk

    risk = Risk.objects.create(register=register, reference="TST01", name="Cyber attack")
    client.force_login(risk_officer)
    topic = AssessmentTopic.objects.get(number=2)
    url = reverse("governance:topic_edit", args=[topic.pk])
    assert f'name="risks" value="{risk.pk}"' in client.get(url).content.decode()
    response = submit(client, url, {"probability": "high", "risks": [risk.pk]}, containing="name")
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.probability == "high" and list(topic.risks.all()) == [risk]
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "TST01" in html
    history = html.split(">History<")[1]
    assert "Probability of impact" in history and "(blank)" in history and "High" in history


def test_topic_edit_shows_field_errors(client, risk_officer):
    client.force_login(risk_officer)
    url = reverse("governance:topic_edit", args=[AssessmentTopic.objects.get(number=2).pk])
    response = submit(client, url, {"name": "", "probability": "certain"}, containing="name")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_readers_cannot_edit_topics(client, request, role):
    client.force_login(request.getfixturevalue(role))
    url = reverse("governance:topic_edit", args=[AssessmentTopic.objects.get(number=2).pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "probability": "low"}).status_code == 403
    assert AssessmentTopic.objects.get(number=2).probability == ""


def test_topic_edit_refuses_other_methods(client, risk_officer):
    client.force_login(risk_officer)
    url = reverse("governance:topic_edit", args=[AssessmentTopic.objects.get(number=2).pk])
    assert client.delete(url).status_code == 405
