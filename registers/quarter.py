"""One picture of a quarter: its risks, band counts, heat map and movements.

A closed quarter is read from its frozen snapshots, the open quarter from the live risks;
either way the picture has the same shape, built here once. The dashboard, the "What
changed" page and the pack render it and count nothing themselves, so they cannot disagree.
Its counts are aggregates of one classified query, its lists that query's rows: a
10,000-risk register costs the dashboard a few index scans, not a Python loop.

The rules, each written once:

- **On the register** of a closed quarter: its snapshots (closing freezes the open risks);
  of the open quarter: the open risks (`_on_register`).
- **A movement** (`_classified`, in the database): between a quarter and the one before
  it, a risk is *new* if
  it was not on the earlier register, *closed* if it was and is no longer, *escalated* or
  *de-escalated* if its residual rating's severity rose or fell. A trend an officer set
  (say `↘` with the rating unchanged) is the officer's judgement: shown, never counted.
  A closed risk is counted once, in the quarter it closed: the next quarter's earlier
  register no longer holds it.
- **Withheld**: the public version of a quarter (`quarter_picture(period, public=True)`)
  leaves out every risk of restricted circulation, in this quarter or the one before
  (`restricted_risks`): from its rows, counts, heat map and movements alike.
- **Not recorded**: a quarter taken over from paper with trends only (the seed's Q1
  2021/22) has no ratings to compare with; its band counts and the rating movements
  against it are "not recorded", never zero.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import ExpressionWrapper
from django.db.models.functions import Coalesce
from django.urls import reverse

from .appetite import with_appetite
from .filters import register_order
from .models import (
    Circulation,
    QuarterlySnapshot,
    RatingBand,
    Register,
    ReportingPeriod,
    Risk,
    Trend,
    band_for_score,
)
from .services import RegisterRow, TextChange, live_rows, published_rows, with_trend

ON_REGISTER = Risk.Status.OPEN
# The risk's id in `_on_register`'s rows: a snapshot's risk, or the live risk itself.
_RISK_ID = {True: "risk_id", False: "pk"}


@dataclass(frozen=True)
class Entry:
    """A risk as one quarter's register holds it: what is counted and compared, not its text."""

    risk_id: int
    reference: str
    name: str
    band: RatingBand | None
    likelihood: int | None
    impact_score: int | None
    trend: str  # the quarter's trend: as closed, or as an officer set it ("": not set yet)
    position: int
    recorded: bool = True  # False: a row taken over from paper, its rating not recorded
    outside_appetite: bool = False  # as frozen at the close, or as it stands (registers.appetite)
    categorised: bool = False  # False: no category, so appetite is not judged

    @property
    def scored(self) -> bool:
        return self.likelihood is not None and self.impact_score is not None


@dataclass
class Moved:
    """One risk in a movement list, with its rows in the earlier and the later quarter."""

    reference: str
    name: str
    before: Entry | None
    after: Entry | None

    @property
    def before_band(self) -> RatingBand | None:
        return self.before.band if self.before else None

    @property
    def after_band(self) -> RatingBand | None:
        return self.after.band if self.after else None

    @property
    def trend(self) -> str:
        return self.after.trend if self.after else ""

    @property
    def trend_label(self) -> str:
        return Trend(self.trend).label if self.trend in Trend.values else self.trend


@dataclass
class MovementItem:
    label: str
    slug: str  # the list's anchor on the "What changed" page
    count: int | None  # None: not recorded
    url: str


# What `_classified` says of a risk on the later register.
NEW, ESCALATED, DEESCALATED = "new", "escalated", "deescalated"


