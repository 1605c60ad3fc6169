"""Local accounts: a password change page, and reset by e-mail where e-mail is set up."""

import re
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from riskreg.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a-new-long-passphrase-2026"


def test_a_signed_in_user_changes_their_password(client, risk_officer):
    client.force_login(risk_officer)
    page = client.get(reverse("password_change")).content.decode()
    assert "Change your password" in page and 'name="old_password"' in page
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # still signed in here
    risk_officer.refresh_from_db()
    assert risk_officer.check_password(NEW)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED).count() == 1


def test_a_wrong_old_password_is_a_clear_error(client, risk_officer):
    client.force_login(risk_officer)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    risk_officer.refresh_from_db()
    assert risk_officer.check_password(PASSWORD)


def test_reset_is_not_offered_without_email(client, settings):
    settings.EMAIL_HOST = ""
    assert "Forgotten your password?" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("password_reset")).status_code == 404


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and riskreg's e-mail settings pointed at it."""
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    yield inbox.messages
    controller.stop()


def test_reset_by_email_sets_a_new_password(client, smtp, risk_officer):
    risk_officer.email = "rita@example.police.uk"
    risk_officer.save()
    assert "Forgotten your password?" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "rita@example.police.uk"})
    assert response["Location"] == reverse("password_reset_done")
    assert len(smtp) == 1 and smtp[0]["To"] == "rita@example.police.uk"
    body = smtp[0].get_payload(decode=True).decode()
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", body)[1]
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("password_reset_complete")
    risk_officer.refresh_from_db()
    assert risk_officer.check_password(NEW)
    # The link works once.
    assert "has been used or has expired" in client.get(link, follow=True).content.decode()


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, smtp):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert smtp == []
