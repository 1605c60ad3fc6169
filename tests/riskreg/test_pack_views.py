"""Downloading packs: who may, what is stored, what is recorded."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from registers.models import ReportingPeriod
from riskreg import packs
from riskreg.models import Pack, PackDownload

pytestmark = pytest.mark.django_db

Q2 = reverse("packs:download", args=["corporate", 2021, 2])
Q3 = reverse("packs:download", args=["corporate", 2021, 3])
Q3_DRAFT = reverse("packs:preview", args=["corporate", 2021, 3])
PACKS = reverse("packs:list")
FAKE_PDF = b"%PDF-1.7 a stored pack"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def renders(monkeypatch) -> list:
    """Count renders, and return a small stand-in PDF instead of drawing one."""
    calls = []

    def fake_render(*, register, period, draft=False, public=False, on_progress=None):
        calls.append(period.label)
        return FAKE_PDF, 1

    monkeypatch.setattr(packs, "render_pack_with_pages", fake_render)
    return calls


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_second_download_serves_the_stored_file_without_rendering_again(
    client, seeded, pcc_staff, renders
):
    client.force_login(pcc_staff)
    first = client.get(Q2)
    second = client.get(Q2)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert "corporate-2021-q2.pdf" in first["Content-Disposition"]
    assert content(first) == content(second) == FAKE_PDF
    assert renders == ["Q2 2021/22"]
    pack = Pack.objects.get(period__year=2021, period__quarter=2)
    assert pack.status == Pack.Status.READY and pack.size == len(FAKE_PDF)
    assert pack.file.name.startswith("private/packs/corporate/")


def test_each_download_is_recorded_with_who_and_which_pack(
    client, seeded, chief_officer, pcc_staff, renders
):
    for user in (chief_officer, pcc_staff, pcc_staff):
        client.force_login(user)
        assert client.get(Q2).status_code == 200
    downloads = PackDownload.objects.order_by("pk")
    assert [d.user.username for d in downloads] == ["charles", "priya", "priya"]
    assert {d.pack.period.label for d in downloads} == {"Q2 2021/22"}


def test_administrator_sees_the_download_record_in_the_admin(
    client, seeded, pcc_staff, administrator, renders
):
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


def test_risk_officer_previews_the_open_quarter_as_a_draft(client, seeded, risk_officer):
    client.force_login(risk_officer)
    response = client.get(Q3_DRAFT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title.startswith("DRAFT ")
    assert all("DRAFT" in page.extract_text() for page in reader.pages)
    assert "Q3 Trending" in reader.pages[3].extract_text().replace(
        "\n", " "
    )  # cover, contents, summary, register
    assert not Pack.objects.exists()  # a draft is never stored


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
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(PACKS)
    assert response.content.decode().count("Download the Q") == 43


def test_register_page_of_a_closed_quarter_links_its_pack(client, seeded, pcc_staff):
    client.force_login(pcc_staff)
    page = client.get("/registers/corporate/2021-q2/").content.decode()
    assert f'href="{Q2}"' in page


def test_a_large_register_is_built_in_the_background_in_sections(
    client, seeded, chief_officer, monkeypatch, django_capture_on_commit_callbacks
):
    # 18 risks stand in for hundreds: sections of 6 risks, built by the task backend.
    monkeypatch.setattr(packs, "BACKGROUND_THRESHOLD", 5)
    monkeypatch.setattr(packs, "SECTION_RISKS", 6)
    client.force_login(chief_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(Q2)
    status_url = reverse("packs:status", args=["corporate", 2021, 2])
    assert response.status_code == 302 and response["Location"] == status_url
    pack = Pack.objects.get()
    assert pack.status == Pack.Status.READY, pack.error
    assert "Download the Q2 2021/22 pack" in client.get(status_url).content.decode()
    reader = PdfReader(io.BytesIO(content(client.get(Q2))))
    total = len(reader.pages)
    assert total == pack.pages
    texts = [page.extract_text() for page in reader.pages]
    assert all(f"Page {n} of {total}" in text for n, text in enumerate(texts, start=1))
    assert " ".join(texts).count("CRR") >= 18
    assert reader.metadata.title == "Corporate Risk Register: Quarter 2 2021/22"


def test_a_queued_build_shows_its_progress(client, seeded, pcc_staff):
    period = ReportingPeriod.objects.get(year=2021, quarter=2)
    Pack.objects.create(
        register=period.register, period=period, status=Pack.Status.BUILDING, progress=40
    )
    client.force_login(pcc_staff)
    page = client.get(reverse("packs:status", args=["corporate", 2021, 2])).content.decode()
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


def test_a_reopened_and_reclosed_quarter_gets_a_new_pack(
    client, seeded, risk_officer, administrator
):
    from registers import services
    from registers.models import Risk

    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)
    services.close_quarter(period=period, user=risk_officer)
    client.force_login(risk_officer)
    url = reverse("packs:download", args=["corporate", 2021, 3])
    first = b"".join(client.get(url).streaming_content)
    services.reopen_quarter(period=period, user=administrator, reason="wrong rating")
    Risk.objects.filter(reference="CRR18").update(name="Core Skills Renamed")
    services.close_quarter(period=ReportingPeriod.objects.get(pk=period.pk), user=risk_officer)
    second = b"".join(client.get(url).streaming_content)

    def text(pdf: bytes) -> str:
        return " ".join(
            " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages
        )

    assert "Core Skills Renamed" not in text(first)
    assert "Core Skills Renamed" in text(second)
    assert Pack.objects.get(period=period).is_current
