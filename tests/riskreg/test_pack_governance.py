"""The pack's governance sections: seed 004's CIPFA dashboard, seed 003's HMIC tables and
seed 002's delivery plan, after the register, each when its records exist."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    OversightBody,
    PoliceAndCrimePlan,
    Principle,
    ProgressUpdate,
    Recommendation,
    SubPrinciple,
)
from governance.publication import publish
from registers.models import ReportingPeriod
from riskreg.packs import pack_data, render_html

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CIPFA = "Governance Dashboard"
HMIC = "HMIC Tracker"
DELIVERY = "Police and Crime Plan: Delivery Plan Progress"


def flat(text: str) -> str:
    return " ".join(text.split())


def q2_html(republish: bool = True) -> str:
    """The Q2 2021/22 pack's HTML. These tests are about what a section makes of the records
    it is given, so Q2 publishes the governance records as they now stand first, as closing
    it now would (test_pack_publication.py checks that nothing changes without that)."""
    period = ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)
    if republish:
        publish(period=period)
    return render_html(pack_data(register=period.register, period=period, draft=False))


def column_headers(page: str, table_class: str) -> list[str]:
    """The column headers of the first table of this class, as a reader sees them."""
    table = re.search(rf'<table class="governance {table_class}[^"]*".*?</thead>', page, re.S)
    assert table, table_class
    cells = re.findall(r'<th scope="col">(.*?)</th>', table.group(0), re.S)
    return [html.unescape(flat(cell)) for cell in cells]


def seed_lines(name: str) -> list[str]:
    return (SEEDS / name).read_text().splitlines()


def seed_header(name: str, starts: str) -> list[str]:
    line = next(line for line in seed_lines(name) if line.startswith(starts))
    return [cell.strip() for cell in line.split("\t") if cell.strip()]


def seed_cipfa_rows() -> list[tuple[str, str]]:
    """(direction, RAG) of seed 004's 21 rows, in order; "Not stated" where it gives none.

    The PDF extraction split one heading ("Openness") from its row: the heading line has
    the direction, the row below the RAG and no direction; they are one row.
    """
    rows = []
    for line in seed_lines("004_governance_dashboard.txt"):
        cells = line.split("\t")
        if len(cells) < 4 or not re.match(r"\s*(Green|Amber|Red)", cells[3]):
            continue
        heading, evidence = cells[0].split()[0], cells[1].strip()
        direction, rag = cells[2].strip(), cells[3].split()[0]
        if rows and not rows[-1]["evidence"] and rows[-1]["heading"] == heading:
            rows[-1].update(evidence=evidence, rag=rag)  # the split row, joined
            continue
        rows.append({"heading": heading, "evidence": evidence, "direction": direction, "rag": rag})
    return [(row["direction"] or "Not stated", row["rag"]) for row in rows]


def seed_inspection_titles() -> list[str]:
    lines = seed_lines("003_strategic_assessment.txt")
    start = next(i for i, line in enumerate(lines) if line.startswith("Title\tInspection/"))
    peel = next(i for i, line in enumerate(lines) if "status of HMIC PEEL" in line)
    rows = lines[start + 1 : start + 7] + lines[peel + 2 : peel + 5]
    return [row.split("\t")[0] for row in rows]


def seed_delivery_references() -> list[str]:
    """Seed 002's commitment references in order. "D.0" is a line the PDF extraction broke
    out of B.3's cells, and "4.4/ 4.5" one row that names two commitments."""
    refs = []
    for line in seed_lines("002_pcc_assurance_report.txt"):
        if match := re.match(r"(\d\.\d+)/\t(\d\.\d+)", line):
            refs += match.groups()
        elif (match := re.match(r"([1-4A-D]\.\d+)\t", line)) and match.group(1) != "D.0":
            refs.append(match.group(1))
    return refs


