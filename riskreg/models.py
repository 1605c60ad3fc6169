from django.conf import settings
from django.db import models
from django.urls import reverse


def pack_path(pack: "Pack", filename: str) -> str:
    # Under MEDIA_ROOT but outside any served URL: packs leave only through the download view.
    return f"private/packs/{pack.register.slug}/{filename}"


class Pack(models.Model):
    """The stored PDF pack of a closed quarter: rendered once, served on every download."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    register = models.ForeignKey(
        "registers.Register", on_delete=models.PROTECT, related_name="packs"
    )
    period = models.OneToOneField(
        "registers.ReportingPeriod", on_delete=models.PROTECT, related_name="pack"
    )
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    file = models.FileField(upload_to=pack_path, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes.")

    class Meta:
        ordering = ["register", "-period__year", "-period__quarter"]
        permissions = [
            ("download_pack", "Can download a closed quarter's PDF pack"),
            ("preview_pack", "Can preview the open quarter's draft pack"),
        ]

    def __str__(self) -> str:
        return f"{self.register} {self.period.label} pack"

    def get_absolute_url(self) -> str:
        return reverse(
            "packs:download", args=[self.register.slug, self.period.year, self.period.quarter]
        )

    @property
    def filename(self) -> str:
        return f"{self.register.slug}-{self.period.slug}.pdf"

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
