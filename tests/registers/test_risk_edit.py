import pytest
from django.urls import reverse

from registers.models import QuarterlySnapshot, RatingBand, Register, ReportingPeriod, Risk
from riskreg.richtext import html_to_text
from tests.html import table_rows

pytestmark = pytest.mark.django_db


def edit_url(reference: str, slug: str = "corporate") -> str:
    return reverse("registers:risk_edit", args=[slug, reference])


def form_data(risk: Risk, **changes) -> dict:
    """What the edit form posts when the officer changes nothing, plus `changes`."""
    controls = list(risk.controls.all())
    data = {
        "version": risk.version,
        "reference": risk.reference,
        "name": risk.name,
        "description": html_to_text(risk.description),
        "impact": html_to_text(risk.impact),
        "lead_officer": risk.lead_officer,
        "status": risk.status,
        "position": risk.position,
        "band": risk.band_id or "",
        "likelihood": risk.likelihood or "",
        "impact_score": risk.impact_score or "",
        "date_raised": "",
        "next_review_date": "",
        "trend": "",
        "circulation": risk.circulation,
        "restriction_reason": risk.restriction_reason,
        "controls-TOTAL_FORMS": len(controls) + 2,
        "controls-INITIAL_FORMS": len(controls),
        "controls-MIN_NUM_FORMS": 0,
        "controls-MAX_NUM_FORMS": 1000,
    }
    for i, control in enumerate(controls):
        data[f"controls-{i}-id"] = control.pk
        data[f"controls-{i}-risk"] = risk.pk
        data[f"controls-{i}-text"] = html_to_text(control.text)
        data[f"controls-{i}-ORDER"] = i + 1
    for i in range(len(controls), len(controls) + 2):
        data[f"controls-{i}-risk"] = risk.pk
        data[f"controls-{i}-text"] = ""
        data[f"controls-{i}-ORDER"] = ""
    data.update(changes)
    return data


