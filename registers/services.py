"""Work across several rows: the register table for a quarter, trends, saving a risk."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from basics import stamps

from .access import person_name
from .appetite import add_default_categories, with_appetite
from .filters import register_order
from .models import (
    SCORE_FIELDS,
    Action,
    ActionDateMove,
    Control,
    PeriodClosedError,
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
    SignOff,
    Trend,
    band_for_score,
    quarter_dates,
)
from .reviews import add_default_frequencies

# The stamps (basics.stamps) of what pages cached from a register show: every write to the
# register's data moves `register_stamp` on in its transaction; closing, reopening and
# taking over quarters move PERIODS_STAMP on too (the pack list, the published dashboard),
# and so does publishing governance (governance.publication.publish); the administration's
# writes, which may touch any register or rating scale, move ADMIN_STAMP on.
PERIODS_STAMP = "registers:periods"
ADMIN_STAMP = "registers:admin"


def register_stamp(register_id: int) -> str:
    return f"register:{register_id}"


def register_changed(register_id: int, *also: str) -> None:
    """Say, inside the writing transaction, that the register's data changed."""
    stamps.bump(register_stamp(register_id), *also)


def closing(period: ReportingPeriod) -> tuple:
    """What keys a closed quarter's cached pages: the quarter and its (last) closing, which
    a reopening and closing again changes. A quarter taken over closed has no closing time."""
    return (period.pk, period.closed_at.isoformat() if period.closed_at else None)


def admin_changed() -> None:
    """Say, inside the writing transaction, that the administration changed register data."""
    stamps.bump(ADMIN_STAMP, PERIODS_STAMP)


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
    # The register's optional columns (OPTIONAL_COLUMNS): the risk model, as frozen or live.
    owner: str = ""
    category: str = ""
    appetite: str = ""  # the appetite level's label
    tolerance: int | None = None
    outside_appetite: bool = False
    inherent: Rating | None = None
    target: Rating | None = None
    target_date: datetime.date | None = None
    treatment: str = ""  # the treatment's label
    next_review_date: datetime.date | None = None
    open_actions: int | None = None  # None: not counted for this table

    @property
    def is_restricted(self) -> bool:
        return self.circulation != "public"


# The columns a reader may add to the published nine (a GET parameter, `columns`).
OPTIONAL_COLUMNS = [
    ("owner", "Risk owner"),
    ("category", "Category"),
    ("appetite", "Appetite"),
    ("inherent", "Inherent rating"),
    ("target", "Target rating"),
    ("treatment", "Treatment"),
    ("next_review", "Next review"),
    ("open_actions", "Open actions"),
]


@dataclass(frozen=True)
class Rating:
    """A likelihood x impact rating and the band its score falls in."""

    likelihood: int
    impact: int
    band: RatingBand | None

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    def __str__(self) -> str:
        band = f"{self.band.label}, " if self.band else ""
        return f"{band}{self.likelihood} × {self.impact} = {self.score}"


@dataclass
class RatingPath:
    """A risk's three ratings, read "inherent → current → target by date"."""

    inherent: Rating | None
    current: Rating | None
    current_band: RatingBand | None  # the current band, scored or not
    target: Rating | None
    target_date: datetime.date | None

    @property
    def reduced_by(self) -> int | None:
        """How many points the controls take off the inherent score (negative: added)."""
        if self.inherent is None or self.current is None:
            return None
        return self.inherent.score - self.current.score

    @property
    def gap(self) -> int | None:
        """How many points the current score is above its target (0: at or below it)."""
        if self.current is None or self.target is None:
            return None
        return max(self.current.score - self.target.score, 0)


def rating_path(risk: Risk, bands: list[RatingBand]) -> RatingPath:
    return RatingPath(
        inherent=rating(bands, risk.inherent_likelihood, risk.inherent_impact),
        current=rating(bands, risk.likelihood, risk.impact_score),
        current_band=risk.band,
        target=rating(bands, risk.target_likelihood, risk.target_impact),
        target_date=risk.target_date,
    )


