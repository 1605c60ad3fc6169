"""Work across several governance records: starting a year's review, recommendations for a risk.

Also the read queries the governance pages and the quarterly pack share.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from .models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    Objective,
    PoliceAndCrimePlan,
    Principle,
    ProgressUpdate,
    Rag,
    Recommendation,
    SubPrinciple,
)
from .publication import Reading


def _live(reading: Reading | None) -> Reading:
    return reading if reading is not None else Reading(live=True)


class ReviewExistsError(Exception):
    """The next year's review has already been started."""


def start_next_review(*, user=None) -> GovernanceReview:
    """Start next year's review as a copy of the latest one: evidence, direction, RAG and note.

    Officers then edit what has changed; the copy is where each assessment's history starts.
    """
    with transaction.atomic():
        latest = GovernanceReview.objects.select_for_update().order_by("-year").first()
        if latest is None:
            raise GovernanceReview.DoesNotExist("There is no review to copy.")
        year = latest.next_year
        if GovernanceReview.objects.filter(year=year).exists():
            raise ReviewExistsError(f"The {year} review has already been started.")
        review = GovernanceReview(year=year, title=latest.title.replace(latest.year, year))
        review._history_user = user
        review.save()
        for old in latest.assessments.all():
            assessment = Assessment(
                review=review,
                sub_principle_id=old.sub_principle_id,
                evidence=old.evidence,
                direction=old.direction,
                rag=old.rag,
                rag_note=old.rag_note,
            )
            assessment._history_user = user
            assessment._change_reason = f"Copied from the {latest.year} review"
            assessment.save()
    return review


def principles_with(review: GovernanceReview, reading: Reading | None = None) -> list[Principle]:
    """Principles, each with its sub-principles' assessments in this review: three queries.

    Each sub-principle carries its assessment (a list of none or one) as `in_review`. With a
    `reading`, every record is as that reader sees it (live, or as published).
    """
    reading = _live(reading)
    assessments = reading.records(Assessment).filter(review_id=review.pk)
    # Prefetched on the list: an as-at queryset turns its rows into records after
    # prefetching, which would look for the relations on the history rows.
    principles = list(reading.records(Principle))
    prefetch_related_objects(
        principles,
        Prefetch("subprinciples", queryset=reading.records(SubPrinciple)),
        Prefetch("subprinciples__assessments", queryset=assessments, to_attr="in_review"),
    )
    return principles


def review_for_year(year: str, reading: Reading | None = None) -> GovernanceReview | None:
    """The review of a financial year ("2021/22"), else the latest one before it, else None."""
    return _live(reading).records(GovernanceReview).filter(year__lte=year).order_by("-year").first()


def split_peel(inspections: list[Inspection]) -> tuple[list[Inspection], list[Inspection]]:
    """Inspections and self assessments, and PEEL inspections: seed 003's two tables."""
    return [i for i in inspections if not i.is_peel], [i for i in inspections if i.is_peel]


def open_recommendations(reading: Reading | None = None) -> list[Recommendation]:
    """Recommendations not yet complete or closed, in the tracker's order, each with its
    inspection as the reader sees it."""
    reading = _live(reading)
    recommendations = list(reading.records(Recommendation).exclude(status__in=Recommendation.DONE))
    prefetch_related_objects(
        recommendations, Prefetch("inspection", queryset=reading.records(Inspection))
    )
    return recommendations


def plan_commitments(plan: PoliceAndCrimePlan, reading: Reading | None = None) -> QuerySet:
    """A plan's commitments in its order (then `with_progress` for what the tables read)."""
    reading = _live(reading)
    objectives = reading.records(Objective).filter(plan_id=plan.pk).values_list("id", flat=True)
    return reading.records(Commitment).filter(objective_id__in=list(objectives))


def with_progress(commitments, reading: Reading | None = None) -> list[Commitment]:
    """Commitments with their objective, progress updates and oversight bodies: what
    `progress_as_at` and the tables read, as the reader sees them."""
    reading = _live(reading)
    commitments = list(commitments)
    prefetch_related_objects(
        commitments,
        Prefetch("objective", queryset=reading.records(Objective)),
        Prefetch("progress_updates", queryset=reading.records(ProgressUpdate)),
        "oversight_bodies",
    )
    return commitments


def rag_summary(review: GovernanceReview, reading: Reading | None = None) -> list[dict]:
    """RAG counts per principle for one review: two queries."""
    reading = _live(reading)
    counts: dict[int, Counter] = {}
    pairs = reading.records(Assessment).filter(review_id=review.pk)
    principle_of = dict(reading.records(SubPrinciple).values_list("id", "principle_id"))
    for sub_id, rag in pairs.values_list("sub_principle_id", "rag"):
        counts.setdefault(principle_of.get(sub_id), Counter())[rag] += 1
    rows = []
    for principle in reading.records(Principle):
        counter = counts.get(principle.pk, Counter())
        rows.append(
            {
                "principle": principle,
                "green": counter[Rag.GREEN],
                "amber": counter[Rag.AMBER],
                "red": counter[Rag.RED],
                "not_rated": counter[""],
                "total": sum(counter.values()),
            }
        )
    return rows


def recommendations_for_risk(risk):
    """The HMIC recommendations that bear on a corporate risk, for the risk's page."""
    return (
        Recommendation.objects.filter(risks=risk)
        .select_related("inspection")
        .order_by("inspection__position", "reference", "pk")
    )