def test_risk_officer_edits_text_rating_and_controls(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR10")
    first, second, third = list(risk.controls.all())[:3]
    total = risk.controls.count()
    client.force_login(risk_officer)
    data = form_data(
        risk,
        name="Financial Management and Sustainability",
        description="Funding is **not** assured.\n\n- grant settlement late\n- inflation *rising*",
        band=RatingBand.objects.get(label="High").pk,
        **{
            "controls-0-ORDER": 3,  # first control moves after the third
            "controls-2-ORDER": 1,
            "controls-1-DELETE": "on",  # second control is removed
            f"controls-{total}-text": "Quarterly budget challenge panel",
            f"controls-{total}-ORDER": 99,
        },
    )
    response = client.post(edit_url("CRR10"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    risk.refresh_from_db()
    assert risk.name == "Financial Management and Sustainability"
    assert risk.description == (
        "<p>Funding is <strong>not</strong> assured.</p>\n"
        "<ul>\n<li>grant settlement late</li>\n<li>inflation <em>rising</em></li>\n</ul>"
    )
    assert risk.band.label == "High"
    assert risk.version == 2
    texts = [c.text for c in risk.controls.all()]
    assert len(texts) == total  # one removed, one added
    assert texts[:2] == [third.text, first.text]
    assert second.text not in texts
    assert texts[-1] == "Quarterly budget challenge panel"


def test_history_shows_who_changed_what_field_by_field(client, seeded, risk_officer, chief_officer):
    risk = Risk.objects.get(reference="CRR10")
    client.force_login(risk_officer)
    client.post(edit_url("CRR10"), form_data(risk, band=RatingBand.objects.get(label="High").pk))
    client.force_login(chief_officer)
    page = client.get(
        reverse("registers:risk_detail", args=["corporate", "CRR10"])
    ).content.decode()
    history = page[page.index('id="history"') :]
    assert "Rita Officer" in history
    assert "Residual risk rating" in history
    assert '<td class="diff-old">Medium</td>' in history
    assert '<td class="diff-new">High</td>' in history
    assert "Edit this risk" not in page  # chief officers see no edit controls


def test_unchanged_form_saves_without_inventing_changes(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR13")
    before = (risk.description, risk.impact, [c.text for c in risk.controls.all()])
    client.force_login(risk_officer)
    assert client.post(edit_url("CRR13"), form_data(risk)).status_code == 302
    risk.refresh_from_db()
    assert (risk.description, risk.impact, [c.text for c in risk.controls.all()]) == before


def test_second_of_two_concurrent_edits_is_refused_and_loses_nothing(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR07")
    opened_by_first = form_data(risk, name="Representation (first officer)")
    opened_by_second = form_data(risk, name="Representation (second officer)")
    client.force_login(risk_officer)
    assert client.post(edit_url("CRR07"), opened_by_first).status_code == 302
    response = client.post(edit_url("CRR07"), opened_by_second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed by someone else while you were editing" in page
    changed = table_rows(page, "conflict-changes")
    assert changed == [
        ["Risk name", "WMP Demographics and Representation", "Representation (first officer)"]
    ]
    assert 'value="Representation (second officer)"' in page  # what they typed is kept
    risk.refresh_from_db()
    assert risk.name == "Representation (first officer)"
    # Having seen the other change, the officer saves again deliberately.
    resubmitted = form_data(risk, name="Representation (second officer)")
    assert client.post(edit_url("CRR07"), resubmitted).status_code == 302
    risk.refresh_from_db()
    assert risk.name == "Representation (second officer)"


def test_bad_input_shows_field_errors_and_saves_nothing(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR11")
    client.force_login(risk_officer)
    response = client.post(
        edit_url("CRR11"), form_data(risk, name="", reference="CRR10", likelihood=3)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Risk name: This field is required." in page
    assert "CRR10 is already a risk in Corporate Risk Register; choose another reference." in page
    assert "Give both likelihood and impact scores, or neither." in page
    risk.refresh_from_db()
    assert risk.name == "Safeguarding - Local Policing" and risk.version == 1


def test_band_follows_likelihood_and_impact(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR11")
    client.force_login(risk_officer)
    medium = RatingBand.objects.get(label="Medium").pk
    client.post(edit_url("CRR11"), form_data(risk, band=medium, likelihood=5, impact_score=4))
    risk.refresh_from_db()
    assert (risk.score, risk.band.label) == (20, "Critical")


def test_trend_for_the_open_quarter_is_stored_as_entered(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR05")
    client.force_login(risk_officer)
    client.post(edit_url("CRR05"), form_data(risk, trend="↘"))
    snapshot = QuarterlySnapshot.objects.get(risk=risk, period__year=2021, period__quarter=3)
    assert snapshot.trend == "↘"
    page = client.get("/registers/corporate/2021-q3/?q=CRR05").content.decode()
    assert "Decreasing" in page and "(proposed)" not in page


def test_risk_officer_creates_a_risk_that_joins_the_open_quarter(client, seeded, risk_officer):
    register = Register.objects.get(slug="corporate")
    client.force_login(risk_officer)
    url = reverse("registers:risk_create", args=["corporate"])
    assert client.get(url).status_code == 200
    data = {
        "reference": "CRR19",
        "name": "Estate condition",
        "description": "Buildings need repair.",
        "impact": "",
        "lead_officer": "Director of Commercial Services",
        "status": "open",
        "position": 19,
        "band": RatingBand.objects.get(label="Medium").pk,
        "circulation": "public",  # the form's default, selected as rendered
        "controls-TOTAL_FORMS": 2,
        "controls-INITIAL_FORMS": 0,
        "controls-0-text": "Estates survey",
        "controls-0-ORDER": 1,
        "controls-1-text": "",
        "controls-1-ORDER": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    risk = register.risks.get(reference="CRR19")
    assert [c.text for c in risk.controls.all()] == ["Estates survey"]
    rows = client.get("/registers/corporate/2021-q3/?q=CRR19").content.decode()
    assert "New</td>" in rows.replace(' <span class="proposed">(proposed)</span>', "</td>") or (
        "New" in rows and "(proposed)" in rows
    )


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_edit_refuses_other_methods(client, seeded, risk_officer, method):
    client.force_login(risk_officer)
    assert getattr(client, method)(edit_url("CRR10")).status_code == 405


@pytest.mark.parametrize("who", ["chief_officer", "pcc_staff"])
def test_readers_cannot_edit_or_create(client, seeded, request, who):
    risk = Risk.objects.get(reference="CRR10")
    client.force_login(request.getfixturevalue(who))
    assert client.get(edit_url("CRR10")).status_code == 403
    assert client.post(edit_url("CRR10"), form_data(risk, name="Hacked")).status_code == 403
    create = reverse("registers:risk_create", args=["corporate"])
    assert client.post(create, {"reference": "X1", "name": "x"}).status_code == 403
    risk.refresh_from_db()
    assert risk.name == "Financial Management"


def test_a_risk_of_another_register_is_not_found_under_this_one(client, seeded, risk_officer):
    other = Register.objects.create(
        name="Local register", slug="local", organisation="WMP",
        rating_scale=Register.objects.get(slug="corporate").rating_scale,
    )  # fmt: skip
    ReportingPeriod.objects.create(
        register=other, year=2021, quarter=3, start="2021-10-01", end="2021-12-31"
    )
    Risk.objects.create(register=other, reference="LR01", name="Local only")
    client.force_login(risk_officer)
    assert client.get(edit_url("LR01")).status_code == 404
    assert client.get(edit_url("LR01", slug="local")).status_code == 200
    assert client.get(edit_url("CRR10", slug="local")).status_code == 404


@pytest.mark.parametrize("field", ["description", "impact", "controls-0-text"])
def test_script_and_event_handlers_never_reach_the_page(client, seeded, risk_officer, field):
    risk = Risk.objects.get(reference="CRR17")
    client.force_login(risk_officer)
    payload = (
        'Safe words <script>alert("x")</script> <img src=x onerror="alert(1)">'
        ' <a href="javascript:alert(2)">link</a> <b onmouseover="alert(3)">bold</b>'
    )
    assert client.post(edit_url("CRR17"), form_data(risk, **{field: payload})).status_code == 302
    for url in [
        reverse("registers:risk_detail", args=["corporate", "CRR17"]),
        "/registers/corporate/2021-q3/",
        edit_url("CRR17"),
    ]:
        page = client.get(url).content.decode().lower()
        assert "<script>alert" not in page and "onerror" not in page, url
        assert "onmouseover" not in page and "javascript:" not in page, url
    page = client.get("/registers/corporate/2021-q3/?q=CRR17").content.decode()
    assert "Safe words" in page, page[page.index("<tbody>") :][:3000]


def test_rich_text_is_sanitised_whatever_the_path_into_the_database(seeded):
    risk = Risk.objects.get(reference="CRR17")
    risk.description = '<p onclick="x()">Hi<script>bad()</script><iframe src="//x"></iframe></p>'
    risk.save()
    risk.refresh_from_db()
    assert risk.description == "<p>Hi</p>"


def test_risk_page_lists_the_hmic_recommendations_linked_to_it(client, seeded, chief_officer):
    from governance.models import Inspection, Recommendation

    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.first(), reference="R1", text="Improve training"
    )
    recommendation.risks.add(Risk.objects.get(reference="CRR18"))
    client.force_login(chief_officer)
    page = client.get(
        reverse("registers:risk_detail", args=["corporate", "CRR18"])
    ).content.decode()
    section = page.split('id="risk-recommendations"')[1].split("</section>")[0]
    assert recommendation.get_absolute_url() in section
    other = client.get(
        reverse("registers:risk_detail", args=["corporate", "CRR10"])
    ).content.decode()
    assert "No HMIC recommendations are linked to this risk." in other


def test_edit_form_shows_rich_text_as_the_officer_writes_it(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR10")
    control = risk.controls.first()
    control.text = "A <strong>new</strong> control"
    control.save()
    client.force_login(risk_officer)
    page = client.get(edit_url("CRR10")).content.decode()
    assert "A **new** control</textarea>" in page
    assert "&lt;strong&gt;" not in page


def test_a_refused_form_shows_exactly_what_was_typed(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR10")
    client.force_login(risk_officer)
    typed = "<img src=x> **ok**"
    response = client.post(edit_url("CRR10"), form_data(risk, name="", description=typed))
    assert "&lt;img src=x&gt; **ok**</textarea>" in response.content.decode()


def test_a_refused_edit_shows_the_controls_someone_else_changed(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR17")
    opened_by_second = form_data(risk, name="Organisational Learning (second)")
    first = form_data(risk, **{"controls-5-DELETE": "on"})  # "Debrief policy being redrafted"
    client.force_login(risk_officer)
    assert client.post(edit_url("CRR17"), first).status_code == 302
    page = client.post(edit_url("CRR17"), opened_by_second).content.decode()
    rows = table_rows(page, "conflict-changes")
    assert [row[0] for row in rows] == ["Key controls"]
    assert "Debrief policy being redrafted" in rows[0][1]
    assert "Debrief policy being redrafted" not in rows[0][2]
