import pytest
from django.core.management import call_command
from django.urls import reverse

from registers import services
from registers.models import (
    PeriodClosedError,
    QuarterlySnapshot,
    RatingBand,
    ReportingPeriod,
    Risk,
)
from registers.quarter import quarter_picture
from tests.forms import form_fields, submit
from tests.html import table_rows

from .test_risk_edit import edit_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_step_close")]

Q2 = "/registers/corporate/2021-q2/"
Q3 = "/registers/corporate/2021-q3/"
CLOSE_Q3 = reverse("quarters:close", args=["corporate", 2021, 3])


def q3() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)


def edit_form(client, reference: str, **changes):
    """The risk's edit form as the page renders it, with only `changes` made."""
    page = client.get(edit_url(reference))
    assert page.status_code == 200, page.status_code
    data = form_fields(page.content.decode(), containing="reference")
    for name, value in changes.items():
        data[name] = str(value)
    return data


def posted(data) -> dict:
    return {name: data.getlist(name) for name in data}


def raise_crr10_to_high() -> None:
    risk = Risk.objects.get(reference="CRR10")
    risk.band = RatingBand.objects.get(label="High")
    risk.save()


def test_raising_crr10_proposes_increasing_and_the_rest_stable(seeded):
    raise_crr10_to_high()
    proposals = {p.risk.reference: p.proposed_trend for p in services.close_proposals(q3())}
    assert len(proposals) == 18
    assert proposals.pop("CRR10") == "↗"
    assert set(proposals.values()) == {"→"}


def test_lowering_a_rating_proposes_decreasing_and_a_new_risk_proposes_new(seeded):
    crr03 = Risk.objects.get(reference="CRR03")
    crr03.band = RatingBand.objects.get(label="Medium")
    crr03.save()
    Risk.objects.create(
        register=crr03.register, reference="CRR19", name="New risk",
        band=RatingBand.objects.get(label="Low"), position=19,
    )  # fmt: skip
    proposals = {p.risk.reference: p.proposed_trend for p in services.close_proposals(q3())}
    assert proposals["CRR03"] == "↘"
    assert proposals["CRR19"] == "New"


def test_closing_freezes_the_quarter_keeps_overrides_and_opens_the_next(
    client, seeded, risk_officer
):
    raise_crr10_to_high()
    client.force_login(risk_officer)
    page = client.get(CLOSE_Q3).content.decode()
    rows = table_rows(page, "close-quarter")
    crr10 = next(row for row in rows if row[0] == "CRR10")
    assert crr10[1:5] == ["Financial Management", "Medium", "→", "High"]
    assert "↗ (proposed)" in page

    crr05 = Risk.objects.get(reference="CRR05")
    changes = {f"trend_{crr05.pk}": "↘", "confirm": "on"}
    response = submit(client, CLOSE_Q3, changes, containing="confirm")
    assert response.status_code == 302
    period = q3()
    assert period.is_closed and period.closed_by == risk_officer
    trends = dict(period.snapshots.values_list("reference", "trend"))
    assert trends["CRR10"] == "↗"
    assert trends["CRR05"] == "↘"  # the override is kept
    assert trends["CRR18"] == "→"
    frozen = period.snapshots.get(reference="CRR10")
    assert frozen.band.label == "High"
    assert frozen.controls == [c.text for c in Risk.objects.get(reference="CRR10").controls.all()]
    assert (
        ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=4).status
        == "open"
    )
    published = table_rows(client.get(Q3).content.decode(), "register")
    assert [row[7] for row in published if row[0] == "CRR10"] == ["↗"]


def test_closing_needs_confirmation_and_loses_the_overrides_chosen(client, seeded, risk_officer):
    crr05 = Risk.objects.get(reference="CRR05")
    client.force_login(risk_officer)
    response = submit(client, CLOSE_Q3, {f"trend_{crr05.pk}": "↘"}, containing="confirm")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tick the box to confirm that the quarter should close." in page
    assert '<option value="↘" selected>' in page
    assert not q3().is_closed


def test_published_quarter_is_the_same_after_later_edits(client, seeded, risk_officer):
    client.force_login(risk_officer)
    before = client.get(Q2).content.decode()
    low = RatingBand.objects.get(label="Low").pk
    data = edit_form(client, "CRR13", name="Cyber", description="Rewritten.", band=low)
    data["controls-0-DELETE"] = "on"
    assert client.post(edit_url("CRR13"), posted(data)).status_code == 302
    services.close_quarter(period=q3(), user=risk_officer)
    Risk.objects.filter(reference="CRR18").update(name="Renamed after closing")
    after = client.get(Q2).content.decode()
    assert table_rows(after, "register") == table_rows(before, "register")
    q3_before = table_rows(client.get(Q3).content.decode(), "register")
    data = edit_form(client, "CRR13", name="Cyber again")
    assert client.post(edit_url("CRR13"), posted(data)).status_code == 302
    assert Risk.objects.get(reference="CRR13").name == "Cyber again"
    assert table_rows(client.get(Q3).content.decode(), "register") == q3_before


