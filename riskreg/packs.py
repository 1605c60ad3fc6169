"""The quarterly PDF pack: Django templates rendered to PDF by WeasyPrint.

A pack is a list of sections (cover, summary, the register table, then the CIPFA
governance dashboard, the HMIC tracker and the delivery plan when their records exist),
built by SECTION_BUILDERS. The HTML is built in the web process, where the
database is; the PDF is drawn in a child process with a time and a memory limit,
because WeasyPrint's memory grows with the pages and is not given back.

A closed quarter's pack never changes, so it is rendered once and stored (`Pack`).
"""

import datetime
import io
import logging
import multiprocessing
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from governance.models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    PoliceAndCrimePlan,
    Principle,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
    SubPrinciple,
)
from governance.publication import Reading, last_changed, reading_for_period
from governance.services import (
    open_recommendations,
    plan_commitments,
    principles_with,
    review_for_year,
    split_peel,
    with_progress,
)
from registers.filters import register_order
from registers.models import (
    QuarterlySnapshot,
    Register,
    ReportingPeriod,
    Risk,
    Trend,
    band_for_score,
)
from registers.services import (
    live_rows,
    published_rows,
    quarter_changes,
    trend_labels,
    with_trend,
)

from .models import Pack, PackOptions
from .pdf import html_to_pdf, run_isolated

logger = logging.getLogger(__name__)

# Above this many risks a pack is built in the background, in sections.
BACKGROUND_THRESHOLD = 150
SECTION_RISKS = 50


@dataclass
class Section:
    """One part of the pack: a template under templates/packs/ and what it shows.

    `as_at` is the date its records were current to, given with its title on the page and
    in the contents; `anchor` is where the contents page links to.
    """

    title: str
    template: str
    context: dict = field(default_factory=dict)
    as_at: datetime.date | None = None
    anchor: str = ""
    in_contents: bool = True


@dataclass
class PackData:
    register: Register
    period: ReportingPeriod
    rows: list
    draft: bool
    public: bool = False
    withheld: list = field(default_factory=list)  # references left out of a public pack
    options: PackOptions | None = None
    reading: Reading | None = None  # governance as this pack shows it; None: not published


def pack_data(
    *, register: Register, period: ReportingPeriod, draft: bool, public: bool = False
) -> PackData:
    """The register's rows for the pack: frozen snapshots, or the live register for a draft.

    A public pack leaves out every risk marked for restricted circulation (its closed
    quarter's snapshot says so) and counts them.
    """
    if period.is_closed:
        snapshots = register_order(QuarterlySnapshot.objects.filter(period=period))
        rows = published_rows(period, snapshots)
    else:
        # The draft shows what closing would publish: the open risks.
        open_risks = Risk.objects.filter(register=register, status=Risk.Status.OPEN)
        risks = with_trend(open_risks, period)
        rows = live_rows(period, register_order(risks))
    withheld = [row.reference for row in rows if public and row.is_restricted]
    if public:
        rows = [row for row in rows if not row.is_restricted]
    return PackData(
        register=register,
        period=period,
        rows=rows,
        draft=draft,
        public=public,
        withheld=withheld,
        options=PackOptions.objects.filter(period=period).first(),
        reading=reading_for_period(period),
    )


def cover_section(data: PackData) -> Section:
    return Section(
        "Cover",
        "packs/section_cover.html",
        {
            "produced": timezone.localdate(),
            "options": data.options,
            "data_as_at": data.period.end,
            "withheld": len(data.withheld),
        },
        in_contents=False,
    )


def summary_section(data: PackData) -> Section:
    heat = heat_map(data)
    moves = movements(data.period, data.rows)
    if data.withheld:  # a public pack names no restricted risk, here either
        moves = {key: [r for r in refs if r not in data.withheld] for key, refs in moves.items()}
    return Section(
        "Summary",
        "packs/section_summary.html",
        {
            "band_counts": band_counts(data),
            # The grid only when some risk is scored; band totals say the rest.
            "heat_map": heat if heat["scored"] else None,
            "movements": moves,
            "withheld": len(data.withheld),
        },
        as_at=data.period.end,
    )


def register_section(data: PackData, rows: list | None = None) -> Section:
    return Section(
        "Corporate Risks",
        "packs/section_register.html",
        {
            "rows": data.rows if rows is None else rows,
            "trend_labels": trend_labels(data.period),
            "withheld": len(data.withheld),
            "public": data.public,
        },
        as_at=data.period.end,
    )


def _included(data: PackData, name: str) -> bool:
    """Whether the quarter's close chose to include this governance section (yes if unset)."""
    return data.reading is not None and (data.options is None or getattr(data.options, name))


