"""The alliance strategic assessment (seed 003): topics, control strategy, risk terms."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords, HistoricForeignKey

from basics.richtext import RichTextField
from editing.models import Versioned


class Probability(models.TextChoices):
    """Probability of impact on the alliance's capacity and capability."""

    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class StrategicAssessment(models.Model):
    title = models.CharField(max_length=200, unique=True)
    period = models.CharField(max_length=20, help_text='e.g. "2016/17".')
    version = models.CharField(max_length=100, blank=True)
    protective_marking = models.CharField(max_length=100, blank=True)
    purpose = models.TextField(blank=True)
    author = models.CharField(max_length=200, blank=True)
    date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("governance:assessment_detail", args=[self.pk])


class AssessmentTopic(Versioned, models.Model):
    """A numbered threat, risk or harm topic of the assessment summary."""

    assessment = HistoricForeignKey(
        StrategicAssessment, on_delete=models.CASCADE, related_name="topics"
    )
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    probability = models.CharField(
        "probability of impact",
        max_length=6,
        choices=Probability,
        blank=True,
        help_text="On capacity and capability. Blank: not placed.",
    )
    summary = RichTextField(blank=True, help_text="Text the assessment gives without a heading.")
    situation_report = RichTextField(blank=True)
    recommendations = RichTextField(blank=True)
    emerging_trends = RichTextField(blank=True)
    risks = models.ManyToManyField(
        "registers.Risk", blank=True, related_name="assessment_topics", verbose_name="risks"
    )
    history = HistoricalRecords(m2m_fields=[risks])

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "number"], name="unique_topic_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("governance:topic_detail", args=[self.pk])


class ControlStrategyPriority(models.Model):
    """An alliance priority of the control strategy, identified through MoRiLE."""

    assessment = HistoricForeignKey(
        StrategicAssessment, on_delete=models.CASCADE, related_name="priorities"
    )
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = RichTextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "order"]
        verbose_name_plural = "control strategy priorities"

    def __str__(self) -> str:
        return self.title


class RiskDefinition(models.Model):
    """A term the chief officers agreed: risk appetite, tolerance or capacity."""

    class Term(models.TextChoices):
        APPETITE = "appetite", "Risk Appetite"
        TOLERANCE = "tolerance", "Risk Tolerance"
        CAPACITY = "capacity", "Risk Capacity"

    assessment = HistoricForeignKey(
        StrategicAssessment, on_delete=models.CASCADE, related_name="definitions"
    )
    term = models.CharField(max_length=10, choices=Term)
    definition = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "term"], name="unique_risk_definition"),
        ]

    def __str__(self) -> str:
        return self.get_term_display()