def section_text(reader, title: str) -> str:
    pages = [flat(page.extract_text()) for page in reader.pages]
    return " ".join(page for page in pages if page.startswith(title))


def test_html_holds_each_governance_section_with_the_seeds_columns(seeded):
    page = q2_html()
    assert column_headers(page, "cipfa") == seed_header(
        "004_governance_dashboard.txt", "Expected Behaviours"
    )
    assert column_headers(page, "hmic-inspections") == seed_header(
        "003_strategic_assessment.txt", "Title\tInspection/"
    )
    # Seed 002 writes the last column "Oversight mechanism (s)" once and "Oversight
    # mechanism" after; the pack writes it "Oversight mechanism(s)" throughout.
    seed = seed_header("002_pcc_assurance_report.txt", "Ref\t")
    delivery = column_headers(page, "delivery")
    assert delivery[:4] == seed[:4]
    assert delivery[4].startswith("Oversight mechanism")
    assert column_headers(page, "hmic-peel")[3] == "Grade"
    assert column_headers(page, "hmic-recommendations")[3:] == ["Owner", "Due date", "Status"]
    # After the register, in the order of the issue.
    positions = [page.index(title) for title in ("Corporate Risks", CIPFA, HMIC, DELIVERY)]
    assert positions == sorted(positions)


def test_pack_pdf_shows_the_cipfa_dashboards_21_rows_with_their_rag(q2_pack):
    text = section_text(q2_pack, CIPFA)
    assert text.startswith("Governance Dashboard 2017/18")
    found = re.findall(r"\b(Maintaining|Improving|Declining|Not stated) (Green|Amber|Red)\b", text)
    assert found == seed_cipfa_rows()
    assert len(found) == 21
    assert "Amber – medium term financial plan being updated in June 2018" in text
    for letter in "ABCDEFG":
        assert f"Principle {letter} – " in text


def test_cipfa_rag_cells_are_coloured_as_on_screen(seeded):
    page = q2_html()
    cells = re.findall(r'<td class="rag (rag-\w+)">(\w+)', page)
    assert len(cells) == 21
    assert all(css == f"rag-{label.lower()}" for css, label in cells)
    assert [label for _, label in cells] == [rag for _, rag in seed_cipfa_rows()]


def test_pack_pdf_shows_the_hmic_inspections_and_peel_grades(q2_pack):
    text = section_text(q2_pack, HMIC)
    assert re.match(
        r"HMIC Tracker, as at \d+ \w+ \d{4} The current status of HMIC inspections/self assessment",
        text,
    )
    titles = seed_inspection_titles()
    assert len(titles) == 9
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "May 2015 Good" in text and "July 2015 Requires improvement" in text
    assert "No recommendation was open at 30 September 2021." in text


def test_pack_pdf_shows_the_delivery_plan_references_in_order(q2_pack):
    text = section_text(q2_pack, DELIVERY)
    assert "progress as at Q2 2021/22" in text
    refs = seed_delivery_references()
    assert len(refs) == 53
    position = 0
    for ref in refs:
        position = text.index(f"{ref} ", position) + len(ref)
    # The latest progress on or before Q2 2021/22 is the seed's, of Q3 2016/17.
    assert "Reported for Q3 2016/17" in text


def test_every_page_of_a_governance_section_begins_with_its_title(q2_pack):
    pages = [flat(page.extract_text()) for page in q2_pack.pages]
    first = next(i for i, text in enumerate(pages) if text.startswith(CIPFA))
    assert first > 2
    for text in pages[first:]:
        assert text.startswith((CIPFA, HMIC, DELIVERY)), text[:80]
    assert any(text.startswith(HMIC) for text in pages[first:])
    assert pages[-1].startswith(DELIVERY)


