"""A user creates an API token on their account page, a reporting tool reads with it, the
user revokes it and the tool is refused; the documentation page works under the CSP."""

import pytest

from api.models import ApiToken
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in
from .test_dashboard_roles import _serious

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_user_creates_uses_and_revokes_a_token(page, live_server, seeded, browser):
    sign_in(page, live_server, "pcc.staff", DEFAULT_DEMO_PASSWORD)
    page.locator(".account").get_by_role("link", name="API tokens").click()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    assert "You have no tokens." in page.content()

    # Nothing typed: the GOV.UK error summary, focused, and no token.
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    assert page.title().startswith("Error: ")
    assert "Say what the token is for" in page.locator(".error-summary").inner_text()
    assert not ApiToken.objects.exists()

    page.get_by_label("What is the token for?").fill("Power BI quarterly report")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Token to copy").input_value()
    row = ApiToken.objects.get(user__username="pcc.staff")
    assert token.startswith(row.shown_prefix + "_")
    assert "shown only this once" in page.locator(".token-created").inner_text()
    assert not _serious(page)  # WCAG 2.2 AA, as every page

    # A reporting tool: no session, only the header.
    tool = browser.new_context()
    headers = {"Authorization": f"Bearer {token}"}
    answer = tool.request.get(f"{live_server.url}/api/quarters/", headers=headers)
    assert answer.status == 200
    assert all(q["status"] == "closed" for q in answer.json()["results"])
    open_rows = tool.request.get(
        f"{live_server.url}/api/registers/corporate/quarters/2021-q3/rows/", headers=headers
    )
    assert open_rows.status == 404

    # Shown once: back on the page, only its prefix.
    page.goto(f"{live_server.url}/accounts/api-tokens/")
    assert token not in page.content()
    table = page.locator("table.tokens")
    assert "Power BI quarterly report" in table.inner_text()
    assert "Active" in table.inner_text()

    table.get_by_role("link", name="Revoke").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Revoke Power BI quarterly report"
    assert not _serious(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke the token").click()
    assert "revoked: it no longer works" in page.get_by_role("status").inner_text()
    assert "Revoked" in page.locator("table.tokens").inner_text()

    refused = tool.request.get(f"{live_server.url}/api/quarters/", headers=headers)
    assert refused.status == 401
    tool.close()


def test_the_api_documentation_page_renders_with_nothing_refused(page, live_server, seeded):
    refused = []
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    outside = []
    page.on(
        "request",
        lambda request: request.url.startswith(live_server.url) or outside.append(request.url),
    )
    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("/api/registers/{slug}/quarters/{year}-q{quarter}/rows/").first.wait_for()
    assert "riskreg API" in page.locator(".information-container").inner_text()
    assert not refused, refused  # a Content Security Policy refusal is a console error
    assert not [url for url in outside if not url.startswith("data:")], outside
