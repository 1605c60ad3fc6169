"""The risk's page shows the governance records linked to it, composed by the project:
registers names nothing of governance, and the panel's queries do not grow with the links."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import AssessmentTopic, Inspection, Recommendation
from registers.models import Register, Risk

pytestmark = pytest.mark.django_db


def _link_recommendations(risk: Risk, count: int) -> None:
    # Each under its own inspection, so a page that walked relations would query per row.
    for n in range(count):
        inspection = Inspection.objects.create(
            title=f"Inspection {n} of {risk.reference}", report_published=datetime.date(2021, 1, 1)
        )
        Recommendation.objects.create(
            inspection=inspection, reference=f"R{n}", text=f"Recommendation {n}"
        ).risks.add(risk)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_risk_page_lists_linked_recommendations_and_topics(client, seeded, chief_officer):
    risk = Risk.objects.get(reference="CRR05")
    _link_recommendations(risk, 2)
    topic = AssessmentTopic.objects.first()
    topic.risks.add(risk)
    client.force_login(chief_officer)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert "Inspection 0 of CRR05" in page and "Inspection 1 of CRR05" in page
    assert 'id="risk-topics"' in page and topic.name in page


def test_risk_page_queries_do_not_grow_with_linked_recommendations(
    client, seeded, chief_officer, django_assert_max_num_queries
):
    # Two risks alike in all but their links, so their pages differ only in the panel.
    register = Register.objects.get(slug="corporate")
    one, many = (
        Risk.objects.create(register=register, reference=reference, name="Alike", position=50)
        for reference in ("TST01", "TST02")
    )
    _link_recommendations(one, 1)
    _link_recommendations(many, 12)
    for topic in AssessmentTopic.objects.all()[:5]:
        topic.risks.add(many)
    client.force_login(chief_officer)
    client.get(one.get_absolute_url())  # warm the session and permission caches
    baseline = _queries(client, one.get_absolute_url())
    with django_assert_max_num_queries(baseline):
        page = client.get(many.get_absolute_url()).content.decode()
    assert page.count("Recommendation 1") >= 1 and "Inspection 11 of TST02" in page


def test_a_user_who_reads_no_governance_gets_no_panel(client, seeded, chief_officer):
    from django.contrib.auth.models import Permission

    risk = Risk.objects.get(reference="CRR05")
    _link_recommendations(risk, 1)
    # A reader of the register only: the role's governance permissions taken away.
    chief_officer.groups.clear()
    chief_officer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="registers",
            codename__in=["view_risk", "view_live_register"],
        )
    )
    client.force_login(chief_officer)
    page = client.get(risk.get_absolute_url()).content.decode()
    assert "Inspection 0 of CRR05" not in page and 'id="risk-recommendations"' not in page
