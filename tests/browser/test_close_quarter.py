import pytest

from registers.models import RatingBand, ReportingPeriod, Risk
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("one_step_close"),
]


def test_risk_officer_closes_a_quarter_in_the_browser(page, live_server, seeded):
    crr10 = Risk.objects.get(reference="CRR10")
    crr10.band = RatingBand.objects.get(label="High")
    crr10.save()
    crr05 = Risk.objects.get(reference="CRR05")

    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/registers/corporate/2021-q3/")
    page.get_by_role("link", name="Close Q3 2021/22").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Close Q3 2021/22"

    proposal = page.get_by_label("Trend for CRR10")
    assert proposal.locator("option:checked").inner_text() == "↗ (proposed)"
    page.get_by_label("Trend for CRR05").select_option("↘")
    page.get_by_role("button", name="Close Q3 2021/22").click()
    # Without the confirmation nothing closes, and the override is still chosen.
    assert "Tick the box to confirm" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Trend for CRR05").input_value() == "↘"
    page.get_by_label("I have checked every trend").check()
    page.get_by_role("button", name="Close Q3 2021/22").click()

    assert (
        "Q3 2021/22 is closed and its register and governance are published."
        in page.get_by_role("status").first.inner_text()
    )
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    assert period.is_closed
    trends = dict(period.snapshots.values_list("risk_id", "trend"))
    assert trends[crr10.pk] == "↗" and trends[crr05.pk] == "↘"
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="CRR10"))
    assert "Increasing" in row.inner_text() or "↗" in row.inner_text()
    # The next quarter is open, and the published one offers its pack.
    assert page.get_by_role("link", name="Q4 2021/22").is_visible()
    assert page.get_by_role("link", name="Download the Q3 2021/22 pack (PDF)").is_visible()


def test_pcc_staff_download_the_published_pack_from_the_packs_page(page, live_server, seeded):
    import io

    from django.core.management import call_command
    from pypdf import PdfReader

    from riskreg.models import PackDownload

    sign_in(page, live_server, "pcc.staff", DEFAULT_DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Packs").click()
    assert "Q3 2021/22" not in page.locator("main").inner_text()  # the open quarter is not listed
    # Not built yet: asking queues it for the task worker, and the page says so.
    page.get_by_role("link", name="Download the Q2 2021/22 pack").click()
    assert "queued for the task worker since" in page.get_by_role("status").inner_text()
    assert PackDownload.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay")  # the worker builds it
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the Q2 2021/22 pack (PDF)").click()
    pdf = PdfReader(io.BytesIO(open(download_info.value.path(), "rb").read()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Corporate Risks" in text and "CRR18" in text
    assert PackDownload.objects.filter(user__username="pcc.staff").count() == 1
