import pytest
from django.core.cache import cache

from api.models import ApiToken
from registers.models import ReportingPeriod


@pytest.fixture(autouse=True)
def fresh_throttle():
    # The request rate is counted in the cache, which outlives a test's rolled-back users.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def published(seeded):
    """The governance records published with Q2 2021/22, as closing it would have: what PCC
    staff read (the seed itself publishes nothing)."""
    from governance.publication import publish

    return publish(period=ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2))


def token_for(user, name: str = "Power BI") -> str:
    return ApiToken.issue(user=user, name=name)[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
