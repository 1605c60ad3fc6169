"""Governance published with the quarter, the close page's cover and sections, and the public
pack: what PCC staff read is what a closed quarter published, and nothing else."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from pypdf import PdfReader

from governance.models import (
    Assessment,
    AssessmentTopic,
    Commitment,
    ControlStrategyPriority,
    GovernanceReview,
    HoldingToAccountMeeting,
    Inspection,
    OversightBody,
    PoliceAndCrimePlan,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
    StrategicAssessment,
    SubPrinciple,
)
from governance.publication import publish
from governance.services import start_next_review
from registers.models import Circulation, PeriodClosedError, ReportingPeriod, Risk
from riskreg import packs
from riskreg.models import Pack, PackOptions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_step_close")]

MARK = "Zebrafinch"  # a word in no seed: every change made after publication carries it


def q2() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2)


def q3() -> ReportingPeriod:
    return ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=3)


class _Form(HTMLParser):
    """The fields of the page's POST form, as a browser would send them unchanged."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind != "submit":
                self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str) -> dict:
    parser = _Form()
    parser.feed(page)
    return parser.fields


def governance_pages() -> list[str]:
    """Every governance page PCC staff may read (the delivery index only redirects)."""
    review = GovernanceReview.objects.get(year="2018/19")
    assessment = StrategicAssessment.objects.first()
    pages = [
        reverse("governance:review_list"),
        review.get_absolute_url(),
        reverse("governance:review_compare", args=[review.slug]),
        SubPrinciple.objects.get(title="Managing data").get_absolute_url(),
        reverse("governance:inspection_list"),
        Inspection.objects.get(title="Custody").get_absolute_url(),
        reverse("governance:recommendation_list"),
        Recommendation.objects.get(reference="R1").get_absolute_url(),
        PoliceAndCrimePlan.objects.first().get_absolute_url(),
        Commitment.objects.get(reference="1.1").get_absolute_url(),
        reverse("governance:oversight_list"),
        OversightBody.objects.first().get_absolute_url(),
        reverse("governance:meeting_list"),
        HoldingToAccountMeeting.objects.first().get_absolute_url(),
        reverse("governance:assessment_list"),
        assessment.get_absolute_url(),
        reverse("governance:assessment_priorities", args=[assessment.pk]),
        AssessmentTopic.objects.get(assessment=assessment, number=1).get_absolute_url(),
    ]
    return pages


@pytest.fixture
def published(seeded):
    """A second CIPFA review and an HMIC recommendation, published with Q2 2021/22."""
    start_next_review(user=None)
    Recommendation.objects.create(
        inspection=Inspection.objects.get(title="Custody"),
        reference="R1",
        text="<p>Improve the custody records.</p>",
        status=Recommendation.Status.IN_PROGRESS,
    )
    publish(period=q2())


def change_every_kind_of_governance_record() -> None:
    """An officer's changes after the close: each record kind gets the mark."""

    def save(record, **changes):
        for name, value in changes.items():
            setattr(record, name, value)
        record.save()

    review = GovernanceReview.objects.get(year="2018/19")
    sub = SubPrinciple.objects.get(title="Managing data")
    save(Assessment.objects.get(review=review, sub_principle=sub), evidence=f"<p>{MARK}</p>")
    save(Assessment.objects.get(review=review, sub_principle__position=1,
                                sub_principle__principle__letter="A"), rag_note=MARK)  # fmt: skip
    save(sub, expected_behaviours=f"<p>{MARK} behaviours</p>")
    save(Inspection.objects.get(title="Custody"), outcome=MARK, date_text=f"{MARK} 2021")
    recommendation = Recommendation.objects.get(reference="R1")
    save(recommendation, text=f"<p>{MARK} recommendation</p>", owner=MARK)
    RecommendationUpdate.objects.create(recommendation=recommendation, text=f"<p>{MARK}</p>")
    commitment = Commitment.objects.get(reference="1.1")
    save(commitment, supporting_activity=f"<p>{MARK} activity</p>")
    save(commitment.progress_updates.order_by("-year", "-quarter").first(), text=f"<p>{MARK}</p>")
    ProgressUpdate.objects.create(commitment=commitment, year=2021, quarter=1, text=MARK)
    save(OversightBody.objects.first(), purpose=MARK)
    save(HoldingToAccountMeeting.objects.first(), note=MARK)
    assessment = StrategicAssessment.objects.first()
    save(assessment, purpose=MARK)
    save(AssessmentTopic.objects.get(assessment=assessment, number=1), summary=f"<p>{MARK}</p>")
    save(ControlStrategyPriority.objects.filter(assessment=assessment).first(), title=MARK)


