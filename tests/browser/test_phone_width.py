"""At a phone's width (390 px) no page scrolls sideways: wide tables scroll in their own box."""

import pytest

from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(phone, live_server, seeded):
    from governance.models import GovernanceReview

    review = GovernanceReview.objects.order_by("-year").first()
    sign_in(phone, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    too_wide = []
    for path in [
        "/",
        "/registers/corporate/2021-q3/",
        "/registers/corporate/2021-q2/",
        "/registers/corporate/2021-q3/close/",
        f"/governance/cipfa/{review.slug}/",
        "/registers/corporate/risks/CRR05/edit/",
        "/governance/hmic/",
    ]:
        assert phone.goto(f"{live_server.url}{path}").status == 200, path
        widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            too_wide.append(f"{path}: {widths[0]} > {widths[1]}")
    assert not too_wide, "\n".join(too_wide)


def test_a_wide_table_scrolls_in_its_own_box_with_its_first_column_in_view(
    phone, live_server, seeded
):
    sign_in(phone, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/registers/corporate/2021-q2/")
    box = phone.locator(".table-wrap").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    box.evaluate("el => el.scrollLeft = 400")
    first = phone.locator(".table-wrap table tbody tr th, .table-wrap table tbody tr td").first
    left = first.evaluate("el => el.getBoundingClientRect().left")
    assert 0 <= left < 40  # the reference column stays in view (sticky)