@dataclass
class Movements:
    """What moved between the quarter before (`compared_with`) and this one.

    The counts are read with the picture (one aggregate); each list is read when a page
    shows it, from the same classified rows (`_classified`), so a list and its count agree.
    """

    period: ReportingPeriod
    compared_with: ReportingPeriod | None
    ratings_compared: bool  # False: the earlier quarter's ratings were not recorded
    counts: dict[str, int]  # NEW, ESCALATED, DEESCALATED and "closed"
    after: QuerySet = field(repr=False)  # the later register's rows, classified
    before: QuerySet | None = field(repr=False)  # the earlier register's rows
    bands: dict = field(repr=False)  # RatingBand by pk, added to as rows need

    @cached_property
    def new(self) -> list[Moved]:
        return self._moved(NEW, movement=NEW)

    @cached_property
    def escalated(self) -> list[Moved]:
        return self._moved(ESCALATED, movement=ESCALATED)

    @cached_property
    def deescalated(self) -> list[Moved]:
        return self._moved(DEESCALATED, movement=DEESCALATED)

    @cached_property
    def judgements(self) -> list[Moved]:
        """A trend set to ↗ or ↘ that the rating does not bear out: the officer's judgement."""
        return self._moved("judged", judged=True)

    @cached_property
    def closed(self) -> list[Moved]:
        if not self.counts["closed"]:
            return []
        gone = self.before.exclude(
            risk_id__in=self.after.values(_RISK_ID[self.after.model is QuarterlySnapshot])
        )
        return [
            Moved(e.reference, e.name, e, None)
            for e in sorted(_read(gone, self.bands), key=_list_order)
        ]

    def _moved(self, kind: str, **classified) -> list[Moved]:
        """The later register's rows classified as `classified`, each with its earlier row."""
        if not self.counts[kind]:
            return []
        rows = self.after.filter(**classified)
        after = _read(rows, self.bands)
        prior = {}
        if self.before is not None:
            ids = rows.values(_RISK_ID[self.after.model is QuarterlySnapshot])
            prior = {e.risk_id: e for e in _read(self.before.filter(risk_id__in=ids), self.bands)}
        return [
            Moved(e.reference, e.name, prior.get(e.risk_id), e)
            for e in sorted(after, key=_list_order)
        ]

    @property
    def changes_url(self) -> str:
        period = self.period
        return reverse(
            "registers:quarter_changes", args=[period.register.slug, period.year, period.quarter]
        )

    @property
    def items(self) -> list[MovementItem]:
        """The four counts, each linked to its list on the "What changed" page."""
        rated, counts = self.ratings_compared, self.counts
        return [
            MovementItem(label, slug, count, f"{self.changes_url}#{slug}")
            for label, slug, count in (
                ("New", "new", counts[NEW]),
                ("Escalated", "escalated", counts[ESCALATED] if rated else None),
                ("De-escalated", "deescalated", counts[DEESCALATED] if rated else None),
                ("Closed", "closed", counts["closed"]),
            )
        ]


@dataclass
class BandCount:
    band: RatingBand | None  # None: not rated
    count: int
    before: int | None  # None: no earlier quarter, or its ratings were not recorded
    url: str = ""

    @property
    def change(self) -> int | None:
        return None if self.before is None else self.count - self.before


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
    band_only: list[tuple[RatingBand, int, str]]  # rated by band without scores: band, count, url
    not_rated: int

    @property
    def band_only_total(self) -> int:
        return sum(count for _, count, _ in self.band_only)


@dataclass
class Quarter:
    """A quarter as every page shows it. Build it with `quarter_picture(period)`.

    Its counts (band counts, heat map, movements, appetite) are aggregates read with it, in
    a fixed number of queries whatever the register's size; its rows and lists are read
    when a page shows them.
    """

    register: Register
    period: ReportingPeriod
    previous: ReportingPeriod | None  # the quarter before, if the register has one
    ratings_recorded: bool
    previous_ratings_recorded: bool
    bands: list[RatingBand]
    movements: Movements
    band_counts: list[BandCount]
    heat_map: HeatMap
    total: int
    outside_appetite_count: int
    appetite_judged: bool  # False: no risk has a category (a quarter closed before riskreg
    # kept categories): its appetite is "not recorded", never "0 outside"
    # The public version: the risks of restricted circulation left out, and how many of
    # this quarter's register they were.
    left_out: frozenset[int] = frozenset()
    withheld: int = 0

    @property
    def live(self) -> bool:
        return not self.period.is_closed

    @cached_property
    def entries(self) -> list[Entry]:
        """On the register, in the register's order."""
        return _read(register_order(self.movements.after), self.movements.bands)

    @cached_property
    def outside_appetite(self) -> list[Entry]:
        """The risks on this quarter's register outside appetite, in the register's order."""
        return self.first_outside_appetite(None)

    def first_outside_appetite(self, limit: int | None) -> list[Entry]:
        """The first `limit` of `outside_appetite` (all of them: None), in one query."""
        if not self.outside_appetite_count:
            return []
        rows = register_order(self.movements.after.filter(outside_appetite=True))
        return _read(rows[:limit] if limit else rows, self.movements.bands)

    @property
    def outside_appetite_url(self) -> str:
        return register_url(self.period, appetite="outside")

    def rows(self) -> list[RegisterRow]:
        """The register table of the quarter, with its text and controls, in register order."""
        period = self.period
        on_register = _on_register(period).exclude(
            **{_RISK_ID[period.is_closed] + "__in": self.left_out}
        )
        if period.is_closed:
            return published_rows(period, register_order(on_register))
        return live_rows(period, register_order(with_trend(on_register, period)))

    def text_changes(self) -> tuple[list["RiskChange"], bool]:
        """Risks on both registers whose text or controls changed, and whether some
        earlier rows could not be compared (their text was not recorded)."""
        return _text_changes(self)


