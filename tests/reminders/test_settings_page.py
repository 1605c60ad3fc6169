"""The Reminders page: each user switches their own digest on or off."""

import pytest
from django.urls import reverse

from reminders.models import ReminderSettings
from tests.forms import form_fields, submit

pytestmark = pytest.mark.django_db

URL = "/reminders/settings/"


def test_the_reminders_page_is_linked_from_every_page_and_starts_switched_on(client, chief_officer):
    client.force_login(chief_officer)
    home = client.get("/").content.decode()
    assert f'href="{URL}">Reminders</a>' in home
    page = client.get(reverse("reminders:settings"))
    assert page.status_code == 200
    fields = form_fields(page.content.decode(), containing="send_digest")
    assert fields.get("send_digest") == "on"


def test_a_user_switches_the_digest_off_and_on_again_and_it_is_in_the_history(
    client, risk_officer, pcc_staff
):
    client.force_login(risk_officer)
    response = submit(client, URL, {"send_digest": None})
    assert response.status_code == 302
    saved = ReminderSettings.objects.get(user=risk_officer)
    assert saved.send_digest is False
    page = client.get(URL).content.decode()
    assert "send_digest" not in form_fields(page, containing="send_digest")

    # Saved unchanged, nothing changes.
    response = submit(client, URL)
    assert response.status_code == 302
    assert ReminderSettings.objects.get(user=risk_officer).version == saved.version

    submit(client, URL, {"send_digest": "on"})
    saved.refresh_from_db()
    assert saved.send_digest is True
    assert [h.send_digest for h in saved.history.order_by("history_date")] == [False, True]
    # Another user's choice is their own.
    assert not ReminderSettings.objects.filter(user=pcc_staff).exists()


def test_the_reminders_page_refuses_other_methods(client, risk_officer):
    client.force_login(risk_officer)
    assert client.put(URL).status_code == 405
