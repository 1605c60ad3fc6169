from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


def pack_path(pack: "Pack", filename: str) -> str:
    # Under MEDIA_ROOT but outside any served URL: packs leave only through the download view.
    return f"private/packs/{pack.register.slug}/{filename}"


class Pack(models.Model):
    """The stored PDF pack of a closed quarter: rendered once, served on every download."""

    class Variant(models.TextChoices):
        FULL = "full", "Full (with restricted risks)"
        PUBLIC = "public", "Public (restricted risks withheld)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    register = models.ForeignKey(
        "registers.Register", on_delete=models.PROTECT, related_name="packs"
    )
    period = models.ForeignKey(
        "registers.ReportingPeriod", on_delete=models.PROTECT, related_name="packs"
    )
    variant = models.CharField(max_length=6, choices=Variant, default=Variant.FULL)
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=pack_path, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes.")

    class Meta:
        ordering = ["register", "-period__year", "-period__quarter", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["period", "variant"], name="one_pack_per_variant"),
        ]
        permissions = [
            ("download_pack", "Can download a closed quarter's PDF pack"),
            ("preview_pack", "Can preview the open quarter's draft pack"),
        ]

    def __str__(self) -> str:
        public = " public" if self.is_public else ""
        return f"{self.register} {self.period.label}{public} pack"

    def get_absolute_url(self) -> str:
        args = [self.register.slug, self.period.year, self.period.quarter]
        return reverse("packs:public_download" if self.is_public else "packs:download", args=args)

    @property
    def is_public(self) -> bool:
        return self.variant == self.Variant.PUBLIC

    @property
    def filename(self) -> str:
        public = "-public" if self.is_public else ""
        return f"{self.register.slug}-{self.period.slug}{public}.pdf"

    @property
    def is_current(self) -> bool:
        """Built, and built after the quarter's (last) closing: a reopened and re-closed
        quarter's earlier pack no longer stands for it."""
        closed_at = self.period.closed_at
        return (
            self.status == self.Status.READY
            and bool(self.file)
            and (closed_at is None or (self.built_at is not None and self.built_at >= closed_at))
        )


class PackDownload(models.Model):
    """Who downloaded which pack, and when: the record administrators audit."""

    pack = models.ForeignKey(Pack, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.pack} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class PackOptions(models.Model):
    """What a quarter's pack says beyond its data: the cover, and which governance sections
    it carries. Set on the close page and frozen with the quarter."""

    period = models.OneToOneField(
        "registers.ReportingPeriod", on_delete=models.PROTECT, related_name="pack_options"
    )
    meeting = models.CharField(
        "meeting or committee",
        max_length=200,
        blank=True,
        help_text="e.g. Police and Crime Panel, or Joint Audit Committee.",
    )
    meeting_date = models.DateField("date of the meeting", null=True, blank=True)
    agenda_item = models.CharField(max_length=60, blank=True, help_text="e.g. Item 7.")
    author = models.CharField(max_length=200, blank=True, help_text="Name and role.")
    include_cipfa = models.BooleanField("CIPFA governance dashboard", default=True)
    include_hmic = models.BooleanField("HMIC tracker", default=True)
    include_delivery = models.BooleanField("Police and Crime Plan delivery progress", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "pack options"
        verbose_name_plural = "pack options"

    def __str__(self) -> str:
        return f"{self.period} pack options"

    def save(self, *args, **kwargs):
        # A guard, as for snapshots: the cover and sections of a published pack are fixed.
        from registers.models import PeriodClosedError, ReportingPeriod

        if (
            self.pk is not None
            and ReportingPeriod.objects.filter(
                pk=self.period_id, status=ReportingPeriod.Status.CLOSED
            ).exists()
        ):
            raise PeriodClosedError(f"{self.period.label} is closed; its pack cannot change.")
        super().save(*args, **kwargs)
