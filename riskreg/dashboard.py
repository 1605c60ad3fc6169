"""The chief officers' dashboard: one register's picture, read in a minute before a board.

What a quarter shows (band counts, heat map, movements) comes from
`registers.quarter.quarter_picture`, as on the "What changed" page and in the pack; this
module only adds what is the dashboard's own (what needs attention, the trend chart's
geometry). Users who may see the live register get the open quarter's working risks;
everyone else (PCC staff) gets the latest closed quarter, from its frozen snapshots only.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from basics import stamps
from governance.publication import Reading, reading_for, sees_live
from registers.access import visible_actions
from registers.models import Action, Register, ReportingPeriod, Risk
from registers.quarter import BandCount, HeatMap, Movements, Quarter, band_totals, quarter_picture
from registers.reviews import overdue_reviews, reviews_due_soon
from registers.services import ADMIN_STAMP, PERIODS_STAMP, register_stamp

TREND_QUARTERS = 8
NOT_RECORDED_FILL = "#8a96a3"  # grey bar segment: 3:1 against white, as WCAG asks of graphics
ATTENTION_LIST_LIMIT = 10


@dataclass
class Attention:
    overdue_reviews: list[Risk] | None  # None: not shown (published view)
    overdue_reviews_count: int = 0
    reviews_due: list[Risk] = field(default_factory=list)  # registers.reviews.reviews_due_soon
    reviews_due_count: int = 0
    overdue_actions: list[Action] | None = None  # None: not shown (published view)
    overdue_actions_count: int = 0
    overdue_actions_url: str = ""
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
    quarter: Quarter  # the quarter shown: open (live view) or latest closed
    movements: list[Movements]  # the open quarter's so far (live view), the latest closed's
    attention: Attention
    trend: TrendChart

    @property
    def period(self) -> ReportingPeriod:
        return self.quarter.period

    @property
    def live(self) -> bool:
        return self.quarter.live

    @property
    def previous(self) -> ReportingPeriod | None:
        """The quarter "now" is compared with."""
        return self.quarter.previous

    @property
    def heat_map(self) -> HeatMap:
        return self.quarter.heat_map

    @property
    def ratings(self) -> list[BandCount]:
        return self.quarter.band_counts

    @property
    def total(self) -> int:
        return self.quarter.total

    @cached_property
    def outside_appetite(self) -> list:
        """The first risks outside appetite, as many as the panel lists."""
        return self.quarter.first_outside_appetite(ATTENTION_LIST_LIMIT)


def _build(register: Register, period: ReportingPeriod, live: bool, attention) -> Dashboard:
    # Each quarter's counts read once: the latest closed quarter's serve as the earlier
    # quarter of the open one, and both as bars of the trend.
    tallies: dict = {}
    latest_closed = register.latest_closed_period() if live else None
    earlier = quarter_picture(latest_closed, tallies=tallies) if latest_closed else None
    shown = quarter_picture(period, tallies=tallies)
    movements = [shown.movements] + ([earlier.movements] if earlier else [])
    return Dashboard(
        register=register,
        quarter=shown,
        movements=movements,
        attention=attention,
        trend=_trend(register, shown, tallies),
    )


def choose_register(registers: list[Register], slug: str | None) -> Register | None:
    """The register asked for by `?register=slug` (404 if there is none), else the first."""
    if not slug:
        return registers[0] if registers else None
    found = next((register for register in registers if register.slug == slug), None)
    if found is None:
        raise Http404("No such register.")
    return found


def live_dashboard(*, slug: str | None, user, role: str | None) -> dict:
    """The home page's dashboard for users who may see the live register (officers).

    The register panels come from the cache (`dashboard_page`); the attention list is read
    afresh, being theirs, as of today. Returns the page's `dashboard` HTML and whether it
    shows a quarter.
    """
    registers = list(Register.objects.select_related("rating_scale"))
    register = choose_register(registers, slug)
    if register is None:
        return {"dashboard": "", "shows_quarter": False}
    panels = dashboard_page(register=register, user=user, role=role)["panels"]
    context = {"registers": registers, "register": register, "panels": panels}
    html = render_to_string("riskreg/includes/dashboard.html", context)
    return {"dashboard": mark_safe(html), "shows_quarter": panels is not None}  # rendered above


def published_home(
    request: HttpRequest, *, slug: str | None, role: str | None, today: datetime.date | None = None
) -> dict:
    """The home page for readers of the published view (PCC staff): the register picker,
    the latest closed quarter's panels, the attention list (governance as at its latest
    publication), and the page's navigation and links, rendered once and served from the
    cache to every reader with the same role and permissions.

    Keyed on the role and the reader's whole set of permissions (and staff status), so
    that no reader is served a page built for one who may see more; on today, as governance
    is judged overdue as of today; and on two stamps, read in one query: ADMIN_STAMP
    (registers and their rating scales, changed in the administration) and PERIODS_STAMP,
    which closing, reopening or taking over a quarter and publishing governance move on.
    A register not found is a 404, not cached. The user's name and the CSRF token, in the
    page's header, are not cached.
    """
    user = request.user
    today = today or timezone.localdate()
    permissions = sorted(user.get_all_permissions())
    # The stamps first: a write committed after them is in the data read below.
    seen = stamps.read(ADMIN_STAMP, PERIODS_STAMP)
    who = (role, user.is_staff, permissions)
    key = ("home", "published", who, slug or "", today.isoformat(), seen)

    def render() -> dict:
        registers = list(Register.objects.select_related("rating_scale"))
        register = choose_register(registers, slug)
        dashboard, panels = "", None
        if register is not None:
            period = register.latest_closed_period()
            if period is not None:
                d = _build(register, period, False, attention=None)
                panels = _panels_html(d, register)
                panels["attention"] = _attention_html(_attention(register, False, user, today))
            context = {"registers": registers, "register": register, "panels": panels}
            dashboard = render_to_string("riskreg/includes/dashboard.html", context)
        return {
            "dashboard": dashboard,
            "shows_quarter": panels is not None,
            # The page's navigation (as on the home page) and links: the role's, cached too.
            "nav": render_to_string("includes/nav.html", request=request),
            "links": render_to_string("riskreg/includes/home_links.html", request=request),
        }

    page = stamps.cached(key, render)
    html = {name: mark_safe(page[name]) for name in ("dashboard", "nav", "links")}  # by render()
    return {**html, "shows_quarter": page["shows_quarter"]}


def dashboard_page(
    *, register: Register, user, role: str, today: datetime.date | None = None
) -> dict:
    """What the home page shows of `register` to `user`, who may see the live register:
    the register panels as HTML, from the cache, keyed on the register's stamps, which every
    write to it moves on, and on the role; and the attention list, read afresh (it is this
    user's, as of today). `panels` is None when no quarter can be shown.

    Readers of the published view get the whole page from `published_home`.
    """
    today = today or timezone.localdate()
    # The stamps first: a write committed after them is in the data read below.
    seen = stamps.read(register_stamp(register.pk), ADMIN_STAMP)
    period = register.open_period()
    key = ("dashboard", register.pk, role, "live", seen)

    def render() -> dict | None:
        shown, shows_live = period, True
        if shown is None:
            shown, shows_live = register.latest_closed_period(), False
        if shown is None:
            return None
        d = _build(register, shown, shows_live, attention=None)
        return {"live": shows_live, **_panels_html(d, register)}

    panels = stamps.cached(key, render)
    if panels is None:
        return {"panels": None}
    html = {name: mark_safe(panels[name]) for name in ("scope", "head", "trend")}  # rendered above
    found = _attention(register, panels["live"], user, today)
    html["attention"] = mark_safe(_attention_html(found))  # rendered here
    return {"panels": html}


def _panels_html(d: Dashboard, register: Register) -> dict[str, str]:
    context = {"d": d, "register": register}
    return {
        "scope": render_to_string("riskreg/includes/dashboard_scope.html", context),
        "head": render_to_string("riskreg/includes/dashboard_panels.html", context),
        "trend": render_to_string("riskreg/includes/dashboard_trend.html", context),
    }


def _attention_html(attention: Attention) -> str:
    return render_to_string("riskreg/includes/dashboard_attention.html", {"attention": attention})


def _attention(register: Register, live: bool, user, today: datetime.date) -> Attention:
    attention = Attention(overdue_reviews=None)
    if live:
        open_risks = Risk.objects.filter(register=register, status=Risk.Status.OPEN)
        open_risks = open_risks.select_related("register").order_by("next_review_date", "reference")
        attention.overdue_reviews, attention.overdue_reviews_count = _first_and_count(
            overdue_reviews(open_risks, today)
        )
        attention.reviews_due, attention.reviews_due_count = _first_and_count(
            reviews_due_soon(open_risks, today)
        )
        overdue_actions = (
            visible_actions(user)
            .filter(risk__register=register)
            .overdue(today)
            .select_related("risk__register", "owner")
            .order_by("target_date", "risk__reference", "pk")
        )
        attention.overdue_actions, attention.overdue_actions_count = _first_and_count(
            overdue_actions
        )
        attention.overdue_actions_url = (
            reverse("registers:action_list", args=[register.slug]) + "?status=open&overdue=true"
        )
    # Governance lives in another app; only its reader roles see it here, and PCC staff as
    # at its latest publication (governance.publication), as on the governance pages.
    if not user.has_perm("governance.view_recommendation") and not user.has_perm(
        "governance.view_assessment"
    ):
        return attention
    from governance.models import Assessment, GovernanceReview, Principle, Rag, Recommendation
    from governance.models.cipfa import SubPrinciple
    from governance.models.hmic import overdue_q

    reading = Reading(live=True) if sees_live(user) else reading_for(user)
    if user.has_perm("governance.view_recommendation"):
        attention.hmic_overdue = reading.records(Recommendation).filter(overdue_q(today)).count()
        attention.hmic_url = reverse("governance:recommendation_list") + "?overdue=true"
    if user.has_perm("governance.view_assessment"):
        review = reading.records(GovernanceReview).order_by("-year").first()
        if review is not None:
            attention.governance_review = review
            flags = reading.records(Assessment).filter(
                review_id=review.pk, rag__in=[Rag.RED, Rag.AMBER]
            )
            if reading.live:
                flags = list(flags.select_related("sub_principle__principle"))
            else:
                # Prefetched on the list: an as-at queryset's rows become records after
                # prefetching, which would look for the relations on the history rows.
                flags = list(flags)
                prefetch_related_objects(
                    flags,
                    Prefetch("sub_principle", queryset=reading.records(SubPrinciple)),
                    Prefetch("sub_principle__principle", queryset=reading.records(Principle)),
                )
            attention.governance_flags = sorted(
                flags, key=lambda a: (a.sub_principle.principle.letter, a.sub_principle.position)
            )
    return attention


def _first_and_count(queryset) -> tuple[list, int]:
    """The first ATTENTION_LIST_LIMIT rows and how many there are in all: two queries,
    however many there are."""
    return list(queryset[:ATTENTION_LIST_LIMIT]), queryset.count()


def _trend(register, quarter: Quarter, tallies: dict) -> TrendChart:
    """Count per band over the last eight quarters up to the one shown, with its geometry.

    Closed quarters are counted from their snapshots; the open quarter (live view only)
    from the live risks.
    """
    period = quarter.period
    periods = register.periods.filter(
        Q(year__lt=period.year) | Q(year=period.year, quarter__lte=period.quarter)
    )
    if not quarter.live:
        periods = periods.filter(status=ReportingPeriod.Status.CLOSED)
    periods = list(reversed(periods.order_by("-year", "-quarter")[:TREND_QUARTERS]))
    counts = band_totals(periods, tallies)
    bands = quarter.bands
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
