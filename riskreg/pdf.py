"""HTML to PDF with WeasyPrint, in child processes with a time and a memory limit.

This module imports no models: a spawned child imports it before Django is set up.
"""

import concurrent.futures
import mimetypes
import multiprocessing
import os
import posixpath
import resource
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# pydyf's `PDF.page_references` is a property that builds the tuple of every page's
# reference at each read, and WeasyPrint's PDF/UA tagger reads it once per structure
# element: a tagged write is quadratic in pages (91 CPU s for 1,642 pages, 40 s with the
# tuple kept). Until pydyf keeps it, it is kept here: rebuilt only when pages were added,
# so the bytes written are the same (tests/riskreg/test_pack_pdf.py). Pinned to the
# versions checked; any other leaves pydyf as it is.
MEMOISED_FOR = {("70.0", "0.13.0")}  # (WeasyPrint, pydyf)


def _memoise_page_references() -> bool:
    import pydyf
    import weasyprint

    if (weasyprint.__version__, pydyf.__version__) not in MEMOISED_FOR:
        return False
    if getattr(pydyf.PDF.page_references.fget, "memoised", False):
        return True

    def page_references(pdf) -> tuple:
        kids = pdf.pages["Kids"]  # three items a page: number, 0, "R"; only appended to
        memo = pdf.__dict__.get("_riskreg_page_references")
        if memo is None or memo[0] != len(kids):
            references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
            memo = pdf.__dict__["_riskreg_page_references"] = (len(kids), references)
        return memo[1]

    page_references.memoised = True
    pydyf.PDF.page_references = property(page_references)
    return True


PAGE_REFERENCES_MEMOISED = _memoise_page_references()

# The document's own address: nothing is ever fetched from it, it only lets
# `{% static %}` URLs resolve to something the fetcher recognises as ours.
BASE_URL = "https://pack.riskreg.invalid/"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF: packs are published and must be accessible
TIME_LIMIT = 600  # seconds of CPU for one render
MEMORY_LIMIT = 3 * 1024**3  # bytes of address space for one render
# A big pack laid out in parts in one process holds every part's layout until it is
# written: about 2.3 GB resident at 2,000 risks.
PARTS_MEMORY_LIMIT = 8 * 1024**3


def static_files() -> dict[str, str]:
    """Every static file a page may link, by the name `{% static %}` gives it: file path.

    Built in the web (or worker) process, where the settings in force are, and handed to
    the render child: with DEBUG off, `{% static %}` gives hashed names
    (`css/pack.75b44a50c364.css`) that only the collected files under STATIC_ROOT hold;
    in development it gives the source names that the finders find.
    """
    files: dict[str, str] = {}
    for finder in finders.get_finders():
        for name, storage in finder.list([]):
            files.setdefault(name.replace("\\", "/"), storage.path(name))
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    if hashed:
        for name in hashed.values():
            path = staticfiles_storage.path(name)
            if os.path.exists(path):
                files[name] = path
    return files


class StaticFilesOnlyFetcher(URLFetcher):
    """Serve our static files to WeasyPrint and refuse every other URL.

    WeasyPrint's default fetcher would read `file:///etc/passwd` or call any host a
    template happened to name; a pack needs nothing but our stylesheet. It serves only
    the files listed by `static_files()`, by exact name, and remembers what it refused:
    a pack whose stylesheet was refused is a failed build, not an unstyled pack.
    """

    def __init__(self, files: dict[str, str] | None = None, static_url: str | None = None):
        super().__init__()
        self.files = static_files() if files is None else files
        self.static_url = settings.STATIC_URL if static_url is None else static_url
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            return self._fetch(url)
        except ValueError as error:
            self.refused.append(str(error))
            raise

    def _fetch(self, url):
        prefix = BASE_URL + self.static_url.lstrip("/")
        if not url.startswith(prefix):
            raise ValueError(f"The pack renderer fetches only our static files, not {url}")
        parts = urlsplit(url)
        relative = posixpath.normpath(unquote(parts.path)).lstrip("/")
        relative = relative.removeprefix(self.static_url.strip("/") + "/")
        if relative.startswith("..") or parts.query or parts.fragment:
            raise ValueError(f"Not a static file: {url}")
        path = self.files.get(relative)
        if not path:
            raise ValueError(f"No static file {relative}")
        with open(path, "rb") as stream:
            body = stream.read()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


class StaticFileMissing(Exception):
    """The pack named a static file the renderer could not serve: it would come out unstyled."""


