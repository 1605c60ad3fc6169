"""Pages served from the cache: keyed on what they show, never stale, never another role's.

A closed quarter's pages are keyed on the quarter and its closing; the live pages on the
register's stamps, which every write moves on in its transaction (basics.stamps).
"""

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registers import services
from registers.models import RatingBand, ReportingPeriod, Risk
from riskreg import packs
from riskreg.models import Pack
from riskreg.settings import cache_from_url
from tests.registers.test_risk_edit import edit_url, form_data
from tests.riskreg.test_dashboard import _grow, _ratings

Q2 = "/registers/corporate/2021-q2/"
Q3 = "/registers/corporate/2021-q3/"


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def _served(client, url: str) -> tuple[int, int]:
    """Queries of the page as first built and as served again from the cache."""
    cache.clear()
    return _queries(client, url), _queries(client, url)


@pytest.mark.parametrize(
    "role, url",
    [
        ("chief_officer", "/"),
        ("pcc_staff", "/"),
        ("chief_officer", Q2),
        ("pcc_staff", Q2),
        ("pcc_staff", f"{Q2}?q=cyber&status=open"),
        ("chief_officer", f"{Q2}changes/"),
        ("chief_officer", f"{Q3}changes/"),
        ("chief_officer", "/packs/"),
        ("pcc_staff", "/packs/"),
    ],
)
def test_cached_pages_take_the_same_few_queries_for_18_and_2000_risks(
    client, seeded, request, role, url
):
    client.force_login(request.getfixturevalue(role))
    client.get(url)  # the session
    small_built, small_cached = _served(client, url)
    assert small_cached < small_built
    _grow(2000)
    large_built, large_cached = _served(client, url)
    assert large_built <= small_built
    assert large_cached == small_cached
    assert small_cached <= 14, small_cached


def test_a_saved_risk_is_on_the_next_dashboard(client, seeded, risk_officer, chief_officer):
    client.force_login(chief_officer)
    assert _ratings(client.get("/").content.decode())["High"][1] == "13"
    client.force_login(risk_officer)
    high = RatingBand.objects.get(label="High").pk
    assert client.post(edit_url("CRR10"), form_data(client, "CRR10", band=high)).status_code == 302
    client.force_login(chief_officer)
    assert _ratings(client.get("/").content.decode())["High"][1] == "14"
    # And the open quarter's "What changed", cached on the same stamps.
    assert "CRR10" in client.get(f"{Q3}changes/").content.decode().split('id="escalated"')[1]


def test_a_trend_set_a_withdrawal_and_a_close_each_make_the_next_page_fresh(
    client, seeded, risk_officer, chief_officer, pcc_staff
):
    client.force_login(chief_officer)
    assert "Trend set by the officer" not in client.get("/").content.decode()
    crr05 = Risk.objects.get(reference="CRR05")
    services.set_current_trend(risk=crr05, trend="↘")
    assert "Trend set by the officer" in client.get("/").content.decode()

    client.force_login(risk_officer)
    new = client.post(
        "/registers/corporate/risks/new/",
        {**form_data(client, "CRR05"), "reference": "CRR99", "version": "", "trend": ""},
    )
    assert new.status_code == 302, new.content.decode()[:2000]
    client.force_login(chief_officer)
    assert "19 open risks" in client.get("/").content.decode()
    client.force_login(risk_officer)
    withdraw = "/registers/corporate/risks/CRR99/withdraw/"
    assert client.post(withdraw, {"reason": "Entered twice"}).status_code == 302
    client.force_login(chief_officer)
    assert "18 open risks" in client.get("/").content.decode()

    client.force_login(pcc_staff)
    assert "Q2 2021/22</strong>, the latest published quarter" in client.get("/").content.decode()
    q3 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    services.close_quarter(period=q3, user=risk_officer)
    assert "Q3 2021/22</strong>, the latest published quarter" in client.get("/").content.decode()
    client.force_login(chief_officer)
    assert "Q4 2021/22</strong>, the open quarter" in client.get("/").content.decode()


@pytest.mark.parametrize("first", ["chief_officer", "pcc_staff"])
def test_no_role_is_served_another_roles_page(client, seeded, request, first):
    """Whoever comes first, PCC staff get the published quarter, officers the live one."""
    others = {"chief_officer": "pcc_staff", "pcc_staff": "chief_officer"}
    pages = {}
    for role in (first, others[first]):
        client.force_login(request.getfixturevalue(role))
        pages[role] = {url: client.get(url).content.decode() for url in ("/", Q2, "/packs/")}
    assert "the latest published quarter" in pages["pcc_staff"]["/"]
    assert "the open quarter's working register" in pages["chief_officer"]["/"]
    assert "/registers/corporate/risks/" not in pages["pcc_staff"][Q2]
    assert "/registers/corporate/risks/CRR10/" in pages["chief_officer"][Q2]
    assert "Preview the draft pack" not in pages["pcc_staff"]["/packs/"]


def test_a_pack_queued_shows_on_the_next_pack_list(client, seeded, chief_officer):
    client.force_login(chief_officer)
    assert "Queued since" not in client.get("/packs/").content.decode()
    q2 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    packs.request_pack_build(period=q2, variant=Pack.Variant.FULL)
    assert "Queued since" in client.get("/packs/").content.decode()


def test_a_register_renamed_in_the_admin_is_on_the_next_published_page(
    client, seeded, administrator, pcc_staff
):
    client.force_login(pcc_staff)
    assert "Corporate Risk Register</a>:" in client.get("/").content.decode()
    client.force_login(administrator)
    from tests.forms import submit

    register = Risk.objects.get(reference="CRR10").register
    response = submit(
        client, f"/admin/registers/register/{register.pk}/change/", {"name": "Force Register"},
        containing="name",
    )  # fmt: skip
    assert response.status_code == 302
    client.force_login(pcc_staff)
    assert "Force Register</a>:" in client.get("/").content.decode()


def test_the_cache_backend_comes_from_cache_url():
    assert cache_from_url("locmem://riskreg")["BACKEND"].endswith("LocMemCache")
    redis = cache_from_url("redis://127.0.0.1:6379/1")
    assert redis == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert cache_from_url("db://riskreg_cache")["LOCATION"] == "riskreg_cache"
    assert cache_from_url("dummy://")["BACKEND"].endswith("DummyCache")
    for bad in ("memcached://x", "db://", "redis"):
        with pytest.raises(ImproperlyConfigured):
            cache_from_url(bad)


def test_a_quarter_taken_over_closed_without_a_closing_time_is_served(client, seeded, pcc_staff):
    ReportingPeriod.objects.filter(status="closed").update(closed_at=None)
    client.force_login(pcc_staff)
    for url in ("/", Q2, f"{Q2}changes/"):
        assert client.get(url).status_code == 200
        assert client.get(url).status_code == 200  # and from the cache
