"""Each user's API tokens: created on their account page, shown once, stored hashed,
revoked there; refused (401) once revoked or expired; acting with the user's current role."""

import datetime
import hashlib
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from api.models import ApiToken
from riskreg.models import AuditEvent
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF
from tests.forms import form_fields, set_date, submit

from .conftest import Q3, bearer, token_for

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"
TOKEN = re.compile(r"rr_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def _create(client, name="Power BI quarterly report", expires=None):
    """Fill in the page's form as a user would: the name, and the expiry date if any."""
    data = form_fields(client.get(PAGE).content.decode())
    data["name"] = name
    if expires is not None:
        set_date(data, "expires_on", expires)
    return client.post(PAGE, data)


def test_a_new_token_is_shown_once_and_stored_hashed(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    response = _create(client)
    assert response.status_code == 200
    page = response.content.decode()
    token = TOKEN.search(page).group(0)
    assert "shown only this once" in page

    row = ApiToken.objects.get(user=pcc_staff)
    assert row.name == "Power BI quarterly report"
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.shown_prefix + "_")
    secret = token.rsplit("_", 1)[1]
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(secret in value for value in stored)
    assert not any(secret in e.detail for e in AuditEvent.objects.all())
    assert not any(secret in str(value) for value in client.session.values())

    again = client.get(PAGE).content.decode()
    assert not TOKEN.search(again)
    assert f"{row.shown_prefix}…" in again and "Power BI quarterly report" in again
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_CREATED)
    assert event.user == pcc_staff and row.shown_prefix in event.detail

    client.logout()
    assert client.get("/api/registers/", **bearer(token)).status_code == 200
    assert client.get("/api/registers/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_token_with_an_expiry_date(client, seeded, chief_officer):
    client.force_login(chief_officer)
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    assert _create(client, expires=last_day).status_code == 200
    assert ApiToken.objects.get(user=chief_officer).expires_on == last_day


@pytest.mark.parametrize(
    "name, expires, message",
    [
        ("", None, "Say what the token is for"),
        ("Excel", datetime.date(2021, 1, 1), "The expiry date must be today or in the future"),
        ("Excel", {"day": "31", "month": "2", "year": "2030"}, "must be a real date"),
    ],
)
def test_a_token_form_with_a_problem_says_so_and_creates_nothing(
    client, seeded, chief_officer, name, expires, message
):
    client.force_login(chief_officer)
    data = form_fields(client.get(PAGE).content.decode())
    data["name"] = name
    if isinstance(expires, dict):
        for part, value in expires.items():
            data[f"expires_on_{part}"] = value
    elif expires:
        set_date(data, "expires_on", expires)
    page = client.post(PAGE, data).content.decode()
    assert "There is a problem" in page and message in page
    assert "<title>Error: " in page
    assert not ApiToken.objects.exists()


def test_revoking_a_token_refuses_it_from_then_on(client, seeded, pcc_staff):
    token = token_for(pcc_staff)
    row = ApiToken.objects.get()
    assert client.get("/api/quarters/", **bearer(token)).status_code == 200
    client.force_login(pcc_staff)
    revoke = f"{PAGE}{row.pk}/revoke/"
    assert revoke in client.get(PAGE).content.decode()
    response = submit(client, revoke)
    assert response.status_code == 302 and response["Location"] == PAGE
    client.logout()
    refused = client.get("/api/quarters/", **bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "This token has been revoked."}
    assert refused["WWW-Authenticate"].startswith("Bearer")
    row.refresh_from_db()
    assert row.revoked_at is not None  # kept, revoked: nothing deleted
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_REVOKED)
    assert event.user == pcc_staff and row.shown_prefix in event.detail
    client.force_login(pcc_staff)
    listed = client.get(PAGE).content.decode()
    assert "Revoked" in listed and revoke not in listed


def test_revoking_is_a_post(client, seeded, pcc_staff):
    token_for(pcc_staff)
    row = ApiToken.objects.get()
    client.force_login(pcc_staff)
    assert client.get(f"{PAGE}{row.pk}/revoke/").status_code == 200
    row.refresh_from_db()
    assert row.is_active


def test_another_users_token_is_not_theirs_to_see_or_revoke(
    client, seeded, pcc_staff, risk_officer
):
    token_for(risk_officer, name="Risk officer's Excel")
    row = ApiToken.objects.get()
    client.force_login(pcc_staff)
    assert "Risk officer's Excel" not in client.get(PAGE).content.decode()
    assert client.get(f"{PAGE}{row.pk}/revoke/").status_code == 404
    assert client.post(f"{PAGE}{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.is_active


def test_an_expired_token_is_refused(client, seeded, chief_officer):
    token = token_for(chief_officer)
    today = timezone.localdate()
    ApiToken.objects.update(expires_on=today)
    assert client.get("/api/registers/", **bearer(token)).status_code == 200  # its last day
    ApiToken.objects.update(expires_on=today - datetime.timedelta(days=1))
    refused = client.get("/api/registers/", **bearer(token))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "This token has expired."}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer two words",
        "Bearer not-a-token",
        "Bearer rr_00000000_" + "x" * 43,
    ],
)
def test_a_token_riskreg_did_not_issue_is_refused(client, seeded, chief_officer, header):
    token = token_for(chief_officer)
    assert client.get("/api/registers/", HTTP_AUTHORIZATION=header).status_code == 401
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    assert client.get("/api/registers/", **bearer(forged)).status_code == 401


def test_a_token_acts_with_its_users_current_role(client, seeded, pcc_staff):
    token = token_for(pcc_staff)
    assert client.get(f"{Q3}rows/", **bearer(token)).status_code == 404
    pcc_staff.groups.add(Group.objects.get(name=CHIEF_OFFICER))
    assert client.get(f"{Q3}rows/", **bearer(token)).status_code == 200
    pcc_staff.groups.clear()
    assert client.get("/api/registers/", **bearer(token)).status_code == 403
    pcc_staff.groups.add(Group.objects.get(name=PCC_STAFF))
    assert client.get("/api/registers/", **bearer(token)).status_code == 200


def test_a_deactivated_users_tokens_are_refused(client, seeded, chief_officer):
    token = token_for(chief_officer)
    chief_officer.is_active = False
    chief_officer.save()
    assert client.get("/api/registers/", **bearer(token)).status_code == 401


def test_the_token_page_needs_a_signed_in_user(client, seeded):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_account_links_to_the_token_page(client, seeded, chief_officer):
    client.force_login(chief_officer)
    assert f'href="{PAGE}"' in client.get("/").content.decode()


def test_an_administrator_sees_and_revokes_a_users_token(client, seeded, administrator, pcc_staff):
    token = token_for(pcc_staff)
    row = ApiToken.objects.get()
    client.force_login(administrator)
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert row.shown_prefix in listing and row.digest not in listing
    assert row.digest not in client.get(f"/admin/api/apitoken/{row.pk}/change/").content.decode()
    changed = {"action": "revoke_tokens", "_selected_action": [row.pk]}
    assert client.post("/admin/api/apitoken/", changed).status_code == 302
    client.logout()
    assert client.get("/api/registers/", **bearer(token)).status_code == 401
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.API_TOKEN_REVOKED).user == administrator
