"""The governance tables as their pages filter them: one definition for each page (which
may show it a page at a time) and for its download (every row), as the reader sees them."""

from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects

from .access import attach_linked_risks
from .delivery_filters import AsAtForm, CommitmentFilter
from .filters import RecommendationFilter
from .models import Commitment, Inspection, PoliceAndCrimePlan, Recommendation, quarter_label
from .publication import Reading
from .services import plan_commitments, with_progress


@dataclass
class RecommendationTable:
    user: object
    reading: Reading
    filterset: RecommendationFilter

    def rows(self, objects=None) -> list[Recommendation]:
        """The recommendations of `objects` (a page), or every filtered one, with their
        inspection and the linked risks this user may see."""
        rows = list(self.filterset.qs if objects is None else objects)
        prefetch_related_objects(
            rows, Prefetch("inspection", queryset=self.reading.records(Inspection))
        )
        return attach_linked_risks(self.user, rows)


def recommendation_table(user, reading: Reading, data) -> RecommendationTable:
    """The recommendation tracker filtered by `data` (the page's GET filters)."""
    filterset = RecommendationFilter(
        data, queryset=reading.records(Recommendation), reading=reading
    )
    return RecommendationTable(user, reading, filterset)


@dataclass
class DeliveryTable:
    plan: PoliceAndCrimePlan
    as_at_form: AsAtForm
    filterset: CommitmentFilter
    rows: list[Commitment]  # each with `as_at`: its progress update as at the quarter chosen
    as_at: tuple[int, int] | None

    @property
    def as_at_label(self) -> str | None:
        return quarter_label(*self.as_at) if self.as_at else None


def delivery_table(plan: PoliceAndCrimePlan, reading: Reading, data) -> DeliveryTable:
    """The plan's commitments filtered by `data`, with progress as at the quarter it
    chooses (the latest with updates if none)."""
    as_at_form = AsAtForm(data, reading=reading)
    as_at = as_at_form.as_at()
    filterset = CommitmentFilter(data, queryset=plan_commitments(plan, reading), reading=reading)
    rows = with_progress(filterset.qs, reading)
    for commitment in rows:
        commitment.as_at = commitment.progress_as_at(*as_at) if as_at else None
    return DeliveryTable(plan, as_at_form, filterset, rows, as_at)
