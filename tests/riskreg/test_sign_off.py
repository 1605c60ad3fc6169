"""A chief officer's sign-off before a quarter is published (the demo's register asks for it).

A risk officer submits the quarter (its trends fixed then); a chief officer reads it as it
will be published and approves it, which closes and publishes it, or returns it with a
comment, which leaves it open and editable.
"""

import pytest
from django.urls import reverse

from registers.models import QuarterlySnapshot, Register, ReportingPeriod, Risk, SignOff
from riskreg.models import AuditEvent, Pack
from riskreg.packs import pack_data, render_html
from tests.forms import form_fields, submit

from ..registers.test_quarter_close import edit_form, posted

pytestmark = pytest.mark.django_db

Q3 = "/registers/corporate/2021-q3/"
CLOSE_Q3 = reverse("quarters:close", args=["corporate", 2021, 3])
SIGN_OFF_Q3 = reverse("quarters:sign_off", args=["corporate", 2021, 3])
EDIT_CRR05 = reverse("registers:risk_edit", args=["corporate", "CRR05"])


def q3() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)


def submit_q3(client, **trends) -> None:
    """Submit Q3 through the close page as it renders, with the given trend overrides."""
    page = client.get(CLOSE_Q3).content.decode()
    assert "<h1>Submit Q3 2021/22 for sign-off</h1>" in page
    changes = {f"trend_{Risk.objects.get(reference=r).pk}": t for r, t in trends.items()}
    response = submit(client, CLOSE_Q3, changes | {"confirm": "on"}, containing="confirm")
    assert response.status_code == 302, response.content.decode()[:2000]


def decide(client, decision: str, comment: str = ""):
    page = client.get(SIGN_OFF_Q3)
    assert page.status_code == 200
    data = form_fields(page.content.decode(), containing="decision")
    data["decision"] = decision
    data["comment"] = comment
    return client.post(SIGN_OFF_Q3, posted(data))


def test_the_demo_register_and_new_registers_need_sign_off(seeded, scale):
    assert Register.objects.get(slug="corporate").requires_sign_off
    other = Register.objects.create(
        name="Other", slug="other", organisation="X", rating_scale=scale
    )
    assert other.requires_sign_off


