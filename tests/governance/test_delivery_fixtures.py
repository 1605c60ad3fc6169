"""Seed 002 (PCC assurance and performance report, December 2016) as loaded by seed_demo."""

from collections import Counter
from pathlib import Path

import pytest

from governance.models import (
    AgendaItem,
    Commitment,
    HoldingToAccountMeeting,
    Objective,
    OversightBody,
)

pytestmark = pytest.mark.usefixtures("seeded")

SEED_FILE = Path(__file__).resolve().parents[1] / "seeds" / "002_pcc_assurance_report.txt"
SEED = SEED_FILE.read_text(encoding="utf-8")


def test_the_plan_has_the_four_objectives_with_their_short_names():
    objectives = Objective.objects.order_by("number")
    assert [(o.title, o.short_name) for o in objectives] == [
        ("Putting victims and survivors first", "Victims"),
        ("Building a more secure West Mercia", "Secure"),
        ("Reforming West Mercia", "Reform"),
        ("Reassuring West Mercia's communities", "Reassure"),
    ]


def test_53_commitments_split_by_objective_and_element_as_in_the_seed():
    counts = Counter(Commitment.objects.values_list("objective__short_name", "element"))
    assert Commitment.objects.count() == 53
    assert counts == {
        ("Victims", "policing"): 6,
        ("Victims", "pcc"): 5,
        ("Secure", "policing"): 8,
        ("Secure", "pcc"): 3,
        ("Reform", "policing"): 17,
        ("Reassure", "policing"): 8,
        ("Reassure", "pcc"): 6,
    }


def test_warwickshire_only_rows_are_flagged():
    refs = set(Commitment.objects.filter(other_force_only=True).values_list("reference", flat=True))
    assert refs == {"1.6", "2.8", "3.13", "3.16", "4.4", "4.5"}


def test_split_cells_are_put_back_together():
    b3 = Commitment.objects.get(reference="B.3")
    assert (
        "Use a commissioning framework to ensure funding for community safety partnerships"
        " represents value for money" in b3.plan_commitment
    )
    assert not Commitment.objects.filter(reference="D.0").exists()
    two_seven = Commitment.objects.get(reference="2.7")
    assert "set out in the Strategic Policing Requirement." in two_seven.plan_commitment
    d5 = Commitment.objects.get(reference="D.5").progress_updates.get()
    assert "confirmation by the Police and Crime Panel." in d5.text
    d6 = Commitment.objects.get(reference="D.6").progress_updates.get()
    assert d6.text.startswith("<p>The PCC has a statutory responsibility")


def test_seed_progress_text_belongs_to_q3_2016_17():
    update = Commitment.objects.get(reference="1.4").progress_updates.get()
    assert (update.year, update.quarter, update.label) == (2016, 3, "Q3 2016/17")
    assert "Business case to go before the December Alliance Governance Group" in update.text


def test_cross_references_and_oversight_links():
    assert Commitment.objects.get(reference="2.2").cross_reference == "See 2.1 above"
    one_four = Commitment.objects.get(reference="1.4")
    assert (
        one_four.oversight_mechanisms
        == "Alliance RJ Programme Board, KPI Monitoring, Victims' Board"
    )
    assert {b.name for b in one_four.oversight_bodies.all()} == {
        "Restorative Justice Alliance Programme Board",
        "Victims Board",
    }


def test_glossary_holds_every_oversight_body_with_its_marks():
    assert OversightBody.objects.count() == 35
    assert OversightBody.objects.filter(objective__isnull=True).count() == 8
    audit = OversightBody.objects.get(name="Independent Joint Audit Committee")
    assert (audit.notes_published, audit.meets_in_public, audit.meets) == (True, True, "Quarterly")
    athena = OversightBody.objects.get(name="Athena Programme Board")
    assert athena.meets == "Minimum bi monthly"
    assert athena.purpose.endswith("successful implementation of the Athena system.")
    assert OversightBody.objects.get(name="Crime Reduction Board").objective.short_name == "Secure"


def test_every_agenda_item_from_may_to_november_2016():
    assert AgendaItem.objects.count() == 34
    months = Counter(AgendaItem.objects.values_list("meeting__month__month", flat=True))
    assert months == {5: 4, 6: 5, 7: 7, 9: 4, 10: 8, 11: 6}
    august = HoldingToAccountMeeting.objects.get(month__month=8)
    assert not august.held and not august.items.exists()
    cse = AgendaItem.objects.get(title="Child Sexual Exploitation")
    assert cse.ad_hoc and cse.kind == ""
    assert sorted(c.reference for c in cse.commitments.all()) == ["1.1", "1.2", "2.1", "2.2"]
    deferred = AgendaItem.objects.get(meeting__month__month=6, title="Cyber crime")
    assert deferred.note == "item was deferred"
    assert {o.short_name for o in deferred.objectives.all()} == {"Secure", "Reassure"}
    appendix_b = SEED.split("APPENDIX B")[1]
    assert AgendaItem.objects.filter(kind="SI").count() == appendix_b.count("(SI)")
    assert AgendaItem.objects.filter(kind="P").count() == appendix_b.count("(P)")


def test_loading_the_seed_twice_changes_nothing():
    from django.core.management import call_command

    before = Commitment.objects.count(), AgendaItem.objects.count()
    call_command("seed_demo", allow_production=True, stdout=open("/dev/null", "w"))
    assert (Commitment.objects.count(), AgendaItem.objects.count()) == before
