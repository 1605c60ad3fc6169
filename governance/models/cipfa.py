"""The CIPFA/SOLACE seven principles of good governance and the yearly review against them."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords, HistoricForeignKey

from basics.richtext import RichTextField
from editing.models import Versioned


class Direction(models.TextChoices):
    IMPROVING = "improving", "Improving"
    MAINTAINING = "maintaining", "Maintaining"
    DECLINING = "declining", "Declining"


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class Principle(models.Model):
    letter = models.CharField(max_length=1, unique=True, help_text="A to G.")
    title = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["letter"]

    def __str__(self) -> str:
        return f"Principle {self.letter}: {self.title}"


class SubPrinciple(models.Model):
    principle = HistoricForeignKey(
        Principle, on_delete=models.PROTECT, related_name="subprinciples"
    )
    position = models.PositiveSmallIntegerField(help_text="Order within the principle.")
    # Two of the seed's rows carry no heading of their own; a title is not invented for them.
    title = models.CharField(max_length=200, blank=True)
    expected_behaviours = RichTextField("expected behaviours and outcomes", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["principle__letter", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["principle", "position"], name="unique_subprinciple_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}" if self.title else f"{self.code} (untitled)"

    def get_absolute_url(self) -> str:
        return reverse("governance:subprinciple_detail", args=[self.pk])

    @property
    def code(self) -> str:
        """A short label such as "D2", for rows the seed leaves without a heading."""
        return f"{self.principle.letter}{self.position}"


class GovernanceReview(models.Model):
    year = models.CharField(
        max_length=7, unique=True, help_text='A financial year, e.g. "2017/18".'
    )
    title = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Governance review {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("governance:review_detail", args=[self.slug])

    @property
    def slug(self) -> str:
        return self.year.replace("/", "-")

    @property
    def next_year(self) -> str:
        start = int(self.year[:4]) + 1
        return f"{start}/{(start + 1) % 100:02d}"


class Assessment(Versioned, models.Model):
    """How one sub-principle stood in one year's review."""

    review = HistoricForeignKey(
        GovernanceReview, on_delete=models.CASCADE, related_name="assessments"
    )
    sub_principle = HistoricForeignKey(
        SubPrinciple, on_delete=models.PROTECT, related_name="assessments"
    )
    evidence = RichTextField("how the requirements are met", blank=True)
    # Blank: the review did not state a direction.
    direction = models.CharField(
        "direction of travel", max_length=11, choices=Direction, blank=True
    )
    rag = models.CharField("RAG status", max_length=5, choices=Rag, blank=True)
    rag_note = models.CharField("RAG note", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "sub_principle__principle__letter", "sub_principle__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "sub_principle"], name="unique_assessment_per_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review.year} {self.sub_principle}"

    def get_absolute_url(self) -> str:
        return self.sub_principle.get_absolute_url()

    @property
    def rag_css(self) -> str:
        return f"rag-{self.rag}" if self.rag else ""
