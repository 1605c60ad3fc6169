"""The quarterly PDF pack: Django templates rendered to PDF by WeasyPrint.

A pack is a list of sections (cover, summary, the register table, then the CIPFA
governance dashboard, the HMIC tracker and the delivery plan when their records exist),
built by SECTION_BUILDERS. The HTML is built in the web process, where the
database is; the PDF is drawn in a child process with a time and a memory limit,
because WeasyPrint's memory grows with the pages and is not given back.

A closed quarter's pack never changes, so it is rendered once and stored (`Pack`, its PDF
in `PackFile`). Every build runs in the task worker (`riskreg.tasks.build_pack`): a request
only queues one (`request_pack_build`) and shows its progress.
"""

import datetime
import io
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from basics import stamps
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
from registers.models import Register, ReportingPeriod, SignOff
from registers.quarter import Quarter, quarter_picture
from registers.services import trend_labels

from .audit import record_event
from .models import AuditEvent, Pack, PackFile, PackOptions
from .pdf import (
    PARTS_CHECKED,
    PARTS_MEMORY_LIMIT,
    TIME_LIMIT,
    parts_job,
    pdf_job,
    run_isolated,
)

logger = logging.getLogger(__name__)

# Above this many risks a pack is built in the background, in sections.
BACKGROUND_THRESHOLD = 150
SECTION_RISKS = 50
# Above this many risks a pack is drawn in parallel parts and merged, untagged. Laid out
# in one process and written tagged, a pack's time per page grows with its pages (0.19 s
# at 18 risks, 0.31 at 500, 0.48 at 1,000: 167 s and 1 GB; bench/RESULTS.md); at 2,000
# risks, all new (their references then in one cell of the summary's table, since a
# paragraph: REFERENCES_IN_TABLE), it passed the render's 600 s of CPU (TIME_LIMIT).
TAGGED_PARTS_LIMIT = 1000


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
    quarter: Quarter  # what the summary shows, as the dashboard and "What changed" show it
    rows: list
    draft: bool
    public: bool = False
    options: PackOptions | None = None
    reading: Reading | None = None  # governance as this pack shows it; None: not published
    approval: SignOff | None = None  # who submitted and who signed the quarter off, if anyone

    @property
    def withheld(self) -> int:
        """How many of the quarter's risks a public pack leaves out."""
        return self.quarter.withheld


def pack_data(
    *, register: Register, period: ReportingPeriod, draft: bool, public: bool = False
) -> PackData:
    """The quarter's picture and its register rows: frozen snapshots, or for a draft the
    open risks (what closing would publish).

    A public pack's picture leaves out every risk marked for restricted circulation (its
    closed quarter's snapshot says so), from rows, counts and movements alike.
    """
    quarter = quarter_picture(period, public=public)
    return PackData(
        register=register,
        period=period,
        quarter=quarter,
        rows=quarter.rows(),
        draft=draft,
        public=public,
        options=PackOptions.objects.filter(period=period).first(),
        reading=reading_for_period(period),
        approval=None if draft else period.approval(),
    )


def cover_section(data: PackData) -> Section:
    return Section(
        "Cover",
        "packs/section_cover.html",
        {
            "produced": timezone.localdate(),
            "options": data.options,
            "data_as_at": data.period.end,
            "withheld": data.withheld,
            "approval": data.approval,
        },
        in_contents=False,
    )


# A movement's references are listed in the summary's table up to this many; a longer list
# (a first quarter of 2,000 new risks) is a paragraph below it: a table cell running over
# pages cost WeasyPrint more than a minute at 2,000 references.
REFERENCES_IN_TABLE = 40


