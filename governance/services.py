"""Work across several governance records: starting a year's review, recommendations for a risk.

Also the read queries the governance pages and the quarterly pack share.
"""

from collections import Counter

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from .models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    PoliceAndCrimePlan,
    Principle,
    Rag,
    Recommendation,
    SubPrinciple,
)


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


def principles_with(review: GovernanceReview) -> QuerySet[Principle]:
    """Principles, each with its sub-principles' assessments in this review: three queries.

    Each sub-principle carries its assessment (a list of none or one) as `in_review`.
    """
    assessments = Assessment.objects.filter(review=review).select_related(
        "sub_principle__principle"
    )
    return Principle.objects.prefetch_related(
        Prefetch("subprinciples", queryset=SubPrinciple.objects.select_related("principle")),
        Prefetch("subprinciples__assessments", queryset=assessments, to_attr="in_review"),
    )


def review_for_year(year: str) -> GovernanceReview | None:
    """The review of a financial year ("2021/22"), else the latest one before it, else None."""
    return GovernanceReview.objects.filter(year__lte=year).order_by("-year").first()


def split_peel(inspections: list[Inspection]) -> tuple[list[Inspection], list[Inspection]]:
    """Inspections and self assessments, and PEEL inspections: seed 003's two tables."""
    return [i for i in inspections if not i.is_peel], [i for i in inspections if i.is_peel]


def open_recommendations() -> QuerySet[Recommendation]:
    """Recommendations not yet complete or closed, in the tracker's order."""
    return Recommendation.objects.exclude(status__in=Recommendation.DONE).select_related(
        "inspection"
    )


def plan_commitments(plan: PoliceAndCrimePlan) -> QuerySet[Commitment]:
    """A plan's commitments in its order, with what `progress_as_at` and the tables read."""
    return (
        Commitment.objects.filter(objective__plan=plan)
        .select_related("objective")
        .prefetch_related("progress_updates", "oversight_bodies")
    )


def rag_summary(review: GovernanceReview) -> list[dict]:
    """RAG counts per principle for one review: one query."""
    counts: dict[str, Counter] = {}
    for letter, rag in review.assessments.values_list("sub_principle__principle__letter", "rag"):
        counts.setdefault(letter, Counter())[rag] += 1
    rows = []
    for principle in Principle.objects.all():
        counter = counts.get(principle.letter, Counter())
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
