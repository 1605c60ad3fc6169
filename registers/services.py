"""Work across several rows: the register table for a quarter, trends, saving a risk."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)

from .models import (
    Control,
    PeriodClosedError,
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
    Trend,
)


class StaleEditError(Exception):
    """The risk changed since the editor opened it; carries the risk as it now is."""

    def __init__(self, current: Risk):
        super().__init__(f"{current.reference} was changed by someone else")
        self.current = current


@dataclass
class TrendCell:
    value: str  # a Trend value, or "N/A" when the risk was not on the register
    proposed: bool = False

    @property
    def label(self) -> str:
        try:
            return Trend(self.value).label
        except ValueError:
            return self.value


@dataclass
class RegisterRow:
    risk_id: int
    reference: str
    name: str
    description: str | None
    impact: str | None
    controls: list[str] | None
    lead_officer: str
    status: str
    band: RatingBand | None
    trends: list[TrendCell] = field(default_factory=list)


def trend_periods(period: ReportingPeriod) -> list[tuple[int, int]]:
    """The (year, quarter) of the three quarters a register shows: two before and this one."""
    before = ReportingPeriod.preceding(period.year, period.quarter)
    earliest = ReportingPeriod.preceding(*before)
    return [earliest, before, (period.year, period.quarter)]


def trend_labels(period: ReportingPeriod) -> list[str]:
    return [f"Q{quarter}" for _, quarter in trend_periods(period)]


def with_trend(risks: QuerySet, period: ReportingPeriod) -> QuerySet:
    """Annotate live risks with their trend for the open `period`.

    `set_trend` is what an officer set (blank if nothing); `proposed_trend` is what
    closing the quarter proposes: `New` for a risk not on last quarter's register, else
    the direction its rating moved since then; `trend` is the first of the two.
    """
    previous = QuarterlySnapshot.objects.filter(
        risk=OuterRef("pk"),
        period__register=period.register,
        period__year=ReportingPeriod.preceding(period.year, period.quarter)[0],
        period__quarter=ReportingPeriod.preceding(period.year, period.quarter)[1],
    )
    current = QuarterlySnapshot.objects.filter(risk=OuterRef("pk"), period=period)
    return risks.annotate(
        set_trend=Subquery(current.values("trend")[:1]),
        had_previous=Exists(previous),
        previous_severity=Subquery(previous.values("band__severity")[:1]),
    ).annotate(
        proposed_trend=Case(
            When(had_previous=False, then=Value(Trend.NEW)),
            When(previous_severity__isnull=True, then=Value(Trend.STABLE)),
            When(band__isnull=True, then=Value(Trend.STABLE)),
            When(band__severity__gt=F("previous_severity"), then=Value(Trend.INCREASING)),
            When(band__severity__lt=F("previous_severity"), then=Value(Trend.DECREASING)),
            default=Value(Trend.STABLE),
            output_field=CharField(),
        ),
        trend=Case(
            When(set_trend__gt="", then=F("set_trend")),
            default=F("proposed_trend"),
            output_field=CharField(),
        ),
    )


def _snapshots_by_period(register: Register, periods: list[tuple[int, int]], risk_ids) -> dict:
    snapshots = QuarterlySnapshot.objects.filter(
        period__register=register, risk_id__in=risk_ids
    ).select_related("period", "band")
    wanted = set(periods)
    found: dict[tuple[int, int, int], QuarterlySnapshot] = {}
    for snap in snapshots:
        key = (snap.period.year, snap.period.quarter)
        if key in wanted:
            found[(snap.risk_id, *key)] = snap
    return found


def published_rows(period: ReportingPeriod, snapshots: QuerySet) -> list[RegisterRow]:
    """Rows of a closed quarter, from the frozen snapshots (already filtered and ordered)."""
    snapshots = list(snapshots.select_related("band"))
    quarters = trend_periods(period)
    earlier = _snapshots_by_period(period.register, quarters[:2], [s.risk_id for s in snapshots])
    rows = []
    for snap in snapshots:
        trends = [
            TrendCell(earlier[(snap.risk_id, *q)].trend if (snap.risk_id, *q) in earlier else "N/A")
            for q in quarters[:2]
        ]
        trends.append(TrendCell(snap.trend or "N/A"))
        rows.append(
            RegisterRow(
                risk_id=snap.risk_id,
                reference=snap.reference,
                name=snap.name,
                description=snap.description,
                impact=snap.impact,
                controls=snap.controls,
                lead_officer=snap.lead_officer,
                status=snap.status,
                band=snap.band,
                trends=trends,
            )
        )
    return rows


def live_rows(period: ReportingPeriod, risks: QuerySet) -> list[RegisterRow]:
    """Rows of the open quarter, from live risks annotated by `with_trend` (filtered, ordered).

    This quarter's trend is the one an officer set, else the one closing would propose.
    """
    risks = list(risks.select_related("band").prefetch_related("controls"))
    quarters = trend_periods(period)
    found = _snapshots_by_period(period.register, quarters[:2], [r.pk for r in risks])
    rows = []
    for risk in risks:
        trends = [
            TrendCell(found[(risk.pk, *q)].trend if (risk.pk, *q) in found else "N/A")
            for q in quarters[:2]
        ]
        trends.append(TrendCell(risk.trend, proposed=not risk.set_trend))
        rows.append(
            RegisterRow(
                risk_id=risk.pk,
                reference=risk.reference,
                name=risk.name,
                description=risk.description,
                impact=risk.impact,
                controls=[control.text for control in risk.controls.all()],
                lead_officer=risk.lead_officer,
                status=risk.status,
                band=risk.band,
                trends=trends,
            )
        )
    return rows


@transaction.atomic
def save_risk(
    *,
    risk: Risk,
    controls: list[tuple[Control | None, str]],
    version: int | None,
    trend: str | None = None,
) -> Risk:
    """Save a risk and its controls, refusing a stale edit.

    `controls` lists the controls in their new order: an existing control (or None for a
    new one) with its text; existing controls not listed are removed. `version` is the
    one the editor started from (None for a new risk). On SQLite the immediate
    transaction, on PostgreSQL the row lock, make check-and-save one step.
    """
    if risk.pk is not None:
        current = Risk.objects.select_for_update().get(pk=risk.pk)
        if version != current.version:
            raise StaleEditError(current)
        risk.version = current.version + 1
    risk.save()
    # Compare with the rows as stored: a bound form has already copied its text onto
    # the instance it was given.
    stored = {control.pk: control for control in risk.controls.all()}
    kept = {control.pk for control, _ in controls if control is not None}
    for pk, control in stored.items():
        if pk not in kept:
            control.delete()
    for position, (given, text) in enumerate(controls, start=1):
        control = stored.get(given.pk) if given is not None else None
        if control is None:
            risk.controls.create(text=text, position=position)
        elif control.text != text or control.position != position:
            control.text, control.position = text, position
            control.save()
    if trend is not None:
        set_current_trend(risk=risk, trend=trend)
    return risk


def set_current_trend(*, risk: Risk, trend: str) -> None:
    """Set (or clear, with "") the trend of the open quarter for a risk."""
    period = risk.register.open_period()
    if period is None:
        raise PeriodClosedError("This register has no open quarter.")
    snapshot = QuarterlySnapshot.objects.filter(risk=risk, period=period).first()
    if snapshot is None:
        if trend:
            QuarterlySnapshot.objects.create(risk=risk, period=period, trend=trend)
        return
    if snapshot.trend != trend:
        snapshot.trend = trend
        snapshot.save()
