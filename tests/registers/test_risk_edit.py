import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from registers.models import Control, QuarterlySnapshot, RatingBand, Register, ReportingPeriod, Risk
from tests.forms import form_fields, submit

pytestmark = pytest.mark.django_db


def edit_url(reference: str, slug: str = "corporate") -> str:
    return reverse("registers:risk_edit", args=[slug, reference])


def form_data(client, ref: str, /, **changes) -> dict:
    """What the edit form the page renders posts, with only `changes` made."""
    page = client.get(edit_url(ref))
    assert page.status_code == 200, page.status_code
    data = form_fields(page.content.decode(), containing="reference")
    for name, value in changes.items():
        data[name] = str(value)
    return {name: data.getlist(name) for name in data}


def test_risk_officer_edits_text_rating_and_controls(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR10")
    first, second, third = list(risk.controls.all())[:3]
    total = risk.controls.count()
    client.force_login(risk_officer)
    data = form_data(
        client,
        "CRR10",
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
    client.force_login(risk_officer)
    client.post(
        edit_url("CRR10"), form_data(client, "CRR10", band=RatingBand.objects.get(label="High").pk)
    )
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
    risk.date_raised, risk.next_review_date = (
        datetime.date(2021, 10, 15),
        datetime.date(2022, 1, 31),
    )
    risk.likelihood, risk.impact_score = 4, 4
    risk.save()
    before = model_to_dict(risk), [c.text for c in risk.controls.all()]
    records = risk.history.count() + Control.history.filter(risk_id=risk.pk).count()
    client.force_login(risk_officer)
    response = submit(client, edit_url("CRR13"), containing="reference")
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (model_to_dict(risk), [c.text for c in risk.controls.all()]) == before
    assert risk.history.count() + Control.history.filter(risk_id=risk.pk).count() == records


def test_two_officers_changing_different_fields_both_keep_their_change(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    opened_by_first = form_data(client, "CRR07", name="Representation (first officer)")
    opened_by_second = form_data(client, "CRR07", lead_officer="ACC Local Policing")
    assert client.post(edit_url("CRR07"), opened_by_first).status_code == 302
    assert client.post(edit_url("CRR07"), opened_by_second).status_code == 302
    risk = Risk.objects.get(reference="CRR07")
    assert risk.name == "Representation (first officer)"
    assert risk.lead_officer == "ACC Local Policing"
    assert risk.version == 3


def test_the_same_field_changed_by_two_officers_waits_for_the_second_to_choose(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    opened_by_first = form_data(client, "CRR07", name="Representation (first officer)")
    opened_by_second = form_data(
        client, "CRR07", name="Representation (second officer)", lead_officer="ACC"
    )
    assert client.post(edit_url("CRR07"), opened_by_first).status_code == 302
    response = client.post(edit_url("CRR07"), opened_by_second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "changed risk name while you were editing" in page
    conflict = page[page.index('class="conflict"') :]
    assert "Representation (first officer)" in conflict
    assert "Representation (second officer)" in conflict
    assert 'value="Representation (second officer)"' in page  # what they typed is kept
    risk = Risk.objects.get(reference="CRR07")
    assert (risk.name, risk.lead_officer) == ("Representation (first officer)", "")

    # Saving again without choosing changes nothing.
    again = form_fields(page, containing="reference")
    response = client.post(edit_url("CRR07"), {k: again.getlist(k) for k in again})
    assert "Choose which risk name to keep" in response.content.decode()
    risk.refresh_from_db()
    assert risk.name == "Representation (first officer)"

    # Choosing "mine" saves both of the second officer's changes.
    again["resolve_name"] = "mine"
    assert client.post(edit_url("CRR07"), {k: again.getlist(k) for k in again}).status_code == 302
    risk.refresh_from_db()
    assert (risk.name, risk.lead_officer) == ("Representation (second officer)", "ACC")


def test_keeping_the_saved_value_keeps_the_colleagues_change(client, seeded, risk_officer):
    client.force_login(risk_officer)
    opened_by_first = form_data(client, "CRR07", name="First")
    opened_by_second = form_data(client, "CRR07", name="Second", lead_officer="ACC")
    client.post(edit_url("CRR07"), opened_by_first)
    page = client.post(edit_url("CRR07"), opened_by_second).content.decode()
    again = form_fields(page, containing="reference")
    again["resolve_name"] = "theirs"
    assert client.post(edit_url("CRR07"), {k: again.getlist(k) for k in again}).status_code == 302
    risk = Risk.objects.get(reference="CRR07")
    assert (risk.name, risk.lead_officer) == ("First", "ACC")


def test_bad_input_shows_field_errors_and_saves_nothing(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR11")
    client.force_login(risk_officer)
    response = client.post(
        edit_url("CRR11"), form_data(client, "CRR11", name="", reference="CRR10", likelihood=3)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_name">This field is required.</a>' in page
    assert "CRR10 is already a risk in Corporate Risk Register; choose another reference." in page
    assert "Give both likelihood and impact scores, or neither." in page
    risk.refresh_from_db()
    assert risk.name == "Safeguarding - Local Policing" and risk.version == 1


def test_band_follows_likelihood_and_impact(client, seeded, risk_officer):
    client.force_login(risk_officer)
    client.post(edit_url("CRR11"), form_data(client, "CRR11", likelihood=5, impact_score=4))
    risk = Risk.objects.get(reference="CRR11")
    assert (risk.score, risk.band.label) == (20, "Critical")


def test_a_band_that_contradicts_the_scores_is_refused(client, seeded, risk_officer):
    client.force_login(risk_officer)
    low = RatingBand.objects.get(label="Low").pk
    data = form_data(client, "CRR11", band=low, likelihood=5, impact_score=5)
    page = client.post(edit_url("CRR11"), data).content.decode()
    assert "Low contradicts the scores: likelihood 5 x impact 5 is 25, which is Critical" in page
    risk = Risk.objects.get(reference="CRR11")
    assert (risk.likelihood, risk.version) == (None, 1)


def test_trend_for_the_open_quarter_is_stored_as_entered(client, seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR05")
    client.force_login(risk_officer)
    client.post(edit_url("CRR05"), form_data(client, "CRR05", trend="↘"))
    snapshot = QuarterlySnapshot.objects.get(risk=risk, period__year=2021, period__quarter=3)
    assert snapshot.trend == "↘"
    page = client.get("/registers/corporate/2021-q3/?q=CRR05").content.decode()
    assert "Decreasing" in page and "(proposed)" not in page


def test_risk_officer_creates_a_risk_that_joins_the_open_quarter(client, seeded, risk_officer):
    register = Register.objects.get(slug="corporate")
    client.force_login(risk_officer)
    url = reverse("registers:risk_create", args=["corporate"])
    changes = {
        "reference": "CRR19",
        "name": "Estate condition",
        "description": "Buildings need repair.",
        "lead_officer": "Director of Commercial Services",
        "position": 19,
        "band": RatingBand.objects.get(label="Medium").pk,
        "controls-0-text": "Estates survey",
        "date_raised_day": "3",
        "date_raised_month": "11",
        "date_raised_year": "2021",
    }
    response = submit(client, url, changes, containing="reference")
    assert response.status_code == 302
    risk = register.risks.get(reference="CRR19")
    assert [c.text for c in risk.controls.all()] == ["Estates survey"]
    assert risk.date_raised == datetime.date(2021, 11, 3)
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
    assert client.post(edit_url("CRR10"), {"name": "Hacked"}).status_code == 403
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
    client.force_login(risk_officer)
    payload = (
        'Safe words <script>alert("x")</script> <img src=x onerror="alert(1)">'
        ' <a href="javascript:alert(2)">link</a> <b onmouseover="alert(3)">bold</b>'
    )
    data = form_data(client, "CRR17", **{field: payload})
    assert client.post(edit_url("CRR17"), data).status_code == 302
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
    client.force_login(risk_officer)
    typed = "<img src=x> **ok**"
    data = form_data(client, "CRR10", name="", description=typed)
    response = client.post(edit_url("CRR10"), data)
    assert "&lt;img src=x&gt; **ok**</textarea>" in response.content.decode()


def test_controls_removed_by_one_officer_and_a_name_changed_by_another_both_stay(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    opened_by_second = form_data(client, "CRR17", name="Organisational Learning (second)")
    first = form_data(client, "CRR17", **{"controls-5-DELETE": "on"})
    assert client.post(edit_url("CRR17"), first).status_code == 302
    assert client.post(edit_url("CRR17"), opened_by_second).status_code == 302
    risk = Risk.objects.get(reference="CRR17")
    assert risk.name == "Organisational Learning (second)"
    assert not any("Debrief policy being redrafted" in c.text for c in risk.controls.all())


def test_different_controls_changed_by_two_officers_are_merged(client, seeded, risk_officer):
    client.force_login(risk_officer)
    first = form_data(client, "CRR17", **{"controls-5-DELETE": "on"})
    second = form_data(client, "CRR17", **{"controls-0-text": "Learning reviews monthly"})
    assert client.post(edit_url("CRR17"), first).status_code == 302
    assert client.post(edit_url("CRR17"), second).status_code == 302
    texts = [c.text for c in Risk.objects.get(reference="CRR17").controls.all()]
    assert texts[0] == "Learning reviews monthly"
    assert not any("Debrief policy being redrafted" in text for text in texts)


def test_the_same_control_changed_by_two_officers_is_shown_side_by_side(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    first = form_data(client, "CRR17", **{"controls-0-text": "Reviews weekly"})
    second = form_data(client, "CRR17", **{"controls-0-text": "Learning reviews monthly"})
    assert client.post(edit_url("CRR17"), first).status_code == 302
    page = client.post(edit_url("CRR17"), second).content.decode()
    conflict = page[page.index('id="id_controls-conflict"') :].split("</dl>")[0]
    assert "changed key controls and activities while you were editing" in page
    saved, mine = conflict.split("<dt>Yours</dt>")
    assert "Reviews weekly" in saved and "Learning reviews monthly" in mine
    again = form_fields(page, containing="reference")
    again["resolve_controls"] = "mine"
    assert client.post(edit_url("CRR17"), {k: again.getlist(k) for k in again}).status_code == 302
    texts = [c.text for c in Risk.objects.get(reference="CRR17").controls.all()]
    assert texts[0] == "Learning reviews monthly"


def test_merging_controls_keeps_each_sides_changes():
    from registers.forms import merge_controls

    base = ((1, "a"), (2, "b"), (3, "c"))
    theirs = ((1, "A"), (3, "c"), (4, "new by them"))  # changed 1, removed 2, added one
    mine = ((3, "c"), (2, "b"), (1, "a"), (None, "new by me"))  # reordered, added one
    assert merge_controls(base, theirs, mine) == (
        (3, "c"),
        (1, "A"),
        (4, "new by them"),
        (None, "new by me"),
    )
    assert merge_controls(base, ((1, "X"),) + base[1:], ((1, "Y"),) + base[1:]) is None
    assert merge_controls(base, base[1:], ((1, "Y"),) + base[1:]) is None
