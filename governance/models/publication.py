"""The moment a quarter's closing published the governance records (governance/publication.py)."""

from django.conf import settings
from django.db import models


class Publication(models.Model):
    """Closing `period` published every governance record as it stood at `published_at`.

    Governance records are not per register: PCC staff read them as at the latest
    publication of any closed quarter, through their history tables (`history.as_of`).
    `published_at` is the moment of closing, not the quarter's `closed_at`, which a loaded
    register may carry from its own calendar (the seed closes Q2 2021/22 on 30 September
    2021, years before its governance records were entered here).
    """

    period = models.OneToOneField(
        "registers.ReportingPeriod", on_delete=models.PROTECT, related_name="governance_publication"
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"Governance published with {self.period} at {self.published_at:%Y-%m-%d %H:%M}"
