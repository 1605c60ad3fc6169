"""Closing a quarter in a fixed number of queries, whatever the number of risks.

The snapshots are written in bulk and their history rows copied from them by the database;
SQLite alone splits a statement into batches of at most 999 parameters, so there only the
bulk writes may grow.
"""

import datetime
import math
import re
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from registers import services
from registers.models import (
    Control,
    PeriodClosedError,
    QuarterlySnapshot,
    ReportingPeriod,
    Risk,
)

pytestmark = pytest.mark.django_db


def q3() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)


class _Undo(Exception):
    pass


def _close_and_count(user) -> CaptureQueriesContext:
    """Close Q3 and count its queries, then undo the close."""
    with pytest.raises(_Undo), transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            services.close_quarter(period=q3(), user=user)
        raise _Undo
    return queries


def _grow(count: int) -> None:
    """`count` more open risks with two controls each; an officer set a trend on half."""
    template = Risk.objects.get(reference="CRR13")
    risks = Risk.objects.bulk_create(
        Risk(
            register=template.register, reference=f"GEN{n:05d}", name=f"{template.name} {n}",
            description=template.description, impact=template.impact, band=template.band,
            likelihood=template.likelihood, impact_score=template.impact_score,
            lead_officer="ACC Ops", position=100 + n,
        )
        for n in range(count)
    )  # fmt: skip
    Control.objects.bulk_create(
        Control(risk=risk, text=f"<p>Control {i} of {risk.reference}</p>", position=i)
        for risk in risks
        for i in (1, 2)
    )
    period = q3()
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(risk=risk, period=period, trend="↘") for risk in risks[::2]
    )


def _shapes(queries) -> Counter:
    """How many statements of each kind: their SQL up to the first column list."""
    return Counter(
        re.sub(r'"s\d+_x\d+"', "savepoint", query["sql"])[:70] for query in queries.captured_queries
    )


def test_closing_takes_the_same_queries_for_18_and_2000_risks(seeded, risk_officer):
    services.set_current_trend(risk=Risk.objects.get(reference="CRR05"), trend="↘")
    small = _close_and_count(risk_officer)
    _grow(2000)
    large = _close_and_count(risk_officer)
    assert len(small) <= 30, [q["sql"] for q in small.captured_queries]
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
        return
    # SQLite: the same statements; only the bulk writes come in more batches (and each
    # batch of the update is checked against a closed quarter, as every update is).
    small_shapes, large_shapes = _shapes(small), _shapes(large)
    assert set(large_shapes) == set(small_shapes)
    grown = {shape for shape in large_shapes if large_shapes[shape] != small_shapes[shape]}
    bulk = ('INSERT INTO "registers_', 'UPDATE "registers_quarterlysnapshot', "SELECT 1 AS")
    assert all(shape.startswith(bulk) for shape in grown), grown
    # The history rows are copied by the database, 995 a statement (999 parameters, 4 of
    # them its own); the snapshots are written from objects, at most one batch for every 20
    # rows of the insert and of the update (some 30 columns: about 30 rows a batch).
    history = 'INSERT INTO "registers_historicalquarterlysnapshot"'
    copies = sum(count for shape, count in large_shapes.items() if shape.startswith(history))
    assert copies <= 2 * math.ceil(2018 / 995)
    assert len(large) - len(small) <= 2 * math.ceil(2018 / 20) + copies


def test_closing_in_bulk_freezes_every_row_and_writes_its_history(seeded, risk_officer):
    _grow(40)
    period = q3()
    history_before = QuarterlySnapshot.history.count()
    closed = services.close_quarter(period=period, user=risk_officer, overrides={})
    assert len(closed) == 58
    snapshots = QuarterlySnapshot.objects.filter(period=period).select_related("risk")
    assert snapshots.count() == 58
    risks = services.freezable(Risk.objects.filter(pk__in=snapshots.values("risk_id")))
    by_risk = {snapshot.risk_id: snapshot for snapshot in snapshots}
    for risk in risks:
        frozen = services.freeze_values(risk)
        assert {name: getattr(by_risk[risk.pk], name) for name in frozen} == frozen
    gen = snapshots.get(risk__reference="GEN00000")
    assert gen.controls == ["<p>Control 1 of GEN00000</p>", "<p>Control 2 of GEN00000</p>"]
    assert gen.trend == "↘"  # set during the quarter: kept
    assert snapshots.get(risk__reference="GEN00001").trend == "New"
    # One history row a snapshot: created for new rows, changed for rows set in the quarter.
    history = QuarterlySnapshot.history.filter(period=period)
    assert QuarterlySnapshot.history.count() - history_before == 58
    assert history.filter(history_type="~").count() == 20
    assert {row.history_user_id for row in history.filter(history_type__in="+~")} == {
        risk_officer.pk
    }
    assert history.filter(history_type="~", risk__reference="GEN00000").get().name == gen.name


