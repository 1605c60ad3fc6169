"""Importing a register from a spreadsheet: upload, preview, confirm; all or nothing.

Form tests post what the pages render (tests/forms.py): the upload form with the file
chosen, then the preview's confirmation form as it stands.
"""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from registers.models import (
    Control,
    ImportBatch,
    QuarterlySnapshot,
    Register,
    ReportingPeriod,
    Risk,
)
from registers.quarter import quarter_picture
from registers.tables import register_table
from tests.forms import form_fields, forms_in

pytestmark = pytest.mark.django_db

Q2 = "/registers/corporate/2021-q2/"
IMPORT = "/registers/corporate/import/"
NINE = ["ID", "Risk Name", "Description", "Impact", "Key Controls and Activities",
        "Q1 Trending", "Q2 Trending", "Q3 Trending", "Residual Risk Rating"]  # fmt: skip


def workbook(rows: list[list], name: str = "register.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows: list[list], name: str = "register.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode())


def upload(client, upload_file, url: str = IMPORT):
    """GET the import page, choose the file in its form, post what the page renders."""
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    form = next(f for f in forms_in(html) if f.method == "post" and "file" in f.names)
    data = {name: data for name, data in form_fields(html, containing="file").lists()}
    return client.post(form.action or url, {**data, "file": upload_file})


def confirm(client, preview_url: str):
    """Post the preview's confirmation form as the page renders it."""
    html = client.get(preview_url).content.decode()
    data = form_fields(html, action=preview_url)
    return client.post(preview_url, {name: data.getlist(name) for name in data})


def preview_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


# --- The round trip ----------------------------------------------------------------------


@pytest.fixture
def empty_register(seeded, scale):
    register = Register.objects.create(
        slug="imported", name="Imported register", organisation="West Midlands Police",
        rating_scale=scale, requires_sign_off=False,
    )  # fmt: skip
    ReportingPeriod.objects.create(
        register=register, year=2021, quarter=2, start="2021-07-01", end="2021-09-30"
    )
    return register


def _as_held(period) -> dict:
    """What a register holds in a quarter: each risk's text, controls, trends and rating."""
    return {
        row.reference: (
            row.name, row.description, row.impact, list(row.controls or []),
            [cell.value for cell in row.trends], row.band.label if row.band else None,
        )
        for row in register_table(period).rows()
    }  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_seed_q2_register_exported_and_imported_into_an_empty_register_is_the_same(
    client, empty_register, risk_officer, fmt
):
    client.force_login(risk_officer)
    exported = client.get(f"{Q2}export.{fmt}")
    file = SimpleUploadedFile(f"corporate-q2.{fmt}", exported.content)
    preview = preview_of(upload(client, file, "/registers/imported/import/"))
    page = client.get(preview).content.decode()
    assert "There is a problem" not in page
    assert "18 rows</strong>: 18 new, 0 changed, 0 unchanged" in page
    assert "Q4 2020/21 and Q1 2021/22" in page  # quarters taken over, trends only
    response = confirm(client, preview)
    assert response.status_code == 302
    original = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    imported = ReportingPeriod.objects.get(register=empty_register, year=2021, quarter=2)
    assert _as_held(imported) == _as_held(original)
    # In the same order, and the earlier quarters' registers as the seed's.
    assert list(_as_held(imported)) == list(_as_held(original))
    picture, seed = quarter_picture(imported), quarter_picture(original)
    assert [e.reference for e in picture.movements.new] == [e.reference for e in seed.movements.new]
    # Exporting the imported register gives the same file, cell for cell.
    again = client.get(f"/registers/imported/2021-q2/export.{fmt}")
    if fmt == "csv":
        assert again.content == exported.content
    else:
        cells = [
            [c.value for c in row]
            for content in (again.content, exported.content)
            for row in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows()
        ]
        assert cells[: len(cells) // 2] == cells[len(cells) // 2 :]


def test_an_import_writes_history_naming_the_importer_and_the_file(
    client, empty_register, risk_officer
):
    client.force_login(risk_officer)
    file = SimpleUploadedFile("q2.xlsx", client.get(f"{Q2}export.xlsx").content)
    confirm(client, preview_of(upload(client, file, "/registers/imported/import/")))
    risk = Risk.objects.get(register=empty_register, reference="CRR13")
    record = risk.history.get()
    assert record.history_user == risk_officer
    assert record.history_change_reason == "Imported from q2.xlsx by rita"
    control = Control.history.filter(risk_id=risk.pk).first()
    assert control.history_user == risk_officer and "q2.xlsx" in control.history_change_reason
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.new, batch.changed, batch.rows) == ("imported", 18, 0, 18)


