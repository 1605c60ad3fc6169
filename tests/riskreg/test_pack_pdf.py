"""The Q2 2021/22 pack read back as a reader would: seed 001's register, page by page."""

import io
import re

import pytest
from pypdf import PdfReader

from riskreg.pdf import BASE_URL, StaticFilesOnlyFetcher, html_to_pdf
from tests.registers.seed001 import seed_rows

pytestmark = pytest.mark.django_db

HEADER = (
    "Corporate Risks ID Risk Name Description Impact Key Controls and Activities "
    "Q4 Trending Q1 Trending Q2 Trending Residual Risk Rating"
)
TREND = r"(New|N/A|→|↗|↘)"


def flat(text: str) -> str:
    return " ".join(text.split())


def register_pages(reader: PdfReader) -> list[str]:
    texts = [page.extract_text() for page in reader.pages]
    return [text for text in texts if flat(text).startswith("Corporate Risks ID")]


def test_q2_pack_holds_the_seed_risks_in_order_with_their_names_trends_and_ratings(q2_pack):
    text = flat(" ".join(register_pages(q2_pack)))
    expected = seed_rows()
    assert len(expected) == 18
    references = re.findall(r"\bCRR\d\d\b", text)
    assert references == [seed.reference for seed in expected]
    starts = [text.index(seed.reference) for seed in expected] + [len(text)]
    for seed, start, end in zip(expected, starts, starts[1:], strict=False):
        row = text[start:end]
        assert row.startswith(f"{seed.reference} {flat(seed.name)}"), seed.reference
        found = re.findall(rf"{TREND} {TREND} {TREND} (Critical|High|Medium|Low)", row)
        assert found, seed.reference
        assert found[0] == (*seed.trends, seed.rating), seed.reference


def test_every_register_page_begins_with_the_heading_and_column_header(q2_pack):
    pages = register_pages(q2_pack)
    texts = [flat(page.extract_text()) for page in q2_pack.pages]
    first = next(i for i, text in enumerate(texts) if "CRR18 Core Skills" in text)
    # The register runs on until the governance sections that follow it.
    end = next(i for i, text in enumerate(texts) if text.startswith("Governance Dashboard"))
    assert len(pages) == end - first
    for text in texts[first:end]:
        assert text.startswith(HEADER)


def test_every_page_is_numbered_and_carries_the_protective_marking(q2_pack):
    total = len(q2_pack.pages)
    assert total > 2
    for number, page in enumerate(q2_pack.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        assert "OFFICIAL" in text


def test_pack_has_metadata_bookmarks_language_and_tags(q2_pack):
    meta = q2_pack.metadata
    assert meta.title == "Corporate Risk Register: Quarter 2 2021/22"
    assert meta.author == "West Midlands Police"
    assert meta.subject == "Corporate Risk Register, Quarter 2 2021/22"
    root = q2_pack.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root  # tagged: PDF/UA-1
    titles = [item["/Title"] for item in q2_pack.outline if isinstance(item, dict)]
    nested = [
        item["/Title"] for group in q2_pack.outline if isinstance(group, list) for item in group
    ]
    assert titles == ["Corporate Risk Register"]
    assert nested == [
        "Summary",
        "Corporate Risks",
        "Governance Dashboard 2017/18",
        "HMIC Tracker",
        "Police and Crime Plan: Delivery Plan Progress",
    ]


def test_cover_and_summary_say_what_quarter_and_how_many_risks(q2_pack):
    cover = flat(q2_pack.pages[0].extract_text())
    assert "West Midlands Police" in cover and "Quarter 2 2021/22" in cover
    summary = flat(q2_pack.pages[1].extract_text())
    # Seed 001: one Critical, thirteen High, four Medium; six risks new in Q2.
    assert "Critical 1 High 13 Medium 4" in summary
    assert "New 6 CRR18, CRR15, CRR13, CRR16, CRR17, CRR14" in summary
    assert "without likelihood and impact scores: 18 risks" in summary


def test_fetcher_serves_our_static_files():
    response = StaticFilesOnlyFetcher().fetch(BASE_URL + "static/css/pack.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.com/static/css/pack.css",
        "http://169.254.169.254/latest/meta-data/",
        BASE_URL + "static/../../../etc/passwd",
        BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        BASE_URL + "media/private/packs/corporate/corporate-2021-q2.pdf",
        "data:text/css,body{}",
    ],
)
def test_fetcher_refuses_every_other_url(url):
    with pytest.raises(ValueError):
        StaticFilesOnlyFetcher().fetch(url)


def test_a_template_naming_a_local_file_gets_nothing_from_it(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text('body::before { content: "LEAKED-SECRET"; }')
    html = (
        f'<html><head><link rel="stylesheet" href="{secret.as_uri()}"></head>'
        f'<body><p>Pack</p><img src="file:///etc/hostname" alt=""></body></html>'
    )
    pdf, _ = html_to_pdf(html, tagged=False)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Pack" in text and "LEAKED-SECRET" not in text