def register_url(period: ReportingPeriod, **params) -> str:
    """The register page of `period`, filtered by `params` (the register's GET filters)."""
    return f"{period.get_absolute_url()}?{urlencode(params)}"


def quarter_picture(
    period: ReportingPeriod, *, public: bool = False, tallies: dict | None = None
) -> Quarter:
    """The picture of `period`: open or closed, compared with the quarter before it.

    `public`: the public version, with every risk of restricted circulation left out.
    `tallies`: quarters' tallies already read (by period), shared by pictures drawn
    together (the dashboard's latest closed quarter, then the open one after it), which it
    adds to; the public version reads its own.
    A fixed number of queries, whatever the number of risks: what it counts is counted in
    the database (`_tally`), never row by row in Python.
    """
    tallies = {} if tallies is None or public else tallies
    register = period.register
    scale = register.rating_scale
    # Read once for the pictures drawn together (the dashboard's two) on one scale object.
    prefetch_related_objects([scale], "bands", "likelihoods", "impacts")
    bands = list(scale.bands.all())
    by_id = {band.pk: band for band in bands}
    previous = period.previous_period()
    left_out: frozenset[int] = frozenset()
    if public:
        left_out = frozenset(restricted_risks(period) | restricted_risks(previous))
    before = None
    then: Counter = Counter()
    previous_recorded = False
    if previous is not None:
        before = _rows(previous).exclude(risk_id__in=left_out)
        earlier = tallies.get(previous.pk)
        if earlier is None:
            earlier = before.order_by().values("band_id").annotate(n=Count("pk"))
        for row in earlier:
            then[row["band_id"]] += row["n"]
        previous_recorded = _ratings_recorded(previous, left_out, sum(then.values()))
    # With no earlier quarter every risk is new: no rating is left to compare.
    ratings_compared = previous is None or previous_recorded
    after = _classified(period, previous, ratings_compared).exclude(
        **{_RISK_ID[period.is_closed] + "__in": left_out}
    )
    if period.pk not in tallies:
        tallies[period.pk] = _tally(after)
    tally = tallies[period.pk]
    now = Counter()
    for row in tally:
        now[row["band_id"]] += row["n"]
    _fetch_missing_bands(by_id, set(now) | set(then))
    counts = Counter({NEW: 0, ESCALATED: 0, DEESCALATED: 0, "judged": 0})
    for row in tally:
        if row["movement"]:
            counts[row["movement"]] += row["n"]
        if row["judged"]:
            counts["judged"] += row["n"]
    total = sum(row["n"] for row in tally)
    # Every earlier row is either still on the register (joined to one later row, not new)
    # or closed: so closed = earlier rows - (later rows - new ones), without another scan.
    counts["closed"] = sum(then.values()) - (total - counts[NEW]) if before is not None else 0
    return Quarter(
        register=register,
        period=period,
        previous=previous,
        ratings_recorded=_ratings_recorded(period, left_out, total),
        previous_ratings_recorded=previous_recorded,
        bands=bands,
        movements=Movements(
            period=period,
            compared_with=previous,
            ratings_compared=ratings_compared,
            counts=dict(counts),
            after=after,
            before=before,
            bands=by_id,
        ),
        band_counts=_band_counts(period, bands, by_id, now, then if previous_recorded else None),
        heat_map=_heat_map(period, scale, bands, tally),
        total=total,
        outside_appetite_count=sum(row["n"] for row in tally if row["outside_appetite"]),
        appetite_judged=any(row["categorised"] for row in tally),
        left_out=left_out,
        withheld=_on_register(period)
        .filter(**{_RISK_ID[period.is_closed] + "__in": left_out})
        .count()
        if left_out
        else 0,
    )