def test_key_controls_come_from_the_bulleted_cell_as_separate_controls(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    cell = "• Gold group meets weekly\n• Training plan & tracker\ncontinued on a second line"
    file = workbook([NINE, ["CRR40", "A new risk", "What it is.", "What it does.", cell,
                            "N/A", "N/A", "New", "High"]])  # fmt: skip
    confirm(client, preview_of(upload(client, file)))
    risk = Risk.objects.get(reference="CRR40")
    assert [c.text for c in risk.controls.all()] == [
        "Gold group meets weekly",
        "Training plan &amp; tracker continued on a second line",
    ]
    assert risk.band.label == "High" and risk.description == "<p>What it is.</p>"
    assert QuarterlySnapshot.objects.get(risk=risk, period__status="open").trend == "New"


# --- The preview -------------------------------------------------------------------------


def test_the_preview_lists_each_row_as_new_changed_or_unchanged_with_the_fields(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    exported = client.get("/registers/corporate/2021-q3/export.xlsx").content
    book = load_workbook(io.BytesIO(exported))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "CRR13":
            row[1].value = "A new name for CRR13"
            row[8].value = "Critical"
    sheet.append(["CRR40", "A brand new risk", "", "", "", "N/A", "N/A", "New", "Medium"])
    out = io.BytesIO()
    book.save(out)
    preview = preview_of(upload(client, SimpleUploadedFile("edited.xlsx", out.getvalue())))
    page = client.get(preview).content.decode()
    assert "19 rows</strong>: 1 new, 1 changed, 17 unchanged" in page
    assert "A new name for CRR13" in page and "Residual Risk Rating" in page
    before = Risk.objects.get(reference="CRR13")
    assert before.name != "A new name for CRR13"  # a preview writes nothing
    confirm(client, preview)
    after = Risk.objects.get(reference="CRR13")
    assert (after.name, after.band.label, after.version) == (
        "A new name for CRR13", "Critical", before.version + 1,
    )  # fmt: skip
    assert after.description == before.description  # unchanged text is left as stored
    assert Risk.objects.filter(reference="CRR40").exists()


def test_an_unchanged_export_of_the_open_register_changes_nothing(client, seeded, risk_officer):
    client.force_login(risk_officer)
    exported = client.get("/registers/corporate/2021-q3/export.csv").content
    state = list(Risk.objects.values_list("pk", "version", "updated_at"))
    preview = preview_of(upload(client, SimpleUploadedFile("same.csv", exported)))
    page = client.get(preview).content.decode()
    assert "0 new, 0 changed, 18 unchanged" in page
    confirm(client, preview)
    assert list(Risk.objects.values_list("pk", "version", "updated_at")) == state


def test_one_bad_row_imports_nothing_and_the_preview_names_row_and_column_of_each_problem(
    client, seeded, risk_officer, settings
):
    settings.IMPORT_MAX_ROWS = 50
    client.force_login(risk_officer)
    rows = [
        ["Corporate Risks Q3 2021/22"],  # a title above the header row
        NINE + ["Date raised"],
        ["CRR50", "Good row", "", "", "", "N/A", "N/A", "New", "High", "01/10/2021"],
        ["CRR51", "", "", "", "", "N/A", "N/A", "New", "Severe", "31/02/2021"],
        ["CRR50", "Twice", "x" * 5001, "", "", "N/A", "N/A", "Up-ish", "High", ""],
    ]
    count = Risk.objects.count()
    preview = preview_of(upload(client, workbook(rows)))
    page = client.get(preview).content.decode()
    assert "There is a problem" in page
    for message in [
        "Row 4, column B (Risk Name): Give the risk&#x27;s name.",
        "Row 4, column I (Residual Risk Rating): &quot;Severe&quot; is not a rating of this "
        "register: use Critical, High, Medium, Low.",
        "Row 4, column J (Date raised): &quot;31/02/2021&quot; is not a date",
        "Row 5, column A (ID): ID CRR50 is also on row 3",
        "Row 5, column C (Description): The cell is 5,001 characters long",
        "Row 5, column H (Q3 Trending): &quot;Up-ish&quot; is not a trend",
    ]:
        assert message in page, message
    assert 'href="#row-4"' in page and 'id="row-4"' in page
    assert not [f for f in forms_in(page) if f.method == "post" and f.action == preview]
    response = client.post(preview)  # confirming anyway
    assert response.status_code == 302
    assert Risk.objects.count() == count
    assert "nothing was imported" in client.get(preview).content.decode()
    assert ImportBatch.objects.get().status == "previewed"


def test_a_column_riskreg_does_not_know_and_a_missing_id_column_are_problems(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    page = client.get(preview_of(upload(client, csv_file([["ID", "Name", "Colour"]])))).content
    page = page.decode()
    assert "The file has no &quot;Risk Name&quot; column." in page
    assert "Row 1, column C (Colour): &quot;Colour&quot; is not a column riskreg imports" in page
    assert 'href="#columns"' in page and 'id="columns"' in page


def test_a_rating_that_contradicts_the_scores_is_a_problem(client, seeded, risk_officer):
    client.force_login(risk_officer)
    rows = [["ID", "Risk Name", "Residual Risk Rating", "Likelihood", "Impact score"],
            ["CRR81", "Scored", "Low", 5, 5], ["CRR82", "Scored too", "", 1, 2]]  # fmt: skip
    page = client.get(preview_of(upload(client, workbook(rows)))).content.decode()
    assert "Row 2, column C (Residual Risk Rating): Low does not match likelihood 5 x " in page
    assert "Row 3" not in page.split("There is a problem")[1].split("</ul>")[0]


def test_trend_columns_of_other_quarters_are_refused(client, seeded, risk_officer):
    client.force_login(risk_officer)
    exported = client.get(f"{Q2}export.csv").content  # Q4, Q1, Q2: the register is in Q3
    page = client.get(preview_of(upload(client, SimpleUploadedFile("q2.csv", exported))))
    assert "This register&#x27;s open quarter is Q3 2021/22" in page.content.decode()


def test_a_published_trend_cannot_be_changed_by_an_import(client, seeded, risk_officer):
    client.force_login(risk_officer)
    exported = client.get("/registers/corporate/2021-q3/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    crr13 = next(row for row in rows if row[0] == "CRR13")
    crr13[6] = "↘"  # Q2 2021/22, published
    page = client.get(preview_of(upload(client, csv_file(rows)))).content.decode()
    assert "Q2 2021/22 is published with New for this risk" in page


# --- Limits, staleness, permissions -------------------------------------------------------


def test_an_upload_over_the_byte_limit_is_refused_with_a_message(
    client, seeded, risk_officer, settings
):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(risk_officer)
    response = upload(client, csv_file([NINE] + [["CRR60", "x" * 200]] * 10))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "the largest file riskreg imports is 1 KB" in page
    assert not ImportBatch.objects.exists()


def test_an_upload_over_the_row_limit_is_refused_with_a_message(
    client, seeded, risk_officer, settings
):
    settings.IMPORT_MAX_ROWS = 5
    client.force_login(risk_officer)
    rows = [NINE] + [[f"CRR{n}", f"Risk {n}"] for n in range(60, 66)]
    response = upload(client, workbook(rows))
    assert response.status_code == 200
    assert "more than 5 rows of risks" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(client, seeded, risk_officer):
    client.force_login(risk_officer)
    response = upload(client, SimpleUploadedFile("register.xlsx", b"not a zip"))
    assert "could not be read as an Excel workbook" in response.content.decode()
    response = upload(client, SimpleUploadedFile("register.pdf", b"%PDF"))
    assert "must be an .xlsx or a .csv file" in response.content.decode()


def test_confirming_after_the_register_changed_imports_nothing(client, seeded, risk_officer):
    client.force_login(risk_officer)
    file = workbook([NINE, ["CRR70", "A new risk", "", "", "", "N/A", "N/A", "New", "High"]])
    preview = preview_of(upload(client, file))
    html = client.get(preview).content.decode()
    data = form_fields(html, action=preview)
    risk = Risk.objects.get(reference="CRR13")
    risk.name = "Renamed by someone else"
    risk.save()
    response = client.post(preview, {name: data.getlist(name) for name in data})
    assert response.status_code == 302
    assert not Risk.objects.filter(reference="CRR70").exists()
    page = client.get(preview).content.decode()
    assert "The register has changed since this preview" in page


def test_confirm_imports_the_stored_file_not_a_new_upload(client, seeded, risk_officer):
    client.force_login(risk_officer)
    file = workbook([NINE, ["CRR71", "As previewed", "", "", "", "N/A", "N/A", "New", "High"]])
    preview = preview_of(upload(client, file))
    other = workbook([NINE, ["CRR72", "Not previewed", "", "", "", "N/A", "N/A", "New", "Low"]])
    client.post(preview, {"file": other})
    assert Risk.objects.filter(reference="CRR71").exists()
    assert not Risk.objects.filter(reference="CRR72").exists()
    assert client.post(preview).status_code == 302  # a second confirmation
    assert Risk.objects.filter(reference="CRR71").count() == 1


def test_a_preview_is_only_its_uploaders(client, seeded, risk_officer, administrator):
    client.force_login(risk_officer)
    preview = preview_of(upload(client, csv_file([NINE, ["CRR73", "x"]])))
    client.force_login(administrator)
    assert client.get(preview).status_code == 404
    assert client.post(preview).status_code == 404
    assert not Risk.objects.filter(reference="CRR73").exists()


def test_only_risk_officers_import(client, seeded, chief_officer, pcc_staff):
    for user in (chief_officer, pcc_staff):
        client.force_login(user)
        assert client.get(IMPORT).status_code == 403
        assert client.get(f"{IMPORT}template.xlsx").status_code == 403
        assert "Import from a spreadsheet" not in client.get("/registers/").content.decode()


def test_the_import_history_lists_who_when_file_and_counts(
    client, seeded, risk_officer, chief_officer, pcc_staff
):
    client.force_login(risk_officer)
    file = workbook([NINE, ["CRR74", "New one", "", "", "", "N/A", "N/A", "New", "High"]])
    confirm(client, preview_of(upload(client, file, IMPORT)))
    client.force_login(chief_officer)
    page = client.get("/imports/").content.decode()
    assert "register.xlsx" in page and "Rita Officer" in page and "Imported" in page
    client.force_login(pcc_staff)
    assert client.get("/imports/").status_code == 403


def test_the_template_holds_the_fuller_columns(client, seeded, risk_officer):
    client.force_login(risk_officer)
    page = client.get(IMPORT).content.decode()
    assert f"{IMPORT}template.xlsx" in page
    sheet = load_workbook(io.BytesIO(client.get(f"{IMPORT}template.xlsx").content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:9] == NINE
    assert {
        "Risk Owner", "Category", "Inherent Rating", "Target Rating", "Target date",
        "Last reviewed", "Actions",
    } <= set(headers)  # fmt: skip


def _fuller(client, values: dict) -> SimpleUploadedFile:
    sheet = load_workbook(io.BytesIO(client.get(f"{IMPORT}template.xlsx").content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    return workbook([headers, [values.get(header, "") for header in headers]])


def test_the_fuller_template_imports_owner_category_ratings_review_and_actions(
    client, seeded, risk_officer, chief_officer
):
    import datetime

    from registers.models import Action, ActionDateMove

    category = Register.objects.get(slug="corporate").categories.order_by("name").first()
    client.force_login(risk_officer)
    values = {
        "ID": "CRR80", "Risk Name": "Fuller", "Risk Owner": "charles", "Lead officer": "ACC Jones",
        "Category": category.name.upper(), "Treatment": "Treat", "Likelihood": 4,
        "Impact score": 5, "Inherent Rating": "5 x 5", "Target Rating": "2 x 3",
        "Target date": "31/03/2022", "Date raised": datetime.datetime(2021, 8, 1),
        "Last reviewed": "01/09/2021", "Circulation": "OFFICIAL-SENSITIVE",
        "Restriction reason": "Operational detail",
        "Actions": "• Recruit PST trainers | rita | 30/11/2021 | In progress\n• Review the backlog",
    }  # fmt: skip
    confirm(client, preview_of(upload(client, _fuller(client, values))))
    risk = Risk.objects.get(reference="CRR80")
    assert (risk.owner, risk.lead_officer_user, risk.lead_officer) == (
        chief_officer,
        None,
        "ACC Jones",
    )
    assert (risk.category, risk.treatment) == (category, "treat")
    assert (risk.likelihood, risk.impact_score, risk.band.label) == (4, 5, "Critical")
    assert (risk.inherent_likelihood, risk.inherent_impact) == (5, 5)
    assert (risk.target_likelihood, risk.target_impact) == (2, 3)
    assert risk.target_date == datetime.date(2022, 3, 31)
    assert risk.date_raised == datetime.date(2021, 8, 1)
    assert risk.last_reviewed == datetime.date(2021, 9, 1)
    assert risk.next_review_date == datetime.date(2021, 10, 1)  # Critical: monthly
    assert (risk.circulation, risk.restriction_reason) == ("sensitive", "Operational detail")
    actions = list(risk.actions.order_by("pk"))
    assert [(a.text, a.owner, a.target_date, a.status) for a in actions] == [
        ("Recruit PST trainers", risk_officer, datetime.date(2021, 11, 30), "in_progress"),
        ("Review the backlog", None, None, "not_started"),
    ]
    assert actions[0].history.get().history_change_reason == "Imported from register.xlsx by rita"

    # Again, the first action's target date moved: the move is recorded, the first date kept.
    values["Actions"] = "• Recruit PST trainers | rita | 31/01/2022 | In progress"
    preview = preview_of(upload(client, _fuller(client, values)))
    page = client.get(preview).content.decode()
    assert "0 new, 1 changed, 0 unchanged" in page and "31/01/2022" in page
    confirm(client, preview)
    action = Action.objects.get(text="Recruit PST trainers")
    assert (action.target_date, action.original_target_date) == (
        datetime.date(2022, 1, 31), datetime.date(2021, 11, 30),
    )  # fmt: skip
    move = ActionDateMove.objects.get(action=action)
    assert (move.moved_from, move.moved_to, move.moved_by) == (
        datetime.date(2021, 11, 30), datetime.date(2022, 1, 31), risk_officer,
    )  # fmt: skip
    assert risk.actions.count() == 2  # an action the file leaves out is left alone


def test_unknown_people_categories_and_ratings_are_problems(client, seeded, risk_officer):
    client.force_login(risk_officer)
    values = {
        "ID": "CRR83", "Risk Name": "Wrong", "Risk Owner": "nobody", "Category": "Weather",
        "Inherent Rating": "9 x 9", "Target Rating": "low-ish", "Treatment": "Ignore",
        "Actions": "• Do it | nobody | soon | Maybe",
    }  # fmt: skip
    page = client.get(preview_of(upload(client, _fuller(client, values)))).content.decode()
    for message in [
        "&quot;nobody&quot; is not a riskreg user",
        "&quot;Weather&quot; is not a category of this register",
        "9 x 9 is not on this register&#x27;s rating scale",
        "&quot;low-ish&quot; is not a rating: write likelihood x impact",
        "&quot;Ignore&quot; is not a treatment",
        "Action 1: &quot;soon&quot; is not a date",
        "Action 1: &quot;Maybe&quot; is not a status",
    ]:
        assert message in page, message
    assert not Risk.objects.filter(reference="CRR83").exists()


def test_preview_query_count_is_the_same_for_18_and_2000_rows(client, empty_register, risk_officer):
    def file_of(count: int) -> SimpleUploadedFile:
        rows = [NINE[:5] + ["Q4 Trending", "Q1 Trending", "Q2 Trending", NINE[8]]]
        rows += [
            [f"R{n:05d}", f"Risk {n}", "Text.", "", "• One\n• Two", "N/A", "→", "→", "High"]
            for n in range(count)
        ]
        return workbook(rows)

    client.force_login(risk_officer)
    url = "/registers/imported/import/"
    counts = []
    for size in (18, 2000):
        preview = preview_of(upload(client, file_of(size), url))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(preview).status_code == 200
        counts.append(len(queries))
        ImportBatch.objects.all().delete()
    assert counts[0] == counts[1]


def test_the_register_downloaded_with_every_column_imports_unchanged(client, seeded, risk_officer):
    client.force_login(risk_officer)
    columns = "&".join(
        f"columns={name}"
        for name in ("owner", "category", "appetite", "inherent", "target", "treatment",
                     "next_review", "open_actions")
    )  # fmt: skip
    exported = client.get(f"/registers/corporate/2021-q3/export.xlsx?{columns}").content
    headers = [c.value for c in load_workbook(io.BytesIO(exported)).worksheets[0][1]]
    assert "Risk Owner" in headers and "Target Rating" in headers
    state = list(Risk.objects.values_list("pk", "version"))
    preview = preview_of(upload(client, SimpleUploadedFile("all.xlsx", exported)))
    page = client.get(preview).content.decode()
    assert "There is a problem" not in page
    assert "0 new, 0 changed, 18 unchanged" in page
    assert Risk.objects.exclude(owner=None).exists()  # the demo's owners were compared
    confirm(client, preview)
    assert list(Risk.objects.values_list("pk", "version")) == state
