"""One picture of a quarter: its risks, band counts, heat map and movements.

A closed quarter is read from its frozen snapshots, the open quarter from the live risks;
either way the picture has the same shape, built here once. The dashboard, the "What
changed" page and the pack render it and count nothing themselves, so they cannot disagree.

The rules, each written once:

- **On the register** of a closed quarter: its snapshots (closing freezes the open risks);
  of the open quarter: the open risks (`_on_register`).
- **A movement** (`compare`): between a quarter and the one before it, a risk is *new* if
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
from urllib.parse import urlencode

from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import ExpressionWrapper
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


@dataclass
class Movements:
    """What moved between the quarter before (`compared_with`) and this one."""

    period: ReportingPeriod
    compared_with: ReportingPeriod | None
    ratings_compared: bool  # False: the earlier quarter's ratings were not recorded
    new: list[Moved] = field(default_factory=list)
    closed: list[Moved] = field(default_factory=list)
    escalated: list[Moved] = field(default_factory=list)
    deescalated: list[Moved] = field(default_factory=list)
    # A trend set to ↗ or ↘ that the rating does not bear out: the officer's judgement.
    judgements: list[Moved] = field(default_factory=list)

    @property
    def changes_url(self) -> str:
        period = self.period
        return reverse(
            "registers:quarter_changes", args=[period.register.slug, period.year, period.quarter]
        )

    @property
    def items(self) -> list[MovementItem]:
        """The four counts, each linked to its list on the "What changed" page."""
        rated = self.ratings_compared
        return [
            MovementItem(label, slug, count, f"{self.changes_url}#{slug}")
            for label, slug, count in (
                ("New", "new", len(self.new)),
                ("Escalated", "escalated", len(self.escalated) if rated else None),
                ("De-escalated", "deescalated", len(self.deescalated) if rated else None),
                ("Closed", "closed", len(self.closed)),
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
    """A quarter as every page shows it. Build it with `quarter_picture(period)`."""

    register: Register
    period: ReportingPeriod
    previous: ReportingPeriod | None  # the quarter before, if the register has one
    entries: list[Entry]  # on the register, in the register's order
    previous_entries: list[Entry] | None  # None: no earlier quarter
    ratings_recorded: bool
    previous_ratings_recorded: bool
    bands: list[RatingBand]
    movements: Movements
    band_counts: list[BandCount]
    heat_map: HeatMap
    # The public version: the risks of restricted circulation left out, and how many of
    # this quarter's register they were.
    left_out: frozenset[int] = frozenset()
    withheld: int = 0

    @property
    def live(self) -> bool:
        return not self.period.is_closed

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def outside_appetite(self) -> list[Entry]:
        """The risks on this quarter's register outside appetite, in the register's order."""
        return [entry for entry in self.entries if entry.outside_appetite]

    @property
    def appetite_judged(self) -> bool:
        """Whether any risk on the register has a category (a quarter closed before riskreg
        kept categories has none: its appetite is "not recorded", never "0 outside")."""
        return any(entry.categorised for entry in self.entries)

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
    period: ReportingPeriod, *, public: bool = False, read: dict | None = None
) -> Quarter:
    """The picture of `period`: open or closed, compared with the quarter before it.

    `public`: the public version, with every risk of restricted circulation left out.
    `read`: quarters' entries already read (by period), shared by pictures drawn together
    (the dashboard's open quarter and the latest closed one), which it adds to.
    A fixed number of queries, whatever the number of risks.
    """
    register = period.register
    scale = register.rating_scale
    bands = list(scale.bands.all())
    by_id = {band.pk: band for band in bands}
    previous = period.previous_period()
    read = {} if read is None else read
    for quarter in (period, previous):
        if quarter is not None and quarter.pk not in read:
            read[quarter.pk] = _entries(quarter, by_id)
    entries = read[period.pk]
    previous_entries = read[previous.pk] if previous else None
    left_out: frozenset[int] = frozenset()
    withheld = 0
    if public:
        left_out = frozenset(restricted_risks(period) | restricted_risks(previous))
        withheld = sum(1 for entry in entries if entry.risk_id in left_out)
        entries = [entry for entry in entries if entry.risk_id not in left_out]
        if previous_entries is not None:
            previous_entries = [e for e in previous_entries if e.risk_id not in left_out]
    previous_recorded = previous is not None and _ratings_recorded(previous, previous_entries)
    before = previous_entries if previous_recorded else None
    return Quarter(
        register=register,
        period=period,
        previous=previous,
        entries=entries,
        previous_entries=previous_entries,
        ratings_recorded=_ratings_recorded(period, entries),
        previous_ratings_recorded=previous_recorded,
        bands=bands,
        movements=compare(
            previous_entries,
            entries,
            period=period,
            compared_with=previous,
            # With no earlier quarter every risk is new: no rating is left to compare.
            ratings_compared=previous is None or previous_recorded,
        ),
        band_counts=_band_counts(period, bands, entries, before),
        heat_map=_heat_map(period, scale, bands, entries),
        left_out=left_out,
        withheld=withheld,
    )


def restricted_risks(period: ReportingPeriod | None) -> set[int]:
    """The risks on `period`'s register marked for restricted circulation (OFFICIAL-SENSITIVE
    or exempt from publication): as frozen at its close, or as they stand for the open
    quarter."""
    if period is None:
        return set()
    restricted = _on_register(period).exclude(circulation=Circulation.PUBLIC)
    return set(restricted.values_list(_RISK_ID[period.is_closed], flat=True))


def compare(
    before: list[Entry] | None,
    after: list[Entry],
    *,
    period: ReportingPeriod,
    compared_with: ReportingPeriod | None,
    ratings_compared: bool = True,
) -> Movements:
    """The movements between two quarters' registers: the one definition of a movement.

    New: on `after` only. Closed: on `before` only. Escalated or de-escalated: on both, both
    rated, and the residual rating's severity rose or fell (only when `ratings_compared`).
    A trend of ↗ or ↘ that the ratings do not bear out is listed as a judgement, not counted.
    With no earlier quarter (`before` None), every risk is new.
    """
    movements = Movements(
        period=period, compared_with=compared_with, ratings_compared=ratings_compared
    )
    earlier = {entry.risk_id: entry for entry in before or []}
    later = {entry.risk_id for entry in after}
    for entry in sorted(after, key=_list_order):
        prior = earlier.get(entry.risk_id)
        if prior is None:
            movements.new.append(Moved(entry.reference, entry.name, None, entry))
            continue
        direction = _direction(prior, entry) if ratings_compared else None
        judged = entry.trend in (Trend.INCREASING, Trend.DECREASING) and entry.trend != direction
        if direction not in (Trend.INCREASING, Trend.DECREASING) and not judged:
            continue  # unmoved: most rows of a big register
        moved = Moved(entry.reference, entry.name, prior, entry)
        if direction == Trend.INCREASING:
            movements.escalated.append(moved)
        elif direction == Trend.DECREASING:
            movements.deescalated.append(moved)
        if judged:
            movements.judgements.append(moved)
    for prior in sorted(before or [], key=_list_order):
        if prior.risk_id not in later:
            movements.closed.append(Moved(prior.reference, prior.name, prior, None))
    return movements


def working_register(period: ReportingPeriod) -> QuerySet[Risk]:
    """The live risks the open quarter's register page lists: the open risks, and those
    closed during this quarter (shown with a "Closed" tag). A risk closed in an earlier
    quarter is not on it: it was counted closed in the quarter it closed."""
    on_it = Q(status=ON_REGISTER)
    previous = period.previous_period()
    if previous is not None:
        on_it |= Q(status=Risk.Status.CLOSED, pk__in=_on_register(previous).values("risk_id"))
    return Risk.objects.filter(on_it, register=period.register)


def band_totals(periods: list[ReportingPeriod]) -> dict[int, dict[int | None, int]]:
    """For each quarter (by pk), how many risks its register holds in each band (None: not
    rated). Two queries, whatever the number of quarters and risks."""
    totals: dict[int, dict[int | None, int]] = {period.pk: {} for period in periods}
    closed = [period.pk for period in periods if period.is_closed]
    for row in _published(closed).values("period_id", "band_id").annotate(n=Count("pk")):
        totals[row["period_id"]][row["band_id"]] = row["n"]
    for period in periods:
        if not period.is_closed:
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


def _entries(period: ReportingPeriod, bands: dict) -> list[Entry]:
    if period.is_closed:
        rows = (
            _on_register(period)
            .annotate(
                text_recorded=ExpressionWrapper(
                    Q(description__isnull=False), output_field=BooleanField()
                )
            )
            .values_list(
                "risk_id", "reference", "risk__reference", "name", "risk__name", "band_id",
                "likelihood", "impact_score", "trend", "position", "text_recorded",
                "outside_appetite", "category_name",
            )
        )  # fmt: skip
        found = [
            (risk_id, ref or risk_ref, name or risk_name, band, lik, imp, trend, pos, recorded,
             outside, bool(category))
            for risk_id, ref, risk_ref, name, risk_name, band, lik, imp, trend, pos, recorded,
            outside, category in register_order(rows)
        ]  # fmt: skip
    else:
        trends = dict(
            QuarterlySnapshot.objects.filter(period=period).values_list("risk_id", "trend")
        )
        rows = register_order(with_appetite(_on_register(period))).values_list(
            "pk", "reference", "name", "band_id", "likelihood", "impact_score", "position",
            "outside_appetite", "category_id",
        )  # fmt: skip
        found = [
            (pk, ref, name, band, lik, imp, trends.get(pk, ""), pos, True, outside, bool(category))
            for pk, ref, name, band, lik, imp, pos, outside, category in rows
        ]
    _fetch_missing_bands(bands, {row[3] for row in found})
    return [Entry(row[0], row[1], row[2], bands.get(row[3]), *row[4:]) for row in found]


def _fetch_missing_bands(bands: dict, ids: set) -> None:
    # A quarter frozen under an earlier rating scale keeps that scale's bands.
    missing = {pk for pk in ids if pk is not None and pk not in bands}
    if missing:
        bands.update({band.pk: band for band in RatingBand.objects.filter(pk__in=missing)})


def _ratings_recorded(period: ReportingPeriod, entries: list[Entry]) -> bool:
    """The open quarter's ratings are the live ones; a closed quarter's were recorded unless
    every row of it was taken over from paper without text or rating."""
    if not period.is_closed or not entries:
        return True
    return any(entry.recorded or entry.band is not None for entry in entries)


def _list_order(entry: Entry) -> tuple:
    return (entry.position, entry.reference)


def _direction(before: Entry, after: Entry) -> str | None:
    if before.band is None or after.band is None:
        return None
    if after.band.severity > before.band.severity:
        return Trend.INCREASING
    if after.band.severity < before.band.severity:
        return Trend.DECREASING
    return Trend.STABLE


def _band_counts(period, bands, entries, before: list[Entry] | None) -> list[BandCount]:
    """Risks per band now and (`before`: the earlier quarter's, if its ratings were
    recorded) then; a "not rated" line when either has unrated risks."""
    now = Counter(entry.band.pk if entry.band else None for entry in entries)
    then = None
    if before is not None:
        then = Counter(entry.band.pk if entry.band else None for entry in before)
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
    for entry in entries:
        if entry.band and entry.band.pk not in shown:
            shown.add(entry.band.pk)
            counts.append(BandCount(entry.band, now[entry.band.pk], None))
    if now.get(None) or (then and then.get(None)):
        counts.append(
            BandCount(None, now.get(None, 0), None if then is None else then.get(None, 0))
        )
    return counts


def _heat_map(period, scale, bands, entries: list[Entry]) -> HeatMap:
    likelihoods = list(scale.likelihoods.order_by("-value"))
    impacts = list(scale.impacts.order_by("value"))
    scored = Counter((e.likelihood, e.impact_score) for e in entries if e.scored)
    unscored = Counter(e.band.pk if e.band else None for e in entries if not e.scored)
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
