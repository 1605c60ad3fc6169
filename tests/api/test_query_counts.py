"""The queries of every list are the same for the seed's 18 risks and for 2,000."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Recommendation
from registers.models import Risk
from tests.registers.test_register_page import _grow_register

from .conftest import Q2, Q3, bearer, token_for

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/registers/",
    "/api/quarters/",
    Q2,
    f"{Q2}rows/",
    f"{Q2}rows/?q=cyber&status=open",
    f"{Q2}rows/?page=2&page_size=5",
    "/api/cipfa/reviews/",
    "/api/cipfa/assessments/",
    "/api/hmic/inspections/",
    "/api/hmic/recommendations/",
    "/api/hmic/updates/",
    "/api/delivery/plans/",
    "/api/delivery/commitments/",
    "/api/delivery/progress/",
]
LIVE_LISTS = [
    Q3,
    f"{Q3}rows/",
    f"{Q3}rows/?trend=New",
    "/api/risks/",
    "/api/risks/?status=open&outside_appetite=false",
    "/api/actions/",
    "/api/actions/?status=open&overdue=true",
]


def _counts(client, urls, headers) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url, **headers)  # warm: the session, a token's last use
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.content[:300])
        counts[url] = len(queries)
    return counts


def _grow_actions() -> None:
    """An action for each grown risk, owned and overdue, with a category and scores beside."""
    import datetime

    from django.contrib.auth import get_user_model

    from registers.models import Action, RiskCategory

    owner = get_user_model().objects.get(username="risk.officer")
    grown = Risk.objects.filter(reference__startswith="GEN")
    category = RiskCategory.objects.filter(register__slug="corporate").first()
    grown.update(owner=owner, category=category, likelihood=4, impact_score=4)
    Action.objects.bulk_create(
        Action(risk=risk, text=f"Act on {risk.reference}", owner=owner,
               target_date=datetime.date(2021, 1, 1), status="in_progress")
        for risk in grown
    )  # fmt: skip


@pytest.mark.parametrize("reader", ["chief officer", "PCC staff's token"])
def test_list_queries_do_not_grow_with_the_register(
    published, client, chief_officer, pcc_staff, reader
):
    headers = {}
    urls = LISTS
    if reader == "chief officer":
        client.force_login(chief_officer)
        urls = LISTS + LIVE_LISTS
    else:
        headers = bearer(token_for(pcc_staff))
    recommendation = Recommendation.objects.get(reference="R1")
    recommendation.risks.add(*Risk.objects.all())
    small = _counts(client, urls, headers)
    _grow_register(2000)
    _grow_actions()
    recommendation.risks.add(*Risk.objects.all())
    assert Risk.objects.count() == 2018
    large = _counts(client, urls, headers)
    assert large == small
    assert max(small.values()) <= 20, small
