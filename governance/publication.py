"""Which version of the governance records a reader sees: the one place that decides it.

Closing a quarter publishes the governance records as they stand (`publish`). Officers
(who may see the live register) read the live records; everyone else reads each record as
it was at the latest publication, from its history table (django-simple-history's
`as_of`), never live. Governance is not per register, so the rule is: **the latest
`Publication` of any closed quarter**; a reopened quarter's publication stops counting
until the quarter closes again, and then counts from its new closing. A pack reads the
records as at its own quarter's publication, so rebuilding it later gives the same text.

Why history and not frozen copies (as the register's snapshots are): every governance model
already keeps its full history, so an "as at" read is one query per table and needs no
second copy of fourteen models kept in step with their forms. Relations between governance
models are `HistoricForeignKey`s, so a record read as at a moment reaches its inspection,
review or commitment as at that same moment. Many-to-many links (a commitment's oversight
bodies, a meeting's objectives) carry no history and are read live.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from basics import stamps
from registers.access import can_see_live
from registers.models import ReportingPeriod
from registers.services import PERIODS_STAMP

from .models import Publication

# Before any record existed: an `as_of` at this moment finds nothing.
NOTHING_PUBLISHED = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def sees_live(user) -> bool:
    """Officers see the live records; PCC staff only what a closed quarter published."""
    return can_see_live(user)


def latest_publication() -> Publication | None:
    """The publication PCC staff read: the latest of any closed quarter."""
    return (
        Publication.objects.filter(period__status=ReportingPeriod.Status.CLOSED)
        .select_related("period__register")
        .order_by("-published_at")
        .first()
    )


@dataclass
class Reading:
    """Governance records as one reader sees them: live, or as at a publication."""

    live: bool
    publication: Publication | None = None
    _unpublished: dict = field(default_factory=dict, repr=False)

    @property
    def at(self) -> datetime.datetime | None:
        """None for the live records, else the moment read (before anything: nothing)."""
        if self.live:
            return None
        return self.publication.published_at if self.publication else NOTHING_PUBLISHED

    def records(self, model) -> models.QuerySet:
        """The model's rows this reader sees, in the model's own order."""
        if self.live:
            return model.objects.all()  # withdrawn rows hidden by the default manager
        rows = model.history.as_of(self.at).order_by(*model._meta.ordering, "pk")
        if any(f.name == "withdrawn_at" for f in model._meta.get_fields()):
            rows = rows.filter(withdrawn_at__isnull=True)  # withdrawn by then: hidden too
        return rows

    def get(self, model, **lookup):
        """One row this reader sees, or 404 (a record created after publication is not there)."""
        row = self.records(model).filter(**lookup).first()
        if row is None:
            raise Http404(f"No {model._meta.verbose_name} published with that key.")
        return row

    def history(self, history: models.QuerySet) -> models.QuerySet:
        """History entries this reader may see: none later than the publication."""
        return history if self.live else history.filter(history_date__lte=self.at)

    def unpublished_ids(self, model) -> set:
        """For officers: the rows of `model` changed since the latest publication."""
        if not self.live:
            return set()
        if model not in self._unpublished:
            changes = model.history.all()
            if self.publication is not None:
                changes = changes.filter(history_date__gt=self.publication.published_at)
            self._unpublished[model] = set(changes.values_list("id", flat=True))
        return self._unpublished[model]

    def note(self, *shown) -> dict:
        """What the page's publication note says: as published when, or how much is not."""
        return {
            "live": self.live,
            "publication": self.publication,
            "unpublished": sum(len(self.unpublished_ids(model)) for model in shown),
        }


def reading_for(user) -> Reading:
    """The governance records `user` may read."""
    return Reading(live=sees_live(user), publication=latest_publication())


def reading_for_period(period: ReportingPeriod) -> Reading | None:
    """What a quarter's pack shows: the open quarter's draft the live records; a closed
    quarter the records its closing published (None if its closing published none)."""
    if not period.is_closed:
        return Reading(live=True, publication=latest_publication())
    publication = Publication.objects.filter(period=period).first()
    return Reading(live=False, publication=publication) if publication else None


def last_changed(reading: Reading, *histories: models.QuerySet) -> datetime.datetime | None:
    """When the records behind these history querysets, as this reader sees them, last
    changed: the date a section of governance records is "as at"."""
    dates = [
        reading.history(history).aggregate(latest=models.Max("history_date"))["latest"]
        for history in histories
    ]
    return max((date for date in dates if date is not None), default=None)


@transaction.atomic
def publish(*, period: ReportingPeriod, user=None) -> Publication:
    """Publish the governance records as they stand now with `period` (closed, or closing).

    Called in the transaction that closes the quarter; closing it again after a reopening
    publishes again, from the new moment.
    """
    # What PCC staff read changes with it: the pages cached for them are keyed on this stamp.
    stamps.bump(PERIODS_STAMP)
    publication, _ = Publication.objects.update_or_create(
        period=period, defaults={"published_at": timezone.now(), "published_by": user}
    )
    return publication