def test_bulk_writes_into_a_closed_quarter_are_refused(seeded, risk_officer):
    period = q3()
    services.close_quarter(period=period, user=risk_officer)
    risk = Risk.objects.get(reference="CRR10")
    with pytest.raises(PeriodClosedError), transaction.atomic():
        QuarterlySnapshot.objects.bulk_create([QuarterlySnapshot(risk=risk, period=period)])
    snapshot = QuarterlySnapshot.objects.get(risk=risk, period=period)
    snapshot.name = "Changed"
    with pytest.raises(PeriodClosedError), transaction.atomic():
        QuarterlySnapshot.objects.bulk_update([snapshot], ["name"])
    assert QuarterlySnapshot.objects.get(pk=snapshot.pk).name != "Changed"


def test_text_read_back_is_copied_as_stored_and_anything_added_is_sanitised(seeded):
    from basics.richtext import Sanitised

    risk = Risk.objects.get(reference="CRR10")
    assert type(risk.description) is Sanitised  # not sanitised again when a close copies it
    risk.description = risk.description + '<script>alert("x")</script><p>More</p>'
    assert type(risk.description) is str
    risk.save()
    risk.refresh_from_db()
    assert "<script" not in risk.description and risk.description.endswith("<p>More</p>")


def _fill_every_frozen_column(officer) -> Risk:
    """The seed's CRR13 (owner, category, three ratings, actions) with the rest filled too."""
    risk = Risk.objects.get(reference="CRR13")
    risk.likelihood, risk.impact_score = 4, 4
    risk.lead_officer_user = officer
    risk.circulation = "sensitive"
    risk.restriction_reason = "Names a supplier under contract negotiation"
    risk.treatment = "treat"
    risk.target_date = datetime.date(2022, 3, 31)
    risk.next_review_date = datetime.date(2021, 12, 1)
    risk.save()
    action = risk.actions.first()
    action.owner, action.target_date = officer, datetime.date(2022, 1, 15)
    action.save()
    return risk


def _history_rows(period, history_type) -> dict:
    """The history rows closing `period` wrote of one type, every column but their own id."""
    model = QuarterlySnapshot.history.model
    names = [f.attname for f in model._meta.concrete_fields if f.attname != "history_id"]
    rows = model.objects.filter(
        period=period, history_type=history_type, history_date=period.closed_at
    ).values(*names)
    return {row["id"]: row for row in rows}


def test_the_close_writes_the_history_rows_the_models_would(seeded, risk_officer):
    """The close copies its snapshots into their history in the database; each row is the
    one simple-history's bulk_history_create writes from the model objects, column by column."""
    risk = _fill_every_frozen_column(risk_officer)
    services.set_current_trend(risk=Risk.objects.get(reference="CRR05"), trend="↘")
    period = q3()
    closed = {r.pk: trend for r, trend in services.close_quarter(period=period, user=risk_officer)}
    period.refresh_from_db()
    written = {kind: _history_rows(period, kind) for kind in "+~"}
    assert len(written["+"]) == 17 and list(written["~"]) == [
        QuarterlySnapshot.objects.get(risk__reference="CRR05", period=period).pk
    ]
    frozen = written["+"][QuarterlySnapshot.objects.get(risk=risk, period=period).pk]
    empty = [name for name, value in frozen.items() if value in (None, "", [], {})]
    assert empty == ["history_change_reason"]  # every frozen column filled in this row

    # What the model-object path writes: the snapshots as the close builds them in
    # Python (each risk's frozen values), written with simple-history's bulk_history_create.
    risks = {r.pk: r for r in services.freezable(Risk.objects.filter(pk__in=closed))}
    snapshots = QuarterlySnapshot.objects.filter(period=period)
    built = {
        kind: [
            QuarterlySnapshot(
                pk=snap.pk,
                risk_id=snap.risk_id,
                period=period,
                trend=closed[snap.risk_id],
                **services.freeze_values(risks[snap.risk_id]),
            )
            for snap in snapshots
            if snap.pk in written[kind]
        ]
        for kind in "+~"
    }
    history = QuarterlySnapshot.history
    with pytest.raises(_Undo), transaction.atomic():
        history.all().delete()  # only these rows at the close's time, then undone
        for kind in "+~":
            history.bulk_history_create(
                built[kind], update=kind == "~", default_user=risk_officer,
                default_date=period.closed_at, default_change_reason=None,
            )  # fmt: skip
        expected = {kind: _history_rows(period, kind) for kind in "+~"}
        raise _Undo
    # Column by column, so that a difference names the row and the column.
    assert {
        (kind, pk, name): (value, expected[kind][pk][name])
        for kind, rows in written.items()
        for pk, row in rows.items()
        for name, value in row.items()
        if value != expected[kind][pk][name]
    } == {}
    assert written == expected