def _as_at(reading: Reading, *histories) -> datetime.date | None:
    changed = last_changed(reading, *histories)
    return timezone.localdate(changed) if changed else None


def cipfa_section(data: PackData) -> Section | None:
    """The governance dashboard of the quarter's financial year, or the latest one before it."""
    if not _included(data, "include_cipfa"):
        return None
    reading = data.reading
    review = review_for_year(financial_year(data.period.year), reading)
    if review is None:
        return None
    return Section(
        f"Governance Dashboard {review.year}",
        "packs/section_cipfa.html",
        {"review": review, "principles": principles_with(review, reading)},
        as_at=_as_at(
            reading,
            GovernanceReview.history.filter(id=review.pk),
            Assessment.history.filter(review_id=review.pk),
            SubPrinciple.history.all(),
            Principle.history.all(),
        ),
    )


def hmic_section(data: PackData) -> Section | None:
    """Inspections, PEEL grades and open recommendations, overdue as at the quarter's end."""
    if not _included(data, "include_hmic"):
        return None
    reading = data.reading
    inspections, peel = split_peel(list(reading.records(Inspection)))
    recommendations = open_recommendations(reading)
    if not (inspections or peel or recommendations):
        return None
    for recommendation in recommendations:
        recommendation.overdue = recommendation.is_overdue(data.period.end)
    return Section(
        "HMIC Tracker",
        "packs/section_hmic.html",
        {
            "inspections": inspections,
            "peel": peel,
            "recommendations": recommendations,
            "overdue_at": data.period.end,
        },
        as_at=_as_at(
            reading,
            Inspection.history.all(),
            Recommendation.history.all(),
            RecommendationUpdate.history.all(),
        ),
    )


def delivery_section(data: PackData) -> Section | None:
    """The Police and Crime Plan's commitments with their progress as at the pack's quarter."""
    if not _included(data, "include_delivery"):
        return None
    reading = data.reading
    plan = reading.records(PoliceAndCrimePlan).first()
    if plan is None:
        return None
    year, quarter = data.period.year, data.period.quarter
    rows = with_progress(plan_commitments(plan, reading), reading)
    for commitment in rows:
        commitment.as_at = commitment.progress_as_at(year, quarter)
    reported = [c.as_at for c in rows if c.as_at]
    latest = max(reported, key=lambda u: (u.year, u.quarter), default=None)
    return Section(
        "Police and Crime Plan: Delivery Plan Progress",
        "packs/section_delivery.html",
        {"plan": plan, "rows": rows, "latest_reported": latest},
        as_at=_as_at(
            reading,
            PoliceAndCrimePlan.history.filter(id=plan.pk),
            Commitment.history.all(),
            ProgressUpdate.history.all(),
        ),
    )


def financial_year(year: int) -> str:
    """ "2021/22" for 2021."""
    return f"{year}/{(year + 1) % 100:02d}"


# Each builder returns a Section, or None when it has nothing to show for this pack.
SECTION_BUILDERS: list[Callable[[PackData], Section | None]] = [
    cover_section,
    summary_section,
    register_section,
    cipfa_section,
    hmic_section,
    delivery_section,
]


def build_sections(data: PackData) -> list[Section]:
    """The pack's sections in order, each with an anchor, and the contents after the cover."""
    sections = [s for build in SECTION_BUILDERS if (s := build(data)) is not None]
    for number, section in enumerate(sections, start=1):
        section.anchor = f"section-{number}"
    contents = Section(
        "Contents",
        "packs/section_contents.html",
        {"entries": [s for s in sections if s.in_contents]},
        anchor="contents",
        in_contents=False,
    )
    return sections[:1] + [contents] + sections[1:]


def band_counts(data: PackData) -> list[tuple]:
    counts = Counter(row.band.pk for row in data.rows if row.band)
    bands = data.register.rating_scale.bands.all()
    result = [(band, counts.get(band.pk, 0)) for band in bands]
    unrated = sum(1 for row in data.rows if row.band is None)
    return result + ([(None, unrated)] if unrated else [])


