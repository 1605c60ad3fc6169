"""The Police and Crime Plan's delivery plan and how the PCC holds the force to account.

Seed 002 (assurance and performance report, December 2016): objectives, commitments with
quarterly progress updates, the glossary of oversight bodies and the monthly
holding-to-account meetings.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords, HistoricForeignKey

from basics.richtext import RichTextField
from editing.models import ActiveManager, Versioned, Withdrawable


def quarter_label(year: int, quarter: int) -> str:
    """ "Q3 2016/17" for financial year 2016 and quarter 3."""
    return f"Q{quarter} {year}/{(year + 1) % 100:02d}"


class PoliceAndCrimePlan(models.Model):
    name = models.CharField(max_length=200, unique=True)
    area = models.CharField(max_length=200)
    period = models.CharField(
        max_length=50, blank=True, help_text='Years the plan covers, e.g. "2016-2021".'
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = "Police and Crime Plan"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:delivery_plan", args=[self.pk])


class Objective(models.Model):
    plan = HistoricForeignKey(
        PoliceAndCrimePlan, on_delete=models.CASCADE, related_name="objectives"
    )
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    short_name = models.CharField(max_length=30, help_text='As the seed shortens it: "Victims".')
    note = models.TextField(blank=True, help_text="What the plan says of the objective as a whole.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_objective_number"),
        ]

    def __str__(self) -> str:
        return self.title


class OversightBody(models.Model):
    """A meeting in the glossary of oversight mechanisms."""

    name = models.CharField(max_length=200, unique=True)
    purpose = models.TextField(blank=True)
    objective = HistoricForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_bodies",
        help_text="Blank for a cross-cutting body.",
    )
    meets = models.CharField("how often it meets", max_length=60, blank=True)
    notes_published = models.BooleanField("notes of meetings are published", default=False)
    meets_in_public = models.BooleanField("public meeting", default=False)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "oversight bodies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("governance:oversight_detail", args=[self.pk])

    @property
    def marks(self) -> str:
        """The glossary's key: * notes published, # public meeting."""
        return ("*" if self.notes_published else "") + ("#" if self.meets_in_public else "")


class Commitment(Versioned, models.Model):
    class Element(models.TextChoices):
        POLICING = "policing", "Policing element (shared delivery plan)"
        PCC = "pcc", "PCC commitment (local delivery plan)"

    objective = HistoricForeignKey(Objective, on_delete=models.PROTECT, related_name="commitments")
    reference = models.CharField(max_length=10, help_text='As in the plan: "1.1", "A.3".')
    element = models.CharField(max_length=10, choices=Element)
    plan_commitment = RichTextField(blank=True)
    supporting_activity = RichTextField(blank=True)
    cross_reference = models.CharField(
        max_length=200, blank=True, help_text='Where the plan points elsewhere: "See 2.1 above".'
    )
    other_force_only = models.BooleanField(
        "Warwickshire only",
        default=False,
        help_text="The commitment is in the other force's plan only.",
    )
    oversight_mechanisms = models.TextField(
        blank=True, help_text="The oversight mechanisms as the plan writes them."
    )
    oversight_bodies = models.ManyToManyField(OversightBody, blank=True, related_name="commitments")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(m2m_fields=[oversight_bodies])

    class Meta:
        ordering = ["objective__number", "order", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "reference"], name="unique_commitment_reference"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("governance:commitment_detail", args=[self.pk])

    def progress_as_at(self, year: int, quarter: int) -> "ProgressUpdate | None":
        """The latest update on or before the quarter; uses prefetched updates if present."""
        earlier = [u for u in self.progress_updates.all() if (u.year, u.quarter) <= (year, quarter)]
        return max(earlier, key=lambda u: (u.year, u.quarter), default=None)


class ProgressUpdate(Versioned, Withdrawable, models.Model):
    """A commitment's progress as reported for one quarter of a financial year."""

    commitment = HistoricForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="progress_updates"
    )
    year = models.PositiveSmallIntegerField(
        help_text="The financial year's first year: 2016 for 2016/17."
    )
    quarter = models.PositiveSmallIntegerField(help_text="1 = Apr-Jun ... 4 = Jan-Mar.")
    text = RichTextField("progress update")
    reported_on = models.DateField(null=True, blank=True, help_text="Date of the report.")
    history = HistoricalRecords()
    objects = ActiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (the unfiltered one, for history and admin)

    class Meta:
        ordering = ["commitment", "year", "quarter"]
        constraints = [
            # A withdrawn update leaves its quarter free for the corrected one.
            models.UniqueConstraint(
                fields=["commitment", "year", "quarter"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="unique_progress_per_quarter",
                violation_error_message=(
                    "This commitment already has a progress update for that quarter."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="progress_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} {self.label}"

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    def clean(self) -> None:
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValidationError({"quarter": "A quarter is 1, 2, 3 or 4."})


class HoldingToAccountMeeting(Versioned, models.Model):
    """The PCC's monthly meeting to hold the chief constable to account."""

    month = models.DateField(unique=True, help_text="The first day of the month it was held in.")
    held = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["month"]
        verbose_name = "holding-to-account meeting"

    def __str__(self) -> str:
        return f"Holding to account, {self.month:%B %Y}"

    def get_absolute_url(self) -> str:
        return reverse("governance:meeting_detail", args=[self.pk])


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        PERFORMANCE = "P", "Performance"
        STRATEGIC_INITIATIVE = "SI", "Strategic initiative"

    meeting = HistoricForeignKey(
        HoldingToAccountMeeting, on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=2, choices=Kind, blank=True)
    ad_hoc = models.BooleanField(
        "additional ad hoc meeting", default=False, help_text="Not a scheduled item."
    )
    note = models.CharField(max_length=200, blank=True, help_text='e.g. "item was deferred".')
    objectives = models.ManyToManyField(Objective, blank=True, related_name="agenda_items")
    commitments = models.ManyToManyField(Commitment, blank=True, related_name="agenda_items")
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__month", "order"]

    def __str__(self) -> str:
        return self.title
