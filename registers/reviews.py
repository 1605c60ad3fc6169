"""When a risk is next reviewed: the one place that says so.

Each register sets how many months pass between reviews of a risk in each band (monthly for
Critical and High by default, quarterly otherwise). A risk's next review falls that many
months after its last review (or, never reviewed, after the date it was raised; with neither,
it is due now). It is kept on the risk (`next_review_date`) so that lists and reminders can
ask the database, and recomputed whenever a review is recorded or the rating changes.
"""

import calendar
import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import RatingBand, Register, Review, ReviewFrequency, Risk

DEFAULT_MONTHS = 3
# Bands at least this severe are reviewed monthly by default (High and Critical on 5x5).
MONTHLY_FROM_SEVERITY = 3
DUE_SOON_DAYS = 14


def add_default_frequencies(register: Register) -> int:
    """Give `register` a frequency for each band of its scale that has none."""
    have = set(register.review_frequencies.values_list("band_id", flat=True))
    bands = RatingBand.objects.filter(scale_id=register.rating_scale_id)
    added = [
        ReviewFrequency(
            register=register,
            band=band,
            months=1 if band.severity >= MONTHLY_FROM_SEVERITY else DEFAULT_MONTHS,
        )
        for band in bands
        if band.pk not in have
    ]
    ReviewFrequency.objects.bulk_create(added)
    return len(added)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved on by whole months, kept within the month (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def months_between_reviews(register: Register, band: RatingBand | None) -> int:
    if band is None:
        return DEFAULT_MONTHS
    found = ReviewFrequency.objects.filter(register=register, band=band).first()
    return found.months if found else DEFAULT_MONTHS


def next_review(risk: Risk, *, today: datetime.date | None = None) -> datetime.date:
    """When `risk` is next to be reviewed, from its last review and its band's frequency."""
    since = risk.last_reviewed or risk.date_raised
    if since is None:
        return today or timezone.localdate()
    return add_months(since, months_between_reviews(risk.register, risk.band))


def schedule_review(risk: Risk) -> None:
    """Set `risk.next_review_date` from the rule (the caller saves the risk)."""
    risk.next_review_date = next_review(risk)


@transaction.atomic
def record_review(
    *, risk: Risk, reviewer, reviewed_on: datetime.date, outcome: str, note: str = ""
) -> Review:
    """Record a review of `risk` and move its next review date on."""
    from .services import register_changed  # services builds on this module

    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    register_changed(risk.register_id)
    review = Review.objects.create(
        risk=risk, reviewer=reviewer, reviewed_on=reviewed_on, outcome=outcome, note=note
    )
    if risk.last_reviewed is None or reviewed_on >= risk.last_reviewed:
        risk.last_reviewed = reviewed_on
    schedule_review(risk)
    risk._change_reason = f"Reviewed on {reviewed_on:%d %B %Y}: {review.get_outcome_display()}"
    risk.save(update_fields=["last_reviewed", "next_review_date", "updated_at"])
    return review


def due_soon_until(today: datetime.date) -> datetime.date:
    """The last day of the window in which a review counts as due soon."""
    return today + datetime.timedelta(days=DUE_SOON_DAYS)


def overdue_reviews(risks: QuerySet, today: datetime.date) -> QuerySet:
    """The risks among `risks` whose review is overdue (as `review_state` says "overdue")."""
    return risks.filter(next_review_date__lt=today)


def reviews_due_soon(risks: QuerySet, today: datetime.date) -> QuerySet:
    """The risks among `risks` whose review is due soon (as `review_state` says "due")."""
    return risks.filter(next_review_date__gte=today, next_review_date__lte=due_soon_until(today))


def review_state(risk_next_review: datetime.date | None, today: datetime.date) -> str:
    """ "overdue", "due" (within DUE_SOON_DAYS) or "" for a next review date."""
    if risk_next_review is None:
        return ""
    if risk_next_review < today:
        return "overdue"
    if risk_next_review <= due_soon_until(today):
        return "due"
    return ""