def heat_map(data: PackData) -> dict:
    """Likelihood x impact grid of the risks that carry scores; band-only risks counted apart."""
    scale = data.register.rating_scale
    likelihoods = list(scale.likelihoods.all())
    impacts = list(scale.impacts.all())
    bands = list(scale.bands.all())
    shown = {row.risk_id for row in data.rows}
    scores = {pk: score for pk, score in _row_scores(data).items() if pk in shown}
    counts = Counter(score for score in scores.values() if score is not None)
    rows = []
    for likelihood in reversed(likelihoods):
        cells = []
        for impact in impacts:
            score = likelihood.value * impact.value
            band = band_for_score(bands, score)
            cells.append({"count": counts.get((likelihood.value, impact.value), 0), "band": band})
        rows.append({"likelihood": likelihood, "cells": cells})
    return {
        "impacts": impacts,
        "rows": rows,
        "scored": sum(counts.values()),
        "band_only": sum(1 for row in data.rows if scores.get(row.risk_id) is None and row.band),
    }


def _row_scores(data: PackData) -> dict:
    if data.period.is_closed:
        source = QuarterlySnapshot.objects.filter(period=data.period)
        pairs = source.values_list("risk_id", "likelihood", "impact_score")
    else:
        pairs = Risk.objects.filter(register=data.register).values_list(
            "pk", "likelihood", "impact_score"
        )
    return {pk: (lik, imp) if lik and imp else None for pk, lik, imp in pairs}


def movements(period: ReportingPeriod, rows: list) -> dict:
    """New, escalated, de-escalated and closed risks since the quarter before.

    A published quarter's are exactly those its "what changed" page lists
    (`quarter_changes`). A draft's are what closing would record: each row's trend for
    this quarter, and last quarter's risks no longer open.
    """
    if period.is_closed:
        changes = quarter_changes(period)
        return {
            key: [change.reference for change in getattr(changes, name)]
            for key, name in (
                ("new", "new"),
                ("escalated", "escalated"),
                ("de_escalated", "deescalated"),
                ("closed", "closed"),
            )
        }
    by_trend = {Trend.NEW: "new", Trend.INCREASING: "escalated", Trend.DECREASING: "de_escalated"}
    result = {"new": [], "escalated": [], "de_escalated": [], "closed": []}
    for row in rows:
        if key := by_trend.get(row.trends[-1].value if row.trends else ""):
            result[key].append(row.reference)
    year, quarter = ReportingPeriod.preceding(period.year, period.quarter)
    on_register = {row.risk_id for row in rows}
    earlier = QuarterlySnapshot.objects.filter(
        period__register=period.register, period__year=year, period__quarter=quarter
    ).select_related("risk")
    result["closed"] = [
        snap.reference or snap.risk.reference for snap in earlier if snap.risk_id not in on_register
    ]
    return result


def render_html(data: PackData, sections: list[Section] | None = None, *, numbered=True) -> str:
    """The pack's HTML. `numbered=False` leaves out "Page N of M" (stamped after merging)."""
    if sections is None:
        sections = build_sections(data)
    return render_to_string(
        "packs/pack.html",
        {
            "register": data.register,
            "period": data.period,
            "draft": data.draft,
            "public": data.public,
            "sections": sections,
            "numbered": numbered,
            "title": pack_title(data.register, data.period, data.draft, data.public),
        },
    )


def pack_title(
    register: Register, period: ReportingPeriod, draft: bool = False, public: bool = False
) -> str:
    version = " (public version)" if public else ""
    return f"{'DRAFT ' if draft else ''}{register.name}: {period.long_label}{version}"


def render_pack(
    *, register: Register, period: ReportingPeriod, draft: bool = False, public: bool = False
) -> bytes:
    """The pack as PDF bytes, drawn in a child process with a time and memory limit."""
    return render_pack_with_pages(register=register, period=period, draft=draft, public=public)[0]


def render_pack_with_pages(
    *,
    register: Register,
    period: ReportingPeriod,
    draft: bool = False,
    public: bool = False,
    on_progress=None,
) -> tuple[bytes, int]:
    data = pack_data(register=register, period=period, draft=draft, public=public)
    if len(data.rows) > BACKGROUND_THRESHOLD:
        return render_sectioned(data, on_progress=on_progress)
    return run_isolated([(html_to_pdf, (render_html(data),))], workers=1)[0]


def render_sectioned(data: PackData, *, on_progress=None, workers: int | None = None):
    """Render a big pack in parts of SECTION_RISKS risks in parallel, merge, number the pages.

    The parts are untagged: pypdf cannot merge structure trees, so a sectioned pack is
    not PDF/UA. Bookmarks are kept (pypdf carries each part's outline).
    """
    sections = build_sections(data)
    parts: list[list[Section]] = []
    for section in sections:
        if section.template == "packs/section_register.html":
            rows = section.context["rows"]
            for start in range(0, len(rows), SECTION_RISKS):
                chunk = rows[start : start + SECTION_RISKS]
                parts.append([register_section(data, chunk)])
        elif parts and parts[-1][0].template != "packs/section_register.html":
            parts[-1].append(section)
        else:
            parts.append([section])
    jobs = [(html_to_pdf, (render_html(data, part, numbered=False), False)) for part in parts]
    workers = workers or min(len(jobs), multiprocessing.cpu_count())
    results = run_isolated(jobs, workers=workers, on_done=on_progress)
    return _merge_and_number(data, [pdf for pdf, _ in results])