def rating(bands: list[RatingBand], likelihood: int | None, impact: int | None) -> Rating | None:
    """The rating of a likelihood and impact on a scale (`bands`); None when either is missing."""
    if likelihood is None or impact is None:
        return None
    return Rating(likelihood, impact, band_for_score(bands, likelihood * impact))


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
    earlier = ReportingPeriod.objects.filter(
        register_id=period.register_id, year=year, quarter=quarter
    ).values("pk")[:1]
    # Each risk joined to its rows of this quarter and the one before (the unique index on
    # risk and period), not a correlated subquery for every risk.
    return (
        risks.annotate(
            trend_this=FilteredRelation("snapshots", condition=Q(snapshots__period=period.pk)),
            trend_earlier=FilteredRelation(
                "snapshots", condition=Q(snapshots__period=Subquery(earlier))
            ),
        )
        .annotate(
            set_trend=F("trend_this__trend"),
            had_previous=ExpressionWrapper(Q(trend_earlier__id__isnull=False), BooleanField()),
            previous_severity=F("trend_earlier__band__severity"),
        )
        .annotate(
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
    bands = list(period.register.rating_scale.bands.all())
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
                owner=snap.owner_name,
                category=snap.category_name,
                appetite=snap.get_appetite_display() if snap.appetite else "",
                tolerance=snap.tolerance,
                outside_appetite=snap.outside_appetite,
                inherent=rating(bands, snap.inherent_likelihood, snap.inherent_impact),
                target=rating(bands, snap.target_likelihood, snap.target_impact),
                target_date=snap.target_date,
                treatment=snap.get_treatment_display() if snap.treatment else "",
                next_review_date=snap.next_review_date,
                open_actions=None  # closed before actions were kept: not recorded
                if snap.actions is None
                else sum(1 for a in snap.actions if a["status"] in Action.OPEN_STATUSES),
            )
        )
    return rows


def live_rows(
    period: ReportingPeriod, risks: QuerySet, *, count_actions: bool = False
) -> list[RegisterRow]:
    """Rows of the open quarter, from live risks annotated by `with_trend` (filtered, ordered).

    This quarter's trend is the one an officer set, else the one closing would propose.
    `count_actions`: count each risk's open actions (the "Open actions" column).
    """
    risks = (
        with_appetite(risks)
        .select_related("band", "owner", "lead_officer_user", "category")
        .prefetch_related("controls")
    )
    if count_actions:
        risks = risks.prefetch_related(Prefetch("actions", Action.objects.open(), "open_actions"))
    risks = list(risks)
    bands = list(period.register.rating_scale.bands.all())
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
                lead_officer=risk.lead_officer_name,
                status=risk.status,
                band=risk.band,
                trends=trends,
                circulation=risk.circulation,
                restriction_reason=risk.restriction_reason,
                owner=person_name(risk.owner) if risk.owner else "",
                category=risk.category.name if risk.category else "",
                appetite=risk.category.get_appetite_display() if risk.category else "",
                tolerance=risk.category.tolerance if risk.category else None,
                outside_appetite=risk.outside_appetite,
                inherent=rating(bands, risk.inherent_likelihood, risk.inherent_impact),
                target=rating(bands, risk.target_likelihood, risk.target_impact),
                target_date=risk.target_date,
                treatment=risk.get_treatment_display() if risk.treatment else "",
                next_review_date=risk.next_review_date,
                open_actions=len(risk.open_actions) if count_actions else None,
            )
        )
    return rows


