"""The dashboard, the "What changed" page and the pack show one picture of a quarter.

For the open quarter (as officers see it, with the draft pack) and for the same quarter
once closed (as PCC staff see it, with the published pack), each page is read as a reader
reads it and held to the same figures, which the test states itself: the movements (counts
and references), the band totals and the heat map. Breaking any page, or the one
definition of a movement, breaks these tests.
"""

import re
from collections import Counter
from html import unescape

import pytest
from django.urls import reverse

from registers import services
from registers.models import QuarterlySnapshot, RatingBand, Register, Risk, Trend
from riskreg.packs import pack_data, render_html
from tests.html import table_rows

pytestmark = pytest.mark.django_db

EXPECTED_MOVEMENTS = {  # in the register's own order
    "new": ["CRR19"],
    "escalated": ["CRR01", "CRR02", "CRR10"],  # High to Critical (scored), Medium to High
    "deescalated": ["CRR03", "CRR07"],  # High to Medium (scored), Medium to Low
    "closed": ["CRR11"],
}
EXPECTED_JUDGEMENTS = ["CRR05"]
EXPECTED_CELLS = {(4, 5): 2, (2, 3): 1}  # (likelihood, impact): risks; every other cell 0


@pytest.fixture
def changed_quarter(seeded):
    """Q3 2021/22 as officers leave it: a risk escalated, one de-escalated, one closed, one
    new and unrated, three scored, and CRR05's trend set to "decreasing" with its rating
    unchanged."""
    register = Register.objects.get(slug="corporate")
    high, low = RatingBand.objects.get(label="High"), RatingBand.objects.get(label="Low")
    Risk.objects.filter(reference="CRR10").update(band=high)
    Risk.objects.filter(reference="CRR07").update(band=low)
    Risk.objects.filter(reference="CRR11").update(status="closed")
    Risk.objects.create(register=register, reference="CRR19", name="Estates", position=19)
    # Scores put two in the Critical cell 4 x 5 and one in Medium's 2 x 3, bands following.
    critical = RatingBand.objects.get(label="Critical")
    medium = RatingBand.objects.get(label="Medium")
    Risk.objects.filter(reference__in=["CRR01", "CRR02"]).update(
        likelihood=4, impact_score=5, band=critical
    )
    Risk.objects.filter(reference="CRR03").update(likelihood=2, impact_score=3, band=medium)
    services.set_current_trend(risk=Risk.objects.get(reference="CRR05"), trend=Trend.DECREASING)
    return register.open_period()


# --- Reading each page ------------------------------------------------------------------


def dashboard(client, period, heading: str) -> dict:
    """What the dashboard shows of `period`; its movements are those under `heading`."""
    html = client.get("/").content.decode()
    header, *rows = table_rows(html, "ratings-table", body_only=False)
    column = next(i for i, title in enumerate(header) if title.startswith(period.label))
    section = html[html.index('id="movement"') : html.index('id="attention"')]
    block = section[section.index(f"<h3>{heading}") :]
    judgements = block[: block.index("What changed in")]
    block = block[: block.index("</ul>")]
    counts = dict(
        (word, int(count)) for count, word in re.findall(r"<strong>(\d+)</strong> ([a-z-]+)", block)
    )
    cells = {}
    for match in re.finditer(r'<td class="heat-cell[^"]*"><a href="([^"]+)">(\d+)<span', html):
        url = unescape(match.group(1))
        key = tuple(
            int(re.search(rf"{f}=(\d)", url).group(1)) for f in ("likelihood", "impact_score")
        )
        cells[key] = int(match.group(2))
    band_only = html[html.index('class="band-only"') : html.index('id="ratings"')]
    return {
        "counts": {
            "new": counts["new"],
            "escalated": counts["escalated"],
            "deescalated": counts["de-escalated"],
            "closed": counts["closed"],
        },
        "judgements": re.findall(r"#judgements\">(CRR\d+)</a>", judgements),
        "bands": {row[0]: int(row[column]) for row in rows},
        "cells": {key: n for key, n in cells.items() if n},
        "band_only": sum(int(n) for n in re.findall(r">(\d+) [A-Za-z]+</a></li>", band_only)),
    }


def changes_page(client, period) -> dict:
    url = reverse(
        "registers:quarter_changes", args=[period.register.slug, period.year, period.quarter]
    )
    html = client.get(url).content.decode()
    lists = {}
    for slug in (*EXPECTED_MOVEMENTS, "judgements"):
        section = html[html.index(f'id="{slug}"') :].split("</section>")[0]
        lists[slug] = re.findall(r"<li><strong>(CRR\d+)</strong>", section)
    return lists