def _merge_and_number(data: PackData, pdfs: list[bytes]) -> tuple[bytes, int]:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    # The page numbers: a pack of empty pages that carry only "Page N of M", laid over.
    stamps_html = render_to_string(
        "packs/page_numbers.html",
        {"pages": range(total), "register": data.register, "period": data.period},
    )
    stamps, _ = run_isolated([(html_to_pdf, (stamps_html, False))], workers=1)[0]
    for page, stamp in zip(writer.pages, PdfReader(io.BytesIO(stamps)).pages, strict=True):
        page.merge_page(stamp)
    writer.add_metadata(
        {
            "/Title": pack_title(data.register, data.period, data.draft, data.public),
            "/Author": data.register.organisation,
            "/Subject": f"{data.register.name}, {data.period.long_label}",
        }
    )
    writer._root_object[_name("/Lang")] = _text("en-GB")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), total


def _name(value):
    from pypdf.generic import NameObject

    return NameObject(value)


def _text(value):
    from pypdf.generic import TextStringObject

    return TextStringObject(value)


def build_stored_packs(*, period: ReportingPeriod) -> list[Pack]:
    """Both packs of a closed quarter: the full one and the public one (restricted risks
    withheld)."""
    return [build_stored_pack(period=period, variant=variant) for variant in Pack.Variant]


def build_stored_pack(*, period: ReportingPeriod, variant: str = Pack.Variant.FULL) -> Pack:
    """Render a closed quarter's pack once and store it; called when a quarter closes.

    A register of more than BACKGROUND_THRESHOLD risks is queued for the task worker
    instead, and the pack returned is QUEUED. Safe to call again: a pack already built
    (or under way) is returned as it is. Call it after the closing transaction commits:
    rendering takes seconds.
    """
    if needs_background(period):
        return request_pack_build(period=period, variant=variant)
    with transaction.atomic():
        pack, _ = Pack.objects.select_for_update().get_or_create(
            period=period, variant=variant, defaults={"register": period.register}
        )
        if pack.is_current:
            return pack
        pack.status, pack.error, pack.progress = Pack.Status.BUILDING, "", 0
        pack.save()
    return build_pack_file(pack)


def request_pack_build(*, period: ReportingPeriod, variant: str = Pack.Variant.FULL) -> Pack:
    """Queue a background build of a closed quarter's pack, unless it is built or under way."""
    with transaction.atomic():
        pack, created = Pack.objects.select_for_update().get_or_create(
            period=period, variant=variant, defaults={"register": period.register}
        )
        stale = pack.status == Pack.Status.READY and not pack.is_current
        if created or stale or pack.status == Pack.Status.FAILED:
            pack.status, pack.error, pack.progress = Pack.Status.QUEUED, "", 0
            pack.save()
            from .tasks import build_pack

            # After commit: a worker must find the row it is told to build.
            transaction.on_commit(lambda: build_pack.enqueue(pack.pk))
    return pack


def needs_background(period: ReportingPeriod) -> bool:
    return QuarterlySnapshot.objects.filter(period=period).count() > BACKGROUND_THRESHOLD


def build_pack_file(pack: Pack) -> Pack:
    """Render the pack's PDF and store it; a failure is recorded on the pack, not raised."""
    Pack.objects.filter(pk=pack.pk).update(status=Pack.Status.BUILDING)

    def progress(done: int, total: int) -> None:
        Pack.objects.filter(pk=pack.pk).update(progress=int(100 * done / (total + 1)))

    try:
        pdf, pages = render_pack_with_pages(
            register=pack.register, period=pack.period, public=pack.is_public, on_progress=progress
        )
    except Exception as error:
        logger.exception("Building the pack for %s failed", pack.period)
        pack.status, pack.error = Pack.Status.FAILED, f"{type(error).__name__}: {error}"
        pack.save(update_fields=["status", "error"])
        return pack
    pack.file.save(pack.filename, ContentFile(pdf), save=False)
    pack.pages, pack.size, pack.progress = pages, len(pdf), 100
    pack.status, pack.built_at = Pack.Status.READY, timezone.now()
    pack.save()
    return pack
