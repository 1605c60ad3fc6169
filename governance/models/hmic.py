"""HMIC (HMICFRS) inspections, their recommendations and the progress made on them."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords, HistoricForeignKey

from basics.richtext import RichTextField
from editing.models import ActiveManager, Versioned, Withdrawable

# Police Act 1996, s55: the PCC publishes comments on an inspection report within 56 days.
PCC_RESPONSE_DAYS = 56


class PeelGrade(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    ADEQUATE = "adequate", "Adequate"  # used by HMICFRS from 2021/22
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class Inspection(Versioned, models.Model):
    class Kind(models.TextChoices):
        INSPECTION = "inspection", "Inspection"
        SELF_ASSESSMENT = "self_assessment", "Self Assessment"
        PEEL = "peel", "PEEL inspection"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=15, choices=Kind, default=Kind.INSPECTION)
    date_text = models.CharField(
        "date or period", max_length=200, blank=True, help_text='As written, e.g. "October 2014".'
    )
    # Blank (None) where the record does not say.
    core_group_established = models.BooleanField(null=True, blank=True)
    action_plan = models.BooleanField("action plan in place", null=True, blank=True)
    action_plan_note = models.CharField(max_length=200, blank=True)
    grade = models.CharField("PEEL grade", max_length=20, choices=PeelGrade, blank=True)
    outcome = models.CharField("outcome or notes", max_length=500, blank=True)
    report_published = models.DateField("report published", null=True, blank=True)
    summary = RichTextField(blank=True)
    pcc_response_published = models.DateField("PCC response published", null=True, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order in the tables.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:inspection_detail", args=[self.pk])

    @property
    def is_peel(self) -> bool:
        return self.kind == self.Kind.PEEL

    @property
    def kind_label(self) -> str:
        # The seed's tables call a PEEL inspection simply an inspection.
        return "Inspection" if self.is_peel else self.get_kind_display()

    @property
    def pcc_response_due(self) -> datetime.date | None:
        if self.report_published is None:
            return None
        return self.report_published + datetime.timedelta(days=PCC_RESPONSE_DAYS)

    def pcc_response_overdue(self, today: datetime.date | None = None) -> bool:
        due = self.pcc_response_due
        if due is None or self.pcc_response_published is not None:
            return False
        return due < (today or timezone.localdate())


def overdue_q(today: datetime.date) -> models.Q:
    """Past the due date and not yet complete or closed: for live and as-at querysets alike."""
    return models.Q(due_date__lt=today) & ~models.Q(status__in=Recommendation.DONE)


class RecommendationQuerySet(models.QuerySet):
    def overdue(self, today: datetime.date | None = None):
        """Past their due date and not yet complete or closed, judged by date today."""
        return self.filter(overdue_q(today or timezone.localdate()))

    def not_overdue(self, today: datetime.date | None = None):
        return self.exclude(overdue_q(today or timezone.localdate()))


class Recommendation(Versioned, models.Model):
    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", "Recommendation"
        AREA_FOR_IMPROVEMENT = "afi", "Area for improvement"
        CAUSE_OF_CONCERN = "concern", "Cause of concern"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"
        CLOSED = "closed", "Closed with evidence"

    DONE = (Status.COMPLETE, Status.CLOSED)

    inspection = HistoricForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="recommendations"
    )
    reference = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=14, choices=Kind, default=Kind.RECOMMENDATION)
    text = RichTextField()
    owner = models.CharField(max_length=120, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=11, choices=Status, default=Status.OPEN)
    evidence = RichTextField(blank=True, help_text="What shows the recommendation is met.")
    risks = models.ManyToManyField(
        "registers.Risk", blank=True, related_name="hmic_recommendations"
    )
    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[risks])

    class Meta:
        ordering = ["inspection__position", "inspection", "reference", "pk"]

    def __str__(self) -> str:
        label = self.reference or f"#{self.pk}"
        return f"{self.inspection.title} {label}"

    def get_absolute_url(self) -> str:
        return reverse("governance:recommendation_detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        if self.due_date is None or self.status in self.DONE:
            return False
        return self.due_date < (today or timezone.localdate())


class RecommendationUpdate(Versioned, Withdrawable, models.Model):
    recommendation = HistoricForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="updates"
    )
    date = models.DateField(default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = RichTextField("progress")
    history = HistoricalRecords()
    objects = ActiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (the unfiltered one, for history and admin)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.recommendation} update {self.date:%d %b %Y}"