def test_each_section_is_left_out_when_its_records_do_not_exist(seeded):
    GovernanceReview.objects.all().delete()
    page = q2_html()
    assert CIPFA not in page and HMIC in page and DELIVERY in page
    Inspection.objects.all().delete()
    page = q2_html()
    assert HMIC not in page and DELIVERY in page
    Commitment.objects.all().delete()
    OversightBody.objects.all().delete()
    PoliceAndCrimePlan.objects.all().delete()
    page = q2_html()
    assert DELIVERY not in page
    assert "Corporate Risks" in page and "CRR18" in page


def test_the_review_is_that_of_the_packs_year_or_the_latest_before_it(seeded):
    assert "Governance Dashboard 2017/18" in q2_html()
    GovernanceReview.objects.create(year="2021/22")
    GovernanceReview.objects.create(year="2022/23")
    page = q2_html()
    assert "Governance Dashboard 2021/22" in page
    assert "2017/18" not in page and "2022/23" not in page


def test_open_recommendations_are_overdue_as_at_the_quarters_end(seeded):
    inspection = Inspection.objects.get(title="Custody")
    Recommendation.objects.create(
        inspection=inspection,
        reference="R1",
        text="<p>Improve the custody records.</p>",
        owner="Head of Custody",
        due_date=datetime.date(2021, 9, 1),
        status=Recommendation.Status.IN_PROGRESS,
    )
    # Overdue today, but not by 30 September 2021, the end of the pack's quarter.
    Recommendation.objects.create(
        inspection=inspection,
        reference="R2",
        text="<p>Review the cell checks.</p>",
        due_date=datetime.date(2021, 10, 31),
    )
    Recommendation.objects.create(
        inspection=inspection,
        reference="R3",
        text="<p>Already done.</p>",
        due_date=datetime.date(2021, 1, 1),
        status=Recommendation.Status.COMPLETE,
    )
    page = flat(re.sub(r"<[^>]+>", " ", q2_html()))
    assert "Open recommendations as at 30 September 2021" in page
    assert (
        "Custody R1 Improve the custody records. Head of Custody 1 Sep 2021 In progress Overdue"
        in page
    )
    assert "R2 Review the cell checks. Not stated 31 Oct 2021 Open" in page
    assert page.count("Overdue") == 1
    assert "Already done" not in page


def test_delivery_progress_is_as_at_the_packs_quarter(seeded):
    commitment = Commitment.objects.get(reference="1.1")
    ProgressUpdate.objects.create(
        commitment=commitment, year=2021, quarter=1, text="<p>Training complete in Q1.</p>"
    )
    ProgressUpdate.objects.create(
        commitment=commitment, year=2021, quarter=3, text="<p>Reported after the pack.</p>"
    )
    page = q2_html()
    assert "Training complete in Q1." in page and "Reported for Q1 2021/22" in page
    assert "Reported after the pack." not in page


def add_governance_rows(count: int, start: int) -> None:
    principle = Principle.objects.get_or_create(letter="Z", defaults={"title": "Extra"})[0]
    review = GovernanceReview.objects.get(year="2017/18")
    inspection = Inspection.objects.first()
    objective = Commitment.objects.first().objective
    for n in range(start, start + count):
        sub = SubPrinciple.objects.create(principle=principle, position=n, title=f"Extra {n}")
        Assessment.objects.create(review=review, sub_principle=sub, rag="green")
        Recommendation.objects.create(inspection=inspection, reference=f"X{n}", text="<p>x</p>")
        commitment = Commitment.objects.create(
            objective=objective, reference=f"X.{n}", element="pcc", order=100 + n
        )
        ProgressUpdate.objects.create(commitment=commitment, year=2021, quarter=1, text="<p>y</p>")


def test_building_the_packs_html_costs_the_same_queries_however_many_rows(
    seeded, django_assert_max_num_queries
):
    add_governance_rows(2, start=1)
    with CaptureQueriesContext(connection) as few:
        q2_html()
    add_governance_rows(20, start=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = q2_html()
    assert "Extra 22" in page and "X.22" in page and "X22" in page
