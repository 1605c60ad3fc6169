"""The Q2 2021/22 pack read back as a reader would: seed 001's register, page by page."""

import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from riskreg.pdf import BASE_URL, StaticFilesOnlyFetcher, html_to_pdf
from tests.registers.seed001 import seed_rows

pytestmark = pytest.mark.django_db

TITLE = "Corporate Risks, as at 30 September 2021"
HEADER = (
    f"{TITLE} ID Risk Name Description Impact Key Controls and Activities "
    "Q4 Trending Q1 Trending Q2 Trending Residual Risk Rating"
)
TREND = r"(New|N/A|→|↗|↘)"


def flat(text: str) -> str:
    return " ".join(text.split())


def register_pages(reader: PdfReader) -> list[str]:
    texts = [page.extract_text() for page in reader.pages]
    return [text for text in texts if flat(text).startswith(f"{TITLE} ID")]


def test_q2_pack_holds_the_seed_risks_in_order_with_their_names_trends_and_ratings(q2_pack):
    text = flat(" ".join(register_pages(q2_pack)))
    expected = seed_rows()
    assert len(expected) == 18
    references = re.findall(r"\bCRR\d\d\b", text)
    assert references == [seed.reference for seed in expected]
    starts = [text.index(seed.reference) for seed in expected] + [len(text)]
    for seed, start, end in zip(expected, starts, starts[1:], strict=False):
        row = text[start:end]
        # A row broken across pages may be read back with its name after its first cells.
        # and a narrow column wraps "Legacy/BRC" after its slash.
        name = flat(seed.name).replace(" ", "")
        assert row.startswith(seed.reference) and name in row.replace(" ", ""), seed.reference
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


def test_the_seed_register_takes_no_more_than_six_pages_read_back_with_pdftotext(q2_pack):
    # The seed prints its 18 risks six a page on three pages; kept whole, each row took a
    # page of its own (15 pages). Rows now break across pages under a repeated header.
    pdf = q2_pack.stream.getvalue()
    register = []
    for number in range(1, len(q2_pack.pages) + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        if TITLE in flat(text) and "Key Controls and Activities" in flat(text):
            register.append(number)
    assert 1 <= len(register) <= 6
    assert register == list(range(register[0], register[0] + len(register)))


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
    outline = q2_pack.outline
    assert [item["/Title"] for item in outline if isinstance(item, dict)] == [
        "Corporate Risk Register"
    ]
    sections, risks = [], []
    for item in outline[1]:
        if isinstance(item, list):
            risks.extend(risk["/Title"] for risk in item)
        else:
            sections.append(item["/Title"])
    assert sections == [
        "Summary, as at 30 September 2021",
        "Corporate Risks",
        "Governance Dashboard 2017/18",
        "HMIC Tracker",
        "Police and Crime Plan: Delivery Plan Progress",
    ]
    # A bookmark for every risk, under the register's.
    expected = [f"{seed.reference} {flat(seed.name)}" for seed in seed_rows()]
    assert [flat(title) for title in risks] == expected


def test_cover_and_summary_say_what_quarter_and_how_many_risks(q2_pack):
    cover = flat(q2_pack.pages[0].extract_text())
    assert "West Midlands Police" in cover and "Quarter 2 2021/22" in cover
    assert "Data as at 30 September 2021" in cover
    contents = flat(q2_pack.pages[1].extract_text())
    assert contents.startswith("Contents Summary, as at 30 September 2021")
    assert "Corporate Risks, as at 30 September 2021" in contents
    summary = flat(q2_pack.pages[2].extract_text())
    # Seed 001: one Critical, thirteen High, four Medium; six risks new in Q2.
    assert "Critical 1 High 13 Medium 4" in summary
    assert "New 6 CRR18, CRR15, CRR13, CRR16, CRR17, CRR14" in summary
    # No risk is scored: the band totals, not an empty heat map.
    assert "No risk carries likelihood and impact scores" in summary
    assert "Heat map" not in summary


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