def summary_section(data: PackData) -> Section:
    # The heat map is drawn only when some risk is scored (the template asks the picture).
    moved = data.quarter.movements
    lists = [(item.slug, item.label, getattr(moved, item.slug)) for item in moved.items]
    below = [(slug, label, found) for slug, label, found in lists
             if len(found) > REFERENCES_IN_TABLE]  # fmt: skip
    return Section(
        "Summary",
        "packs/section_summary.html",
        {
            "quarter": data.quarter,
            "withheld": data.withheld,
            "listed_below": {slug for slug, _, _ in below},
            "long_lists": [(label, found) for _, label, found in below],
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
            "withheld": data.withheld,
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
    return run_isolated([pdf_job(render_html(data))], workers=1)[0]


def render_sectioned(data: PackData, *, on_progress=None, workers: int | None = None):
    """Render a big pack in parts of SECTION_RISKS risks.

    Up to TAGGED_PARTS_LIMIT risks, the parts are laid out one after another in one child
    and written as one tagged (PDF/UA) document, numbered across the parts
    (`pdf.parts_to_pdf`). Above it (or with a WeasyPrint it was not checked with), they are
    drawn in parallel, untagged, and merged with pypdf, which cannot merge the parts'
    structure trees: that pack is not PDF/UA.
    """
    parts = _parts(data)
    if len(data.rows) <= TAGGED_PARTS_LIMIT and PARTS_CHECKED:
        htmls = [render_html(data, part) for part in parts]
        return run_isolated([parts_job(htmls)], workers=1, memory=PARTS_MEMORY_LIMIT)[0]
    jobs = [pdf_job(render_html(data, part, numbered=False), False) for part in parts]
    workers = workers or min(len(jobs), multiprocessing.cpu_count())
    results = run_isolated(jobs, workers=workers, on_done=on_progress)
    return _merge_and_number(data, [pdf for pdf, _ in results])


def _parts(data: PackData) -> list[list[Section]]:
    """The pack's sections, the register cut into parts of SECTION_RISKS risks."""
    parts: list[list[Section]] = []
    for section in build_sections(data):
        if section.template == "packs/section_register.html":
            rows = section.context["rows"]
            for start in range(0, len(rows), SECTION_RISKS):
                chunk = rows[start : start + SECTION_RISKS]
                parts.append([register_section(data, chunk)])
        elif parts and parts[-1][0].template != "packs/section_register.html":
            parts[-1].append(section)
        else:
            parts.append([section])
    return parts


def _merge_and_number(data: PackData, pdfs: list[bytes]) -> tuple[bytes, int]:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    # The page numbers: a pack of empty pages that carry only "Page N of M", laid over.
    numbers_html = render_to_string(
        "packs/page_numbers.html",
        {"pages": range(total), "register": data.register, "period": data.period},
    )
    numbers, _ = run_isolated([pdf_job(numbers_html, False)], workers=1)[0]
    for page, number in zip(writer.pages, PdfReader(io.BytesIO(numbers)).pages, strict=True):
        page.merge_page(number)
        # pypdf writes a merged page's content uncompressed (4.7x the bytes of the pack
        # drawn in one process): compress it again.
        page.compress_content_streams()
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


# A build still "building" after this long died with its worker: it may be queued again.
STALE_BUILD = timedelta(seconds=TIME_LIMIT + 120)
ATTEMPTS = 2  # a failed build is retried once


# The stamp (basics.stamps) of the packs' states: the pack list is cached on it.
PACKS_STAMP = "riskreg:packs"


def packs_changed() -> None:
    """Say, inside the writing transaction, that a pack's state changed."""
    stamps.bump(PACKS_STAMP)


def request_pack_build(
    *, period: ReportingPeriod, variant: str = Pack.Variant.FULL, again: bool = False
) -> Pack:
    """Queue a build of one of the quarter's packs (`variant`: the full one, or the public
    one with restricted risks withheld) for the task worker, unless it is current or under
    way; returns the pack. A failed build is queued again only when `again`.

    One build per pack at a time: the pack's row is locked while its state is read and
    set here and in `build_pack_file`, and a pack queued or building is not queued again.
    """
    with transaction.atomic():
        pack, created = Pack.objects.select_for_update().get_or_create(
            period=period, variant=variant, defaults={"register": period.register}
        )
        pack.period = ReportingPeriod.objects.get(pk=period.pk)  # as committed
        if not created:
            if pack.is_current or (pack.status == Pack.Status.FAILED and not again):
                return pack
            if pack.is_under_way and not _stale(pack):
                return pack
        pack.status, pack.error, pack.progress = Pack.Status.QUEUED, "", 0
        pack.requested_at, pack.attempts = timezone.now(), 0
        pack.save()
        packs_changed()
        _enqueue(pack)
    return pack


def request_published_packs(*, period: ReportingPeriod, again: bool = False) -> list[Pack]:
    """Queue both packs of a closed quarter: the full one and the public one."""
    return [
        request_pack_build(period=period, variant=variant, again=again) for variant in Pack.Variant
    ]


def _stale(pack: Pack) -> bool:
    since = pack.started_at if pack.status == Pack.Status.BUILDING else pack.requested_at
    return since is None or timezone.now() - since > STALE_BUILD


def _enqueue(pack: Pack) -> None:
    from .tasks import build_pack

    # After commit: a worker must find the row it is told to build.
    transaction.on_commit(lambda: build_pack.enqueue(pack.pk))


def build_pack_file(pack_id: int) -> Pack:
    """Build a queued pack's PDF and store it in the database (the task worker's work).

    The quarter is read from the database as committed. A failure is recorded on the
    pack and queued once more; a second failure leaves the pack failed, with its error.
    """
    with transaction.atomic():
        pack = Pack.objects.select_for_update().select_related("register", "period").get(pk=pack_id)
        if pack.is_current or pack.status == Pack.Status.FAILED:
            return pack
        if pack.status == Pack.Status.BUILDING and not _stale(pack):
            return pack  # another worker has it
        pack.status, pack.progress, pack.started_at = Pack.Status.BUILDING, 0, timezone.now()
        pack.attempts += 1
        pack.save(update_fields=["status", "progress", "started_at", "attempts"])
        packs_changed()
    period = ReportingPeriod.objects.select_related("register__rating_scale").get(pk=pack.period_id)
    built_for = period.closed_at

    def progress(done: int, total: int) -> None:
        with transaction.atomic():
            Pack.objects.filter(pk=pack.pk).update(progress=int(100 * done / (total + 1)))
            packs_changed()

    try:
        pdf, pages = render_pack_with_pages(
            register=period.register, period=period, draft=not period.is_closed,
            public=pack.is_public, on_progress=progress,
        )  # fmt: skip
    except Exception as error:
        logger.exception("Building the pack for %s failed", period)
        return _failed(pack.pk, f"{type(error).__name__}: {error}")
    with transaction.atomic():
        pack = Pack.objects.select_for_update().select_related("period").get(pk=pack.pk)
        PackFile.objects.update_or_create(pack=pack, defaults={"data": pdf})
        pack.pages, pack.size, pack.progress = pages, len(pdf), 100
        pack.status, pack.built_at, pack.built_for = Pack.Status.READY, timezone.now(), built_for
        pack.error = ""
        pack.save()
        packs_changed()
        record_event(kind=AuditEvent.Kind.PACK_BUILT, detail=f"{pack} ({pages} pages)")
        if not pack.is_current:  # closed or reopened while it was drawn: build it again
            pack.status, pack.requested_at, pack.attempts = Pack.Status.QUEUED, timezone.now(), 0
            pack.save()
            _enqueue(pack)
    return pack


def _failed(pack_id: int, error: str) -> Pack:
    with transaction.atomic():
        pack = Pack.objects.select_for_update().get(pk=pack_id)
        packs_changed()
        pack.error = error
        if pack.attempts < ATTEMPTS:
            pack.status = Pack.Status.QUEUED
            pack.save(update_fields=["status", "error"])
            _enqueue(pack)
        else:
            pack.status = Pack.Status.FAILED
            pack.save(update_fields=["status", "error"])
            record_event(kind=AuditEvent.Kind.PACK_FAILED, detail=f"{pack}: {error}")
    return pack


def stored_pdf(pack: Pack) -> bytes | None:
    """The stored PDF of a ready pack, or None if it is not there."""
    found = PackFile.objects.filter(pack=pack).values_list("data", flat=True).first()
    return bytes(found) if found is not None else None
