"""Work across several governance records: starting a year's review, recommendations for a risk."""

from collections import Counter

from django.db import transaction

from .models import Assessment, GovernanceReview, Principle, Rag, Recommendation


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
