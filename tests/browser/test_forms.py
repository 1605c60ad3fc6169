"""Every edit form in Chromium: saved unchanged it changes nothing; two officers saving at once
both keep their change, and a field both changed waits for the second to choose."""

import datetime

import pytest
from django.contrib.auth.models import Group

from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from riskreg.roles import RISK_OFFICER
from tests.conftest import PASSWORD, make_user
from tests.edit_forms import CASES, fill_every_field, stored

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _save(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def _change(page, name: str, value) -> None:
    """Change one field as a person would: type, pick or tick it."""
    if isinstance(value, bool):
        page.locator(f"#id_{name}").set_checked(value)
    elif page.locator(f"#id_{name}_day").count():
        year, month, day = value.split("-")  # typed as given, real date or not
        page.fill(f"#id_{name}_day", str(int(day)))
        page.fill(f"#id_{name}_month", str(int(month)))
        page.fill(f"#id_{name}_year", year)
    else:
        page.fill(f"#id_{name}", value)


def _holds(obj, name: str, value) -> bool:
    obj = type(obj)._base_manager.get(pk=obj.pk)
    got = getattr(obj, name)
    if isinstance(value, bool):
        return got is value
    if isinstance(got, datetime.date):
        return got == datetime.date.fromisoformat(value)
    return value in str(got)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_edit_form_saved_unchanged_changes_nothing(page, live_server, seeded, name):
    case = CASES[name]
    obj = fill_every_field()[case.record]
    before = stored(obj)
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}{case.url(obj)}")
    for field, value in case.required.items():
        _change(page, field, value)
    _save(page)
    assert "There is a problem" not in page.content()
    assert stored(obj) == before


@pytest.fixture
def two_officers(browser, live_server, seeded):
    """Two risk officers, each signed in in a browser of their own."""
    make_user("olu", RISK_OFFICER, last_name="Second")
    assert Group.objects.get(name=RISK_OFFICER).user_set.count() >= 2
    pages = []
    for username, password in (("risk.officer", DEFAULT_DEMO_PASSWORD), ("olu", PASSWORD)):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
        officer = context.new_page()
        officer.set_default_timeout(15_000)
        sign_in(officer, live_server, username, password)
        pages.append(officer)
    yield pages
    for officer in pages:
        officer.context.close()


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_officers_changing_different_fields_both_keep_their_change(
    two_officers, live_server, name
):
    case = CASES[name]
    obj = fill_every_field()[case.record]
    a, b = two_officers
    for officer in (a, b):
        officer.goto(f"{live_server.url}{case.url(obj)}")
        for field, value in case.required.items():
            _change(officer, field, value)
    _change(a, *case.first)
    _save(a)
    _change(b, *case.second)
    _save(b)
    if "There is a problem" in b.content():  # saving again after any message
        _save(b)
    assert _holds(obj, *case.first), f"A's change to {case.first[0]} was lost"
    assert _holds(obj, *case.second), f"B's change to {case.second[0]} was lost"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_field_changed_by_two_officers_waits_for_the_second_to_choose(
    two_officers, live_server, name
):
    case = CASES[name]
    obj = fill_every_field()[case.record]
    field, value = case.first
    theirs, mine = (True, False) if isinstance(value, bool) else (f"{value} (A)", f"{value} (B)")
    a, b = two_officers
    for officer in (a, b):
        officer.goto(f"{live_server.url}{case.url(obj)}")
        for required, text in case.required.items():
            _change(officer, required, text)
    _change(a, field, theirs)
    _save(a)
    _change(b, field, mine)
    _save(b)
    # B sees both values and who made the other change; A's value is still stored.
    assert b.title().startswith("Error: ")
    conflict = b.locator(f"#id_{field}-conflict")
    assert "while you were editing" in conflict.inner_text()
    if not isinstance(value, bool):
        assert theirs in conflict.inner_text() and mine in conflict.inner_text()
    assert _holds(obj, field, theirs)
    # Pressing Save again without choosing still keeps A's value.
    _save(b)
    assert "to keep" in b.locator(".error-summary").inner_text()
    assert _holds(obj, field, theirs)
    # B chooses their own value, deliberately.
    b.locator(f"#id_resolve_{field}_1").check()
    _save(b)
    assert "There is a problem" not in b.content()
    assert _holds(obj, field, mine)


