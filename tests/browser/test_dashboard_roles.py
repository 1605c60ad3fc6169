"""The dashboard and each role's way through the app in a real browser; axe; keyboard only."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from registers.models import Risk
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def rating_now(page, label: str) -> str:
    row = page.locator("table.ratings-table tbody tr", has=page.locator(f"th:text-is('{label}')"))
    return row.locator("td").nth(1).inner_text().split()[0]


def test_chief_officer_follows_a_heat_map_cell_to_a_risk_history(
    page, live_server, seeded, artifacts
):
    Risk.objects.filter(reference__in=["CRR01", "CRR02"]).update(likelihood=4, impact_score=5)
    sign_in(page, live_server, "chief.officer", DEFAULT_DEMO_PASSWORD)
    assert page.get_by_role("heading", name="Heat map").is_visible()
    page.screenshot(path=artifacts / "dashboard-chief-officer.png", full_page=True)
    page.screenshot(path=artifacts / "dashboard-chief-officer-viewport.png")
    assert rating_now(page, "Critical") == "1" and rating_now(page, "High") == "13"

    cell = page.get_by_role(
        "link", name=re.compile(r"^2 open risks with likelihood 4 and impact 5")
    )
    cell.click()
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).locator("th").inner_text() for i in range(2)} == {"CRR01", "CRR02"}
    page.get_by_role("link", name="CRR01", exact=True).click()
    history = page.get_by_role("heading", name="History")
    assert history.is_visible()


def test_pcc_staff_find_the_latest_closed_quarter_and_cannot_reach_the_open_one(
    page, live_server, seeded, artifacts
):
    sign_in(page, live_server, "pcc.staff", DEFAULT_DEMO_PASSWORD)
    assert "Q2 2021/22" in page.locator(".dashboard-scope").inner_text()
    page.screenshot(path=artifacts / "dashboard-pcc-staff.png", full_page=True)
    page.locator(".dashboard-scope").get_by_role("link", name="Corporate Risk Register").click()
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Corporate Risk Register: Q2 2021/22"
    )
    assert page.locator("table.register tbody tr").count() == 18
    assert page.get_by_role("link", name="Q3 2021/22").count() == 0
    response = page.goto(f"{live_server.url}/registers/corporate/2021-q3/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/registers/corporate/risks/CRR01/")
    assert response.status == 404


def test_risk_officer_edits_a_risk_and_sees_the_dashboard_change(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    assert rating_now(page, "Critical") == "1"
    page.goto(f"{live_server.url}/registers/corporate/risks/CRR18/edit/")
    page.get_by_label("Residual risk rating").select_option(label="High")
    page.get_by_role("button", name="Save changes").click()
    assert "CRR18 saved." in page.get_by_role("status").first.inner_text()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    assert rating_now(page, "Critical") == "0"
    assert rating_now(page, "High") == "14"


def _serious(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} "
        f"{[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_kind_of_page_has_no_serious_wcag_22_aa_violation(page, live_server, seeded):
    from governance.models import GovernanceReview, PoliceAndCrimePlan, StrategicAssessment

    found = []
    page.goto(f"{live_server.url}/accounts/login/")
    found += _serious(page)
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    review = GovernanceReview.objects.order_by("-year").first()
    paths = [
        "/",
        "/registers/",
        "/registers/corporate/2021-q3/",
        "/registers/corporate/2021-q2/",
        "/registers/corporate/2021-q2/changes/",
        "/registers/corporate/risks/CRR18/",
        "/registers/corporate/risks/CRR18/edit/",
        "/registers/corporate/2021-q3/close/",
        f"/governance/cipfa/{review.slug}/",
        "/governance/hmic/",
        "/governance/hmic/recommendations/",
        f"/governance/delivery/{PoliceAndCrimePlan.objects.first().pk}/",
        f"/governance/assessments/{StrategicAssessment.objects.first().pk}/",
        "/packs/",
    ]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        found += _serious(page)
    assert not found, "\n".join(found)


def _tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text, label or value is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
                return [el.innerText || "", label, el.value || ""].map(s => s.trim());
            }"""
        )
        if name in focused:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def _enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_alone_signs_in_reaches_a_risk_and_saves_an_edit(page, live_server, seeded):
    page.goto(f"{live_server.url}/accounts/login/")
    _tab_to(page, "Username")
    page.keyboard.type("risk.officer")
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_DEMO_PASSWORD)
    _enter_and_wait(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")
    _tab_to(page, "Registers")
    _enter_and_wait(page)
    _tab_to(page, "Corporate Risk Register")
    _enter_and_wait(page)
    _tab_to(page, "CRR10", limit=200)
    _enter_and_wait(page)
    _tab_to(page, "Edit this risk")
    _enter_and_wait(page)
    _tab_to(page, "Risk name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Financial Management and Sustainability")
    _tab_to(page, "Save changes", limit=200)
    _enter_and_wait(page)
    assert "CRR10 saved." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "CRR10: Financial Management and Sustainability"
    )