def test_a_governance_change_after_the_close_is_unseen_by_pcc_staff_until_the_next_close(
    client, published, pcc_staff, chief_officer, risk_officer
):
    change_every_kind_of_governance_record()
    pages = governance_pages()

    client.force_login(pcc_staff)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert MARK not in page, url
        assert "As published with Corporate Risk Register Q2 2021/22" in page, url
    # ... nor in the pack of the quarter that published them.
    html = packs.render_html(packs.pack_data(register=q2().register, period=q2(), draft=False))
    assert MARK not in html and "Improve the custody records." in html

    # Officers read the live records, told what is not yet published.
    client.force_login(chief_officer)
    seen = [url for url in pages if MARK in client.get(url).content.decode()]
    assert len(seen) >= 15
    page = client.get(pages[1]).content.decode()
    assert "not yet published" in page and "Not yet published" in page

    # Closing Q3 publishes them.
    client.force_login(risk_officer)
    close = reverse("quarters:close", args=["corporate", 2021, 3])
    data = form_fields(client.get(close).content.decode()) | {"confirm": "on"}
    assert client.post(close, data).status_code == 302
    assert q3().is_closed
    client.force_login(pcc_staff)
    assert [url for url in pages if MARK in client.get(url).content.decode()] == seen


def test_a_record_added_after_the_close_is_not_found_by_pcc_staff(client, published, pcc_staff):
    inspection = Inspection.objects.create(title=f"{MARK} inspection")
    client.force_login(pcc_staff)
    assert client.get(inspection.get_absolute_url()).status_code == 404
    assert MARK not in client.get(reverse("governance:inspection_list")).content.decode()


def test_a_record_withdrawn_before_the_close_stays_hidden_in_the_published_reading(
    client, seeded, risk_officer, pcc_staff
):
    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.order_by("pk").first(), reference="R1", text="A test one."
    )
    update = recommendation.updates.create(text=f"{MARK} progress")
    update.withdraw(user=risk_officer, reason="Entered in error")
    publish(period=q2())  # published with the withdrawal already made
    for reader in (risk_officer, pcc_staff):  # the live reading and the published one
        client.force_login(reader)
        page = client.get(recommendation.get_absolute_url()).content.decode()
        updates = page.split('id="updates"', 1)[1].split("</section>", 1)[0]
        assert MARK not in updates


def build_in_worker(pack: Pack) -> Pack:
    """What the task worker does with a queued pack: build it and store its PDF."""
    return packs.build_pack_file(pack.pk)


def test_a_rebuilt_closed_quarters_pack_has_the_same_text_after_governance_changed(published):
    stored = build_in_worker(packs.request_pack_build(period=q2()))
    assert stored.status == Pack.Status.READY
    pdf = packs.stored_pdf(stored)
    before = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert any("Improve the custody records." in text for text in before)
    change_every_kind_of_governance_record()
    Inspection.objects.create(title=f"{MARK} inspection")
    rebuilt = PdfReader(io.BytesIO(packs.render_pack(register=q2().register, period=q2())))
    after = [page.extract_text() for page in rebuilt.pages]
    assert after == before
    assert MARK not in " ".join(after)


