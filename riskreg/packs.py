"""The quarterly PDF pack: Django templates rendered to PDF by WeasyPrint.

A pack is a list of sections (cover, summary, the register table, then the CIPFA
governance dashboard, the HMIC tracker and the delivery plan when their records exist),
built by SECTION_BUILDERS. The HTML is built in the web process, where the
database is; the PDF is drawn in a child process with a time and a memory limit,
because WeasyPrint's memory grows with the pages and is not given back.

A closed quarter's pack never changes, so it is rendered once and stored (`Pack`).
"""

import io
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from governance.models import Inspection, PoliceAndCrimePlan
from governance.services import (
    open_recommendations,
    plan_commitments,
    principles_with,
    review_for_year,
    split_peel,
)
from registers.models import QuarterlySnapshot, Register, ReportingPeriod
from registers.quarter import Quarter, quarter_picture
from registers.services import trend_labels

from .models import Pack
from .pdf import html_to_pdf, run_isolated

logger = logging.getLogger(__name__)

# Above this many risks a pack is built in the background, in sections.
BACKGROUND_THRESHOLD = 150
SECTION_RISKS = 50


@dataclass
class Section:
    """One part of the pack: a template under templates/packs/ and what it shows."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


@dataclass
class PackData:
    register: Register
    period: ReportingPeriod
    quarter: Quarter  # what the summary shows, as the dashboard and "What changed" show it
    rows: list
    draft: bool


def pack_data(*, register: Register, period: ReportingPeriod, draft: bool) -> PackData:
    """The quarter's picture and its register rows: frozen snapshots, or for a draft the
    open risks (what closing would publish)."""
    quarter = quarter_picture(period)
    return PackData(
        register=register, period=period, quarter=quarter, rows=quarter.rows(), draft=draft
    )


def cover_section(data: PackData) -> Section:
    return Section("Cover", "packs/section_cover.html", {"produced": timezone.localdate()})


def summary_section(data: PackData) -> Section:
    return Section(
        "Summary",
        "packs/section_summary.html",
        {"quarter": data.quarter},
    )


def register_section(data: PackData, rows: list | None = None) -> Section:
    return Section(
        "Corporate Risks",
        "packs/section_register.html",
        {"rows": data.rows if rows is None else rows, "trend_labels": trend_labels(data.period)},
    )


def cipfa_section(data: PackData) -> Section | None:
    """The governance dashboard of the quarter's financial year, or the latest one before it."""
    review = review_for_year(financial_year(data.period.year))
    if review is None:
        return None
    return Section(
        f"Governance Dashboard {review.year}",
        "packs/section_cipfa.html",
        {"review": review, "principles": principles_with(review)},
    )


def hmic_section(data: PackData) -> Section | None:
    """Inspections, PEEL grades and open recommendations, overdue as at the quarter's end."""
    inspections, peel = split_peel(list(Inspection.objects.all()))
    recommendations = list(open_recommendations())
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
            "as_at": data.period.end,
        },
    )


def delivery_section(data: PackData) -> Section | None:
    """The Police and Crime Plan's commitments with their progress as at the pack's quarter."""
    plan = PoliceAndCrimePlan.objects.first()
    if plan is None:
        return None
    year, quarter = data.period.year, data.period.quarter
    rows = list(plan_commitments(plan))
    for commitment in rows:
        commitment.as_at = commitment.progress_as_at(year, quarter)
    return Section(
        "Police and Crime Plan: Delivery Plan Progress",
        "packs/section_delivery.html",
        {"plan": plan, "rows": rows},
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


def render_html(data: PackData, sections: list[Section] | None = None, *, numbered=True) -> str:
    """The pack's HTML. `numbered=False` leaves out "Page N of M" (stamped after merging)."""
    if sections is None:
        sections = [s for build in SECTION_BUILDERS if (s := build(data)) is not None]
    return render_to_string(
        "packs/pack.html",
        {
            "register": data.register,
            "period": data.period,
            "draft": data.draft,
            "sections": sections,
            "numbered": numbered,
            "title": pack_title(data.register, data.period, data.draft),
        },
    )


def pack_title(register: Register, period: ReportingPeriod, draft: bool = False) -> str:
    return f"{'DRAFT ' if draft else ''}{register.name}: {period.long_label}"


def render_pack(*, register: Register, period: ReportingPeriod, draft: bool = False) -> bytes:
    """The pack as PDF bytes, drawn in a child process with a time and memory limit."""
    return render_pack_with_pages(register=register, period=period, draft=draft)[0]


def render_pack_with_pages(
    *, register: Register, period: ReportingPeriod, draft: bool = False, on_progress=None
) -> tuple[bytes, int]:
    data = pack_data(register=register, period=period, draft=draft)
    if len(data.rows) > BACKGROUND_THRESHOLD:
        return render_sectioned(data, on_progress=on_progress)
    return run_isolated([(html_to_pdf, (render_html(data),))], workers=1)[0]


def render_sectioned(data: PackData, *, on_progress=None, workers: int | None = None):
    """Render a big pack in parts of SECTION_RISKS risks in parallel, merge, number the pages.

    The parts are untagged: pypdf cannot merge structure trees, so a sectioned pack is
    not PDF/UA. Bookmarks are kept (pypdf carries each part's outline).
    """
    sections = [s for build in SECTION_BUILDERS if (s := build(data)) is not None]
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
            "/Title": pack_title(data.register, data.period, data.draft),
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


def build_stored_pack(*, period: ReportingPeriod) -> Pack:
    """Render a closed quarter's pack once and store it; called when a quarter closes.

    A register of more than BACKGROUND_THRESHOLD risks is queued for the task worker
    instead, and the pack returned is QUEUED. Safe to call again: a pack already built
    (or under way) is returned as it is. Call it after the closing transaction commits:
    rendering takes seconds.
    """
    if needs_background(period):
        return request_pack_build(period=period)
    with transaction.atomic():
        pack, _ = Pack.objects.select_for_update().get_or_create(
            period=period, defaults={"register": period.register}
        )
        if pack.is_current:
            return pack
        pack.status, pack.error, pack.progress = Pack.Status.BUILDING, "", 0
        pack.save()
    return build_pack_file(pack)


def request_pack_build(*, period: ReportingPeriod) -> Pack:
    """Queue a background build of a closed quarter's pack, unless it is built or under way."""
    with transaction.atomic():
        pack, created = Pack.objects.select_for_update().get_or_create(
            period=period, defaults={"register": period.register}
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
            register=pack.register, period=pack.period, on_progress=progress
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