def pack(period, *, draft: bool) -> dict:
    html = render_html(pack_data(register=period.register, period=period, draft=draft))
    movements = {row[0]: row for row in table_rows(html, "movements")}
    names = {"new": "New", "escalated": "Escalated", "deescalated": "De-escalated",
             "closed": "Closed"}  # fmt: skip
    header, *heat = table_rows(html, "heat-map", body_only=False)
    impacts = [int(re.search(r"\d+", title).group(0)) for title in header[1:]]
    cells = {}
    for row in heat:
        likelihood = int(re.search(r"\d+", row[0]).group(0))
        for impact, count in zip(impacts, row[1:], strict=True):
            if count:
                cells[(likelihood, impact)] = int(count)
    judgements = re.search(r'<p class="judgements">(.*?)</p>', html, re.S)
    return {
        "counts": {key: int(movements[name][1]) for key, name in names.items()},
        "lists": {
            key: [r for r in movements[name][2].split(", ") if r] for key, name in names.items()
        },
        "judgements": re.findall(r"CRR\d+", judgements.group(1)) if judgements else [],
        "bands": {row[0]: int(row[1]) for row in table_rows(html, "counts")},
        "cells": cells,
        "band_only": int(re.search(r"scores: <strong>(\d+)</strong>", html).group(1)),
    }


def expected_bands(rows) -> dict[str, int]:
    counts = Counter(band.label if band else "Not rated" for band in rows)
    return {band.label: counts.get(band.label, 0) for band in RatingBand.objects.all()} | (
        {"Not rated": counts["Not rated"]} if counts.get("Not rated") else {}
    )


def assert_one_picture(seen_dashboard, seen_changes, seen_pack, bands, band_only):
    counts = {key: len(refs) for key, refs in EXPECTED_MOVEMENTS.items()}
    assert seen_dashboard["counts"] == counts
    assert seen_pack["counts"] == counts
    assert {k: seen_changes[k] for k in EXPECTED_MOVEMENTS} == EXPECTED_MOVEMENTS
    assert seen_pack["lists"] == EXPECTED_MOVEMENTS
    assert seen_changes["judgements"] == EXPECTED_JUDGEMENTS
    assert seen_dashboard["judgements"] == EXPECTED_JUDGEMENTS
    assert seen_pack["judgements"] == EXPECTED_JUDGEMENTS
    assert seen_dashboard["bands"] == bands == seen_pack["bands"]
    assert seen_dashboard["cells"] == EXPECTED_CELLS == seen_pack["cells"]
    assert seen_dashboard["band_only"] == band_only == seen_pack["band_only"]


def test_open_quarter_is_one_picture_on_dashboard_changes_page_and_draft_pack(
    client, changed_quarter, chief_officer
):
    period = changed_quarter
    on_register = Risk.objects.filter(register=period.register, status="open")
    bands = expected_bands(risk.band for risk in on_register)
    assert bands["Critical"] == 3 and bands["Low"] == 1 and bands["Not rated"] == 1
    band_only = on_register.filter(likelihood__isnull=True, band__isnull=False).count()
    client.force_login(chief_officer)
    assert_one_picture(
        dashboard(client, period, f"{period.label} so far"),
        changes_page(client, period),
        pack(period, draft=True),
        bands,
        band_only,
    )


def test_closed_quarter_is_one_picture_on_dashboard_changes_page_and_pack(
    client, changed_quarter, risk_officer, pcc_staff
):
    period = changed_quarter
    services.close_quarter(period=period, user=risk_officer)
    period.refresh_from_db()
    snapshots = QuarterlySnapshot.objects.filter(period=period).select_related("band")
    bands = expected_bands(snap.band for snap in snapshots)
    band_only = snapshots.filter(likelihood__isnull=True, band__isnull=False).count()
    client.force_login(pcc_staff)  # PCC staff's dashboard is the latest closed quarter
    assert_one_picture(
        dashboard(client, period, f"{period.label}, since"),
        changes_page(client, period),
        pack(period, draft=False),
        bands,
        band_only,
    )


def test_the_draft_pdf_carries_the_movements(client, changed_quarter, risk_officer):
    import io

    from pypdf import PdfReader

    from riskreg.packs import render_pack

    period = changed_quarter
    pdf = render_pack(register=period.register, period=period, draft=True)
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Escalated 3 CRR01, CRR02, CRR10" in text
    assert "De-escalated 2 CRR03, CRR07" in text
    assert "Closed 1 CRR11" in text and "New 1 CRR19" in text
