from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from editing.models import Versioned


def pack_path(pack: "Pack", filename: str) -> str:
    # Named by migration 0002, from when packs were files under MEDIA_ROOT.
    return f"private/packs/{pack.register.slug}/{filename}"


class Pack(models.Model):
    """A quarter's PDF pack and the state of its build: a closed quarter's published pack,
    built once and served on every download, or the open quarter's draft.

    Builds run only in the task worker (`riskreg.tasks.build_pack`), never in a request.
    """

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
    # A quarter is deleted only when a reopening removes the open one after it: its draft
    # goes with it. A published pack that was downloaded is kept by its downloads.
    period = models.ForeignKey(
        "registers.ReportingPeriod", on_delete=models.CASCADE, related_name="packs"
    )
    variant = models.CharField(max_length=6, choices=Variant, default=Variant.FULL)
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField(null=True, blank=True, help_text="When last queued.")
    started_at = models.DateTimeField(null=True, blank=True, help_text="When last started.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Tries of this request.")
    # The closing it was built from: a reopened and re-closed quarter needs a new pack,
    # and a draft (built while the quarter was open) has none.
    built_for = models.DateTimeField(null=True, blank=True)
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
        draft = "" if self.period.is_closed else "-DRAFT"
        return f"{self.register.slug}-{self.period.slug}{public}{draft}.pdf"

    @property
    def is_current(self) -> bool:
        """Built from the quarter as it now stands: from its (last) closing, or, for the
        open quarter, a draft."""
        return self.status == self.Status.READY and self.built_for == self.period.closed_at

    @property
    def is_under_way(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)


class PackFile(models.Model):
    """A pack's PDF, in the database rather than on one host's disk.

    Every app host and worker sees the same packs, and a database dump (the one thing
    to back up) restores them with the quarters they belong to. Kept apart from `Pack`
    so that listing packs never reads the bytes.
    """

    pack = models.OneToOneField(
        Pack, on_delete=models.CASCADE, primary_key=True, related_name="pdf"
    )
    data = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.pack} PDF"


class PackDownload(models.Model):
    """Who downloaded which pack, and when: the record administrators audit."""

    pack = models.ForeignKey(Pack, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.pack} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class PackOptions(Versioned, models.Model):
    """What a quarter's pack says beyond its data: the cover, and which governance sections
    it carries. Set on the close page and frozen with the quarter."""

    # Set for the quarter being closed; goes with a quarter a reopening removes, as its
    # draft pack does.
    period = models.OneToOneField(
        "registers.ReportingPeriod", on_delete=models.CASCADE, related_name="pack_options"
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


class AuditEventQuerySet(models.QuerySet):
    """The audit log is append-only: rows are added, never changed; only `prune` removes them."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are never changed.")

    def delete(self):
        raise PermissionError("Audit events are removed only by `prune_audit`.")

    def prune(self, *, before) -> int:
        """Delete events older than `before` (the retention period's start); returns how many."""
        old = self.filter(when__lt=before)
        return models.QuerySet.delete(old)[0]


class AuditEvent(models.Model):
    """Who did or tried what, when and from where: kept in the database for administrators."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign-in", "Signed in"
        SIGN_IN_FAILED = "sign-in-failed", "Sign-in failed"
        SIGN_IN_REFUSED = "sign-in-refused", "Sign-in refused (throttled)"
        SIGN_OUT = "sign-out", "Signed out"
        PASSWORD_CHANGED = "password-changed", "Password changed"
        REFUSED = "refused", "Access refused"
        PACK_BUILT = "pack-built", "Pack built"
        PACK_FAILED = "pack-failed", "Pack build failed"
        PACK_DOWNLOADED = "pack-downloaded", "Pack downloaded"
        QUARTER_CLOSED = "quarter-closed", "Quarter closed"
        QUARTER_REOPENED = "quarter-reopened", "Quarter reopened"
        API_TOKEN_CREATED = "api-token-created", "API token created"
        API_TOKEN_REVOKED = "api-token-revoked", "API token revoked"

    when = models.DateTimeField(default=timezone.now, db_index=True)
    # A user with events is deactivated, not deleted: the log keeps naming them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="As given, if no user.")
    kind = models.CharField(max_length=20, choices=Kind, db_index=True)
    path = models.CharField(max_length=500, blank=True)
    address = models.CharField(max_length=45, blank=True, help_text="The client's IP address.")
    detail = models.TextField(blank=True)
    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-when", "-pk"]
        default_permissions = ("view",)  # nobody, not even through the admin, changes it
        indexes = [models.Index(fields=["kind", "address", "when"], name="audit_kind_address")]

    def __str__(self) -> str:
        who = self.user or self.username or "anonymous"
        return f"{self.when:%Y-%m-%d %H:%M:%S} {self.get_kind_display()}: {who}"

    def save(self, *args, **kwargs):
        # A guard, as for a closed quarter's rows: an event once written stays as written.
        if not self._state.adding:
            raise PermissionError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are removed only by `prune_audit`.")
