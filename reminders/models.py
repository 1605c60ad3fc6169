"""Who wants the daily reminder digest, and what each digest has already said."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from editing.models import Versioned


class ReminderSettings(Versioned, models.Model):
    """One user's choice about reminders. A user without a row gets the digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    send_digest = models.BooleanField(
        "E-mail me a daily digest of what falls to me",
        default=True,
        help_text="At most one e-mail a day, and only on a day when something is due.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"

    def __str__(self) -> str:
        return f"Reminders for {self.user}"


class SentReminder(models.Model):
    """An item a user's digest told them about on a day: never told twice that day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item = models.CharField(max_length=60, help_text='What was due, e.g. "review:12".')
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "user", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "item"], name="one_reminder_per_item_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} to {self.user} on {self.day:%d %b %Y}"
