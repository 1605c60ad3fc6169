import datetime
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from basics.richtext import RichTextField, RichTextListField
from editing.models import ActiveManager, Versioned, Withdrawable

# A risk's reference is part of its address (/registers/corporate/risks/CRR18/).
REFERENCE_VALIDATOR = RegexValidator(
    r"^(?!\.+$)[A-Za-z0-9._-]+$",
    "Use only letters, digits, '-', '.' and '_' in a reference (for example CRR18 or SL-ASH).",
)


class PeriodClosedError(ValidationError):
    """Raised on any attempt to change what a closed (published) quarter holds."""


class UnicodeJSONEncoder(json.JSONEncoder):
    # Keep "’" and "→" readable in the database, so frozen text can be searched as typed.
    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Trend(models.TextChoices):
    NEW = "New", "New"
    NOT_APPLICABLE = "N/A", "Not applicable"
    INCREASING = "↗", "Increasing"
    STABLE = "→", "Stable"
    DECREASING = "↘", "Decreasing"


class Circulation(models.TextChoices):
    """Who may read a risk's row: audit committees split their papers into Part A (public)
    and Part B (restricted, OFFICIAL-SENSITIVE or exempt from publication)."""

    PUBLIC = "public", "Public"
    OFFICIAL_SENSITIVE = "sensitive", "OFFICIAL-SENSITIVE"
    EXEMPT = "exempt", "Exempt from publication"


class Appetite(models.TextChoices):
    """HM Treasury's risk appetite levels (Orange Book, Risk Appetite Guidance Note)."""

    AVERSE = "averse", "Averse"
    MINIMAL = "minimal", "Minimal"
    CAUTIOUS = "cautious", "Cautious"
    OPEN = "open", "Open"
    EAGER = "eager", "Eager"


class Treatment(models.TextChoices):
    TREAT = "treat", "Treat"
    TOLERATE = "tolerate", "Tolerate"
    TRANSFER = "transfer", "Transfer"
    TERMINATE = "terminate", "Terminate"


class NaturalKeyManager(models.Manager):
    """Look rows up by the fields named in the model's `natural_key_fields`, for fixtures."""

    def get_by_natural_key(self, *key):
        return self.get(**dict(zip(self.model.natural_key_fields, key, strict=True)))


def band_for_score(bands, score: int) -> "RatingBand | None":
    """The band among `bands` whose score range holds `score`: one lookup for every caller."""
    return next((band for band in bands if band.min_score <= score <= band.max_score), None)


class RatingScale(models.Model):
    name = models.CharField(max_length=100, unique=True)
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("name",)

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple:
        return (self.name,)

    def band_for(self, score: int) -> "RatingBand | None":
        return band_for_score(self.bands.all(), score)


class ScaleLevel(models.Model):
    """A named step of a rating scale's likelihood or impact, 1..n."""

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE)
    value = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=50)

    class Meta:
        abstract = True
        ordering = ["scale", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="unique_%(class)s_value"),
            models.CheckConstraint(condition=models.Q(value__gte=1), name="%(class)s_value_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.name}"


class LikelihoodLevel(ScaleLevel):
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="likelihoods")
    history = HistoricalRecords()


class ImpactLevel(ScaleLevel):
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="impacts")
    history = HistoricalRecords()


