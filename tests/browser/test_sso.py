"""Single sign-on in Chromium against a real OpenID Connect provider (oidc-provider on Node).

The browser signs in on the provider's own login page; riskreg exchanges the code at the
provider's token endpoint, checks the ID token against its published keys and reads the
groups, as it does with Entra ID.
"""

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore

from tests.oidc_provider import ACCOUNTS, configure, start_provider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    port = live_server.url.rsplit(":", 1)[1]
    callbacks = [
        f"http://{host}:{port}/accounts/oidc/callback/" for host in ("localhost", "127.0.0.1")
    ]
    yield from start_provider(tmp_path_factory.mktemp("oidc"), callbacks)


@pytest.fixture
def provider(oidc_provider, settings, seeded):
    oidc_provider.set_accounts(ACCOUNTS)
    configure(settings, oidc_provider)
    return oidc_provider


def sign_in_at_provider(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Test Provider").click()
    # The provider's own page, on its own origin.
    page.wait_for_url(lambda url: url.startswith("http://127.0.0.1:") and "/interaction/" in url)
    assert not page.url.startswith(live_server.url)
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password the provider accepts")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_load_state()


def expire_provider_check(page) -> None:
    """Make the session's next request check the sign-in with the provider again."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["oidc_id_token_expiration"] = 0
    session.save()


def test_a_user_signs_in_through_the_provider_with_the_role_its_group_gives(
    page, live_server, provider, caplog
):
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        sign_in_at_provider(page, live_server, "alice")
    assert page.url == f"{live_server.url}/"
    assert page.locator(".account").inner_text().startswith("Alice Adams (Risk Officer)")
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Registers")
    # Logged as a local sign-in is, in the audit log and on the security logger.
    assert any(r.getMessage().startswith("login user=alice ip=") for r in caplog.records)
    from django.contrib.auth import get_user_model

    from riskreg.models import AuditEvent

    sign_in = AuditEvent.objects.get(kind=AuditEvent.Kind.SIGN_IN, username="alice")
    assert sign_in.detail == "through Test Provider (single sign-on)"
    assert sign_in.user.username == "alice" and sign_in.address == "127.0.0.1"

    alice = get_user_model().objects.get(username="alice")
    assert (alice.email, alice.has_usable_password()) == ("alice@example.police.uk", False)
    assert [g.name for g in alice.groups.all()] == ["Risk Officer"]


def test_roles_follow_the_provider_and_a_disabled_user_is_signed_out_at_the_next_check(
    page, live_server, provider, caplog
):
    sign_in_at_provider(page, live_server, "carol")
    assert "(Chief Officer)" in page.locator(".account").inner_text()

    # The provider moves Carol to the risk officers' group: the next check gives her that role.
    provider.update_account("carol", groups=["RR-Risk-Officers"])
    expire_provider_check(page)
    page.goto(f"{live_server.url}/registers/")
    assert page.url == f"{live_server.url}/registers/"
    assert "(Risk Officer)" in page.locator(".account").inner_text()

    # Disabled at the provider: the next check signs her out.
    provider.update_account("carol", disabled=True)
    expire_provider_check(page)
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        page.goto(f"{live_server.url}/registers/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert "You have been signed out" in page.get_by_role("status").inner_text()
    assert page.locator(".account").count() == 0
    page.goto(f"{live_server.url}/registers/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert any(
        "access refused user=carol" in r.getMessage() and "session check failed" in r.getMessage()
        for r in caplog.records
    )
    from riskreg.models import AuditEvent

    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.REFUSED, username="carol", detail__contains="session check failed"
    ).exists()


def test_a_user_in_no_mapped_group_sees_the_no_access_page(page, live_server, provider, caplog):
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        sign_in_at_provider(page, live_server, "bob")
    assert page.url == f"{live_server.url}/accounts/no-access/"
    assert page.get_by_role("heading", level=1).inner_text() == "You do not have access to riskreg"
    assert "signed you in as Bob Brown (bob)" in page.locator("main").inner_text()
    assert page.locator(".account").count() == 0
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert any(
        "access refused user=bob" in r.getMessage() and "no role" in r.getMessage()
        for r in caplog.records
    )
    from riskreg.models import AuditEvent

    assert AuditEvent.objects.filter(
        kind=AuditEvent.Kind.REFUSED, username="bob", detail__contains="no role"
    ).exists()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN, username="bob").exists()


def test_switching_local_sign_in_off_hides_the_password_form(page, live_server, provider, settings):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_label("Password").count() == 1
    settings.LOCAL_SIGN_IN = False
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_label("Password").count() == 0
    assert page.get_by_label("Username").count() == 0
    page.get_by_role("link", name="Sign in with Test Provider").click()
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("x")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "(Risk Officer)" in page.locator(".account").inner_text()
