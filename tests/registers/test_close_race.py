"""Closing a quarter while officers save: every frozen row is the risk as it stood.

Threads with their own database connections save trends and risks while another closes
the quarter, over several rounds (the quarter reopened between them). Each save either
commits before the close freezes the rows, and is in them, or waits for the close and is
refused with PeriodClosedError. Row locks are PostgreSQL's; SQLite serialises every
writer with its immediate transactions, so there is no race there to test.
"""

import random
import threading
import time

import pytest
from django.db import connection

from registers import services
from registers.models import PeriodClosedError, QuarterlySnapshot, ReportingPeriod, Risk, Trend

ROUNDS = 5
SAVERS = 3


def _saver(period_pk: int, start: threading.Barrier, stop: threading.Event, tally: dict, n: int):
    rng = random.Random(n)
    period = ReportingPeriod.objects.get(pk=period_pk)
    risks = list(Risk.objects.filter(register=period.register, status="open"))
    start.wait()
    try:
        while not stop.is_set():
            risk = Risk.objects.get(pk=rng.choice(risks).pk)
            trend = rng.choice([Trend.INCREASING, Trend.STABLE, Trend.DECREASING])
            try:
                if rng.random() < 0.5:
                    services.set_current_trend(risk=risk, trend=trend, period=period)
                    tally["saved"] += 1
                else:
                    name = f"{risk.name.split(' #')[0]} #{rng.randrange(1000)}"
                    tally[_save_through_the_form(risk, period, name=name, trend=trend)] += 1
            except PeriodClosedError:
                tally["refused"] += 1
    finally:
        connection.close()


def _save_through_the_form(risk: Risk, period: ReportingPeriod, **changes) -> str:
    """Save as the edit page does: its form as rendered (at the quarter the officer saw),
    with `changes`, through the edit pattern. "saved", "refused" or "stale"."""
    from editing.forms import save_edit
    from registers.forms import RiskForm
    from tests.forms import form_fields

    form = RiskForm(instance=risk, register=period.register)
    form.open_period = period
    html = f"<form method='post'>{form.as_div()}{form.controls}</form>"
    data = form_fields(html)
    for name, value in changes.items():
        data[name] = value
    bound = RiskForm(data, instance=risk, register=period.register)
    bound.open_period = period  # the quarter the officer saw, open or not by now
    if not bound.is_valid():
        return "stale"
    outcome = save_edit(bound)
    if outcome.status == "invalid" and any("closed" in e for e in bound.non_field_errors()):
        return "refused"
    return "saved" if outcome.done else "stale"


def _closer(period_pk: int, user, start: threading.Barrier):
    try:
        start.wait()
        time.sleep(0.05)  # let the savers get going
        services.close_quarter(period=ReportingPeriod.objects.get(pk=period_pk), user=user)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_saves_during_a_close_land_before_the_freeze_or_are_refused(seeded, risk_officer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks race only on PostgreSQL; SQLite serialises every writer")
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    tally = {"saved": 0, "refused": 0, "stale": 0}
    checked = 0
    for _ in range(ROUNDS):
        start, stop = threading.Barrier(SAVERS + 1), threading.Event()
        savers = [
            threading.Thread(target=_saver, args=(period.pk, start, stop, tally, n))
            for n in range(SAVERS)
        ]
        closer = threading.Thread(target=_closer, args=(period.pk, risk_officer, start))
        for thread in [*savers, closer]:
            thread.start()
        closer.join(timeout=60)
        time.sleep(0.1)  # saves after the close: refused
        stop.set()
        for thread in savers:
            thread.join(timeout=60)
        period.refresh_from_db()
        assert period.is_closed
        for snap in QuarterlySnapshot.objects.filter(period=period).select_related("risk"):
            then = snap.risk.history.as_of(period.closed_at)
            trend_then = QuarterlySnapshot.history.filter(
                risk_id=snap.risk_id, period_id=period.pk, history_date__lte=period.closed_at
            ).first()
            assert snap.reference == then.reference != ""
            assert snap.name == then.name, snap.reference
            assert snap.description == then.description and snap.description is not None
            assert snap.controls is not None and snap.band_id == then.band_id
            assert snap.status == "open" and snap.trend
            if trend_then is not None and trend_then.trend and trend_then.history_type != "-":
                assert snap.trend == trend_then.trend, snap.reference
            checked += 1
        services.reopen_quarter(period=period, user=risk_officer, reason="next round")
    assert checked == ROUNDS * 18
    assert tally["saved"] > 0 and tally["refused"] > 0, tally


@pytest.mark.django_db
def test_a_save_that_loses_the_race_to_a_close_is_a_clear_form_error(
    client, seeded, risk_officer, monkeypatch
):
    from django.urls import reverse

    from registers.models import Register
    from tests.registers.test_references import form_fields

    url = reverse("registers:risk_edit", args=["corporate", "CRR18"])
    client.force_login(risk_officer)
    fields = form_fields(client.get(url).content.decode())
    q3 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    services.close_quarter(period=q3, user=risk_officer)
    # The view found Q3 open just before the close committed.
    monkeypatch.setattr(Register, "open_period", lambda self: q3)
    response = client.post(url, {**fields, "name": "Renamed after the close", "trend": "↗"})
    assert response.status_code == 200
    assert "Q3 2021/22 was closed while you were editing, so nothing was saved" in (
        response.content.decode()
    )
    assert Risk.objects.get(reference="CRR18").name != "Renamed after the close"
    assert QuarterlySnapshot.objects.get(risk__reference="CRR18", period=q3).name != (
        "Renamed after the close"
    )
