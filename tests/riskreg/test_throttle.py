"""Sign-in throttling that cannot be turned against a user, and the client's address."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from riskreg.audit import client_address
from riskreg.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PROXY = "10.0.0.2"  # the address riskreg's own proxy connects from


def sign_in(client, username, password, address):
    # Behind one trusted proxy: the proxy appends the address it was reached from.
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


@pytest.fixture(autouse=True)
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.mark.parametrize(
    "count,forwarded,expected",
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: the connection's address
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left one was the client's say
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # did not pass both proxies
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_an_attacker_cannot_lock_a_user_out_from_another_address(client, risk_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(client, "rita", "wrong", "198.51.100.66")
    assert sign_in(client, "rita", PASSWORD, "198.51.100.66").status_code == 429
    # Rita, at her own desk behind the same proxy, signs in.
    response = sign_in(client, "rita", PASSWORD, "203.0.113.10")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_spraying_many_usernames_from_one_address_is_paused(client, risk_officer, settings):
    settings.SIGN_IN_ADDRESS_LIMIT = 6
    for n in range(6):  # one try each for six usernames: no pair reaches the axes limit
        assert sign_in(client, f"user{n}", "Winter2026!", "198.51.100.66").status_code == 200
    refused = sign_in(client, "rita", PASSWORD, "198.51.100.66")  # even the right password
    assert refused.status_code == 429
    assert "Too many sign-ins have failed from your network" in refused.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.SIGN_IN_REFUSED).count() == 1
    assert sign_in(client, "rita", PASSWORD, "203.0.113.10").status_code == 302


def test_failures_age_out_of_the_address_limit(client, risk_officer, settings, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    settings.SIGN_IN_ADDRESS_LIMIT = 3
    for n in range(3):
        sign_in(client, f"user{n}", "x", "198.51.100.66")
    later = timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert sign_in(client, "rita", PASSWORD, "198.51.100.66").status_code == 302
