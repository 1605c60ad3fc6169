import pytest

from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize(
    "username,role",
    [
        ("risk.officer", "Risk Officer"),
        ("chief.officer", "Chief Officer"),
        ("pcc.staff", "PCC Staff"),
        ("admin", "Administrator"),
    ],
)
def test_each_demo_role_signs_in_and_sees_its_home_page(page, live_server, seeded, username, role):
    page.goto(live_server.url + "/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    sign_in(page, live_server, username, DEFAULT_DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    assert f"({role})" in page.locator(".account").inner_text()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Home").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_wrong_password_shows_a_clear_message(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", "not-the-password")
    assert "Please enter a correct username and password" in page.get_by_role("alert").inner_text()
