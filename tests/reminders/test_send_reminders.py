"""`send_reminders` e-mails each person one digest a day, read back from a real SMTP server."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from governance.models import Inspection, Recommendation
from registers.models import ReportingPeriod, Risk
from reminders.models import ReminderSettings, SentReminder
from reminders.services import send_reminders
from riskreg.roles import CHIEF_OFFICER, RISK_OFFICER
from tests.conftest import make_user
from tests.forms import submit
from tests.oidc_provider import free_port

from .conftest import bodies

pytestmark = pytest.mark.django_db

SITE = "https://riskreg.example.police.uk"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def set_review(reference: str, when: datetime.date, **extra) -> Risk:
    risk = Risk.objects.get(register__slug="corporate", reference=reference)
    Risk.objects.filter(pk=risk.pk).update(next_review_date=when, **extra)
    return risk


def run() -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def due_items(seeded):
    """Something of every kind due, and near misses of each that must stay out."""
    # The demonstration's reviews set aside: these are the only risks due.
    Risk.objects.update(next_review_date=None)
    inspection = Inspection.objects.order_by("pk").first()
    return {
        "in": {
            "review in 14 days": set_review("CRR01", days(14)),
            "review overdue": set_review("CRR02", days(-3)),
            "recommendation due": Recommendation.objects.create(
                inspection=inspection, reference="R-DUE", text="Due soon.", due_date=days(5)
            ),
            "recommendation overdue": Recommendation.objects.create(
                inspection=inspection,
                reference="R-LATE",
                text="Late.",
                due_date=days(-10),
                status=Recommendation.Status.IN_PROGRESS,
            ),
            "response due in 14 days": Inspection.objects.create(
                title="Custody inspection", report_published=days(-42)
            ),
            # The seed's open quarter (Q3 2021/22) ended long ago and is still open.
            "quarter": ReportingPeriod.objects.get(register__slug="corporate", status="open"),
        },
        "out": {
            "review in 15 days": set_review("CRR03", days(15)),
            "closed risk": set_review("CRR04", days(-1), status=Risk.Status.CLOSED),
            "recommendation complete": Recommendation.objects.create(
                inspection=inspection,
                reference="R-DONE",
                text="Done.",
                due_date=days(-5),
                status=Recommendation.Status.COMPLETE,
            ),
            "recommendation later": Recommendation.objects.create(
                inspection=inspection, reference="R-LATER", text="Later.", due_date=days(20)
            ),
            "response in 15 days": Inspection.objects.create(
                title="Vetting inspection", report_published=days(-41)
            ),
            "response published": Inspection.objects.create(
                title="Crime data inspection",
                report_published=days(-60),
                pcc_response_published=days(-3),
            ),
        },
    }


def test_run_twice_on_one_day_sends_one_digest_per_person_with_their_items(
    client, smtp_server, due_items
):
    rita = make_user("rita", RISK_OFFICER, email="rita@example.police.uk")
    ruth = make_user("ruth", RISK_OFFICER, email="ruth@example.police.uk")
    make_user("charles", CHIEF_OFFICER, email="charles@example.police.uk")
    make_user("gone", RISK_OFFICER, email="gone@example.police.uk", is_active=False)
    # Ruth switches her digest off on her Reminders page.
    client.force_login(ruth)
    response = submit(client, reverse("reminders:settings"), {"send_digest": None})
    assert response.status_code == 302
    assert ReminderSettings.objects.get(user=ruth).send_digest is False

    first = run()
    second = run()

    assert first.startswith("send_reminders: 2 digests sent (12 items)")
    assert "1 switched off" in first
    assert second.startswith("send_reminders: 0 digests sent (0 items); 2 already sent today")
    # One each for the Risk Officers (the demo one included); none for Ruth, the chief
    # officer or an inactive account.
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "risk.officer@example.police.uk",
        "rita@example.police.uk",
    ]
    message = smtp_server.to("rita@example.police.uk")[0]
    assert message["Subject"] == "riskreg: 6 items due for your attention"
    assert message["From"] == "riskreg <riskreg@example.police.uk>"
    text, html = bodies(message)
    items = due_items["in"]
    for record in items.values():
        url = SITE + record.get_absolute_url()
        assert url in text
        assert f'href="{url}"' in html
    assert "CRR01" in text and "due in 14 days" in text
    assert "CRR02" in text and "overdue by 3 days (due " in text
    assert "R-DUE" in text and "R-LATE" in text
    assert "PCC response to Custody inspection (56 days from the report): due in 14 days" in text
    assert "Close Q3 2021/22 of Corporate Risk Register: ended " in text
    for absent in ("CRR03", "CRR04", "R-DONE", "R-LATER", "Vetting", "Crime data"):
        assert absent not in text and absent not in html
    assert f"{SITE}/reminders/settings/" in text
    # Recorded item by item, for each person told.
    assert SentReminder.objects.filter(user=rita, day=timezone.localdate()).count() == 6
    assert not SentReminder.objects.filter(user=ruth).exists()


def test_the_56_day_deadline_appears_14_days_before_it(smtp_server, seeded):
    published = datetime.date(2026, 3, 2)  # the PCC's response is due on 27 April 2026
    Inspection.objects.create(title="Custody inspection", report_published=published)
    make_user("rita", RISK_OFFICER, email="rita@example.police.uk")

    send_reminders(today=published + datetime.timedelta(days=41))
    text, _ = bodies(smtp_server.to("rita@example.police.uk")[-1])
    assert "Custody inspection" not in text

    send_reminders(today=published + datetime.timedelta(days=42))
    text, _ = bodies(smtp_server.to("rita@example.police.uk")[-1])
    assert "PCC response to Custody inspection" in text
    assert "due in 14 days (27 April 2026)" in text

    send_reminders(today=published + datetime.timedelta(days=57))
    text, _ = bodies(smtp_server.to("rita@example.police.uk")[-1])
    assert "PCC response to Custody inspection" in text
    assert "overdue by 1 day (due 27 April 2026)" in text


def test_an_unreachable_mail_server_fails_loudly_and_records_nothing(smtp_server, due_items):
    from django.conf import settings

    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    with pytest.raises(CommandError, match="send_reminders: .*refused"):
        run()
    assert not SentReminder.objects.exists()


def test_without_site_url_the_command_says_what_to_set(smtp_server, due_items, settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="SITE_URL must be set"):
        run()
    assert smtp_server.messages == []


def test_without_a_mail_server_the_command_says_what_to_set(smtp_server, due_items, settings):
    settings.EMAIL_HOST = ""
    with pytest.raises(CommandError, match="EMAIL_HOST must be set"):
        run()
    assert smtp_server.messages == []
    assert not SentReminder.objects.exists()


def test_a_quarter_awaiting_sign_off_is_in_the_chief_officers_digest(smtp_server, seeded):
    from registers import services

    rita = make_user("rita", RISK_OFFICER, email="rita@example.police.uk")
    make_user("charles", CHIEF_OFFICER, email="charles@example.police.uk")
    period = ReportingPeriod.objects.get(register__slug="corporate", status="open")
    services.submit_for_sign_off(period=period, user=rita)

    assert run().startswith("send_reminders: ")
    text, html = bodies(smtp_server.to("charles@example.police.uk")[0])
    url = f"{SITE}/registers/corporate/2021-q3/sign-off/"
    assert "Quarters awaiting your sign-off" in text
    assert "Sign off Q3 2021/22 of Corporate Risk Register: submitted today" in text
    assert url in text
    assert f'href="{url}"' in html
    # The risk officers are no longer told to close it: it is the chief officer's to act on.
    for message in smtp_server.to("rita@example.police.uk"):
        assert "Close Q3 2021/22" not in bodies(message)[0]
    assert "Sign off" not in "".join(bodies(m)[0] for m in smtp_server.to("rita@example.police.uk"))
