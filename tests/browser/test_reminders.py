import pytest

from reminders.models import ReminderSettings
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_user_switches_their_digest_off_from_the_reminders_link(page, live_server, seeded):
    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    page.locator(".account").get_by_role("link", name="Reminders").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reminders"
    box = page.get_by_label("E-mail me a daily digest of what falls to me")
    assert box.is_checked()
    box.set_checked(False)
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "Your reminder settings are saved." in page.get_by_role("status").inner_text()
    assert not page.get_by_label("E-mail me a daily digest of what falls to me").is_checked()
    saved = ReminderSettings.objects.get(user__username="chief.officer")
    assert (saved.send_digest, saved.version) == (False, 1)

    # Saved unchanged, nothing changes.
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "There were no changes to save." in page.get_by_role("status").inner_text()
    saved.refresh_from_db()
    assert (saved.send_digest, saved.version) == (False, 1)