def restricted_risks(period: ReportingPeriod | None) -> set[int]:
    """The risks on `period`'s register marked for restricted circulation (OFFICIAL-SENSITIVE
    or exempt from publication): as frozen at its close, or as they stand for the open
    quarter."""
    if period is None:
        return set()
    restricted = _on_register(period).exclude(circulation=Circulation.PUBLIC)
    return set(restricted.values_list(_RISK_ID[period.is_closed], flat=True))


def _classified(
    period: ReportingPeriod, previous: ReportingPeriod | None, ratings_compared: bool
) -> QuerySet:
    """`period`'s register, each row annotated with how it moved since `previous`: the one
    definition of a movement, in the database, which the pictures count and list.

    - `movement` NEW: the risk was not on the earlier register (with no earlier quarter,
      every risk); ESCALATED or DEESCALATED: on both, both rated, and the residual rating's
      severity rose or fell (only when `ratings_compared`); "" otherwise.
    - `judged`: on both, and a trend of ↗ or ↘ that the ratings do not bear out (the
      officer's judgement: shown, never counted).

    The earlier row is joined by the risk (its unique index), not compared row by row.
    """
    rows = _rows(period)
    if previous is None:
        return rows.annotate(movement=Value(NEW), judged=Value(False))
    risk = "risk__" if period.is_closed else ""
    on_before = Q(**{f"{risk}snapshots__period": previous.pk}) & ~Q(
        **{f"{risk}snapshots__status": Risk.Status.CLOSED}
    )
    rows = rows.annotate(before=FilteredRelation(f"{risk}snapshots", condition=on_before))
    was_on = Q(before__id__isnull=False)
    if ratings_compared:
        direction = Case(
            When(Q(band__isnull=True) | Q(before__band__isnull=True), then=Value(None)),
            When(band__severity__gt=F("before__band__severity"), then=Value(Trend.INCREASING)),
            When(band__severity__lt=F("before__band__severity"), then=Value(Trend.DECREASING)),
            default=Value(Trend.STABLE),
            output_field=CharField(),
        )
    else:
        direction = Value(None, output_field=CharField())
    rows = rows.annotate(direction=direction)
    return rows.annotate(
        movement=Case(
            When(~was_on, then=Value(NEW)),
            When(direction=Trend.INCREASING, then=Value(ESCALATED)),
            When(direction=Trend.DECREASING, then=Value(DEESCALATED)),
            default=Value(""),
            output_field=CharField(),
        ),
        judged=Case(
            When(
                was_on
                & Q(trend_now__in=[Trend.INCREASING, Trend.DECREASING])
                & (Q(direction__isnull=True) | ~Q(direction=F("trend_now"))),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def working_register(period: ReportingPeriod) -> QuerySet[Risk]:
    """The live risks the open quarter's register page lists: the open risks, and those
    closed during this quarter (shown with a "Closed" tag). A risk closed in an earlier
    quarter is not on it: it was counted closed in the quarter it closed."""
    on_it = Q(status=ON_REGISTER)
    previous = period.previous_period()
    if previous is not None:
        on_it |= Q(status=Risk.Status.CLOSED, pk__in=_on_register(previous).values("risk_id"))
    return Risk.objects.filter(on_it, register=period.register)


def band_totals(
    periods: list[ReportingPeriod], tallies: dict | None = None
) -> dict[int, dict[int | None, int]]:
    """For each quarter (by pk), how many risks its register holds in each band (None: not
    rated). Two queries at most, whatever the number of quarters and risks; none for the
    quarters whose (full) tallies `quarter_picture` has read."""
    tallies = tallies or {}
    totals: dict[int, dict[int | None, int]] = {period.pk: {} for period in periods}
    for pk in totals.keys() & tallies.keys():
        for row in tallies[pk]:
            totals[pk][row["band_id"]] = totals[pk].get(row["band_id"], 0) + row["n"]
    closed = [p.pk for p in periods if p.is_closed and p.pk not in tallies]
    for row in _published(closed).values("period_id", "band_id").annotate(n=Count("pk")):
        totals[row["period_id"]][row["band_id"]] = row["n"]
    for period in periods:
        if not period.is_closed and period.pk not in tallies:
            counts = _on_register(period).values("band_id").annotate(n=Count("pk"))
            totals[period.pk] = {row["band_id"]: row["n"] for row in counts}
    return totals


@dataclass
class RiskChange:
    reference: str
    name: str
    text_changes: list[TextChange] = field(default_factory=list)
    controls_added: list[str] = field(default_factory=list)
    controls_removed: list[str] = field(default_factory=list)


_COMPARED = [("name", "Risk name"), ("description", "Description"), ("impact", "Impact"),
             ("lead_officer", "Lead officer")]  # fmt: skip


# --- How each piece is read -------------------------------------------------------------


def _on_register(period: ReportingPeriod) -> QuerySet:
    """The rows on `period`'s register: frozen snapshots, or the open quarter's open risks."""
    if period.is_closed:
        return _published([period.pk])
    return Risk.objects.filter(register=period.register, status=ON_REGISTER)


def _published(period_ids: list[int]) -> QuerySet:
    # A snapshot keeps the risk's status at the close; closing freezes open risks only.
    return QuarterlySnapshot.objects.filter(period__in=period_ids).exclude(
        status=Risk.Status.CLOSED
    )


def _rows(period: ReportingPeriod) -> QuerySet:
    """`_on_register(period)` with what a picture reads of each row, named alike for frozen
    and live rows: `trend_now` (the quarter's trend: as closed, or as an officer set it),
    `text_recorded`, `outside_appetite` and `categorised`."""
    rows = _on_register(period)
    if period.is_closed:
        return rows.annotate(
            trend_now=F("trend"),
            text_recorded=ExpressionWrapper(Q(description__isnull=False), BooleanField()),
            categorised=ExpressionWrapper(~Q(category_name=""), BooleanField()),
        )
    working = FilteredRelation("snapshots", condition=Q(snapshots__period=period.pk))
    return (
        with_appetite(rows)
        .annotate(working=working)
        .annotate(
            trend_now=Coalesce(F("working__trend"), Value("")),
            text_recorded=Value(True),
            categorised=ExpressionWrapper(Q(category__isnull=False), BooleanField()),
        )
    )


_ENTRY = ["band_id", "likelihood", "impact_score", "trend_now", "position", "text_recorded",
          "outside_appetite", "categorised"]  # fmt: skip


def _read(rows: QuerySet, bands: dict) -> list[Entry]:
    """The entries of `rows` (from `_rows`), in the queryset's order; `bands` is added to."""
    if rows.model is QuarterlySnapshot:
        # A row taken over from paper may have no reference or name of its own.
        found = [
            (risk_id, ref or risk_ref, name or risk_name, *rest)
            for risk_id, ref, risk_ref, name, risk_name, *rest in rows.values_list(
                "risk_id", "reference", "risk__reference", "name", "risk__name", *_ENTRY
            )
        ]
    else:
        found = list(rows.values_list("pk", "reference", "name", *_ENTRY))
    _fetch_missing_bands(bands, {row[3] for row in found})
    return [Entry(row[0], row[1], row[2], bands.get(row[3]), *row[4:]) for row in found]


def _tally(rows: QuerySet) -> list[dict]:
    """How many rows there are of each band, scores, movement, appetite and record: one
    aggregate, from which a picture takes every count it shows."""
    fields = ["band_id", "likelihood", "impact_score", "movement", "judged",
              "outside_appetite", "categorised"]  # fmt: skip
    return list(rows.order_by().values(*fields).annotate(n=Count("pk")))


def _ratings_recorded(period: ReportingPeriod, left_out, total: int) -> bool:
    """The open quarter's ratings are the live ones; a closed quarter's (`total` rows, less
    `left_out`) were recorded unless every row of it was taken over from paper without
    text or rating. One query, which stops at the first recorded row."""
    if not period.is_closed or not total:
        return True
    rows = _on_register(period).exclude(risk_id__in=left_out)
    return rows.filter(Q(band__isnull=False) | Q(description__isnull=False)).exists()


def _fetch_missing_bands(bands: dict, ids: set) -> None:
    # A quarter frozen under an earlier rating scale keeps that scale's bands.
    missing = {pk for pk in ids if pk is not None and pk not in bands}
    if missing:
        bands.update({band.pk: band for band in RatingBand.objects.filter(pk__in=missing)})


def _list_order(entry: Entry) -> tuple:
    return (entry.position, entry.reference)


def _band_counts(
    period, bands: list, by_id: dict, now: Counter, then: Counter | None
) -> list[BandCount]:
    """Risks per band now and (`then`: the earlier quarter's, if its ratings were
    recorded) then; a "not rated" line when either has unrated risks."""
    counts = [
        BandCount(
            band=band,
            count=now.get(band.pk, 0),
            before=None if then is None else then.get(band.pk, 0),
            url=register_url(period, band=band.pk, status="open"),
        )
        for band in bands
    ]
    # A band of an earlier scale, still held by a frozen row, keeps its own line.
    shown = {band.pk for band in bands}
    earlier = [by_id[pk] for pk in now if pk is not None and pk not in shown]
    for band in sorted(earlier, key=lambda band: -band.severity):
        counts.append(BandCount(band, now[band.pk], None))
    if now.get(None) or (then and then.get(None)):
        counts.append(
            BandCount(None, now.get(None, 0), None if then is None else then.get(None, 0))
        )
    return counts


def _heat_map(period, scale, bands, tally: list[dict]) -> HeatMap:
    likelihoods = sorted(scale.likelihoods.all(), key=lambda level: -level.value)
    impacts = sorted(scale.impacts.all(), key=lambda level: level.value)
    scored: Counter = Counter()
    unscored: Counter = Counter()
    for row in tally:
        if row["likelihood"] is not None and row["impact_score"] is not None:
            scored[(row["likelihood"], row["impact_score"])] += row["n"]
        else:
            unscored[row["band_id"]] += row["n"]
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


def _text_changes(quarter: Quarter) -> tuple[list[RiskChange], bool]:
    if quarter.previous is None:
        return [], False
    before = {
        snap.risk_id: snap
        for snap in _on_register(quarter.previous).only(
            "risk_id", "name", "description", "impact", "controls", "lead_officer"
        )
    }
    if quarter.period.is_closed:
        now = {
            snap.risk_id: (snap.name, snap.description, snap.impact, snap.lead_officer,
                           snap.controls or [])
            for snap in _on_register(quarter.period).filter(risk_id__in=before)
        }  # fmt: skip
    else:
        risks = (
            _on_register(quarter.period)
            .filter(pk__in=list(before))
            .select_related("lead_officer_user")
            .prefetch_related("controls")
        )
        now = {
            risk.pk: (risk.name, risk.description, risk.impact, risk.lead_officer_name,
                      [control.text for control in risk.controls.all()])
            for risk in risks
        }  # fmt: skip
    changes, not_recorded = [], False
    for entry in sorted(quarter.entries, key=_list_order):
        prior = before.get(entry.risk_id)
        if prior is None or entry.risk_id not in now:
            continue
        if prior.description is None:
            not_recorded = True
            continue
        name, description, impact, lead_officer, controls = now[entry.risk_id]
        after = {"name": name, "description": description, "impact": impact,
                 "lead_officer": lead_officer}  # fmt: skip
        change = RiskChange(entry.reference, entry.name)
        for attribute, label in _COMPARED:
            old, new = getattr(prior, attribute) or "", after[attribute] or ""
            if old != new:
                rich = attribute in ("description", "impact")
                change.text_changes.append(TextChange(label, old, new, rich))
        old_controls = prior.controls or []
        change.controls_added = [c for c in controls if c not in old_controls]
        change.controls_removed = [c for c in old_controls if c not in controls]
        if change.text_changes or change.controls_added or change.controls_removed:
            changes.append(change)
    return changes, not_recorded
