import pytest
from django.core.cache import cache

from api.models import ApiToken
from registers.models import ReportingPeriod

Q2 = "/api/registers/corporate/quarters/2021-q2/"  # closed: published
Q3 = "/api/registers/corporate/quarters/2021-q3/"  # open: the working register


@pytest.fixture(autouse=True)
def fresh_throttle():
    # The request rate is counted in the cache, which outlives a test's rolled-back users.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(seeded):
    """One HMIC recommendation with a progress update (the seed has none), and the
    governance records published again with Q2 2021/22, as closing it would have: what PCC
    staff read."""
    from governance.models import Inspection, Recommendation
    from governance.publication import publish

    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.order_by("pk").first(),
        reference="R1",
        text="<p>Improve custody record keeping.</p>",
        owner="Head of Custody",
        due_date="2022-03-31",
    )
    recommendation.updates.create(text="<p>Under way.</p>", date="2021-11-01")
    return publish(
        period=ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    )


def token_for(user, name: str = "Power BI") -> str:
    return ApiToken.issue(user=user, name=name)[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
