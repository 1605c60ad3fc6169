"""Packs: built by the task worker only, stored in the database, downloaded and recorded."""

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from registers.models import ReportingPeriod
from riskreg import packs
from riskreg.models import AuditEvent, Pack, PackDownload, PackFile
from tests.forms import submit

pytestmark = pytest.mark.django_db

Q2 = reverse("packs:download", args=["corporate", 2021, 2])
Q2_STATUS = reverse("packs:status", args=["corporate", 2021, 2])
Q3 = reverse("packs:download", args=["corporate", 2021, 3])
Q3_DRAFT = reverse("packs:preview", args=["corporate", 2021, 3])
Q3_DRAFT_PDF = reverse("packs:draft_file", args=["corporate", 2021, 3])
PACKS = reverse("packs:list")
FAKE_PDF = b"%PDF-1.7 a stored pack"


@pytest.fixture
def worker(settings, django_capture_on_commit_callbacks):
    """The task worker, run at once in this process: a queued build is built on commit."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def renders(monkeypatch) -> list:
    """Count renders, and return a small stand-in PDF instead of drawing one."""
    calls = []

    def fake_render(*, register, period, draft=False, public=False, on_progress=None):
        calls.append(period.label)
        return FAKE_PDF, 1

    monkeypatch.setattr(packs, "render_pack_with_pages", fake_render)
    return calls


def built_q2(worker) -> Pack:
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    worker(packs.request_pack_build, period=period)
    return Pack.objects.get(period=period)


def test_a_download_of_an_unbuilt_pack_queues_one_build_and_says_since_when(
    client, seeded, pcc_staff, renders, django_capture_on_commit_callbacks
):
    client.force_login(pcc_staff)
    for _ in range(6):  # six people asking at once queue one build
        with django_capture_on_commit_callbacks(execute=True):  # into the database queue
            response = client.get(Q2)
        assert response.status_code == 302 and response["Location"] == Q2_STATUS
    assert renders == []  # never rendered in a request
    assert DBTaskResult.objects.count() == 1
    pack = Pack.objects.get()
    assert pack.status == Pack.Status.QUEUED and pack.requested_at is not None
    page = client.get(Q2_STATUS).content.decode()
    assert "The pack is not built yet: queued for the task worker since" in page
    assert pack.requested_at.astimezone().strftime("%H:%M") in page
    assert PackDownload.objects.count() == 0


def test_the_worker_builds_the_pack_into_the_database_and_downloads_serve_it(
    client, seeded, pcc_staff, renders, worker
):
    client.force_login(pcc_staff)
    worker(client.get, Q2)  # queues it; the worker builds it
    assert renders == ["Q2 2021/22"]
    first, second = client.get(Q2), client.get(Q2)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert "corporate-2021-q2.pdf" in first["Content-Disposition"]
    assert first.content == second.content == FAKE_PDF
    assert renders == ["Q2 2021/22"]  # built once
    pack = Pack.objects.get(period__year=2021, period__quarter=2)
    assert pack.status == Pack.Status.READY and pack.size == len(FAKE_PDF)
    assert bytes(PackFile.objects.get(pack=pack).data) == FAKE_PDF
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PACK_BUILT).count() == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PACK_DOWNLOADED).count() == 2


def test_a_failed_build_is_retried_once_then_reported(
    client, seeded, pcc_staff, risk_officer, monkeypatch, worker
):
    tries = []

    def failing(*, register, period, draft=False, public=False, on_progress=None):
        tries.append(period.label)
        raise MemoryError("the renderer ran out of memory")

    monkeypatch.setattr(packs, "render_pack_with_pages", failing)
    client.force_login(pcc_staff)
    worker(client.get, Q2)
    assert tries == ["Q2 2021/22", "Q2 2021/22"]
    pack = Pack.objects.get()
    assert pack.status == Pack.Status.FAILED and pack.attempts == 2
    assert "MemoryError" in pack.error
    page = client.get(Q2_STATUS).content.decode()
    assert "Building the pack failed, twice." in page and "MemoryError" not in page
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PACK_FAILED).count() == 1
    # A download does not start the failing build over; a risk officer asks for it again.
    worker(client.get, Q2)
    assert len(tries) == 2
    monkeypatch.setattr(packs, "render_pack_with_pages", lambda **kw: (FAKE_PDF, 1))
    client.force_login(risk_officer)
    assert worker(client.post, Q2_STATUS).status_code == 302
    assert client.get(Q2).content == FAKE_PDF


def test_a_download_is_recorded_only_when_it_succeeds(client, seeded, pcc_staff, renders, worker):
    pack = built_q2(worker)
    PackFile.objects.filter(pack=pack).delete()  # the bytes lost (a partial restore)
    client.force_login(pcc_staff)
    response = client.get(Q2)
    assert response.status_code == 302 and response["Location"] == Q2_STATUS
    assert PackDownload.objects.count() == 0
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.PACK_DOWNLOADED).exists()


def test_a_build_under_way_is_not_started_twice(seeded, renders, worker):
    pack = built_q2(worker)
    Pack.objects.filter(pk=pack.pk).update(
        status=Pack.Status.BUILDING, built_for=None, started_at=pack.built_at
    )
    packs.build_pack_file(pack.pk)  # a second worker given the same pack
    assert renders == ["Q2 2021/22"]
    assert Pack.objects.get().status == Pack.Status.BUILDING


def test_downloads_are_private_and_never_cached(client, seeded, pcc_staff, renders, worker):
    built_q2(worker)
    client.force_login(pcc_staff)
    response = client.get(Q2)
    assert response.status_code == 200
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_each_download_is_recorded_with_who_and_which_pack(
    client, seeded, chief_officer, pcc_staff, renders, worker
):
    built_q2(worker)
    for user in (chief_officer, pcc_staff, pcc_staff):
        client.force_login(user)
        assert client.get(Q2).status_code == 200
    downloads = PackDownload.objects.order_by("pk")
    assert [d.user.username for d in downloads] == ["charles", "priya", "priya"]
    assert {d.pack.period.label for d in downloads} == {"Q2 2021/22"}


def test_administrator_sees_the_download_record_in_the_admin(
    client, seeded, pcc_staff, administrator, renders, worker
):
    built_q2(worker)
    client.force_login(pcc_staff)
    client.get(Q2)
    client.force_login(administrator)
    page = client.get(reverse("admin:riskreg_packdownload_changelist")).content.decode()
    assert "Priya Staff" in page or "priya" in page
    assert client.get(reverse("admin:riskreg_pack_changelist")).status_code == 200


def test_pcc_staff_cannot_download_or_preview_the_open_quarter(client, seeded, pcc_staff, renders):
    client.force_login(pcc_staff)
    assert client.get(Q3).status_code == 404
    assert client.get(Q3_DRAFT).status_code == 403
    assert renders == []


@pytest.mark.parametrize("role", ["chief_officer", "pcc_staff"])
def test_only_risk_officers_preview_the_draft(client, seeded, role, request, renders):
    client.force_login(request.getfixturevalue(role))
    assert client.get(Q3_DRAFT).status_code == 403


def test_risk_officer_has_the_open_quarter_built_as_a_draft_by_the_worker(
    client, seeded, risk_officer, worker
):
    client.force_login(risk_officer)
    page = client.get(Q3_DRAFT)
    assert page.status_code == 200 and "The pack is not built yet" in page.content.decode()
    assert client.get(Q3_DRAFT_PDF)["Location"] == Q3_DRAFT  # nothing to download yet
    assert worker(client.post, Q3_DRAFT)["Location"] == Q3_DRAFT
    assert "Download the Q3 2021/22 draft pack" in client.get(Q3_DRAFT).content.decode()
    response = client.get(Q3_DRAFT_PDF)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "corporate-2021-q3-DRAFT.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title.startswith("DRAFT ")
    assert all("DRAFT" in page.extract_text() for page in reader.pages)
    assert "Q3 Trending" in reader.pages[3].extract_text().replace(
        "\n", " "
    )  # cover, contents, summary, register
    assert PackDownload.objects.count() == 0  # a draft is not a published pack


def test_user_without_a_role_cannot_download(client, seeded, django_user_model, renders):
    client.force_login(django_user_model.objects.create_user("nobody", password="x" * 16))
    assert client.get(Q2).status_code == 403
    assert client.get(PACKS).status_code == 403


def test_download_accepts_only_get(client, seeded, pcc_staff, renders):
    client.force_login(pcc_staff)
    assert client.post(Q2).status_code == 405


def test_packs_page_lists_closed_quarters_with_download_links(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    page = client.get(PACKS).content.decode()
    for label, slug in [
        ("Q2 2021/22", "2021-q2"),
        ("Q1 2021/22", "2021-q1"),
        ("Q4 2020/21", "2020-q4"),
    ]:
        assert f'href="/packs/corporate/{slug}/"' in page, label
    assert "2021-q3" not in page
    assert 'href="/packs/"' in page  # the Packs link in the navigation


def test_packs_page_offers_risk_officers_the_draft(client, seeded, risk_officer):
    client.force_login(risk_officer)
    assert 'href="/packs/corporate/2021-q3/draft/"' in client.get(PACKS).content.decode()


def test_packs_page_query_count_does_not_grow_with_quarters(
    client, seeded, pcc_staff, django_assert_max_num_queries
):
    client.force_login(pcc_staff)
    with django_assert_max_num_queries(12) as few:
        client.get(PACKS)
    register = ReportingPeriod.objects.first().register
    for year in range(2010, 2020):
        for quarter in (1, 2, 3, 4):
            period = ReportingPeriod.objects.create(
                register=register, year=year, quarter=quarter, start="2010-04-01",
                end="2010-06-30", status=ReportingPeriod.Status.CLOSED,
            )  # fmt: skip
            Pack.objects.create(register=register, period=period, status=Pack.Status.READY)
    cache.clear()  # written behind the app's back, which moves the pack list's stamps on
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PACKS)
    assert response.content.decode().count("Download the Q") == 43


def test_register_page_of_a_closed_quarter_links_its_pack(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    page = client.get("/registers/corporate/2021-q2/").content.decode()
    assert f'href="{Q2}"' in page


def _flat(outline) -> list:
    return [i for item in outline for i in (_flat(item) if isinstance(item, list) else [item])]


@pytest.mark.parametrize("tagged", [True, False], ids=["tagged parts", "merged"])
def test_a_large_register_is_built_in_sections_by_the_worker(
    client, seeded, chief_officer, monkeypatch, worker, tagged
):
    # 18 risks stand in for hundreds: sections of 6 risks, built by the task backend; laid
    # out one after another and written tagged, or (above TAGGED_PARTS_LIMIT) in parallel
    # and merged.
    monkeypatch.setattr(packs, "BACKGROUND_THRESHOLD", 5)
    monkeypatch.setattr(packs, "SECTION_RISKS", 6)
    monkeypatch.setattr(packs, "TAGGED_PARTS_LIMIT", 100 if tagged else 5)
    client.force_login(chief_officer)
    response = worker(client.get, Q2)
    assert response.status_code == 302 and response["Location"] == Q2_STATUS
    pack = Pack.objects.get()
    assert pack.status == Pack.Status.READY, pack.error
    assert "Download the Q2 2021/22 pack" in client.get(Q2_STATUS).content.decode()
    reader = PdfReader(io.BytesIO(client.get(Q2).content))
    total = len(reader.pages)
    assert total == pack.pages
    texts = [page.extract_text() for page in reader.pages]
    assert all(f"Page {n} of {total}" in text for n, text in enumerate(texts, start=1))
    assert " ".join(texts).count("CRR") >= 18
    assert reader.metadata.title == "Corporate Risk Register: Quarter 2 2021/22"
    assert ("/StructTreeRoot" in reader.trailer["/Root"]) == tagged
    titles = [item["/Title"] for item in _flat(reader.outline)]
    assert sum(title.startswith("CRR") for title in titles) == 18  # every part's bookmarks
    # Numbered pages are written compressed, as one process writes them.
    for page in reader.pages:
        streams = page["/Contents"].get_object()
        for stream in streams if isinstance(streams, list) else [streams]:
            assert stream.get_object().get("/Filter") == "/FlateDecode"


def test_a_queued_build_shows_its_progress(client, seeded, pcc_staff):
    period = ReportingPeriod.objects.get(year=2021, quarter=2)
    Pack.objects.create(
        register=period.register, period=period, status=Pack.Status.BUILDING, progress=40
    )
    client.force_login(pcc_staff)
    page = client.get(Q2_STATUS).content.decode()
    assert "the task worker has been building it since" in page
    assert "40% done" in page
    assert 'value="40"' in page


def test_build_pack_command_writes_the_pdf(seeded, tmp_path, renders):
    from django.core.management import call_command

    out = io.StringIO()
    target = tmp_path / "pack.pdf"
    call_command(
        "build_pack", register="corporate", period="Q2 2021/22", output=str(target), stdout=out
    )
    assert target.read_bytes() == FAKE_PDF
    assert "Q2 2021/22" in out.getvalue()


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.usefixtures("one_step_close")
def test_closing_through_the_page_builds_the_pack_from_the_quarter_as_committed(
    client, seeded, risk_officer, worker
):
    from registers.models import Risk
    from registers.quarter import quarter_picture

    crr10 = Risk.objects.get(reference="CRR10")
    crr10.band = crr10.register.rating_scale.bands.get(label="Critical")
    crr10.save()  # escalated in Q3
    client.force_login(risk_officer)
    close = reverse("quarters:close", args=["corporate", 2021, 3])
    closed = worker(submit, client, close, {"confirm": "on"}, containing="confirm")
    assert closed.status_code == 302
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    assert set(period.packs.values_list("variant", flat=True)) == {"full", "public"}
    pack = Pack.objects.get(period=period, variant=Pack.Variant.FULL)
    assert pack.is_current and pack.built_for == period.closed_at
    summary = pdf_text(client.get(Q3).content)
    assert "DRAFT" not in summary
    escalated = [moved.reference for moved in quarter_picture(period).movements.escalated]
    assert escalated == ["CRR10"]
    assert "Escalated 1 CRR10" in summary
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.QUARTER_CLOSED).count() == 1


def test_a_reopened_and_reclosed_quarter_gets_a_new_pack(
    client, seeded, risk_officer, administrator, worker
):
    from registers import services
    from registers.models import Risk

    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    services.close_quarter(period=period, user=risk_officer)
    client.force_login(risk_officer)
    worker(client.get, Q3)
    first = client.get(Q3).content
    services.reopen_quarter(period=period, user=administrator, reason="wrong rating")
    Risk.objects.filter(reference="CRR18").update(name="Core Skills Renamed")
    services.close_quarter(period=ReportingPeriod.objects.get(pk=period.pk), user=risk_officer)
    assert worker(client.get, Q3).status_code == 302  # the earlier pack no longer stands
    second = client.get(Q3).content
    assert "Core Skills Renamed" not in pdf_text(first)
    assert "Core Skills Renamed" in pdf_text(second)
    assert Pack.objects.get(period=period).is_current


def test_a_long_movement_list_is_a_paragraph_below_the_summary_table(seeded, monkeypatch):
    """A first quarter of thousands of new risks: its references leave the table's cell (a
    cell running over pages took WeasyPrint minutes) for a paragraph below it."""
    from html import unescape

    q2 = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    data = packs.pack_data(register=q2.register, period=q2, draft=False)
    new = [moved.reference for moved in data.quarter.movements.new]
    assert len(new) == 6
    in_table = unescape(packs.render_html(data, [packs.summary_section(data)]))
    assert ", ".join(new) in in_table and "Listed below the table" not in in_table
    monkeypatch.setattr(packs, "REFERENCES_IN_TABLE", 5)
    below = unescape(packs.render_html(data, [packs.summary_section(data)]))
    assert "<td>Listed below the table</td>" in below
    assert f"<strong>New (6):</strong> {', '.join(new)}." in below