def test_every_form_page_and_a_conflict_has_no_serious_wcag_22_aa_violation(
    two_officers, live_server
):
    from .test_dashboard_roles import _serious

    records = fill_every_field()
    a, b = two_officers
    found = []
    for case in CASES.values():
        a.goto(f"{live_server.url}{case.url(records[case.record])}")
        found += _serious(a)
    risk, update, progress = records["risk"], records["update"], records["progress"]
    for path in [
        f"/registers/{risk.register.slug}/risks/new/",
        f"/registers/{risk.register.slug}/risks/{risk.reference}/withdraw/",
        f"/governance/hmic/updates/{update.pk}/withdraw/",
        f"/governance/progress/{progress.pk}/withdraw/",
        f"/governance/commitments/{progress.commitment_id}/progress/add/",
        "/governance/hmic/inspections/new/",
    ]:
        assert a.goto(f"{live_server.url}{path}").status == 200, path
        found += _serious(a)
    # A refused form: the error summary, inline errors and a conflict panel.
    url = f"{live_server.url}{CASES['registers:risk_edit'].url(risk)}"
    a.goto(url)
    b.goto(url)
    _change(a, "name", "Changed by A")
    _save(a)
    _change(b, "name", "Changed by B")
    _change(b, "date_raised", "2021-02-30")
    _save(b)
    assert b.locator(".error-summary").is_visible()
    assert b.evaluate("document.activeElement.classList.contains('error-summary')")
    found += _serious(b)
    _change(b, "date_raised", "2021-02-28")
    _save(b)
    assert b.locator("#id_name-conflict").is_visible()
    found += _serious(b)
    assert not found, "\n".join(found)


def test_a_long_text_counts_its_characters_and_is_refused_over_the_limit(page, live_server, seeded):
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/risks/CRR05/edit/")
    box = page.locator("#id_description")
    box.fill("x" * 4990)
    assert page.locator("#id_description-info").inner_text() == "You have 10 characters remaining"
    box.fill("x" * 5003)
    assert page.locator("#id_description-info").inner_text() == "You have 3 characters too many"
    _save(page)
    assert (
        "Description must be 5,000 characters or fewer"
        in page.locator(".error-summary").inner_text()
    )
    assert page.title().startswith("Error: ")


def test_risk_officer_creates_a_risk_by_mistake_and_withdraws_it(page, live_server, seeded):
    from registers.models import Risk

    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/risks/new/")
    _change(page, "reference", "CRR19")
    _change(page, "name", "Estate condition")
    _change(page, "position", "19")
    _change(page, "date_raised", "2021-11-03")
    page.fill("#id_controls-0-text", "Estates survey")
    _save(page)
    risk = Risk.objects.get(reference="CRR19")
    # Not yet rated: its first review falls three months after it was raised.
    assert (risk.date_raised, risk.next_review_date) == (
        datetime.date(2021, 11, 3),
        datetime.date(2022, 2, 3),
    )
    page.get_by_role("link", name="Withdraw: entered in error").click()
    _save(page)  # no reason given
    assert "Give the reason for withdrawing the risk" in page.locator(".error-summary").inner_text()
    page.fill("#id_reason", "Entered twice: the same risk as CRR07")
    _save(page)
    assert "CRR19 withdrawn" in page.get_by_role("status").first.inner_text()
    assert "CRR19" not in page.locator("table.register").inner_text()
    assert Risk.all_objects.get(reference="CRR19").withdrawal_reason.endswith("as CRR07")


def test_risk_officer_adds_changes_and_withdraws_progress_updates(page, live_server, seeded):
    from governance.models import Commitment, ProgressUpdate, Recommendation

    records = fill_every_field()
    commitment = Commitment.objects.get(pk=records["progress"].commitment_id)
    recommendation: Recommendation = records["recommendation"]
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)

    # Delivery plan: add an update for a quarter, change it giving a reason, withdraw it.
    page.goto(f"{live_server.url}{commitment.get_absolute_url()}")
    page.get_by_role("link", name="Add progress update").click()
    page.select_option("#id_year", label=page.locator("#id_year option").nth(1).inner_text())
    page.select_option("#id_quarter", "4")
    page.fill("#id_text", "Pathway pilots started")
    _change(page, "reported_on", "2017-03-20")
    _save(page)
    added = ProgressUpdate.objects.get(commitment=commitment, text__contains="Pathway pilots")
    assert added.reported_on == datetime.date(2017, 3, 20)
    page.goto(f"{live_server.url}/governance/progress/{added.pk}/edit/")
    page.fill("#id_text", "Pathway pilots started in two areas")
    page.fill("#id_reason", "Added the number of areas")
    _save(page)
    page.goto(f"{live_server.url}/governance/progress/{added.pk}/withdraw/")
    page.fill("#id_reason", "Reported against the wrong commitment")
    _save(page)
    assert "Pathway pilots" not in page.locator("main").inner_text().split("History")[0]
    assert ProgressUpdate.all_objects.get(pk=added.pk).is_withdrawn

    # HMIC: add an update on the recommendation's page, then withdraw it.
    page.goto(f"{live_server.url}{recommendation.get_absolute_url()}")
    page.fill("#id_text", "Audit booked for March")
    with page.expect_navigation():
        page.get_by_role("button", name="Add update").click()
    page.get_by_role("link", name="Withdraw the update of", exact=False).first.click()
    page.fill("#id_reason", "Duplicate")
    _save(page)
    assert "Audit booked for March" not in page.locator("#updates").locator("..").inner_text()
