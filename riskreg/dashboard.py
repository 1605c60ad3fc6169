"""The chief officers' dashboard: one register's picture, read in a minute before a board.

Everything is counted in the database (GROUP BY), so the number of queries does not grow
with the number of risks. Users who may see the live register get the open quarter's
working risks; everyone else (PCC staff) gets the latest closed quarter, from its frozen
snapshots only, and never a live risk.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from registers.models import (
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
    Trend,
    band_for_score,
)
from registers.services import with_trend

TREND_QUARTERS = 8
NOT_RECORDED_FILL = "#8a96a3"  # grey bar segment: 3:1 against white, as WCAG asks of graphics
ATTENTION_LIST_LIMIT = 10


@dataclass
class HeatCell:
    likelihood: int
    impact: int
    band: RatingBand | None
    count: int
    url: str


@dataclass
class HeatMap:
    likelihoods: list  # LikelihoodLevel, most likely first (the grid's top row)
    impacts: list  # ImpactLevel, least impact first (the grid's first column)
    rows: list[tuple[object, list[HeatCell]]]
    scored: int
    band_only: list[tuple[RatingBand, int, str]]  # risks rated by band without scores
    not_rated: int


@dataclass
class RatingRow:
    band: RatingBand | None  # None: not rated
    now: int
    before: int | None  # None: there is no earlier quarter to compare with
    url: str = ""

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.now - self.before


@dataclass
class MovementItem:
    label: str
    count: int
    url: str


@dataclass
class Movement:
    period: ReportingPeriod
    compared_with: ReportingPeriod | None
    items: list[MovementItem]


@dataclass
class Attention:
    overdue_reviews: list[Risk] | None  # None: not shown (published view)
    overdue_reviews_count: int = 0
    hmic_overdue: int | None = None
    hmic_url: str = ""
    governance_review: object = None
    governance_flags: list = field(default_factory=list)


@dataclass
class Segment:
    label: str
    count: int
    fill: str
    y: float
    height: float


@dataclass
class TrendBar:
    period: ReportingPeriod
    live: bool
    counts: list[int]  # in the order of TrendChart.series
    total: int
    x: float
    segments: list[Segment]


@dataclass
class TrendChart:
    series: list[tuple[str, str]]  # (label, fill), most severe first
    bars: list[TrendBar]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    ticks: list[tuple[int, float]]
    bar_width: int
    legend: list[tuple[str, str, int]]  # (label, fill, x)


@dataclass
class Dashboard:
    register: Register
    period: ReportingPeriod  # the quarter shown: open (live view) or latest closed
    live: bool
    previous: ReportingPeriod | None  # the quarter "now" is compared with
    heat_map: HeatMap
    ratings: list[RatingRow]
    movements: list[Movement]
    attention: Attention
    trend: TrendChart

    @property
    def total(self) -> int:
        return sum(row.now for row in self.ratings)


def build_dashboard(
    *, register: Register, live: bool, user, today: datetime.date | None = None
) -> Dashboard | None:
    """The dashboard of `register` as `user` may see it; None if no quarter can be shown.

    `live` says whether the user may see the open quarter's working register.
    """
    today = today or timezone.localdate()
    latest_closed = register.latest_closed_period()
    period = register.open_period() if live else None
    if period is None:
        live, period = False, latest_closed
    if period is None:
        return None
    scale = register.rating_scale
    bands = list(scale.bands.all())
    if live:
        current = Risk.objects.filter(register=register, status=Risk.Status.OPEN)
        previous = latest_closed
    else:
        current = _published(period)
        previous = period.previous_period()
    before = _published(previous) if previous else None
    movements = [_closed_quarter_movement(latest_closed)] if latest_closed else []
    if live:
        movements.insert(0, _live_movement(period, latest_closed))
    return Dashboard(
        register=register,
        period=period,
        live=live,
        previous=previous,
        heat_map=_heat_map(scale, bands, current, period),
        ratings=_ratings(bands, current, before, period),
        movements=movements,
        attention=_attention(register, live, user, today),
        trend=_trend(register, bands, period, current if live else None),
    )


def register_url(period: ReportingPeriod, **params) -> str:
    """The register page of `period`, filtered by `params` (the register's GET filters)."""
    return f"{period.get_absolute_url()}?{urlencode(params)}"


def _published(period: ReportingPeriod) -> QuerySet:
    # A snapshot's status is the risk's at the close; closed risks are not on the register.
    return QuarterlySnapshot.objects.filter(period=period).exclude(status=Risk.Status.CLOSED)


def _counts_by_band(rows: QuerySet) -> dict[int | None, int]:
    return {row["band_id"]: row["n"] for row in rows.values("band_id").annotate(n=Count("pk"))}


def _heat_map(scale, bands, current: QuerySet, period: ReportingPeriod) -> HeatMap:
    likelihoods = list(scale.likelihoods.order_by("-value"))
    impacts = list(scale.impacts.order_by("value"))
    scored = {
        (row["likelihood"], row["impact_score"]): row["n"]
        for row in current.filter(likelihood__isnull=False, impact_score__isnull=False)
        .values("likelihood", "impact_score")
        .annotate(n=Count("pk"))
    }
    unscored = _counts_by_band(
        current.filter(Q(likelihood__isnull=True) | Q(impact_score__isnull=True))
    )

    rows = []
    for level in likelihoods:
        cells = [
            HeatCell(
                likelihood=level.value,
                impact=impact.value,
                band=band_for_score(bands, level.value * impact.value),
                count=scored.get((level.value, impact.value), 0),
                url=register_url(
                    period, likelihood=level.value, impact_score=impact.value, status="open"
                ),
            )
            for impact in impacts
        ]
        rows.append((level, cells))
    return HeatMap(
        likelihoods=likelihoods,
        impacts=impacts,
        rows=rows,
        scored=sum(scored.values()),
        band_only=[
            (band, unscored[band.pk], register_url(period, band=band.pk, status="open"))
            for band in bands
            if unscored.get(band.pk)
        ],
        not_rated=unscored.get(None, 0),
    )


def _ratings(bands, current: QuerySet, before: QuerySet | None, period) -> list[RatingRow]:
    now = _counts_by_band(current)
    then = _counts_by_band(before) if before is not None else None
    rows = [
        RatingRow(
            band=band,
            now=now.get(band.pk, 0),
            before=None if then is None else then.get(band.pk, 0),
            url=register_url(period, band=band.pk, status="open"),
        )
        for band in bands
    ]
    if now.get(None) or (then and then.get(None)):
        rows.append(
            RatingRow(
                band=None, now=now.get(None, 0), before=None if then is None else then.get(None, 0)
            )
        )
    return rows


def _live_movement(period: ReportingPeriod, latest_closed: ReportingPeriod | None) -> Movement:
    """The open quarter so far: each risk's trend as the register shows it (set or proposed)."""
    risks = with_trend(Risk.objects.filter(register=period.register), period)
    counts = risks.aggregate(
        new=Count("pk", filter=Q(status=Risk.Status.OPEN, trend=Trend.NEW)),
        escalated=Count("pk", filter=Q(status=Risk.Status.OPEN, trend=Trend.INCREASING)),
        deescalated=Count("pk", filter=Q(status=Risk.Status.OPEN, trend=Trend.DECREASING)),
        closed=Count("pk", filter=Q(status=Risk.Status.CLOSED)),
    )
    return Movement(
        period=period,
        compared_with=latest_closed,
        items=[
            MovementItem(
                "New", counts["new"], register_url(period, trend=Trend.NEW, status="open")
            ),
            MovementItem(
                "Escalated",
                counts["escalated"],
                register_url(period, trend=Trend.INCREASING, status="open"),
            ),
            MovementItem(
                "De-escalated",
                counts["deescalated"],
                register_url(period, trend=Trend.DECREASING, status="open"),
            ),
            MovementItem("Closed", counts["closed"], register_url(period, status="closed")),
        ],
    )


def _closed_quarter_movement(period: ReportingPeriod) -> Movement:
    """What changed in a closed quarter, counted as `services.quarter_changes` lists it."""
    previous = period.previous_period()
    prior = QuarterlySnapshot.objects.filter(period=previous, risk=OuterRef("risk"))
    counts = (
        QuarterlySnapshot.objects.filter(period=period)
        .annotate(
            had_prior=Exists(prior), prior_severity=Subquery(prior.values("band__severity")[:1])
        )
        .aggregate(
            new=Count("pk", filter=Q(had_prior=False)),
            escalated=Count("pk", filter=Q(band__severity__gt=F("prior_severity"))),
            deescalated=Count("pk", filter=Q(band__severity__lt=F("prior_severity"))),
        )
    )
    closed = (
        QuarterlySnapshot.objects.filter(period=previous)
        .exclude(risk__snapshots__period=period)
        .count()
        if previous
        else 0
    )
    changes = reverse(
        "registers:quarter_changes", args=[period.register.slug, period.year, period.quarter]
    )
    return Movement(
        period=period,
        compared_with=previous,
        items=[
            MovementItem("New", counts["new"], f"{changes}#new"),
            MovementItem("Escalated", counts["escalated"], f"{changes}#escalated"),
            MovementItem("De-escalated", counts["deescalated"], f"{changes}#deescalated"),
            MovementItem("Closed", closed, f"{changes}#closed"),
        ],
    )


def _attention(register: Register, live: bool, user, today: datetime.date) -> Attention:
    attention = Attention(overdue_reviews=None)
    if live:
        overdue = Risk.objects.filter(
            register=register, status=Risk.Status.OPEN, next_review_date__lt=today
        ).order_by("next_review_date", "reference")
        attention.overdue_reviews = list(overdue[:ATTENTION_LIST_LIMIT])
        attention.overdue_reviews_count = (
            overdue.count()
            if len(attention.overdue_reviews) == ATTENTION_LIST_LIMIT
            else len(attention.overdue_reviews)
        )
    # Governance lives in another app; only its reader roles see it here.
    if user.has_perm("governance.view_recommendation"):
        from governance.models import Recommendation

        attention.hmic_overdue = Recommendation.objects.overdue(today).count()
        attention.hmic_url = reverse("governance:recommendation_list") + "?overdue=true"
    if user.has_perm("governance.view_assessment"):
        from governance.models import Assessment, GovernanceReview, Rag

        review = GovernanceReview.objects.order_by("-year").first()
        if review is not None:
            attention.governance_review = review
            attention.governance_flags = list(
                Assessment.objects.filter(review=review, rag__in=[Rag.RED, Rag.AMBER])
                .select_related("sub_principle__principle")
                .order_by("sub_principle__principle__letter", "sub_principle__position")
            )
    return attention


def _trend(register, bands, period: ReportingPeriod, live_current: QuerySet | None) -> TrendChart:
    """Count per band over the last eight quarters up to `period`, with its bar geometry.

    Closed quarters are counted from their snapshots; the open quarter (live view only)
    from the live risks.
    """
    periods = register.periods.filter(
        Q(year__lt=period.year) | Q(year=period.year, quarter__lte=period.quarter)
    )
    if live_current is None:
        periods = periods.filter(status=ReportingPeriod.Status.CLOSED)
    periods = list(reversed(periods.order_by("-year", "-quarter")[:TREND_QUARTERS]))
    counts: dict[int, dict[int | None, int]] = {p.pk: {} for p in periods}
    for row in (
        QuarterlySnapshot.objects.filter(period__in=[p.pk for p in periods])
        .exclude(status=Risk.Status.CLOSED)
        .values("period_id", "band_id")
        .annotate(n=Count("pk"))
    ):
        counts[row["period_id"]][row["band_id"]] = row["n"]
    if live_current is not None and not period.is_closed:
        counts[period.pk] = _counts_by_band(live_current)
    keys = [band.pk for band in bands] + [None]
    series = [(band.label, band.colour) for band in bands] + [("Not recorded", NOT_RECORDED_FILL)]
    return _chart(periods, [[counts[p.pk].get(key, 0) for key in keys] for p in periods], series)


def _chart(periods, table: list[list[int]], series) -> TrendChart:
    width, height, left, top, bottom = 640, 300, 48, 16, 240
    most = max((sum(row) for row in table), default=0)
    step = 5 if most <= 30 else 10 ** (len(str(most)) - 1)
    axis_max = max(step, -(-most // step) * step)
    scale = (bottom - top) / axis_max
    slot = (width - left - 8) / TREND_QUARTERS
    bar_width = int(slot * 0.6)
    bars = []
    for index, (period, row) in enumerate(zip(periods, table, strict=True)):
        y = float(bottom)
        segments = []
        for (label, fill), count in zip(series, row, strict=True):
            if count:
                y -= count * scale
                segments.append(Segment(label, count, fill, round(y, 1), round(count * scale, 1)))
        bars.append(
            TrendBar(
                period=period,
                live=not period.is_closed,
                counts=row,
                total=sum(row),
                x=round(left + index * slot + (slot - bar_width) / 2, 1),
                segments=segments,
            )
        )
    ticks = [(value, round(bottom - value * scale, 1)) for value in range(0, axis_max + 1, step)]
    # Keep the tick labels few enough to read.
    while len(ticks) > 7:
        ticks = ticks[::2]
    return TrendChart(
        series=series,
        bars=bars,
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        ticks=ticks,
        bar_width=bar_width,
        legend=[(label, fill, left + index * 110) for index, (label, fill) in enumerate(series)],
    )