def test_orm_save_update_and_delete_of_a_closed_snapshot_are_refused(seeded):
    snapshot = QuarterlySnapshot.objects.get(reference="CRR10", period__quarter=2)
    snapshot.trend = "↗"
    with pytest.raises(PeriodClosedError, match="Q2 2021/22 is closed"):
        snapshot.save()
    with pytest.raises(PeriodClosedError):
        QuarterlySnapshot.objects.filter(pk=snapshot.pk).update(trend="↗")
    with pytest.raises(PeriodClosedError):
        snapshot.delete()
    with pytest.raises(PeriodClosedError):
        QuarterlySnapshot.objects.filter(period__quarter=2).delete()
    with pytest.raises(PeriodClosedError):
        QuarterlySnapshot.objects.create(
            risk=Risk.objects.get(reference="CRR10"),
            period=ReportingPeriod.objects.get(year=2020, quarter=4),
            trend="→",
        )
    assert QuarterlySnapshot.objects.get(pk=snapshot.pk).trend == "→"


def test_closing_a_closed_quarter_is_refused(client, seeded, risk_officer):
    with pytest.raises(PeriodClosedError, match="already closed"):
        services.close_quarter(period=ReportingPeriod.objects.get(year=2021, quarter=2), user=None)
    client.force_login(risk_officer)
    response = client.post(
        reverse("quarters:close", args=["corporate", 2021, 2]),
        {"confirm": "on"},
        follow=True,
    )
    assert "Q2 2021/22 is already closed; its register cannot change." in response.content.decode()