class RatingBand(models.Model):
    """A residual rating (Critical, High, ...) and the likelihood x impact scores it covers."""

    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(max_length=30)
    slug = models.SlugField(max_length=30, help_text="Used for the band's colour class.")
    colour = models.CharField(max_length=7, help_text="Fill colour, #rrggbb.")
    text_colour = models.CharField(max_length=7, default="#ffffff")
    severity = models.PositiveSmallIntegerField(help_text="Higher is more severe.")
    min_score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField()
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("scale__name", "label")
    PUBLISHED_LOOK = ("label", "slug", "colour", "text_colour", "severity")

    class Meta:
        ordering = ["scale", "-severity"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "label"], name="unique_band_label"),
            models.UniqueConstraint(fields=["scale", "severity"], name="unique_band_severity"),
            models.CheckConstraint(
                condition=models.Q(min_score__lte=models.F("max_score")),
                name="band_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        # A guard, as for snapshots: published quarters show their risks in this band, so
        # what a reader sees of it (name, colours, order) is fixed once one uses it.
        if self.pk is not None and self._published_look_changes():
            raise PeriodClosedError(
                f"The {self.label} band is used by a closed quarter; its label, colours and "
                "order cannot change. Add a new band or a new rating scale instead."
            )
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple:
        return (self.scale.name, self.label)

    natural_key.dependencies = ["registers.ratingscale"]

    def _published_look_changes(self) -> bool:
        stored = RatingBand.objects.filter(pk=self.pk).values(*self.PUBLISHED_LOOK).first()
        if stored is None or all(stored[f] == getattr(self, f) for f in self.PUBLISHED_LOOK):
            return False
        return self.is_published()

    def is_published(self) -> bool:
        """Whether a closed quarter shows a risk in this band."""
        return QuarterlySnapshot.objects.filter(
            band_id=self.pk, period__status=ReportingPeriod.Status.CLOSED
        ).exists()


class Register(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    organisation = models.CharField(max_length=200)
    protective_marking = models.CharField(max_length=60, default="OFFICIAL")
    rating_scale = models.ForeignKey(RatingScale, on_delete=models.PROTECT, related_name="+")
    requires_sign_off = models.BooleanField(
        "Quarters need a chief officer's sign-off",
        default=True,
        help_text="A risk officer submits the quarter and a chief officer approves it before "
        "it is published. Off: a risk officer closes and publishes it alone.",
    )
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("slug",)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_live_register", "Can see the open quarter's working register"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registers:register_detail", args=[self.slug])

    def natural_key(self) -> tuple:
        return (self.slug,)

    def open_period(self) -> "ReportingPeriod | None":
        return self.periods.filter(status=ReportingPeriod.Status.OPEN).first()

    def latest_closed_period(self) -> "ReportingPeriod | None":
        return self.periods.filter(status=ReportingPeriod.Status.CLOSED).last()


class RiskCategory(Versioned, models.Model):
    """A kind of risk (the Orange Book's examples), with the register's appetite for it.

    A risk whose current score is above `tolerance` is outside appetite (`registers.appetite`).
    """

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    appetite = models.CharField(max_length=8, choices=Appetite, default=Appetite.CAUTIOUS)
    tolerance = models.PositiveSmallIntegerField(
        "highest score tolerated",
        help_text="The highest current likelihood x impact score this appetite accepts; a risk "
        "scored above it is outside appetite.",
    )
    position = models.PositiveIntegerField(default=0)
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("register__slug", "name")

    class Meta:
        verbose_name_plural = "risk categories"
        ordering = ["register", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["register", "name"], name="unique_category_name"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=1), name="category_tolerance_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return (
            reverse("registers:category_list", args=[self.register.slug]) + f"#category-{self.pk}"
        )

    def natural_key(self) -> tuple:
        return (self.register.slug, self.name)

    natural_key.dependencies = ["registers.register"]


class ReviewFrequency(models.Model):
    """How often a register's risks of one band are reviewed: monthly for Critical, say."""

    register = models.ForeignKey(
        Register, on_delete=models.CASCADE, related_name="review_frequencies"
    )
    band = models.ForeignKey(RatingBand, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField(help_text="Months between reviews.")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "review frequencies"
        ordering = ["register", "-band__severity"]
        constraints = [
            models.UniqueConstraint(fields=["register", "band"], name="one_frequency_per_band"),
            models.CheckConstraint(
                condition=models.Q(months__gte=1, months__lte=24), name="review_months_1_to_24"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.band}: every {self.months} month{'s' if self.months != 1 else ''}"


def quarter_dates(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    """Start and end of a UK financial-year quarter: Q1 = Apr-Jun ... Q4 = Jan-Mar."""
    start_month = {1: 4, 2: 7, 3: 10, 4: 1}[quarter]
    start_year = year + 1 if quarter == 4 else year
    start = datetime.date(start_year, start_month, 1)
    end_month = start_month + 2
    following = datetime.date(start_year + (end_month // 12), end_month % 12 + 1, 1)
    return start, following - datetime.timedelta(days=1)


class ReportingPeriod(models.Model):
    """A quarter of a register's reporting year, written "Q2 2021/22"."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="periods")
    year = models.PositiveSmallIntegerField(
        help_text="The financial year's first year: 2021 for 2021/22."
    )
    quarter = models.PositiveSmallIntegerField()
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=6, choices=Status, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("register__slug", "year", "quarter")

    class Meta:
        ordering = ["register", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["register", "year", "quarter"], name="unique_period"),
            models.UniqueConstraint(
                fields=["register"], condition=models.Q(status="open"), name="one_open_period"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"
            ),
        ]
        permissions = [
            ("close_period", "Can close a quarter"),
            ("sign_off_period", "Can sign off a quarter for publication"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse(
            "registers:register_period", args=[self.register.slug, self.year, self.quarter]
        )

    def natural_key(self) -> tuple:
        return (self.register.slug, self.year, self.quarter)

    natural_key.dependencies = ["registers.register"]

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year}/{(self.year + 1) % 100:02d}"

    @property
    def long_label(self) -> str:
        return f"Quarter {self.quarter} {self.year}/{(self.year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        return f"{self.year}-q{self.quarter}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def pending_sign_off(self) -> "SignOff | None":
        """The submission awaiting a chief officer's decision, if there is one."""
        return (
            self.sign_offs.filter(decision=SignOff.Decision.PENDING)
            .select_related("submitted_by")
            .first()
        )

    def approval(self) -> "SignOff | None":
        """The sign-off that published this quarter, if it was signed off."""
        return (
            self.sign_offs.filter(decision=SignOff.Decision.APPROVED)
            .select_related("submitted_by", "decided_by")
            .order_by("-decided_at")
            .first()
        )

    def previous_period(self) -> "ReportingPeriod | None":
        """The register's quarter before this one, if it has one."""
        year, quarter = self.preceding(self.year, self.quarter)
        return ReportingPeriod.objects.filter(
            register_id=self.register_id, year=year, quarter=quarter
        ).first()

    @staticmethod
    def following(year: int, quarter: int) -> tuple[int, int]:
        return (year + 1, 1) if quarter == 4 else (year, quarter + 1)

    @staticmethod
    def preceding(year: int, quarter: int) -> tuple[int, int]:
        return (year - 1, 4) if quarter == 1 else (year, quarter - 1)

    @classmethod
    def parse_label(cls, label: str) -> tuple[int, int]:
        """(year, quarter) for "Q2 2021/22"; ValueError for anything else."""
        try:
            q, years = label.strip().split()
            first, second = years.split("/")
            quarter, year = int(q.upper().removeprefix("Q")), int(first)
        except ValueError:
            raise ValueError(f"{label!r} is not a quarter like 'Q2 2021/22'") from None
        if not 1 <= quarter <= 4 or int(second) != (year + 1) % 100:
            raise ValueError(f"{label!r} is not a quarter like 'Q2 2021/22'")
        return year, quarter

    def clean(self) -> None:
        if self.quarter and not 1 <= self.quarter <= 4:
            raise ValidationError({"quarter": "A quarter is 1, 2, 3 or 4."})
        if self.year and self.quarter and not (self.start and self.end):
            self.start, self.end = quarter_dates(self.year, self.quarter)


class SignOff(models.Model):
    """One submission of an open quarter for a chief officer's sign-off, and its decision.

    The trends the quarter will be published with are fixed at submission (`trends`, by
    risk id); while the decision is pending nothing on the register can change. Approving
    closes the quarter with those trends; returning leaves it open with the comment.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting sign-off"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="sign_offs")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    trends = models.JSONField(default=dict, encoder=UnicodeJSONEncoder)
    decision = models.CharField(max_length=8, choices=Decision, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(decision="pending"),
                name="one_pending_sign_off",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} submitted {self.submitted_at:%d %b %Y %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.decision == self.Decision.PENDING


# The inherent and target ratings, each a likelihood and an impact on the register's scale.
SCORE_FIELDS = ("inherent_likelihood", "inherent_impact", "target_likelihood", "target_impact")


class RiskManager(ActiveManager):
    """Risks on the register: a risk withdrawn as entered in error is on no register or pack."""

    def get_by_natural_key(self, *key):
        # Fixtures name a withdrawn risk too; it keeps its reference.
        return Risk.all_objects.get_by_natural_key(*key)


class Risk(Versioned, Withdrawable, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="risks")
    reference = models.CharField(
        max_length=20,
        validators=[REFERENCE_VALIDATOR],
        help_text="Unique in the register, e.g. CRR18: letters, digits, '-', '.' and '_'.",
    )
    name = models.CharField("risk name", max_length=200)
    description = RichTextField(blank=True)
    impact = RichTextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="risk owner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_risks",
        help_text="The chief officer accountable for the risk.",
    )
    lead_officer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="lead officer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_risks",
        help_text="The officer who manages the risk day to day.",
    )
    lead_officer = models.CharField(
        "lead officer (name)",
        max_length=120,
        blank=True,
        help_text="For a lead officer who does not use riskreg, or a register taken over from "
        "paper.",
    )
    status = models.CharField(max_length=6, choices=Status, default=Status.OPEN)
    position = models.PositiveIntegerField(
        default=0, help_text="Order in the register among risks of the same rating."
    )
    category = models.ForeignKey(
        RiskCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="risks"
    )
    treatment = models.CharField(max_length=9, choices=Treatment, blank=True)
    band = models.ForeignKey(
        RatingBand,
        verbose_name="residual risk rating",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact_score = models.PositiveSmallIntegerField("impact score", null=True, blank=True)
    # Before controls, and where the treatment is to bring it (by target_date).
    inherent_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    target_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    target_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    target_date = models.DateField("target date", null=True, blank=True)
    date_raised = models.DateField(null=True, blank=True)
    last_reviewed = models.DateField(null=True, blank=True, editable=False)
    # Follows from the last review and the band's review frequency (services.schedule_review).
    next_review_date = models.DateField(null=True, blank=True, editable=False)
    circulation = models.CharField(
        max_length=9,
        choices=Circulation,
        default=Circulation.PUBLIC,
        help_text="A restricted risk is left out of the public version of the quarterly pack.",
    )
    restriction_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the risk is restricted, e.g. the exemption it falls under.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    objects = RiskManager()
    all_objects = NaturalKeyManager()
    history = HistoricalRecords(excluded_fields=["updated_at"])
    natural_key_fields = ("register__slug", "reference")

    class Meta:
        ordering = ["register", "position", "reference"]
        indexes = [
            # The dashboard's "past its review date" on every officer's visit: a range of
            # the index, not every row of the register (EXPLAIN: 6 ms to 0.1 at 10,000).
            models.Index(fields=["register", "status", "next_review_date"], name="risk_review_due"),
            # A quarter picture's counts of the open quarter (registers.quarter._tally) read
            # from this index alone, not each risk's row with its text (SQLite: 41 ms to 13
            # at 10,000 risks, with the two snapshot indexes below).
            models.Index(
                fields=[
                    "register",
                    "status",
                    "withdrawn_at",
                    "band",
                    "likelihood",
                    "impact_score",
                    "category",
                ],
                name="risk_tally",
            ),  # fmt: skip
        ]
        constraints = [
            # CRR01 and crr01 are one risk to a reader (and in a URL typed by hand).
            models.UniqueConstraint(
                "register", Lower("reference"), name="unique_risk_reference_ci"
            ),
            models.CheckConstraint(
                condition=models.Q(likelihood__isnull=True) | models.Q(likelihood__gte=1),
                name="risk_likelihood_gte_1",
            ),
            models.CheckConstraint(
                condition=models.Q(impact_score__isnull=True) | models.Q(impact_score__gte=1),
                name="risk_impact_score_gte_1",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True})
                    | models.Q(**{f"{name}__gte": 1}),
                    name=f"risk_{name}_gte_1",
                )
                for name in SCORE_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("registers:risk_detail", args=[self.register.slug, self.reference])

    def natural_key(self) -> tuple:
        return (self.register.slug, self.reference)

    natural_key.dependencies = ["registers.register"]

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact_score is None:
            return None
        return self.likelihood * self.impact_score

    @property
    def inherent_score(self) -> int | None:
        return _product(self.inherent_likelihood, self.inherent_impact)

    @property
    def target_score(self) -> int | None:
        return _product(self.target_likelihood, self.target_impact)

    @property
    def is_restricted(self) -> bool:
        return self.circulation != Circulation.PUBLIC

    @property
    def lead_officer_name(self) -> str:
        """The lead officer as the register prints them: the user's name, else the name typed."""
        if self.lead_officer_user is not None:
            return self.lead_officer_user.get_full_name() or self.lead_officer_user.get_username()
        return self.lead_officer

    def clean(self) -> None:
        if self.circulation == Circulation.EXEMPT and not self.restriction_reason.strip():
            raise ValidationError(
                {"restriction_reason": "Give the reason the risk is exempt from publication."}
            )
        if (self.likelihood is None) != (self.impact_score is None):
            raise ValidationError("Give both likelihood and impact scores, or neither.")
        halves = {
            f"{kind}_impact": f"Give both the {kind} likelihood and impact, or neither."
            for kind in ("inherent", "target")
            if (getattr(self, f"{kind}_likelihood") is None)
            != (getattr(self, f"{kind}_impact") is None)
        }
        if halves:
            raise ValidationError(halves)
        if self.category_id and self.register_id and self.category.register_id != self.register_id:
            raise ValidationError({"category": "Not a category of this register."})
        if self.register_id and self.reference:
            taken = Risk.objects.filter(
                register_id=self.register_id, reference__iexact=self.reference
            ).exclude(pk=self.pk)
            if taken.exists():
                raise ValidationError(
                    {"reference": f"{taken.first().reference} is already a risk on this "
                     "register: choose another reference (case does not count)."}
                )  # fmt: skip
        scale = self.register.rating_scale if self.register_id else None
        if scale is None:
            return
        errors = {}
        if (
            self.likelihood is not None
            and not scale.likelihoods.filter(value=self.likelihood).exists()
        ):
            errors["likelihood"] = "Not a likelihood on this register's rating scale."
        if (
            self.impact_score is not None
            and not scale.impacts.filter(value=self.impact_score).exists()
        ):
            errors["impact_score"] = "Not an impact on this register's rating scale."
        likelihoods = set(scale.likelihoods.values_list("value", flat=True))
        impacts = set(scale.impacts.values_list("value", flat=True))
        for name in SCORE_FIELDS:
            value, allowed = getattr(self, name), likelihoods if "likelihood" in name else impacts
            if value is not None and value not in allowed:
                errors[name] = "Not on this register's rating scale."
        if self.band_id and self.band.scale_id != scale.pk:
            errors["band"] = "Not a band of this register's rating scale."
        if errors:
            raise ValidationError(errors)
        self.derive_band()

    def derive_band(self) -> None:
        """When both scores are given, the band follows them (the edit form refuses a band
        an officer chose that contradicts them)."""
        if self.score is not None:
            self.band = self.register.rating_scale.band_for(self.score)

    def is_published(self) -> bool:
        """Whether a closed quarter shows this risk."""
        return self.snapshots.filter(period__status=ReportingPeriod.Status.CLOSED).exists()


def _product(likelihood: int | None, impact: int | None) -> int | None:
    return None if likelihood is None or impact is None else likelihood * impact


class Control(models.Model):
    """A key control or activity of a risk: one bullet of the register's column."""

    class Effectiveness(models.TextChoices):
        EFFECTIVE = "effective", "Effective"
        PARTLY = "partly", "Partly effective"
        NOT_EFFECTIVE = "not", "Not effective"

    class Assurance(models.TextChoices):
        # The three lines model: management, oversight functions, independent assurance.
        FIRST = "first", "First line"
        SECOND = "second", "Second line"
        THIRD = "third", "Third line"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="controls")
    text = RichTextField()
    position = models.PositiveIntegerField(default=0)
    effectiveness = models.CharField(max_length=9, choices=Effectiveness, blank=True)
    assurance = models.CharField("assurance source", max_length=6, choices=Assurance, blank=True)
    objects = NaturalKeyManager()
    history = HistoricalRecords()
    natural_key_fields = ("risk__register__slug", "risk__reference", "position")

    class Meta:
        ordering = ["risk", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.risk.reference} control {self.position}"

    def natural_key(self) -> tuple:
        return (*self.risk.natural_key(), self.position)

    natural_key.dependencies = ["registers.risk"]


class SnapshotQuerySet(models.QuerySet):
    """Bulk updates and deletes refuse rows of a closed quarter, as `save()` does."""

    def _refuse_closed(self) -> None:
        if self.filter(period__status=ReportingPeriod.Status.CLOSED).exists():
            raise PeriodClosedError("A closed quarter's register cannot change.")

    def update(self, **kwargs):
        self._refuse_closed()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_closed()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        periods = {obj.period_id for obj in objs}
        closed = ReportingPeriod.objects.filter(
            pk__in=periods, status=ReportingPeriod.Status.CLOSED
        )
        if closed.exists():
            raise PeriodClosedError("A closed quarter's register cannot change.")
        return super().bulk_create(objs, *args, **kwargs)


class SnapshotManager(NaturalKeyManager.from_queryset(SnapshotQuerySet)):
    pass


class QuarterlySnapshot(models.Model):
    """A risk's row for one quarter.

    In the open quarter it holds the trend an officer has set (blank: proposed at close).
    When the quarter closes, the risk's row as it stood is copied here, so the published
    register never changes afterwards.
    """

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="snapshots")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="snapshots")
    trend = models.CharField(max_length=3, choices=Trend, blank=True)
    band = models.ForeignKey(
        RatingBand, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    impact_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # The frozen copy of the row (null: not recorded for this quarter).
    reference = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=200, blank=True)
    description = RichTextField(null=True, blank=True)
    impact = RichTextField(null=True, blank=True)
    controls = RichTextListField(null=True, blank=True, encoder=UnicodeJSONEncoder)
    lead_officer = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=6, choices=Risk.Status, blank=True)
    position = models.PositiveIntegerField(default=0)
    circulation = models.CharField(max_length=9, choices=Circulation, default=Circulation.PUBLIC)
    restriction_reason = models.CharField(max_length=300, blank=True)
    # The risk model as it stood at the close: owner, the other two ratings, the category
    # and the appetite for it then, the treatment, the review date and the actions.
    owner_name = models.CharField(max_length=150, blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    inherent_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    target_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    target_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    category_name = models.CharField(max_length=60, blank=True)
    appetite = models.CharField(max_length=8, choices=Appetite, blank=True)
    tolerance = models.PositiveSmallIntegerField(null=True, blank=True)
    outside_appetite = models.BooleanField(default=False)
    treatment = models.CharField(max_length=9, choices=Treatment, blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    actions = models.JSONField(null=True, blank=True, encoder=UnicodeJSONEncoder)
    objects = SnapshotManager()
    history = HistoricalRecords()
    natural_key_fields = (
        "risk__register__slug",
        "risk__reference",
        "period__year",
        "period__quarter",
    )

    class Meta:
        ordering = ["period", "position"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "period"], name="one_snapshot_per_risk_period"),
        ]
        indexes = [
            # A closed quarter's counts (registers.quarter._tally) from the index alone.
            models.Index(
                fields=[
                    "period",
                    "status",
                    "band",
                    "likelihood",
                    "impact_score",
                    "outside_appetite",
                    "category_name",
                    "trend",
                    "risk",
                ],
                name="snapshot_tally",
            ),  # fmt: skip
            # Each risk's row of the quarter before, joined to compare ratings and trends.
            models.Index(
                fields=["risk", "period", "status", "band", "trend"], name="snapshot_earlier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.risk.reference} {self.period.label}"

    def save(self, *args, **kwargs):
        # A guard, not a side effect: a published quarter is never rewritten.
        if ReportingPeriod.objects.filter(
            pk=self.period_id, status=ReportingPeriod.Status.CLOSED
        ).exists():
            raise PeriodClosedError(f"{self.period.label} is closed; its register cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.period.is_closed:
            raise PeriodClosedError(f"{self.period.label} is closed; its register cannot change.")
        return super().delete(*args, **kwargs)

    def natural_key(self) -> tuple:
        return (*self.risk.natural_key(), self.period.year, self.period.quarter)

    natural_key.dependencies = ["registers.risk", "registers.reportingperiod"]

    def trend_label(self) -> str:
        return Trend(self.trend).label if self.trend else ""

    @property
    def inherent_score(self) -> int | None:
        return _product(self.inherent_likelihood, self.inherent_impact)

    @property
    def target_score(self) -> int | None:
        return _product(self.target_likelihood, self.target_impact)


class ActionQuerySet(models.QuerySet):
    def open(self) -> "ActionQuerySet":
        return self.filter(status__in=Action.OPEN_STATUSES)

    def overdue(self, today: datetime.date) -> "ActionQuerySet":
        """Open actions whose target date has passed: the one definition of overdue."""
        return self.open().filter(target_date__lt=today)


class Action(Versioned, Withdrawable, models.Model):
    """Something being done to bring a risk to its target: owner, target date, status."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="actions")
    text = models.CharField("action", max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_actions",
    )
    target_date = models.DateField(null=True, blank=True)
    # The first target date it was given: kept when the date moves (each move: ActionDateMove).
    original_target_date = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=11, choices=Status, default=Status.NOT_STARTED)
    progress = RichTextField("progress notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = ActiveManager.from_queryset(ActionQuerySet)()
    all_objects = models.Manager()  # noqa: DJ012 (the unfiltered one, for history and admin)

    class Meta:
        ordering = ["risk", "target_date", "pk"]
        indexes = [models.Index(fields=["owner", "status"], name="action_owner_status")]

    def __str__(self) -> str:
        return f"{self.risk.reference}: {self.text}"

    def get_absolute_url(self) -> str:
        return reverse("registers:action_edit", args=[self.risk.register.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: datetime.date) -> bool:
        return self.is_open and self.target_date is not None and self.target_date < today


class ActionDateMove(models.Model):
    """One move of an action's target date: from when, to when, who moved it."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="date_moves")
    moved_from = models.DateField(null=True)
    moved_to = models.DateField(null=True)
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["action", "moved_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.moved_from} to {self.moved_to}"


class Review(Withdrawable, models.Model):
    """A risk owner's or officer's review of a risk, which sets when the next one is due."""

    class Outcome(models.TextChoices):
        NO_CHANGE = "no_change", "No change"
        RATING_CHANGED = "rating_changed", "Rating changed"
        ESCALATED = "escalated", "Escalated"
        DEESCALATED = "deescalated", "De-escalated"

    risk = models.ForeignKey(Risk, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField("date of the review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=14, choices=Outcome)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    objects = ActiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (the unfiltered one, for history and admin)

    class Meta:
        ordering = ["risk", "-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.risk.reference} reviewed {self.reviewed_on:%d %b %Y}"


class ImportBatch(models.Model):
    """One uploaded file, kept as uploaded from its preview to its confirmation.

    Confirming imports this stored content, never a file sent again, and only while the
    register is as it was when the preview was made (`register_state`).
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed, not imported"
        IMPORTED = "imported", "Imported"

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="imports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    register_state = models.CharField(
        max_length=64, help_text="A digest of the register as the preview compared the file with."
    )
    status = models.CharField(max_length=9, choices=Status, default=Status.PREVIEWED)
    imported_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%d %b %Y %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("registers:import_preview", args=[self.pk])

    @property
    def is_imported(self) -> bool:
        return self.status == self.Status.IMPORTED
