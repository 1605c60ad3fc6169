import pytest

from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_risk_officer_edits_a_risk_and_its_history_names_them(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registers").click()
    page.get_by_role("link", name="Corporate Risk Register", exact=True).click()
    page.get_by_role("link", name="CRR10", exact=True).click()
    page.get_by_role("link", name="Edit this risk").click()

    page.get_by_label("Risk name").fill("Financial Management and Sustainability")
    page.get_by_label("Residual risk rating").select_option(label="High")
    page.get_by_label("Control or activity 1", exact=True).fill(
        "Influence the **national** debate on police funding"
    )
    page.get_by_role("button", name="Save changes").click()

    assert page.get_by_role("heading", level=1).inner_text() == (
        "CRR10: Financial Management and Sustainability"
    )
    assert "CRR10 saved." in page.get_by_role("status").first.inner_text()
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    rows = history.locator("tbody tr")
    first = rows.first.inner_text()
    assert "Rita Officer" in first
    text = history.inner_text()
    assert "Financial Management\tFinancial Management and Sustainability" in text
    assert "Medium\tHigh" in text
    assert "Control 1 (Influence the national debate on police…): Text" in text
    controls = page.locator("ol.controls li").first
    assert controls.locator("strong").inner_text() == "national"
