"""The pack under production static files: DEBUG off, hashed names from `collectstatic`.

`{% static %}` then names `css/pack.<hash>.css`, which only STATIC_ROOT holds. The pack
must come out exactly as in development: same pages, same text, landscape, every page
numbered and marked; and the sectioned build (over BACKGROUND_THRESHOLD risks) too.
"""

import io

import pytest
from django.conf import settings as project_settings
from django.core.management import call_command
from django.db.models import QuerySet
from pypdf import PdfReader

from registers.models import QuarterlySnapshot, Register, ReportingPeriod, Risk
from riskreg import packs
from riskreg.pdf import StaticFileMissing

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_static(settings, tmp_path):
    """The production staticfiles storage over a fresh `collectstatic` into a temporary root."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": project_settings.PRODUCTION_STATICFILES_BACKEND},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_numbered_marked_landscape(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        assert "OFFICIAL" in text
        assert page.mediabox.width > page.mediabox.height  # landscape A4


def test_the_pack_names_hashed_static_files_under_production_storage(seeded, production_static):
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    html = packs.render_html(packs.pack_data(register=period.register, period=period, draft=False))
    assert "css/pack.css" not in html
    assert (production_static / "staticfiles.json").exists()


def test_the_pack_is_identical_under_development_and_production_static_files(
    seeded, q2_pack, production_static
):
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    pdf = packs.render_pack(register=period.register, period=period)
    production = texts(pdf)
    development = [" ".join(page.extract_text().split()) for page in q2_pack.pages]
    assert len(production) == len(development) == 30
    assert production == development
    assert_numbered_marked_landscape(pdf)


def test_a_missing_stylesheet_fails_the_build_rather_than_drawing_it_unstyled(
    seeded, production_static
):
    (production_static / "staticfiles.json").unlink()
    for hashed in production_static.glob("css/pack.*.css"):
        hashed.unlink()
    call_command("collectstatic", interactive=False, verbosity=0)  # manifest back
    for hashed in production_static.glob("css/pack.*.css"):
        hashed.unlink()
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    with pytest.raises(StaticFileMissing):
        packs.render_pack(register=period.register, period=period)


def big_register(size: int) -> ReportingPeriod:
    """A closed quarter of `size` risks, each like one of the seed's rows."""
    seed = Register.objects.get(slug="corporate")
    q2 = seed.periods.get(year=2021, quarter=2)
    rows = list(QuarterlySnapshot.objects.filter(period=q2).order_by("position"))
    register = Register.objects.create(
        name="Big Register", slug="big", organisation=seed.organisation,
        rating_scale=seed.rating_scale,
    )  # fmt: skip
    period = ReportingPeriod.objects.create(
        register=register, year=2021, quarter=2, start=q2.start, end=q2.end
    )
    risks = Risk.objects.bulk_create(
        Risk(register=register, reference=f"B{n:03d}", name=rows[n % 18].name, position=n,
             band=rows[n % 18].band)
        for n in range(size)
    )  # fmt: skip
    QuerySet(QuarterlySnapshot).bulk_create(
        QuarterlySnapshot(
            risk=risk, period=period, trend=rows[n % 18].trend, band=rows[n % 18].band,
            reference=risk.reference, name=risk.name, description="<p>Short.</p>",
            impact="<p>Short.</p>", controls=["One control."], status="open", position=n,
        )
        for n, risk in enumerate(risks)
    )  # fmt: skip
    ReportingPeriod.objects.filter(pk=period.pk).update(status="closed")
    period.refresh_from_db()
    return period


def test_a_register_over_the_threshold_is_built_in_sections_under_production_storage(
    seeded, production_static, monkeypatch
):
    period = big_register(packs.BACKGROUND_THRESHOLD + 1)
    sectioned = []
    render_sectioned = packs.render_sectioned
    monkeypatch.setattr(
        packs,
        "render_sectioned",
        lambda *a, **kw: sectioned.append(1) or render_sectioned(*a, **kw),
    )
    pdf, pages = packs.render_pack_with_pages(register=period.register, period=period)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    assert sectioned  # the sectioned path was taken: parts laid out in one process, tagged
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert_numbered_marked_landscape(pdf)
    text = " ".join(texts(pdf))
    assert f"B{packs.BACKGROUND_THRESHOLD:03d}" in text and "B000" in text
