"""Governance pages never show PCC staff the live (unpublished) register's risks."""

import pytest
from django.urls import reverse

from governance.models import AssessmentTopic, Inspection, Recommendation
from registers.models import Register, Risk
from tests.forms import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_risk(seeded):
    return Risk.objects.create(
        register=Register.objects.get(slug="corporate"),
        reference="CRR99",
        name="Unpublished secret risk",
    )


def test_pcc_staff_do_not_see_risks_linked_to_a_recommendation(
    client, secret_risk, pcc_staff, chief_officer, risk_officer
):
    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.first(), reference="R9", text="Do better"
    )
    client.force_login(risk_officer)
    edit = reverse("governance:recommendation_edit", args=[recommendation.pk])
    response = submit(client, edit, {"risks": [secret_risk.pk]}, containing="reference")
    assert response.status_code == 302
    assert list(recommendation.risks.all()) == [secret_risk]
    pages = [
        reverse("governance:recommendation_detail", args=[recommendation.pk]),
        reverse("governance:recommendation_list"),
    ]
    client.force_login(pcc_staff)
    for url in pages:
        page = client.get(url).content.decode()
        assert "CRR99" not in page and "Unpublished secret risk" not in page, url
    client.force_login(chief_officer)
    assert "Unpublished secret risk" in client.get(pages[0]).content.decode()


def test_pcc_staff_do_not_see_risks_linked_to_an_assessment_topic(
    client, secret_risk, pcc_staff, risk_officer
):
    topic = AssessmentTopic.objects.first()
    client.force_login(risk_officer)
    edit = reverse("governance:topic_edit", args=[topic.pk])
    response = submit(client, edit, {"risks": [secret_risk.pk]}, containing="name")
    assert response.status_code == 302
    assert list(topic.risks.all()) == [secret_risk]
    client.force_login(pcc_staff)
    for url in [topic.get_absolute_url(), topic.assessment.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert "CRR99" not in page and "Unpublished secret risk" not in page, url
