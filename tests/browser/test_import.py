"""A risk officer downloads the seed's Q2 2021/22 register as a workbook and imports it into an
empty register, in Chromium: upload, preview, confirm."""

import pytest

from registers.models import RatingScale, Register, ReportingPeriod, Risk
from riskreg.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .conftest import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_risk_officer_imports_the_seed_table_from_an_xlsx_through_preview_and_confirm(
    page, live_server, seeded, tmp_path
):
    register = Register.objects.create(
        slug="imported", name="Imported register", organisation="West Midlands Police",
        rating_scale=RatingScale.objects.get(name="Standard 5x5"), requires_sign_off=False,
    )  # fmt: skip
    ReportingPeriod.objects.create(
        register=register, year=2021, quarter=2, start="2021-07-01", end="2021-09-30"
    )
    sign_in(page, live_server, "risk.officer", DEFAULT_DEMO_PASSWORD)

    # The seed's table, as its page downloads it.
    page.goto(f"{live_server.url}/registers/corporate/2021-q2/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    workbook = tmp_path / "corporate-q2.xlsx"
    download.value.save_as(workbook)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Registers").click()
    card = page.locator("section", has=page.get_by_role("heading", name="Imported register"))
    card.get_by_role("link", name="Import from a spreadsheet").click()
    page.get_by_label("Upload a file").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and preview").click()

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Import preview: corporate-q2.xlsx"
    )
    assert "18 rows: 18 new, 0 changed, 0 unchanged" in page.get_by_role("status").inner_text()
    assert page.locator(".error-summary").count() == 0
    preview = page.locator("table.import-preview tbody tr")
    assert preview.count() == 18
    assert "CRR18" in preview.first.inner_text() and "New" in preview.first.inner_text()
    assert not Risk.objects.filter(register=register).exists()  # the preview wrote nothing

    page.get_by_role("button", name="Import 18 rows").click()
    assert "Imported corporate-q2.xlsx: 18 new, 0 changed" in page.locator(".messages").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Imported register: Q2 2021/22"
    rows = page.locator("table.register tbody tr")
    assert rows.count() == 18
    first = rows.first.inner_text()
    assert "CRR18" in first and "Critical" in first and "New" in first
    assert Risk.objects.get(register=register, reference="CRR13").controls.count() == (
        Risk.objects.get(register__slug="corporate", reference="CRR13").controls.count()
    )
