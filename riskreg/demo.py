"""Demonstration data for the risk model, added by `seed_demo` beside the seed's records.

The seed documents publish the register's nine columns only. So that every page of the risk
model has something to show, the demo gives the corporate register's live risks owners,
categories, scores, treatments, actions and reviews. None of it is from the seed, none of it
changes a seed record's published text or a closed quarter, and every change is in the
history as "Demonstration data".
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from registers.models import Action, ActionDateMove, Appetite, Register, Risk, Treatment
from registers.reviews import record_review
from registers.services import add_register_defaults

REASON = "Demonstration data (not from the seed)"
# reference: category, (current likelihood, impact), (inherent), (target), treatment. The
# seed rates its risks by band only; the demo leaves their current ratings as published.
RISKS = {
    "CRR18": ("People", None, (5, 5), (3, 3), Treatment.TREAT),
    "CRR03": ("People", None, None, None, Treatment.TREAT),
    "CRR15": ("Governance", None, None, None, Treatment.TREAT),
    "CRR09": ("People", None, None, None, Treatment.TREAT),
    "CRR13": ("Security", None, (5, 5), (2, 4), Treatment.TREAT),
    "CRR06": ("People", None, None, None, Treatment.TREAT),
    "CRR16": ("Reputational", None, None, None, Treatment.TREAT),
    "CRR01": ("Operations", None, None, None, Treatment.TREAT),
    "CRR02": ("Operations", None, None, None, Treatment.TREAT),
    "CRR05": ("Operations", None, (4, 5), (2, 4), Treatment.TREAT),
    "CRR17": ("Governance", None, None, None, Treatment.TREAT),
    "CRR04": ("Information", None, None, None, Treatment.TREAT),
    "CRR08": ("Operations", None, None, None, Treatment.TREAT),
    "CRR14": ("Technology", None, None, None, Treatment.TRANSFER),
    "CRR12": ("Operations", None, None, None, Treatment.TOLERATE),
    "CRR07": ("People", None, None, None, Treatment.TREAT),
    "CRR10": ("Financial", None, (4, 4), (2, 3), Treatment.TREAT),
    "CRR11": ("Operations", None, None, None, Treatment.TREAT),
}
# The force's own appetite, where it differs from the default starting point.
APPETITE = {"Operations": (Appetite.OPEN, 12), "People": (Appetite.OPEN, 12)}
LED_BY_RISK_OFFICER = {"CRR18", "CRR13", "CRR05", "CRR10"}
# Days before today each risk was last reviewed: two of them overdue, some due soon.
REVIEWED_DAYS_AGO = {"CRR18": 35, "CRR13": 20, "CRR15": 40, "CRR09": 25}
DEFAULT_DAYS_AGO = 8
# reference, text, owner ("risk"/"chief"), days from today to the target (and first target),
# status
ACTIONS = [
    ("CRR18", "Add weekend personal safety training courses", "risk", (-20, -50),
     Action.Status.IN_PROGRESS),
    ("CRR18", "Agree Taser refresher capacity with Learning and Development", "chief", (30, 30),
     Action.Status.NOT_STARTED),
    ("CRR13", "Complete the Cyber Essentials Plus assessment", "risk", (45, 45),
     Action.Status.IN_PROGRESS),
    ("CRR13", "Run a phishing simulation for all staff", "risk", (-60, -60), Action.Status.DONE),
    ("CRR05", "Model contact centre demand for the winter", "risk", (-5, -5),
     Action.Status.NOT_STARTED),
    ("CRR10", "Refresh the medium term financial plan", "chief", (60, 60),
     Action.Status.NOT_STARTED),
]  # fmt: skip


def add_demo_risk_model(*, risk_officer, chief_officer, today: datetime.date | None = None) -> int:
    """Give the corporate register's live risks the demonstration risk model, once.

    Returns how many actions were added (0 when the demo already has its actions).
    """
    today = today or timezone.localdate()
    register = Register.objects.filter(slug="corporate").first()
    if register is None or register.open_period() is None:
        return 0
    add_register_defaults(register)
    if Action.all_objects.filter(risk__register=register).exists():
        return 0
    for name, (appetite, tolerance) in APPETITE.items():
        category = register.categories.get(name=name)
        category.appetite, category.tolerance = appetite, tolerance
        category._change_reason = REASON
        category.save()
    categories = {category.name: category for category in register.categories.all()}
    risks = {risk.reference: risk for risk in Risk.objects.filter(register=register)}
    for reference, (category, current, inherent, target, treatment) in RISKS.items():
        risk = risks.get(reference)
        if risk is None:
            continue
        risk.owner = chief_officer
        risk.lead_officer_user = risk_officer if reference in LED_BY_RISK_OFFICER else None
        risk.category, risk.treatment = categories[category], treatment
        if current:
            risk.likelihood, risk.impact_score = current
        risk.inherent_likelihood, risk.inherent_impact = inherent or (None, None)
        risk.target_likelihood, risk.target_impact = target or (None, None)
        risk.target_date = datetime.date(today.year + 1, 3, 31) if target else None
        risk.derive_band()
        risk._change_reason = REASON
        risk.save()
        days = REVIEWED_DAYS_AGO.get(reference, DEFAULT_DAYS_AGO)
        record_review(
            risk=risk,
            reviewer=risk_officer,
            reviewed_on=today - datetime.timedelta(days=days),
            outcome="no_change",
            note="Demonstration review: controls and actions checked with the risk owner.",
        )
    owners = {"risk": risk_officer, "chief": chief_officer}
    for reference, text, owner, (target, first), status in ACTIONS:
        action = Action.objects.create(
            risk=risks[reference],
            text=text,
            owner=owners[owner],
            target_date=today + datetime.timedelta(days=target),
            original_target_date=today + datetime.timedelta(days=first),
            status=status,
            progress="<p>Demonstration action (not from the seed).</p>",
        )
        if target != first:
            ActionDateMove.objects.create(
                action=action,
                moved_from=action.original_target_date,
                moved_to=action.target_date,
                moved_at=timezone.now(),
                moved_by=owners[owner],
            )
    return len(ACTIONS)


def demo_users():
    User = get_user_model()
    return User.objects.get(username="risk.officer"), User.objects.get(username="chief.officer")