def words(html: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z0-9&'-]{3,}", re.sub(r"<[^>]+>", " ", html)))


def risk_text(risk: Risk) -> str:
    controls = " ".join(control.text for control in risk.controls.all())
    return " ".join([risk.reference, risk.name, risk.description, risk.impact, controls])


def pdf_everything(pdf: bytes) -> str:
    """A PDF's text, metadata and bookmarks: everywhere a reader may find words."""
    reader = PdfReader(io.BytesIO(pdf))
    text = [page.extract_text() for page in reader.pages]
    text += [str(value) for value in (reader.metadata or {}).values()]

    def titles(outline):
        for item in outline:
            yield from titles(item) if isinstance(item, list) else [item["/Title"]]

    text += list(titles(reader.outline))
    return " ".join(" ".join(text).split())


def test_the_close_page_sets_the_cover_and_sections_and_the_public_pack_withholds_a_risk(
    client, seeded, risk_officer, pcc_staff
):
    secret = Risk.objects.get(reference="CRR13")
    # The risk's own words: in no other risk's text, and not in the pack's other sections.
    others = " ".join(risk_text(r) for r in Risk.objects.exclude(pk=secret.pk))
    data = packs.pack_data(register=q3().register, period=q3(), draft=True)
    # The summary names it too (its outside appetite list): that is its own text as well.
    around = [
        s for s in packs.build_sections(data) if s.title not in ("Corporate Risks", "Summary")
    ]
    distinctive = words(risk_text(secret)) - words(others) - words(packs.render_html(data, around))
    assert {"Cybersecurity", "CRR13", "ITHC"} <= distinctive and len(distinctive) > 20

    client.force_login(risk_officer)
    edit = reverse("registers:risk_edit", args=["corporate", "CRR13"])
    data = form_fields(client.get(edit).content.decode())
    data["circulation"] = Circulation.EXEMPT
    response = client.post(edit, data)  # exempt with no reason: refused, and says why
    assert response.status_code == 200
    assert "Give the reason the risk is exempt from publication." in response.content.decode()
    data = form_fields(response.content.decode()) | {
        "restriction_reason": "Section 24, national security"
    }
    assert client.post(edit, data).status_code == 302
    secret.refresh_from_db()
    assert secret.circulation == Circulation.EXEMPT

    close = reverse("quarters:close", args=["corporate", 2021, 3])
    data = form_fields(client.get(close).content.decode())
    assert data["pack-include_hmic"] == "on"  # every section is in unless left out
    data |= {
        "pack-meeting": "Police and Crime Panel",
        "pack-meeting_date_day": "24",
        "pack-meeting_date_month": "1",
        "pack-meeting_date_year": "2022",
        "pack-agenda_item": "7",
        "pack-author": "Rita Jones, Risk Manager",
        "confirm": "on",
    }
    del data["pack-include_hmic"]
    assert client.post(close, data).status_code == 302
    period = q3()
    assert period.is_closed and period.snapshots.get(risk=secret).circulation == "exempt"
    options = PackOptions.objects.get(period=period)
    assert (options.meeting, options.include_hmic, options.include_cipfa) == (
        "Police and Crime Panel", False, True)  # fmt: skip
    with pytest.raises(PeriodClosedError):
        options.save()  # frozen with the quarter

    # Closing queued both packs for the task worker; it builds them.
    queued = {pack.variant: pack for pack in Pack.objects.filter(period=period)}
    assert set(queued) == {"full", "public"}
    assert {pack.status for pack in queued.values()} == {Pack.Status.QUEUED}
    stored = {variant: build_in_worker(pack) for variant, pack in queued.items()}
    client.force_login(pcc_staff)  # PCC staff download both
    full = client.get(stored["full"].get_absolute_url()).content
    public = client.get(stored["public"].get_absolute_url()).content

    full_text = pdf_everything(full)
    cover = " ".join(PdfReader(io.BytesIO(full)).pages[0].extract_text().split())
    for expected in ("Police and Crime Panel, 24 January 2022", "Agenda item 7",
                     "Data as at 31 December 2021", "Rita Jones, Risk Manager"):  # fmt: skip
        assert expected in cover
    assert "HMIC Tracker" not in full_text and "Governance Dashboard" in full_text
    assert "Exempt from publication: Section 24, national security" in full_text
    assert distinctive <= words(full_text)

    public_text = pdf_everything(public)
    assert "1 risk of restricted circulation is withheld" in public_text
    assert not distinctive & words(public_text), distinctive & words(public_text)
    assert "CRR10" in public_text  # the other risks are all there
