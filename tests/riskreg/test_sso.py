"""Single sign-on settings, roles from the provider's groups, and the LOCAL_SIGN_IN switch.

The sign-in itself, through a real provider, is in tests/browser/test_sso.py.
"""

import logging

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from riskreg.models import AuditEvent
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER
from riskreg.sso import apply_provider_claims
from tests.conftest import PASSWORD, make_user

from .test_deploy import run_manage

pytestmark = pytest.mark.django_db

ROLE_MAP = {"RR-Risk": RISK_OFFICER, "RR-Chief": CHIEF_OFFICER, "RR-Admins": "Administrator"}


@pytest.fixture
def provider_settings(settings):
    settings.OIDC_RP_CLIENT_ID = "riskreg"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:9/authorize"
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_PROVIDER_NAME = "Force Account"
    return settings


def test_roles_follow_the_provider_groups_at_each_sign_in(provider_settings):
    user = make_user("dana", PCC_STAFF)
    other = Group.objects.create(name="Book club")
    user.groups.add(other)
    claims = {"groups": ["All-Staff", "RR-Chief"], "given_name": "Dana", "email": "d@x.uk"}
    apply_provider_claims(user=user, claims=claims)
    assert set(user.groups.values_list("name", flat=True)) == {CHIEF_OFFICER, "Book club"}
    assert (user.first_name, user.email, user.is_superuser) == ("Dana", "d@x.uk", False)

    apply_provider_claims(user=user, claims={"groups": ["RR-Admins", "RR-Risk"]})
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {RISK_OFFICER, "Book club"}
    assert user.is_superuser and user.is_staff

    apply_provider_claims(user=user, claims={"groups": "Someone-Else"})
    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {"Book club"}
    assert not user.is_superuser and not user.is_staff


def test_the_sign_in_page_offers_the_provider_only_when_one_is_configured(client, settings):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert client.get(reverse("oidc_authentication_init")).status_code == 404

    settings.OIDC_RP_CLIENT_ID = "riskreg"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "http://127.0.0.1:9/authorize"
    settings.OIDC_PROVIDER_NAME = "Force Account"
    page = client.get(reverse("login") + "?next=/registers/").content.decode()
    assert 'href="/accounts/oidc/sign-in/?next=/registers/">Sign in with Force Account' in page
    response = client.get("/accounts/oidc/sign-in/?next=/registers/")
    assert response.status_code == 302
    assert response["Location"].startswith("http://127.0.0.1:9/authorize?response_type=code")
    assert "code_challenge=" in response["Location"] and "client_id=riskreg" in response["Location"]


def test_local_sign_in_switched_off_refuses_passwords_and_says_so(
    client, provider_settings, caplog
):
    make_user("erin", RISK_OFFICER)
    provider_settings.LOCAL_SIGN_IN = False
    page = client.get(reverse("login")).content.decode()
    assert 'name="password"' not in page and "Sign in with Force Account" in page
    with caplog.at_level(logging.WARNING, logger="riskreg.security"):
        response = client.post(reverse("login"), {"username": "erin", "password": PASSWORD})
    assert response.status_code == 403
    assert "Signing in with a password is switched off" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any(
        "access refused user=erin" in r.getMessage() and "via password" in r.getMessage()
        for r in caplog.records
    )
    refusal = AuditEvent.objects.get(kind=AuditEvent.Kind.REFUSED, username="erin")
    assert refusal.detail == "via password: password sign-in is switched off"
    # The admin's own password form is refused as well.
    make_user("root", None, is_staff=True, is_superuser=True)
    client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    provider_settings.LOCAL_SIGN_IN = True
    response = client.post(reverse("login"), {"username": "erin", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_no_access_page_refuses_and_explains(client):
    response = client.get(reverse("no_access"))
    assert response.status_code == 403
    assert "You do not have access to riskreg" in response.content.decode()


def test_an_unreachable_provider_is_a_message_not_an_error(client, settings):
    settings.OIDC_RP_CLIENT_ID = "riskreg"
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.OIDC_TIMEOUT = 2
    response = client.get(reverse("oidc_authentication_init"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "is not available just now" in response.content.decode()


def test_a_callback_that_is_no_answer_from_the_provider_changes_nothing(
    client, provider_settings, risk_officer
):
    client.force_login(risk_officer)
    response = client.get(reverse("oidc_authentication_callback"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "env,message",
    [
        ({"OIDC_ROLE_MAP": "RR-Risk=Risk Officer;RR-X=Nobody"}, "OIDC_ROLE_MAP entries are"),
        ({"LOCAL_SIGN_IN": "0"}, "LOCAL_SIGN_IN=0 needs OIDC_CLIENT_ID"),
        ({"OIDC_CLIENT_ID": "riskreg"}, "OIDC_CLIENT_ID needs OIDC_ISSUER"),
    ],
)
def test_bad_single_sign_on_settings_stop_the_process(env, message):
    result = run_manage("check", DEBUG="1", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_someone_the_provider_signs_in_has_no_password_to_change_here(client, provider_settings):
    user = make_user("fran", RISK_OFFICER)
    user.set_unusable_password()  # as an account the provider created
    user.save()
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "Change password" not in page and "Reminders" in page
    assert client.get(reverse("password_change")).status_code == 404

    local = make_user("gail", RISK_OFFICER)
    client.force_login(local)
    assert "Change password" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("password_change")).status_code == 200
    # With password sign-in switched off, no one changes or resets a password here.
    provider_settings.LOCAL_SIGN_IN = False
    provider_settings.EMAIL_HOST = "127.0.0.1"
    assert "Change password" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("password_change")).status_code == 404
    client.logout()
    assert "Forgotten your password?" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("password_reset")).status_code == 404
    provider_settings.LOCAL_SIGN_IN = True
    assert "Forgotten your password?" in client.get(reverse("login")).content.decode()
    assert client.get(reverse("password_reset")).status_code == 200
