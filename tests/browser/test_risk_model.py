"""The risk model in Chromium: a review and an action recorded by a risk officer, the action
under its owner's "My actions", and a risk outside appetite followed from the dashboard."""

import datetime

import pytest

from registers.models import Action, Risk
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_review_and_an_action_reach_the_owner_s_my_actions(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/risks/CRR09/")
    page.get_by_role("link", name="Record a review").click()
    page.get_by_label("Rating changed").check()
    page.get_by_label("Note").fill("Uplift numbers behind plan; rating raised.")
    page.get_by_role("button", name="Record the review").click()
    assert "recorded. The next review is due by" in page.get_by_role("status").first.inner_text()
    reviews = page.locator("table", has=page.get_by_text("Reviews of this risk"))
    assert "Rating changed" in reviews.inner_text()
    assert "Rita Officer" in reviews.inner_text()

    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("What will be done").fill("Second recruitment campaign in the spring")
    page.get_by_label("Owner").select_option(label="Charles Chief")
    target = datetime.date.today() + datetime.timedelta(days=40)
    group = page.get_by_role("group", name="Target date")
    group.get_by_label("Day").fill(str(target.day))
    group.get_by_label("Month").fill(str(target.month))
    group.get_by_label("Year").fill(str(target.year))
    page.get_by_role("button", name="Add the action").click()
    assert "Action added." in page.get_by_role("status").first.inner_text()
    actions = page.locator("table", has=page.get_by_text("Actions on this risk"))
    assert "Second recruitment campaign in the spring" in actions.inner_text()
    action = Action.objects.get(text="Second recruitment campaign in the spring")
    assert action.original_target_date == action.target_date == target
    assert Risk.objects.get(reference="CRR09").reviews.first().outcome == "rating_changed"

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My actions").click()
    open_actions = page.locator("table", has=page.get_by_text("Open actions"))
    assert "Second recruitment campaign in the spring" in open_actions.inner_text()
    assert f"{target:%-d %b %Y}" in open_actions.inner_text()


def test_a_chief_officer_follows_outside_appetite_from_the_dashboard(page, live_server, seeded):
    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    link = page.get_by_role("link", name="risks outside appetite")
    count = int(link.locator("strong").inner_text())
    assert count > 0
    link.click()
    assert "appetite=outside" in page.url
    rows = page.locator("table.register tbody tr")
    assert rows.count() == count
    for index in range(count):
        assert "Outside appetite" in rows.nth(index).inner_text()
    # Each risk's page says why.
    rows.first.locator("th a").click()
    notice = page.get_by_role("region", name="Appetite")
    assert "Outside appetite" in notice.inner_text()
    assert "up to a score of" in notice.inner_text()