def test_admin_cannot_change_a_closed_snapshot(client, seeded, administrator):
    snapshot = QuarterlySnapshot.objects.get(reference="CRR10", period__quarter=2)
    client.force_login(administrator)
    url = reverse("admin:registers_quarterlysnapshot_change", args=[snapshot.pk])
    page = client.get(url).content.decode()
    assert "Save" not in page or 'name="_save"' not in page
    response = client.post(
        url, {"trend": "↗", "risk": snapshot.risk_id, "period": snapshot.period_id}
    )
    assert response.status_code == 403
    delete = reverse("admin:registers_quarterlysnapshot_delete", args=[snapshot.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert QuarterlySnapshot.objects.get(pk=snapshot.pk).trend == "→"


def test_administrator_reopens_a_quarter_and_it_is_recorded(client, seeded, administrator):
    services.close_quarter(period=q3(), user=None)
    client.force_login(administrator)
    url = reverse("admin:registers_reportingperiod_changelist")
    data = {"action": "reopen_quarter", "_selected_action": [q3().pk]}
    assert "Why is this quarter being reopened?" in client.post(url, data).content.decode()
    client.post(url, {**data, "reason": "CRR10 rating was entered wrongly"})
    period = q3()
    assert not period.is_closed
    assert not ReportingPeriod.objects.filter(year=2021, quarter=4).exists()
    latest = period.history.first()
    assert latest.history_change_reason == "Reopened by ada: CRR10 rating was entered wrongly"
    # Reopened, its snapshots can change again, and closing again freezes them again.
    services.close_quarter(period=period, user=None)
    assert q3().is_closed


def test_risk_officers_cannot_reopen(client, seeded, risk_officer):
    services.close_quarter(period=q3(), user=None)
    client.force_login(risk_officer)
    url = reverse("admin:registers_reportingperiod_changelist")
    client.post(url, {"action": "reopen_quarter", "_selected_action": [q3().pk], "reason": "x"})
    assert q3().is_closed


@pytest.mark.parametrize("who,status", [("chief_officer", 403), ("pcc_staff", 403)])
def test_readers_cannot_close_a_quarter(client, seeded, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(CLOSE_Q3, {"confirm": "on"}).status_code == status
    assert not q3().is_closed


def test_close_page_refuses_other_methods(client, seeded, risk_officer):
    client.force_login(risk_officer)
    assert client.put(CLOSE_Q3).status_code == 405


def test_close_of_another_registers_quarter_is_not_found(client, seeded, risk_officer):
    client.force_login(risk_officer)
    assert client.get(reverse("quarters:close", args=["other", 2021, 3])).status_code == 404


def test_close_quarter_command_accepts_proposals_and_prints_them(seeded, capsys):
    raise_crr10_to_high()
    call_command("close_quarter", register="corporate")
    out = capsys.readouterr().out
    assert "CRR10    ↗    High" in out
    assert "Closed Q3 2021/22 of corporate with 18 risks." in out
    assert q3().is_closed


def test_what_changed_lists_new_closed_escalated_and_reworded_risks(client, seeded, risk_officer):
    raise_crr10_to_high()
    crr13 = Risk.objects.get(reference="CRR13")
    client.force_login(risk_officer)
    data = edit_form(client, "CRR13", name="Cyber security")
    data["controls-0-DELETE"] = "on"
    assert client.post(edit_url("CRR13"), posted(data)).status_code == 302
    Risk.objects.filter(reference="CRR11").update(status="closed")
    Risk.objects.create(register=crr13.register, reference="CRR19", name="Estates", position=19)
    services.close_quarter(period=q3(), user=risk_officer)
    page = client.get(reverse("registers:quarter_changes", args=["corporate", 2021, 3])).content
    page = page.decode()
    section = lambda slug: page[page.index(f'id="{slug}"') :].split("</section>")[0]  # noqa: E731
    assert "CRR19" in section("new") and "CRR10" not in section("new")
    assert "CRR11" in section("closed")
    assert "Financial Management: Medium → High" in section("escalated")
    assert "None." in section("deescalated")
    reworded = section("reworded")
    assert "CRR13 Cyber security" in reworded
    assert '<td class="diff-old">Cybersecurity</td>' in reworded
    assert "Controls removed" in reworded and "IT&amp;D operate a suite" in reworded


def test_q2_changes_show_the_six_new_risks_of_the_seed(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    page = client.get(reverse("registers:quarter_changes", args=["corporate", 2021, 2])).content
    new = page.decode().split('id="new"')[1].split("</section>")[0]
    assert "New risks (6)" in new
    for reference in ["CRR18", "CRR15", "CRR13", "CRR16", "CRR17", "CRR14"]:
        assert reference in new


def test_pcc_staff_cannot_see_the_open_quarters_changes_or_close_page(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    assert (
        client.get(reverse("registers:quarter_changes", args=["corporate", 2021, 3])).status_code
        == 404
    )


def test_plain_text_changes_are_escaped_on_the_changes_page(client, seeded, risk_officer):
    Risk.objects.filter(reference="CRR10").update(
        name='<a href="https://evil.example/">Click</a>', lead_officer="<b>Chief</b>"
    )
    services.close_quarter(period=q3(), user=risk_officer)
    client.force_login(risk_officer)
    page = client.get(reverse("registers:quarter_changes", args=["corporate", 2021, 3])).content
    page = page.decode()
    assert '<a href="https://evil.example/">' not in page
    assert "&lt;a href=&quot;https://evil.example/&quot;&gt;Click&lt;/a&gt;" in page
    assert "<b>Chief</b>" not in page


def test_a_closed_risk_with_a_trend_set_is_not_left_as_a_blank_row(seeded, risk_officer):
    risk = Risk.objects.get(reference="CRR11")
    services.set_current_trend(risk=risk, trend="↘")
    Risk.objects.filter(pk=risk.pk).update(status="closed")
    services.close_quarter(period=q3(), user=risk_officer)
    period = q3()
    assert not period.snapshots.filter(risk=risk).exists()
    assert not period.snapshots.filter(reference="").exists()
    assert "CRR11" in [c.reference for c in quarter_picture(period).movements.closed]


def test_a_band_used_by_a_closed_quarter_keeps_its_look(seeded):
    high = RatingBand.objects.get(label="High")
    high.label = "Severe"
    with pytest.raises(PeriodClosedError, match="used by a closed quarter"):
        high.save()
    high.refresh_from_db()
    high.max_score = 15  # the scores it covers may change: published rows keep their band
    high.save()
    low = RatingBand.objects.get(label="Low")  # no published risk is Low
    low.colour = "#1b5e20"
    low.save()
    assert RatingBand.objects.get(label="Low").colour == "#1b5e20"


def test_admin_refuses_to_relabel_a_published_band_with_a_message(client, seeded, administrator):
    from registers.models import RatingScale

    scale = RatingScale.objects.get(name="Standard 5x5")
    url = reverse("admin:registers_ratingscale_change", args=[scale.pk])
    client.force_login(administrator)
    data = {"name": scale.name}
    for prefix, related in (("likelihoods", scale.likelihoods), ("impacts", scale.impacts)):
        levels = list(related.all())
        data |= {f"{prefix}-TOTAL_FORMS": len(levels), f"{prefix}-INITIAL_FORMS": len(levels)}
        for i, level in enumerate(levels):
            data |= {
                f"{prefix}-{i}-id": level.pk,
                f"{prefix}-{i}-scale": scale.pk,
                f"{prefix}-{i}-value": level.value,
                f"{prefix}-{i}-name": level.name,
            }
    bands = list(scale.bands.all())
    data |= {"bands-TOTAL_FORMS": len(bands), "bands-INITIAL_FORMS": len(bands)}
    fields = ("label", "slug", "colour", "text_colour", "severity", "min_score", "max_score")
    for i, band in enumerate(bands):
        data |= {f"bands-{i}-{field}": getattr(band, field) for field in fields}
        data |= {f"bands-{i}-id": band.pk, f"bands-{i}-scale": scale.pk}
    high = next(i for i, band in enumerate(bands) if band.label == "High")
    data[f"bands-{high}-label"] = "Severe"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A closed quarter shows risks in this band" in response.content.decode()
    assert RatingBand.objects.filter(label="High").exists()
