"""Abstract models every record a user edits builds on."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Versioned(models.Model):
    """A record an edit form opens at one version and saves against it (optimistic locking).

    The version is in the record's history, so a stale save can be merged against the
    record as it stood when the form was opened (`editing.forms.EditForm`).
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class ActiveManager(models.Manager):
    """Rows not withdrawn. Withdrawn rows stay in the table and in the history."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class Withdrawable(models.Model):
    """A record that can be withdrawn as entered in error, never hard-deleted from the UI."""

    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def withdraw(self, *, user, reason: str) -> None:
        """Withdraw this record as entered in error; the reason goes into its history."""
        self.withdrawn_at = timezone.now()
        self.withdrawn_by = user
        self.withdrawal_reason = reason
        if isinstance(self, Versioned):
            self.version += 1
        self._change_reason = f"Withdrawn: {reason}"
        self.save()