def html_to_pdf(
    html: str,
    tagged: bool = True,
    files: dict[str, str] | None = None,
    static_url: str | None = None,
) -> tuple[bytes, int]:
    """WeasyPrint alone: the finished HTML to PDF bytes and the number of pages.

    `files` and `static_url` are the web process's `static_files()` and STATIC_URL (a
    render child has its own settings, which need not be the ones that built the HTML).
    """
    fetcher = StaticFilesOnlyFetcher(files, static_url)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    if refused := [reason for reason in fetcher.refused if "No static file" in reason]:
        raise StaticFileMissing("; ".join(refused))
    options = {"pdf_variant": PDF_VARIANT} if tagged else {}
    return document.write_pdf(**options), len(document.pages)


# Laying a big pack out as parts (one table across hundreds of pages is slower per page as
# pages grow, WeasyPrint issue #1296) and writing them as one tagged document needs the
# "Page N of M" margin boxes drawn after every part is laid out, when N and M are known.
# WeasyPrint 70 makes them last, in `layout_document`, through `make_margin_boxes`: held
# back here and made afterwards with the whole pack's numbers. Pinned to the version read.
PARTS_FOR = {"70.0"}
PARTS_CHECKED = weasyprint.__version__ in PARTS_FOR


def parts_to_pdf(
    htmls: list[str], files: dict[str, str] | None = None, static_url: str | None = None
) -> tuple[bytes, int]:
    """Parts of one document (each a whole HTML page) laid out one after another in this
    process and written once, tagged (PDF/UA), numbered "Page N of M" across all of them."""
    import copy

    import weasyprint.layout
    from weasyprint.layout.background import layout_backgrounds

    if not PARTS_CHECKED:
        raise RuntimeError(f"parts_to_pdf is not checked for WeasyPrint {weasyprint.__version__}")
    make_margin_boxes = weasyprint.layout.make_margin_boxes
    held: list[tuple] = []

    def hold(context, page, state):
        held.append((context, page, copy.deepcopy(state), context.current_page))
        return []

    fetcher = StaticFilesOnlyFetcher(files, static_url)
    weasyprint.layout.make_margin_boxes = hold
    try:
        documents = [HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
                     for html in htmls]  # fmt: skip
    finally:
        weasyprint.layout.make_margin_boxes = make_margin_boxes
    if refused := [reason for reason in fetcher.refused if "No static file" in reason]:
        raise StaticFileMissing("; ".join(refused))
    total = len(held)
    for number, (context, page, state, current) in enumerate(held, start=1):
        state[1]["page"], state[1]["pages"] = [number], [total]
        context.current_page = current  # the part's own page: its running strings
        page.children = (*page.children, *make_margin_boxes(context, page, state))
        layout_backgrounds(page, context.get_image_from_uri)
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf(pdf_variant=PDF_VARIANT), len(pages)


def parts_job(htmls: list[str]) -> tuple:
    """A (function, args) job for `run_isolated` drawing `parts_to_pdf` as this process would."""
    return (parts_to_pdf, (htmls, static_files(), settings.STATIC_URL))


def pdf_job(html: str, tagged: bool = True) -> tuple:
    """A (function, args) job for `run_isolated` that renders `html` as this process would."""
    return (html_to_pdf, (html, tagged, static_files(), settings.STATIC_URL))


def _limit_child(memory: int, seconds: int) -> None:
    # Runs first in each child: a runaway render dies there, not in the web process.
    # Django was set up once in the fork server (riskreg.render_server), not here.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def _context():
    # A fork server that has already imported WeasyPrint and set Django up starts each
    # child in milliseconds, where a spawned child spends a second importing them. (Plain
    # fork is refused with max_tasks_per_child, and would copy the web process's memory.)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["riskreg.render_server"])
    return context


def _executor(workers: int, memory: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        max_tasks_per_child=1,  # a fresh process per render: its memory goes when it ends
        initializer=_limit_child,
        initargs=(memory, TIME_LIMIT),
    )


def _measured(function, args):
    # In the child: the job's result and the child's peak resident memory (KiB).
    return function(*args), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_isolated(
    jobs: list[tuple],
    workers: int,
    on_done=None,
    peaks: list | None = None,
    memory: int = MEMORY_LIMIT,
) -> list:
    """Run (function, args) jobs in child processes; results in job order.

    `peaks`, if given, receives each child's peak resident memory in KiB; `memory` is each
    child's limit of address space in bytes.
    """
    with _executor(workers, memory) as pool:
        futures = [pool.submit(_measured, function, args) for function, args in jobs]
        try:
            for done, future in enumerate(
                concurrent.futures.as_completed(futures, timeout=TIME_LIMIT + 30), start=1
            ):
                future.result()
                if on_done:
                    on_done(done, len(futures))
        except BaseException:
            for process in list(pool._processes.values()):  # stop children still drawing
                process.kill()
            raise
        outcomes = [future.result() for future in futures]
    if peaks is not None:
        peaks.extend(peak for _, peak in outcomes)
    return [result for result, _ in outcomes]