def save_controls(
    *, risk: Risk, controls: tuple[tuple[int | None, tuple[str, str, str]], ...]
) -> None:
    """Make the risk's controls the given list, in order: (id or None for a new one,
    (HTML, effectiveness, assurance)).

    Stored controls not in the list are removed (their history stays); a listed id that is
    no longer the risk's (removed by someone else) is added again as a new control.
    """
    stored = {control.pk: control for control in risk.controls.all()}
    kept = {pk for pk, _ in controls if pk is not None}
    for pk, control in stored.items():
        if pk not in kept:
            control.delete()
    for position, (pk, (text, effectiveness, assurance)) in enumerate(controls, start=1):
        control = stored.get(pk)
        wanted = {
            "text": text,
            "position": position,
            "effectiveness": effectiveness,
            "assurance": assurance,
        }
        if control is None:
            risk.controls.create(**wanted)
        elif any(getattr(control, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(control, name, value)
            control.save()


def lock_open_period(*, register: Register, period: ReportingPeriod | None = None):
    """Lock the register's open quarter (`period` if given) until the transaction ends.

    Closing locks the quarter first too, so whoever comes second waits for the other to
    commit; a quarter found closed then raises PeriodClosedError.
    """
    locked = ReportingPeriod.objects.select_for_update()
    if period is not None:
        found = locked.filter(pk=period.pk).first()
    else:
        found = locked.filter(register=register, status=ReportingPeriod.Status.OPEN).first()
    if found is None:
        raise PeriodClosedError("This register has no open quarter.")
    if found.is_closed:
        raise PeriodClosedError(
            f"{found.label} was closed while you were editing, so nothing was saved. "
            "Check the register and save again: it now goes into the next quarter."
        )
    if found.sign_offs.filter(decision=SignOff.Decision.PENDING).exists():
        raise PeriodClosedError(
            f"{found.label} is awaiting a chief officer's sign-off, so nothing was saved. "
            "The register cannot change until the quarter is approved or returned."
        )
    register_changed(found.register_id)
    return found


@transaction.atomic
def set_current_trend(*, risk: Risk, trend: str, period: ReportingPeriod | None = None) -> None:
    """Set (or clear, with "") the trend of the open quarter for a risk."""
    period = lock_open_period(register=risk.register, period=period)
    snapshot = QuarterlySnapshot.objects.filter(risk=risk, period=period).first()
    if snapshot is None:
        if trend:
            QuarterlySnapshot.objects.create(risk=risk, period=period, trend=trend)
        return
    if snapshot.trend != trend:
        # Only the trend: the row's frozen columns are closing's to write.
        snapshot.trend = trend
        snapshot.save(update_fields=["trend"])


@dataclass
class CloseProposal:
    risk: Risk
    previous: QuarterlySnapshot | None
    proposed_trend: str
    set_trend: str  # what an officer set during the quarter, "" if nothing


def freezable(risks: QuerySet) -> list[Risk]:
    """Live risks with everything `freeze_values` reads, in a fixed number of queries.

    Each risk's controls come as their texts (`control_texts`) and its actions as a list
    (`action_list`): for thousands of risks, plain lists are several times faster to fill
    than model objects in each risk's related managers.
    """
    # Ordered within a risk as its related manager orders them.
    actions = Action.objects.select_related("owner").order_by("target_date", "pk")
    risks = list(
        with_appetite(risks)
        .select_related("band", "owner", "lead_officer_user", "category")
        .prefetch_related(Prefetch("actions", actions, to_attr="action_list"))
    )
    texts = defaultdict(list)
    controls = Control.objects.filter(risk__in=[risk.pk for risk in risks])
    for risk_id, text in controls.order_by("position", "pk").values_list("risk_id", "text"):
        texts[risk_id].append(text)
    for risk in risks:
        risk.control_texts = texts[risk.pk]
    return risks


def freeze_values(risk: Risk) -> dict:
    """What closing a quarter copies from a live risk (from `freezable`) into its snapshot:
    the published row, and the risk model as it stood (owner, the three ratings, category and
    the appetite for it, treatment, next review, the actions and their status).

    The one list of frozen columns; `close_quarter` writes them for every risk at once, and
    `freezable` reads what they need in a fixed number of queries.
    """
    category = risk.category
    return {
        "band": risk.band,
        "likelihood": risk.likelihood,
        "impact_score": risk.impact_score,
        "reference": risk.reference,
        "name": risk.name,
        "description": risk.description,
        "impact": risk.impact,
        "controls": risk.control_texts,
        "lead_officer": risk.lead_officer_name,
        "status": risk.status,
        "position": risk.position,
        "circulation": risk.circulation,
        "restriction_reason": risk.restriction_reason,
        "owner_name": person_name(risk.owner) if risk.owner else "",
        **{name: getattr(risk, name) for name in SCORE_FIELDS},
        "target_date": risk.target_date,
        "category_name": category.name if category else "",
        "appetite": category.appetite if category else "",
        "tolerance": category.tolerance if category else None,
        "outside_appetite": risk.outside_appetite,
        "treatment": risk.treatment,
        "next_review_date": risk.next_review_date,
        "actions": [
            {
                "text": action.text,
                "owner": person_name(action.owner) if action.owner else "",
                "target_date": _iso(action.target_date),
                "original_target_date": _iso(action.original_target_date),
                "status": action.status,
            }
            for action in risk.action_list
        ],
    }


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def closing_risks(period: ReportingPeriod) -> list[Risk]:
    """The open risks that closing `period` freezes, in register order, with their trends
    (`with_trend`) and all that `freeze_values` reads (`freezable`)."""
    open_risks = period.register.risks.filter(status=Risk.Status.OPEN)
    return freezable(register_order(with_trend(open_risks, period)))


def close_proposals(period: ReportingPeriod) -> list[CloseProposal]:
    """Every open risk with last quarter's row and the trend closing would give it."""
    risks = closing_risks(period)
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
    quarter, else the proposal. Returns each risk with the trend it was given. A fixed
    number of queries whatever the number of risks: the snapshots and their history rows
    are written in bulk (SQLite splits a bulk insert by its limit of 999 parameters).
    """
    # The quarter, then its register's risks and rows, locked in the order saves lock
    # them (save_risk, set_current_trend): a save racing the close either commits before
    # these locks are granted, and is frozen, or waits and finds the quarter closed.
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise PeriodClosedError(f"{period.label} is already closed.")
    if period.sign_offs.filter(decision=SignOff.Decision.PENDING).exists():
        # approve_sign_off decides the submission before it closes the quarter.
        raise PeriodClosedError(f"{period.label} is awaiting a chief officer's sign-off.")
    list(Risk.objects.select_for_update().filter(register=period.register).values_list("pk"))
    register_changed(period.register_id, PERIODS_STAMP)
    existing = {
        snap.risk_id: snap
        for snap in QuarterlySnapshot.objects.select_for_update().filter(period=period)
    }
    overrides = overrides or {}
    valid = set(Trend.values)
    if bad := {trend for trend in overrides.values() if trend not in valid}:
        raise ValueError(f"Not a trend: {', '.join(sorted(bad))}")
    closed, created, updated = [], [], []
    for risk in closing_risks(period):
        # As close_proposals proposes it, without last quarter's rows (only the page shows them).
        trend = overrides.get(risk.pk) or risk.set_trend or risk.proposed_trend
        snapshot = existing.pop(risk.pk, None)
        if snapshot is None:
            snapshot = QuarterlySnapshot(risk=risk, period=period)
            created.append(snapshot)
        else:
            updated.append(snapshot)
        snapshot.trend = trend
        frozen = freeze_values(risk)
        for name, value in frozen.items():
            setattr(snapshot, name, value)
        closed.append((risk, trend))
    now = timezone.now()
    if created:
        QuarterlySnapshot.objects.bulk_create(created)
        _copy_to_history([s.pk for s in created], history_type="+", user=user, date=now)
    if updated:
        QuarterlySnapshot.objects.bulk_update(updated, ["trend", *frozen])
        _copy_to_history([s.pk for s in updated], history_type="~", user=user, date=now)
    # A trend set during the quarter on a risk since closed would otherwise stay behind
    # as an empty row of the published register: the closed risk is not on it.
    if existing:
        QuarterlySnapshot.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
    period.status = ReportingPeriod.Status.CLOSED
    period.closed_at = now
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


def _copy_to_history(pks: list[int], *, history_type: str, user, date) -> None:
    """Write a history row for each listed snapshot, copied from the table by the database.

    The row is the one simple-history's `bulk_create_with_history` and
    `bulk_update_with_history` write from model objects (every tracked column as stored,
    `date`, `user`, the type, no change reason), without building an object for each row:
    one INSERT ... SELECT (on SQLite one for every 995 rows, its limit of 999 parameters).
    """
    history = QuarterlySnapshot.history.model
    meta, quote = history._meta, connection.ops.quote_name
    own = {
        "history_date": date,
        "history_user": user.pk if user else None,
        "history_type": history_type,
        "history_change_reason": None,
    }
    tracked = [
        (quote(meta.get_field(f.name).column), quote(f.column)) for f in history.tracked_fields
    ]
    into = [target for target, _ in tracked] + [quote(meta.get_field(name).column) for name in own]
    values = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in own.items()
    ]
    source = QuarterlySnapshot._meta
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(into)}) "
        f"SELECT {', '.join(column for _, column in tracked)}, {', '.join(['%s'] * len(own))} "
        f"FROM {quote(source.db_table)} WHERE {quote(source.pk.column)} IN "
    )
    limit = connection.features.max_query_params  # None: no limit (PostgreSQL)
    size = limit - len(own) if limit else max(len(pks), 1)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), size):
            batch = pks[start : start + size]
            cursor.execute(f"{sql}({', '.join(['%s'] * len(batch))})", [*values, *batch])


@transaction.atomic
def submit_for_sign_off(
    *, period: ReportingPeriod, user, overrides: dict[int, str] | None = None
) -> SignOff:
    """Submit the open quarter for a chief officer's sign-off, fixing the trends it will be
    published with (an override, else the trend set during the quarter, else the proposal).

    Until the decision nothing on the register can change (`lock_open_period` refuses).
    """
    period = lock_open_period(register=period.register, period=period)
    overrides = overrides or {}
    if bad := {trend for trend in overrides.values() if trend not in set(Trend.values)}:
        raise ValueError(f"Not a trend: {', '.join(sorted(bad))}")
    trends = {
        str(p.risk.pk): overrides.get(p.risk.pk) or p.set_trend or p.proposed_trend
        for p in close_proposals(period)
    }
    sign_off = SignOff(period=period, submitted_by=user, submitted_at=timezone.now(), trends=trends)
    sign_off._change_reason = f"Submitted for sign-off by {user.get_username()}"
    sign_off.save()
    return sign_off


def _lock_pending(period: ReportingPeriod) -> SignOff:
    ReportingPeriod.objects.select_for_update().filter(pk=period.pk).first()
    sign_off = (
        SignOff.objects.select_for_update()
        .filter(period=period, decision=SignOff.Decision.PENDING)
        .first()
    )
    if sign_off is None:
        raise PeriodClosedError(f"{period.label} is not awaiting sign-off.")
    register_changed(period.register_id)
    return sign_off


@transaction.atomic
def approve_sign_off(*, period: ReportingPeriod, user) -> SignOff:
    """Approve the pending submission: the quarter closes with the trends fixed then."""
    sign_off = _lock_pending(period)
    sign_off.decision = SignOff.Decision.APPROVED
    sign_off.decided_by, sign_off.decided_at = user, timezone.now()
    sign_off._change_reason = f"Approved by {user.get_username()}"
    sign_off.save()
    overrides = {int(pk): trend for pk, trend in sign_off.trends.items()}
    close_quarter(period=period, user=user, overrides=overrides)
    return sign_off


@transaction.atomic
def return_sign_off(*, period: ReportingPeriod, user, comment: str) -> SignOff:
    """Return the pending submission with a comment: the quarter stays open and editable."""
    if not comment.strip():
        raise ValueError("Say why the quarter is returned.")
    sign_off = _lock_pending(period)
    sign_off.decision = SignOff.Decision.RETURNED
    sign_off.decided_by, sign_off.decided_at = user, timezone.now()
    sign_off.comment = comment.strip()
    sign_off._change_reason = f"Returned by {user.get_username()}"
    sign_off.save()
    return sign_off


@transaction.atomic
def reopen_quarter(*, period: ReportingPeriod, user, reason: str) -> None:
    """Reopen the latest closed quarter (administrators only), recording who and why.

    The quarter opened by its closing is removed again, if nothing was recorded in it yet.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ValueError(f"{period.label} is not closed.")
    register_changed(period.register_id, PERIODS_STAMP)
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


@transaction.atomic
def take_over_quarter(
    *,
    register: Register,
    year: int,
    quarter: int,
    trends: list[tuple[Risk, str]],
    user,
    reason: str,
) -> ReportingPeriod:
    """Record a quarter published before riskreg (on paper, in a spreadsheet) as closed,
    its register holding each given risk with its trend only: text and rating "not
    recorded", as the seed's Q1 2021/22 was taken over.

    Only for a quarter the register does not have yet, before its open quarter: a quarter
    riskreg published is never rewritten. Its rows and their history are written in bulk,
    past the closed-quarter guard that a quarter being created this way has no use for.
    """
    year_q = (year, quarter)
    if ReportingPeriod.objects.filter(register=register, year=year, quarter=quarter).exists():
        raise PeriodClosedError(f"{ReportingPeriod(year=year, quarter=quarter).label} exists.")
    open_period = register.open_period()
    if open_period is not None and year_q >= (open_period.year, open_period.quarter):
        raise ValueError("Only a quarter before the open one can be taken over.")
    start, end = quarter_dates(year, quarter)
    period = ReportingPeriod(
        register=register, year=year, quarter=quarter, start=start, end=end,
        status=ReportingPeriod.Status.CLOSED, closed_at=timezone.now(), closed_by=user,
    )  # fmt: skip
    period._history_user = user
    period._change_reason = reason
    period.save()
    rows = [
        QuarterlySnapshot(
            risk=risk,
            period=period,
            trend=trend,
            reference=risk.reference,
            name=risk.name,
            status=Risk.Status.OPEN,
            position=risk.position,
            circulation=risk.circulation,
        )  # fmt: skip
        for risk, trend in trends
    ]
    # The plain manager: SnapshotQuerySet refuses rows of a closed quarter, rightly for
    # every quarter riskreg closed.
    rows = QuarterlySnapshot._base_manager.bulk_create(rows)
    QuarterlySnapshot.history.bulk_history_create(
        rows, default_user=user, default_change_reason=reason
    )
    return period


def record_date_move(*, action: Action, moved_from, user) -> ActionDateMove:
    """Record that `action`'s target date moved from `moved_from` to its date now."""
    return ActionDateMove.objects.create(
        action=action,
        moved_from=moved_from,
        moved_to=action.target_date,
        moved_at=timezone.now(),
        moved_by=user,
    )


def add_register_defaults(register: Register) -> None:
    """The Orange Book's categories and a review frequency per band, where missing."""
    add_default_categories(register)
    add_default_frequencies(register)
