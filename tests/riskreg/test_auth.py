import logging

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_in_the_apps_own_look(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign in to riskreg" in html
    assert '<label for="id_username">Username</label>' in html
    assert "/static/css/app.css" in html


def test_sign_in_takes_the_user_home_and_logs_it(client, risk_officer, caplog):
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        response = client.post(
            reverse("login"), {"username": "rita", "password": PASSWORD}, follow=True
        )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "You are signed in as <strong>Risk Officer</strong>" in response.content.decode()
    assert any("login user=rita" in r.getMessage() for r in caplog.records)


def test_failed_sign_in_shows_an_error_and_is_logged(client, risk_officer, caplog):
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        response = client.post(reverse("login"), {"username": "rita", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert any("login failed user=rita" in r.getMessage() for r in caplog.records)


def test_sign_out_needs_post_and_is_logged(client, risk_officer, caplog):
    client.force_login(risk_officer)
    assert client.get(reverse("logout")).status_code == 405
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert any("logout user=rita" in r.getMessage() for r in caplog.records)
    assert client.get(reverse("home")).status_code == 302


def test_repeated_failures_lock_the_account_out(client, risk_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "rita", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "rita", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_session_ends_after_thirty_idle_minutes(client, risk_officer, monkeypatch):
    import time as time_module

    client.force_login(risk_officer)
    start = time_module.time()
    monkeypatch.setattr("riskreg.middleware.time.time", lambda: start)
    assert client.get(reverse("home")).status_code == 200
    monkeypatch.setattr("riskreg.middleware.time.time", lambda: start + 29 * 60)
    assert client.get(reverse("home")).status_code == 200
    monkeypatch.setattr("riskreg.middleware.time.time", lambda: start + 29 * 60 + 31 * 60)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_session_ends_after_ten_hours_however_active(client, risk_officer, monkeypatch):
    client.force_login(risk_officer)
    start = 1_800_000_000
    for minute in range(0, 10 * 60, 20):
        monkeypatch.setattr("riskreg.middleware.time.time", lambda m=minute: start + m * 60)
        assert client.get(reverse("home")).status_code == 200, minute
    monkeypatch.setattr("riskreg.middleware.time.time", lambda: start + 10 * 3600 + 60)
    assert client.get(reverse("home")).status_code == 302


def test_roles_are_created_by_migration_with_their_permissions():
    perms = {
        group.name: set(group.permissions.values_list("content_type__app_label", "codename"))
        for group in Group.objects.prefetch_related("permissions")
    }
    assert {RISK_OFFICER, CHIEF_OFFICER, PCC_STAFF} <= set(perms)
    assert ("registers", "change_risk") in perms[RISK_OFFICER]
    assert ("registers", "close_period") in perms[RISK_OFFICER]
    assert ("registers", "view_live_register") in perms[CHIEF_OFFICER]
    # Chief officers read; nobody deletes history; PCC staff never see the live register.
    assert not any(
        code.startswith(("add_", "change_", "delete_")) for _, code in perms[CHIEF_OFFICER]
    )
    assert not any(code.startswith(("add_", "change_", "delete_")) for _, code in perms[PCC_STAFF])
    assert ("registers", "view_live_register") not in perms[PCC_STAFF]
    assert not any("historical" in code for group in perms.values() for _, code in group)
    assert not any(
        code.startswith("delete_") and app == "registers" and code != "delete_control"
        for app, code in perms[RISK_OFFICER]
    )


def test_refused_access_is_a_403_page_and_is_logged(client, caplog):
    from tests.conftest import make_user

    client.force_login(make_user("norole"))
    with caplog.at_level(logging.WARNING, logger="riskreg.security"):
        response = client.get(reverse("registers:register_list"))
    assert response.status_code == 403
    assert "You do not have permission to do that" in response.content.decode()
    assert any(
        "access refused user=norole" in r.getMessage() and "/registers/" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize(
    "username,role",
    [("risk.officer", RISK_OFFICER), ("chief.officer", CHIEF_OFFICER), ("pcc.staff", PCC_STAFF)],
)
def test_seed_demo_users_sign_in(client, seeded, username, role):
    from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

    response = client.post(
        reverse("login"), {"username": username, "password": DEFAULT_DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert f"You are signed in as <strong>{role}</strong>" in client.get("/").content.decode()


def test_seed_demo_is_idempotent(seeded):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    before = get_user_model().objects.count()
    call_command("seed_demo", allow_production=True, stdout=open("/dev/null", "w"))
    assert get_user_model().objects.count() == before == 4


def test_seed_demo_refuses_production_without_a_demo_password(monkeypatch, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="run it with DEBUG=1 only"):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="set DEMO_PASSWORD"):
        call_command("seed_demo", allow_production=True, stdout=open("/dev/null", "w"))
