"""Work across several rows: the register table for a quarter, trends, saving a risk."""

from dataclasses import dataclass, field

from django.db import models, transaction
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
from django.utils import timezone

from riskreg.richtext import RichTextField

from .filters import register_order
from .models import (
    Control,
    PeriodClosedError,
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
    Trend,
    quarter_dates,
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
    circulation: str = "public"
    restriction_reason: str = ""

    @property
    def is_restricted(self) -> bool:
        return self.circulation != "public"


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
    year, quarter = ReportingPeriod.preceding(period.year, period.quarter)
    previous = QuarterlySnapshot.objects.filter(
        risk=OuterRef("pk"), period__register=period.register, period__year=year,
        period__quarter=quarter,
    )  # fmt: skip
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
    """The listed risks' snapshots in the given quarters, by (risk, year, quarter)."""
    in_quarters = models.Q()
    for year, quarter in periods:
        in_quarters |= models.Q(period__year=year, period__quarter=quarter)
    snapshots = (
        QuarterlySnapshot.objects.filter(
            in_quarters, period__register=register, risk_id__in=risk_ids
        )
        .select_related("period", "band")
        # Only the row's trend and rating are wanted here, not its frozen text.
        .only("risk_id", "trend", "band", "period__year", "period__quarter")
    )
    return {(snap.risk_id, snap.period.year, snap.period.quarter): snap for snap in snapshots}


def _earlier_trends(found: dict, risk_id: int, quarters: list[tuple[int, int]]) -> list[TrendCell]:
    # No snapshot in a quarter: the risk was not on that quarter's register.
    return [
        TrendCell(found[(risk_id, *q)].trend if (risk_id, *q) in found else "N/A") for q in quarters
    ]


def published_rows(period: ReportingPeriod, snapshots: QuerySet) -> list[RegisterRow]:
    """Rows of a closed quarter, from the frozen snapshots (already filtered and ordered)."""
    snapshots = list(snapshots.select_related("band"))
    quarters = trend_periods(period)
    earlier = _snapshots_by_period(period.register, quarters[:2], [s.risk_id for s in snapshots])
    rows = []
    for snap in snapshots:
        trends = _earlier_trends(earlier, snap.risk_id, quarters[:2])
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
                circulation=snap.circulation,
                restriction_reason=snap.restriction_reason,
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
        trends = _earlier_trends(found, risk.pk, quarters[:2])
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
                circulation=risk.circulation,
                restriction_reason=risk.restriction_reason,
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


@dataclass
class CloseProposal:
    risk: Risk
    previous: QuarterlySnapshot | None
    proposed_trend: str
    set_trend: str  # what an officer set during the quarter, "" if nothing


def close_proposals(period: ReportingPeriod) -> list[CloseProposal]:
    """Every open risk with last quarter's row and the trend closing would give it."""
    risks = register_order(
        with_trend(period.register.risks.filter(status=Risk.Status.OPEN), period)
    )
    risks = list(risks.select_related("band").prefetch_related("controls"))
    before = ReportingPeriod.preceding(period.year, period.quarter)
    previous = _snapshots_by_period(period.register, [before], [risk.pk for risk in risks])
    return [
        CloseProposal(
            risk=risk,
            previous=previous.get((risk.pk, *before)),
            proposed_trend=risk.proposed_trend,
            set_trend=risk.set_trend or "",
        )
        for risk in risks
    ]


@transaction.atomic
def close_quarter(
    *, period: ReportingPeriod, user, overrides: dict[int, str] | None = None
) -> list[tuple[Risk, str]]:
    """Freeze `period`: copy each open risk's row into its snapshot, close it, open the next.

    A risk's trend is the officer's override if given, else the trend set during the
    quarter, else the proposal. Returns each risk with the trend it was given.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise PeriodClosedError(f"{period.label} is already closed.")
    overrides = overrides or {}
    valid = set(Trend.values)
    if bad := {trend for trend in overrides.values() if trend not in valid}:
        raise ValueError(f"Not a trend: {', '.join(sorted(bad))}")
    closed = []
    existing = {snap.risk_id: snap for snap in QuarterlySnapshot.objects.filter(period=period)}
    for proposal in close_proposals(period):
        risk = proposal.risk
        trend = overrides.get(risk.pk) or proposal.set_trend or proposal.proposed_trend
        snapshot = existing.get(risk.pk) or QuarterlySnapshot(risk=risk, period=period)
        snapshot.trend = trend
        snapshot.band = risk.band
        snapshot.likelihood = risk.likelihood
        snapshot.impact_score = risk.impact_score
        snapshot.reference = risk.reference
        snapshot.name = risk.name
        snapshot.description = risk.description
        snapshot.impact = risk.impact
        snapshot.controls = [control.text for control in risk.controls.all()]
        snapshot.lead_officer = risk.lead_officer
        snapshot.status = risk.status
        snapshot.position = risk.position
        snapshot.circulation = risk.circulation
        snapshot.restriction_reason = risk.restriction_reason
        snapshot.save()
        closed.append((risk, trend))
    # A trend set during the quarter on a risk since closed would otherwise stay behind
    # as an empty row of the published register: the closed risk is not on it.
    frozen = [risk.pk for risk, _ in closed]
    QuarterlySnapshot.objects.filter(period=period).exclude(risk_id__in=frozen).delete()
    period.status = ReportingPeriod.Status.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = user
    period._change_reason = "Quarter closed"
    period.save()
    year, quarter = ReportingPeriod.following(period.year, period.quarter)
    start, end = quarter_dates(year, quarter)
    ReportingPeriod.objects.get_or_create(
        register=period.register,
        year=year,
        quarter=quarter,
        defaults={"start": start, "end": end, "status": ReportingPeriod.Status.OPEN},
    )
    return closed


@transaction.atomic
def reopen_quarter(*, period: ReportingPeriod, user, reason: str) -> None:
    """Reopen the latest closed quarter (administrators only), recording who and why.

    The quarter opened by its closing is removed again, if nothing was recorded in it yet.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValueError(f"{period.label} is not closed.")
    later = ReportingPeriod.objects.filter(register=period.register).filter(
        models.Q(year__gt=period.year) | models.Q(year=period.year, quarter__gt=period.quarter)
    )
    if later.filter(status=ReportingPeriod.Status.CLOSED).exists():
        raise ValueError(f"A later quarter than {period.label} is closed; reopen that one first.")
    if QuarterlySnapshot.objects.filter(period__in=later).exists():
        raise ValueError(
            f"Trends have already been set in the quarter after {period.label}; "
            "clear them before reopening it."
        )
    for following in later:
        following._change_reason = f"Removed by reopening {period.label}"
        following.delete()
    period.status = ReportingPeriod.Status.OPEN
    period.closed_at = None
    period.closed_by = None
    period._change_reason = f"Reopened by {user.get_username()}: {reason}"
    period.save()


@dataclass
class TextChange:
    field: str
    before: str
    after: str
    rich: bool = False  # sanitised HTML (shown as markup); otherwise plain text (escaped)


@dataclass
class RiskChange:
    reference: str
    name: str
    before: QuarterlySnapshot | None
    after: QuarterlySnapshot | None
    text_changes: list[TextChange] = field(default_factory=list)
    controls_added: list[str] = field(default_factory=list)
    controls_removed: list[str] = field(default_factory=list)


@dataclass
class QuarterChanges:
    period: ReportingPeriod
    previous: ReportingPeriod | None
    new: list[RiskChange] = field(default_factory=list)
    closed: list[RiskChange] = field(default_factory=list)
    escalated: list[RiskChange] = field(default_factory=list)
    deescalated: list[RiskChange] = field(default_factory=list)
    reworded: list[RiskChange] = field(default_factory=list)
    not_recorded: bool = False  # last quarter's text was not recorded, so it cannot be compared


_COMPARED = [("name", "Risk name"), ("description", "Description"), ("impact", "Impact"),
             ("lead_officer", "Lead officer")]  # fmt: skip


def quarter_changes(period: ReportingPeriod) -> QuarterChanges:
    """What changed in a closed quarter since the one before, from the two quarters' snapshots."""
    previous = period.previous_period()
    result = QuarterChanges(period=period, previous=previous)
    now = {s.risk_id: s for s in period.snapshots.select_related("band")}
    before = {s.risk_id: s for s in previous.snapshots.select_related("band")} if previous else {}
    for risk_id, after in sorted(now.items(), key=lambda item: item[1].position):
        prior = before.get(risk_id)
        change = RiskChange(after.reference, after.name, prior, after)
        if prior is None:
            result.new.append(change)
            continue
        if prior.band and after.band and after.band.severity != prior.band.severity:
            rising = after.band.severity > prior.band.severity
            (result.escalated if rising else result.deescalated).append(change)
        if prior.description is None:
            result.not_recorded = True
            continue
        for name, label in _COMPARED:
            old, new = getattr(prior, name) or "", getattr(after, name) or ""
            if old != new:
                rich = name in ("description", "impact")
                change.text_changes.append(TextChange(label, old, new, rich))
        old_controls, new_controls = prior.controls or [], after.controls or []
        change.controls_added = [c for c in new_controls if c not in old_controls]
        change.controls_removed = [c for c in old_controls if c not in new_controls]
        if change.text_changes or change.controls_added or change.controls_removed:
            result.reworded.append(change)
    for risk_id, prior in sorted(before.items(), key=lambda item: item[1].position):
        if risk_id not in now:
            result.closed.append(
                RiskChange(
                    prior.reference or prior.risk.reference,
                    prior.name or prior.risk.name,
                    prior,
                    None,
                )
            )
    return result


def changes_since(risk: Risk, version: int) -> list[TextChange]:
    """What others changed in `risk` since the `version` an editor opened, field by field."""
    opened = risk.history.filter(version=version).order_by("-history_date").first()
    if opened is None:
        return []
    changes = []
    for model_field in Risk._meta.fields:
        if model_field.name in {"id", "version", "updated_at", "register"}:
            continue
        before, after = getattr(opened, model_field.attname), getattr(risk, model_field.attname)
        if before != after:
            if model_field.is_relation:
                before = str(model_field.related_model.objects.filter(pk=before).first() or "")
                after = str(getattr(risk, model_field.name) or "")
            label = str(model_field.verbose_name).capitalize()
            changes.append(TextChange(label, "" if before is None else str(before),
                                      "" if after is None else str(after),
                                      isinstance(model_field, RichTextField)))  # fmt: skip
    # Controls are saved in the same transaction as the risk, just after it: those changed
    # since the first save after the editor's version are the others' changes.
    later = risk.history.filter(version__gt=version).order_by("history_date").first()
    controls = Control.history.filter(risk_id=risk.pk)
    if later and controls.filter(history_date__gte=later.history_date).exists():
        before = Control.history.as_of(later.history_date).filter(risk_id=risk.pk)
        then = [c.text for c in sorted(before, key=lambda control: control.position)]
        now = [c.text for c in risk.controls.all()]
        changes.append(TextChange("Key controls", "".join(f"<li>{c}</li>" for c in then),
                                  "".join(f"<li>{c}</li>" for c in now), rich=True))  # fmt: skip
    return changes
