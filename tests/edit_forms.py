"""Every edit form of riskreg, found from the URL table, with a record whose every field is filled.

A URL whose name ends in "_edit" is an edit form; each has a case here (a test fails for a
new one without), naming the record it opens and two fields to change in the concurrency
tests. `fill_every_field()` gives each record a value in every field a user can fill:
dates, scores, links, notes.
"""

import datetime
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def edit_url_names() -> list[str]:
    """Namespaced names of every URL pattern that is an edit form."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}"

    return sorted(name for name in walk(get_resolver().url_patterns) if name.endswith("_edit")
                  and not name.startswith("admin:"))  # fmt: skip


@dataclass
class Case:
    """An edit form: its record, and two of its fields (name, a new value, the stored attribute)."""

    url_name: str
    record: str  # key in fill_every_field()'s result
    first: tuple[str, str]
    second: tuple[str, str]
    # Fields the form requires on every save (a reason for changing an update).
    required: dict[str, str] = field(default_factory=dict)

    def url(self, obj) -> str:
        if self.url_name == "registers:risk_edit":
            return reverse(self.url_name, args=[obj.register.slug, obj.reference])
        if self.url_name == "registers:action_edit":
            return reverse(self.url_name, args=[obj.risk.register.slug, obj.pk])
        if self.url_name == "registers:category_edit":
            return reverse(self.url_name, args=[obj.register.slug, obj.pk])
        return reverse(self.url_name, args=[obj.pk])


REASON = {"reason": "Corrected a typing slip"}
CASES = {
    "registers:risk_edit": Case(
        "registers:risk_edit", "risk", ("name", "Estate condition"), ("lead_officer", "ACC Ops")
    ),
    "registers:action_edit": Case(
        "registers:action_edit", "action", ("text", "Recruit two more trainers"),
        ("progress", "Advert closed; interviews in March"),
    ),
    "registers:category_edit": Case(
        "registers:category_edit", "category", ("description", "Workforce and skills"),
        ("name", "Workforce"),
    ),
    "governance:assessment_edit": Case(
        "governance:assessment_edit", "cipfa", ("rag_note", "Amber - plan in June"),
        ("evidence", "Audit committee minutes"),
    ),
    "governance:inspection_edit": Case(
        "governance:inspection_edit", "inspection", ("title", "PEEL 2021/22"),
        ("outcome", "Two areas for improvement"),
    ),
    "governance:recommendation_edit": Case(
        "governance:recommendation_edit", "recommendation", ("owner", "ACC Crime"),
        ("reference", "R9"),
    ),
    "governance:update_edit": Case(
        "governance:update_edit", "update", ("text", "Training plan agreed"),
        ("date", "2021-11-02"), REASON,
    ),
    "governance:commitment_edit": Case(
        "governance:commitment_edit", "commitment", ("cross_reference", "See 2.2 above"),
        ("oversight_mechanisms", "Quarterly performance meeting"),
    ),
    "governance:progress_edit": Case(
        "governance:progress_edit", "progress", ("text", "Delivered in part"),
        ("reported_on", "2016-12-20"), REASON,
    ),
    "governance:meeting_edit": Case(
        "governance:meeting_edit", "meeting", ("note", "Item deferred to January"),
        ("held", False),
    ),
    "governance:topic_edit": Case(
        "governance:topic_edit", "topic", ("name", "Cyber crime"),
        ("emerging_trends", "Ransomware against schools"),
    ),
}  # fmt: skip


def fill_every_field() -> dict:
    """Seed records with a value in every field a user can fill, by case record name."""
    from django.contrib.auth.models import Group, User

    from governance.models import (
        Assessment,
        AssessmentTopic,
        Commitment,
        HoldingToAccountMeeting,
        Inspection,
        OversightBody,
        ProgressUpdate,
        Recommendation,
    )
    from registers.models import Action, Control, Risk, Treatment
    from registers.services import add_register_defaults
    from riskreg.roles import CHIEF_OFFICER, RISK_OFFICER

    owner, _ = User.objects.get_or_create(
        username="owner.chief", defaults={"first_name": "Olive", "last_name": "Owner"}
    )
    owner.groups.add(Group.objects.get(name=CHIEF_OFFICER))
    lead, _ = User.objects.get_or_create(
        username="lead.officer", defaults={"first_name": "Leo", "last_name": "Lead"}
    )
    lead.groups.add(Group.objects.get(name=RISK_OFFICER))

    risk = Risk.objects.get(register__slug="corporate", reference="CRR05")
    add_register_defaults(risk.register)
    category = risk.register.categories.get(name="People")
    category.description = "Workforce, skills, wellbeing and culture."
    category.save()
    risk.lead_officer = risk.lead_officer or "ACC Local Policing"
    risk.owner, risk.lead_officer_user = owner, lead
    risk.category, risk.treatment = category, Treatment.TREAT
    risk.likelihood, risk.impact_score = 3, 4
    risk.band = risk.register.rating_scale.band_for(12)
    risk.inherent_likelihood, risk.inherent_impact = 4, 5
    risk.target_likelihood, risk.target_impact = 2, 3
    risk.target_date = datetime.date(2022, 3, 31)
    risk.date_raised = datetime.date(2019, 4, 15)
    risk.next_review_date = datetime.date(2022, 1, 31)
    risk.save()
    risk.controls.update(
        effectiveness=Control.Effectiveness.PARTLY, assurance=Control.Assurance.SECOND
    )
    action = Action.objects.create(
        risk=risk,
        text="Run extra personal safety training sessions",
        owner=lead,
        target_date=datetime.date(2022, 2, 28),
        original_target_date=datetime.date(2022, 1, 31),
        status=Action.Status.IN_PROGRESS,
        progress="<p>Two sessions held.</p>",
    )
    from registers.services import set_current_trend

    set_current_trend(risk=risk, trend="↗")

    cipfa = Assessment.objects.order_by("pk").first()
    cipfa.direction, cipfa.rag = "improving", "amber"
    cipfa.rag_note = "Amber - medium term financial plan being updated in June 2018"
    cipfa.evidence = cipfa.evidence or "<p>Annual governance statement</p>"
    cipfa.save()

    inspection = Inspection.objects.order_by("pk").first()
    inspection.kind, inspection.grade = Inspection.Kind.PEEL, "good"
    inspection.date_text = "October 2021"
    inspection.core_group_established, inspection.action_plan = True, False
    inspection.action_plan_note = "Plan due in January"
    inspection.outcome = "One cause of concern"
    inspection.report_published = datetime.date(2021, 10, 15)
    inspection.pcc_response_published = datetime.date(2021, 12, 1)
    inspection.summary = "<p>Effectiveness <strong>good</strong>.</p>"
    inspection.position = 3
    inspection.save()

    recommendation = Recommendation.objects.create(
        inspection=inspection,
        reference="R1",
        kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
        text="<p>Improve crime recording.</p>",
        owner="Head of Crime Registry",
        due_date=datetime.date(2022, 3, 31),
        status=Recommendation.Status.IN_PROGRESS,
        evidence="<p>Audit of 200 incidents.</p>",
    )
    recommendation.risks.set(Risk.objects.filter(reference__in=["CRR05", "CRR07"]))
    update = recommendation.updates.create(
        date=datetime.date(2021, 11, 1), text="<p>Training under way.</p>"
    )

    commitment = Commitment.objects.order_by("pk").first()
    commitment.cross_reference = "See 2.1 above"
    commitment.oversight_mechanisms = commitment.oversight_mechanisms or "Performance meeting"
    commitment.plan_commitment = commitment.plan_commitment or "<p>Reduce reoffending.</p>"
    commitment.supporting_activity = commitment.supporting_activity or "<p>Pathways.</p>"
    commitment.save()
    commitment.oversight_bodies.set(OversightBody.objects.order_by("pk")[:2])

    progress = ProgressUpdate.objects.order_by("pk").first()
    progress.reported_on = datetime.date(2016, 12, 15)
    progress.save()

    meeting = HoldingToAccountMeeting.objects.order_by("pk").first()
    meeting.held, meeting.note = True, "Item deferred"
    meeting.save()

    topic = AssessmentTopic.objects.order_by("pk").first()
    topic.probability = "high"
    for name in ("summary", "situation_report", "recommendations", "emerging_trends"):
        setattr(topic, name, getattr(topic, name) or f"<p>{name.replace('_', ' ')}</p>")
    topic.save()
    topic.risks.set(Risk.objects.filter(reference__in=["CRR05"]))

    return {
        "risk": risk,
        "action": action,
        "category": category,
        "cipfa": cipfa,
        "inspection": inspection,
        "recommendation": recommendation,
        "update": update,
        "commitment": commitment,
        "progress": progress,
        "meeting": meeting,
        "topic": topic,
    }


def stored(obj) -> dict:
    """Everything stored of a record: its columns, its links, and how many history rows."""
    obj = type(obj)._base_manager.get(pk=obj.pk)
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for m2m in obj._meta.many_to_many:
        values[m2m.name] = sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
    values["history rows"] = obj.history.count()
    if hasattr(obj, "controls"):
        values["controls"] = [
            (c.pk, c.text, c.position, c.effectiveness, c.assurance) for c in obj.controls.all()
        ]
        values["snapshots"] = [(s.pk, s.trend) for s in obj.snapshots.all()]
        values["history rows"] += sum(c.history.count() for c in obj.controls.all())
    return values