def test_submit_return_edit_submit_approve(client, seeded, risk_officer, chief_officer, pcc_staff):
    crr05 = Risk.objects.get(reference="CRR05")

    # The risk officer submits Q3 with CRR05's trend overridden: nothing closes yet.
    client.force_login(risk_officer)
    submit_q3(client, CRR05="↘")
    first = q3().pending_sign_off()
    assert first.submitted_by == risk_officer and first.trends[str(crr05.pk)] == "↘"
    assert not q3().is_closed
    assert not Pack.objects.filter(period=q3()).exists()
    page = client.get(Q3).content.decode()
    assert "Awaiting sign-off" in page and "Submitted for sign-off by Rita Officer" in page
    # While it waits, the register cannot change, and the close page sends back to it.
    response = client.post(EDIT_CRR05, posted(edit_form(client, "CRR05", name="Renamed")))
    assert "awaiting a chief officer&#x27;s sign-off" in response.content.decode()
    assert Risk.objects.get(pk=crr05.pk).name != "Renamed"
    assert client.get(CLOSE_Q3)["Location"] == Q3

    # PCC staff see nothing of Q3, and cannot sign it off.
    client.force_login(pcc_staff)
    assert client.get(Q3).status_code == 404
    assert client.get(SIGN_OFF_Q3).status_code == 403

    # The chief officer reads it as it will be published, and the "What changed" page.
    client.force_login(chief_officer)
    page = client.get(Q3).content.decode()
    assert f'href="{SIGN_OFF_Q3}"' in page
    page = client.get(SIGN_OFF_Q3).content.decode()
    assert "as it will be published" in page and "CRR05" in page
    changes = reverse("registers:quarter_changes", args=["corporate", 2021, 3])
    assert f'href="{changes}"' in page
    assert client.get(changes).status_code == 200
    # Returning needs a comment.
    response = decide(client, "return")
    assert response.status_code == 200
    assert "Say why the quarter is returned" in response.content.decode()
    assert q3().pending_sign_off() is not None
    response = decide(client, "return", "CRR05 has not gone down: check the rating.")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.decision == SignOff.Decision.RETURNED and first.decided_by == chief_officer
    assert q3().pending_sign_off() is None and not q3().is_closed

    # The risk officer sees the comment, edits, and submits again.
    client.force_login(risk_officer)
    assert "CRR05 has not gone down: check the rating." in client.get(CLOSE_Q3).content.decode()
    response = client.post(EDIT_CRR05, posted(edit_form(client, "CRR05", name="Renamed")))
    assert response.status_code == 302
    submit_q3(client)
    second = q3().pending_sign_off()

    # The chief officer approves: the quarter closes, publishes and queues its packs.
    client.force_login(chief_officer)
    response = decide(client, "approve")
    assert response.status_code == 302
    period = q3()
    assert period.is_closed and period.closed_by == chief_officer
    approval = period.approval()
    assert approval.submitted_by == risk_officer and approval.decided_by == chief_officer
    snapshot = QuarterlySnapshot.objects.get(period=period, risk=crr05)
    # Published with the second submission's trends: the first one's override is gone.
    assert snapshot.name == "Renamed" and snapshot.trend == second.trends[str(crr05.pk)] != "↘"
    assert Pack.objects.filter(period=period).exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.QUARTER_CLOSED, user=chief_officer)

    # Every round is in the quarter's history, for officers; PCC staff now read Q3.
    page = client.get(Q3).content.decode()
    assert "Returned by Charles Chief" in page and "check the rating." in page
    assert "Approved by Charles Chief" in page
    assert SignOff.history.filter(period_id=period.pk).count() == 4  # two created, two decided
    client.force_login(pcc_staff)
    page = client.get(Q3).content.decode()
    assert client.get(Q3).status_code == 200 and "signed off by Charles Chief" in page
    assert "check the rating." not in page


def test_the_packs_cover_names_who_submitted_and_who_signed_off(
    client, seeded, risk_officer, chief_officer
):
    client.force_login(risk_officer)
    submit_q3(client)
    client.force_login(chief_officer)
    decide(client, "approve")
    period = q3()
    html = render_html(pack_data(register=period.register, period=period, draft=False))
    assert "Submitted for sign-off</dt><dd>Rita Officer" in html
    assert "Signed off</dt><dd>Charles Chief" in html


def test_a_submitted_quarter_cannot_be_closed_again_or_risks_withdrawn(
    client, seeded, risk_officer
):
    client.force_login(risk_officer)
    submit_q3(client)
    risk = Risk.objects.get(reference="CRR05")
    withdraw = reverse("registers:risk_withdraw", args=["corporate", "CRR05"])
    response = client.post(withdraw, {"reason": "A test"})
    assert response.status_code == 302
    assert Risk.objects.filter(pk=risk.pk).exists()
    from registers import services
    from registers.models import PeriodClosedError

    with pytest.raises(PeriodClosedError, match="awaiting"):
        services.close_quarter(period=q3(), user=risk_officer)
    with pytest.raises(PeriodClosedError, match="awaiting"):
        services.submit_for_sign_off(period=q3(), user=risk_officer)


def test_only_chief_officers_sign_off(client, seeded, risk_officer, chief_officer):
    assert chief_officer.has_perm("registers.sign_off_period")
    assert not risk_officer.has_perm("registers.sign_off_period")
    client.force_login(risk_officer)
    submit_q3(client)
    assert client.get(SIGN_OFF_Q3).status_code == 403
    assert client.post(SIGN_OFF_Q3, {"decision": "approve"}).status_code == 403
    assert not q3().is_closed


def test_the_close_command_leaves_a_register_with_sign_off_to_the_chief_officer(seeded):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="needs a chief officer's sign-off"):
        call_command("close_quarter", register="corporate")
    assert not q3().is_closed
