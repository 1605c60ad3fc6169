"""A risk officer submits a quarter for sign-off and a chief officer approves it, in Chromium."""

import pytest

from registers.models import ReportingPeriod, SignOff
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in
from .test_dashboard_roles import _serious

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_quarter_is_submitted_then_signed_off_in_the_browser(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/2021-q3/")
    page.get_by_role("link", name="Submit Q3 2021/22 for sign-off").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Submit Q3 2021/22 for sign-off"
    assert not _serious(page)
    page.get_by_label("Trend for CRR05").select_option("↘")
    page.get_by_label("I have checked every trend").check()
    page.get_by_role("button", name="Submit Q3 2021/22 for sign-off").click()
    assert "submitted for sign-off" in page.get_by_role("status").first.inner_text()
    assert page.get_by_text("Awaiting sign-off").first.is_visible()
    assert page.get_by_role("link", name="Submit Q3 2021/22 for sign-off").count() == 0
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/2021-q3/")
    page.get_by_role("link", name="Sign off Q3 2021/22").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign off Q3 2021/22"
    assert not _serious(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="CRR05"))
    assert "↘" in row.inner_text() or "Decreasing" in row.inner_text()
    # Without a decision nothing happens, and the error summary says what to do.
    page.get_by_role("button", name="Record my decision").click()
    assert "Choose whether to approve" in page.get_by_role("alert").inner_text()
    assert not _serious(page)
    page.get_by_label("Approve: close the quarter and publish its register").check()
    page.get_by_role("button", name="Record my decision").click()

    assert "Q3 2021/22 is closed" in page.get_by_role("status").first.inner_text()
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    assert period.is_closed and period.closed_by.username == "chief.officer"
    approval = SignOff.objects.get(period=period)
    assert approval.decision == "approved" and approval.submitted_by.username == "risk.officer"
    assert dict(period.snapshots.values_list("risk__reference", "trend"))["CRR05"] == "↘"
    assert "signed off by Charles Chief" in page.locator(".page-head").inner_text()
    assert "Approved by Charles Chief" in page.locator("main").inner_text()
