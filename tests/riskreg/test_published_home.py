"""The home page of PCC staff (readers of the published view), served whole from the cache.

It costs four queries however large the register: the session, the user, the role with
the permissions (one query), and the stamps. Closing, reopening, publishing governance
and any change of role or permission make the next page fresh; no reader is served a
page built for one who may see more, or another reader's name.
"""

import datetime
from html import unescape

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from governance.models import Inspection, Recommendation
from governance.publication import publish
from registers import services
from registers.models import ReportingPeriod
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER, role_of
from tests.conftest import make_user
from tests.html import text
from tests.riskreg.test_dashboard import _grow

pytestmark = pytest.mark.django_db


def _period(quarter: int) -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=quarter)


def _page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _scope(html: str) -> str:
    return text(html[html.index('class="lede dashboard-scope"') : html.index('class="dashboard"')])


def _attention(html: str) -> str:
    return text(html[html.index('id="attention"') : html.index('id="trend"')])


@pytest.mark.parametrize("size", [18, 2018])
def test_a_cached_pcc_dashboard_takes_four_queries(
    client, seeded, pcc_staff, size, django_assert_num_queries
):
    client.force_login(pcc_staff)
    if size > 18:
        _grow(size - 18)  # written behind the app's back: the stamps did not move
        cache.clear()
    first = _page(client)  # built, and the session's times written
    assert f"Q2 2021/22 , the latest published quarter ({size} open risks)" in _scope(first)
    # The session, the user, the role with the permissions, the stamps.
    with django_assert_num_queries(4):
        again = _page(client)
    assert _scope(again) == _scope(first) and _attention(again) == _attention(first)


def test_a_close_a_reopen_and_a_publication_each_make_the_next_pcc_page_fresh(
    client, seeded, pcc_staff, risk_officer, administrator
):
    client.force_login(pcc_staff)
    assert "Q2 2021/22 , the latest published quarter" in _scope(_page(client))
    assert "0 HMIC recommendations overdue" in _attention(_page(client))

    # Closed and published, as the close page does it.
    services.close_quarter(period=_period(3), user=risk_officer)
    publish(period=_period(3), user=risk_officer)
    assert "Q3 2021/22 , the latest published quarter" in _scope(_page(client))

    services.reopen_quarter(period=_period(3), user=administrator, reason="wrong rating")
    assert "Q2 2021/22 , the latest published quarter" in _scope(_page(client))

    # Governance changed since: PCC staff see it only once it is published.
    inspection = Inspection.objects.create(title="Crime data integrity", position=10)
    Recommendation.objects.create(
        inspection=inspection, reference="R1", text="<p>Audit the crime data.</p>",
        due_date=datetime.date(2000, 1, 1),
    )  # fmt: skip
    assert "0 HMIC recommendations overdue" in _attention(_page(client))
    publish(period=_period(2), user=administrator)
    assert "1 HMIC recommendation overdue" in _attention(_page(client))


def test_a_permission_or_role_change_makes_the_next_pcc_page_fresh(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    html = _page(client)
    assert "HMIC recommendation" in _attention(html)
    assert "HMIC recommendation tracker" in html  # the page's links, cached with it

    group = Group.objects.get(name=PCC_STAFF)
    group.permissions.remove(Permission.objects.get(codename="view_recommendation"))
    html = _page(client)
    assert "HMIC recommendation" not in _attention(html)
    assert "HMIC recommendation tracker" not in html

    # Given the live register by name: the open quarter, not the cached published page.
    pcc_staff.user_permissions.add(Permission.objects.get(codename="view_live_register"))
    assert "Q3 2021/22 , the open quarter's working register" in _scope(_page(client))
    pcc_staff.user_permissions.clear()
    assert "the latest published quarter" in _scope(_page(client))

    pcc_staff.groups.set([Group.objects.get(name=CHIEF_OFFICER)])
    html = _page(client)
    assert "You are signed in as Chief Officer" in text(html)
    assert "the open quarter's working register" in _scope(html)


def test_pcc_staff_share_the_page_but_not_each_others_names(client, seeded, pcc_staff):
    other = make_user("pat.reader", PCC_STAFF, last_name="Reader")
    client.force_login(pcc_staff)
    mine = _page(client)
    client.force_login(other)
    theirs = _page(client)
    assert "Welcome, Pat.Reader Reader" in text(theirs)
    assert pcc_staff.get_full_name() not in unescape(theirs)
    assert pcc_staff.get_username() not in theirs
    assert _scope(theirs) == _scope(mine) and _attention(theirs) == _attention(mine)


def test_an_officer_first_never_serves_pcc_staff_the_live_register(
    client, seeded, chief_officer, pcc_staff
):
    client.force_login(chief_officer)
    assert "the open quarter's working register" in _scope(_page(client))
    client.force_login(pcc_staff)
    html = _page(client)
    assert "the latest published quarter" in _scope(html)
    assert "My risks" not in html and "review date" not in _attention(html)


def test_a_register_not_found_is_404_for_pcc_staff_every_time(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    assert client.get("/?register=nowhere").status_code == 404
    assert client.get("/?register=nowhere").status_code == 404
    assert client.get("/?register=corporate").status_code == 200


@pytest.mark.parametrize("role", [RISK_OFFICER, CHIEF_OFFICER, PCC_STAFF, None])
def test_the_role_and_permissions_read_in_one_query_are_the_backends_own(seeded, role):
    user = make_user("someone", role)
    user.user_permissions.add(Permission.objects.get(codename="view_live_register"))
    Group.objects.create(name="No permissions").user_set.add(user)
    read = type(user).objects.get(pk=user.pk)
    assert role_of(read) == role
    backend, fresh = ModelBackend(), type(user).objects.get(pk=user.pk)
    assert read._user_perm_cache == backend.get_user_permissions(fresh)
    assert read._group_perm_cache == backend.get_group_permissions(fresh)
    assert read.get_all_permissions() == backend.get_all_permissions(fresh)
    assert "registers.view_live_register" in read.get_all_permissions()
