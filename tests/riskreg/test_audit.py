"""The audit log: what is recorded, who reads it, that it is append-only, and its retention."""

import io
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from riskreg.models import AuditEvent
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db
Kind = AuditEvent.Kind


def kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_sign_in_failure_and_sign_out_are_recorded_with_user_and_address(
    client, risk_officer, caplog
):
    with caplog.at_level(logging.INFO, logger="riskreg.security"):
        client.post(reverse("login"), {"username": "rita", "password": "wrong"},
                    REMOTE_ADDR="203.0.113.7")  # fmt: skip
        client.post(reverse("login"), {"username": "rita", "password": PASSWORD},
                    REMOTE_ADDR="203.0.113.7")  # fmt: skip
        client.post(reverse("logout"), REMOTE_ADDR="203.0.113.7")
    assert kinds() == [Kind.SIGN_IN_FAILED, Kind.SIGN_IN, Kind.SIGN_OUT]
    failed, signed_in, signed_out = AuditEvent.objects.order_by("pk")
    assert failed.user is None and failed.username == "rita"
    assert signed_in.user == risk_officer == signed_out.user
    assert {e.address for e in (failed, signed_in, signed_out)} == {"203.0.113.7"}
    # Still logged to riskreg.security, as before.
    assert any("login failed user=rita" in r.getMessage() for r in caplog.records)


def test_refused_access_is_recorded_with_user_and_path_for_403_and_404(client, seeded, pcc_staff):
    norole = make_user("norole")
    client.force_login(norole)
    assert client.get("/registers/").status_code == 403
    client.force_login(pcc_staff)
    assert client.get("/registers/corporate/2021-q3/").status_code == 404  # the live quarter
    refused = AuditEvent.objects.filter(kind=Kind.REFUSED).order_by("pk")
    assert [(e.user.username, e.path) for e in refused] == [
        ("norole", "/registers/"),
        ("priya", "/registers/corporate/2021-q3/"),
    ]


@pytest.mark.usefixtures("one_step_close")
def test_quarter_close_and_reopening_are_recorded(client, seeded, risk_officer, administrator):
    from registers.models import ReportingPeriod

    client.force_login(risk_officer)
    client.post(reverse("quarters:close", args=["corporate", 2021, 3]), {"confirm": "on"})
    q3 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    assert q3.is_closed
    client.force_login(administrator)
    url = reverse("admin:registers_reportingperiod_changelist")
    client.post(url, {"action": "reopen_quarter", "_selected_action": [q3.pk],
                      "reason": "CRR10 rated wrongly"})  # fmt: skip
    closed = AuditEvent.objects.get(kind=Kind.QUARTER_CLOSED)
    reopened = AuditEvent.objects.get(kind=Kind.QUARTER_REOPENED)
    assert closed.user == risk_officer and "Q3 2021/22" in closed.detail
    assert reopened.user == administrator and "CRR10 rated wrongly" in reopened.detail


def test_events_are_never_changed_or_deleted(risk_officer):
    event = AuditEvent.objects.create(kind=Kind.SIGN_IN, user=risk_officer)
    event.detail = "rewritten"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="rewritten")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_administrators_read_the_log_and_no_one_edits_it(client, risk_officer, administrator):
    event = AuditEvent.objects.create(kind=Kind.SIGN_IN, user=risk_officer, address="203.0.113.7")
    client.force_login(administrator)
    page = client.get(reverse("admin:riskreg_auditevent_changelist")).content.decode()
    assert "203.0.113.7" in page and "Signed in" in page
    change = reverse("admin:riskreg_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"detail": "x"}).status_code == 403
    assert client.get(reverse("admin:riskreg_auditevent_add")).status_code == 403
    delete = reverse("admin:riskreg_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    staff = make_user("steve", is_staff=True)  # staff, not an administrator
    client.force_login(staff)
    assert client.get(reverse("admin:riskreg_auditevent_changelist")).status_code == 403


def test_prune_audit_deletes_only_events_older_than_the_retention(settings, risk_officer):
    settings.AUDIT_RETENTION_DAYS = 30
    old = AuditEvent.objects.create(
        kind=Kind.SIGN_IN, user=risk_officer, when=timezone.now() - timedelta(days=31)
    )
    recent = AuditEvent.objects.create(
        kind=Kind.SIGN_IN, user=risk_officer, when=timezone.now() - timedelta(days=29)
    )
    out = io.StringIO()
    call_command("prune_audit", stdout=out)
    assert "Deleted 1 audit events" in out.getvalue()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
