"""Filters of the API's lists: the pages' own FilterSets where a page has one, given what
they need of the reader (`filterset_kwargs`), and small ones where no page lists the rows."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from governance.models import (
    Assessment,
    Direction,
    GovernanceReview,
    Inspection,
    ProgressUpdate,
    Rag,
    RecommendationUpdate,
)
from registers.models import Risk


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, passing the view's `filterset_kwargs()` (the reader's
    `reading`) to the FilterSet, which may filter history rows read as at a publication."""

    def get_filterset_class(self, view, queryset=None):
        # As-at querysets hold history rows, so the FilterSet's model (the live one) is not
        # checked against the queryset's.
        return getattr(view, "filterset_class", None) or super().get_filterset_class(view, queryset)

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if hasattr(view, "filterset_kwargs"):
            kwargs.update(view.filterset_kwargs())
        return kwargs


class ReadingFilterSet(django_filters.FilterSet):
    def __init__(self, *args, reading=None, **kwargs):
        self.reading = reading
        super().__init__(*args, **kwargs)


class RiskFilter(django_filters.FilterSet):
    register = django_filters.CharFilter(field_name="register__slug", help_text="Register slug")
    status = django_filters.ChoiceFilter(choices=Risk.Status.choices)
    rating = django_filters.CharFilter(
        field_name="band__label", lookup_expr="iexact", help_text="Residual rating, e.g. High"
    )
    category = django_filters.CharFilter(field_name="category__name", lookup_expr="iexact")
    owner = django_filters.CharFilter(field_name="owner__username", help_text="Username")
    outside_appetite = django_filters.BooleanFilter()
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time"
    )

    class Meta:
        model = Risk
        fields = ["register", "status", "rating", "category", "owner", "outside_appetite",
                  "updated_since"]  # fmt: skip


class AssessmentFilter(ReadingFilterSet):
    review = django_filters.CharFilter(
        method="filter_review", help_text='The review\'s year, e.g. "2017/18" or "2017-18"'
    )
    rag = django_filters.ChoiceFilter(choices=Rag.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)

    class Meta:
        model = Assessment
        fields = ["review", "rag", "direction"]

    def filter_review(self, queryset, name, value):
        reviews = self.reading.records(GovernanceReview).filter(year=value.replace("-", "/"))
        return queryset.filter(review_id__in=list(reviews.values_list("id", flat=True)))


class InspectionFilter(ReadingFilterSet):
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices)

    class Meta:
        model = Inspection
        fields = ["kind"]


class RecommendationUpdateFilter(ReadingFilterSet):
    recommendation = django_filters.NumberFilter(field_name="recommendation_id")

    class Meta:
        model = RecommendationUpdate
        fields = ["recommendation"]


class ProgressUpdateFilter(ReadingFilterSet):
    commitment = django_filters.NumberFilter(field_name="commitment_id")
    year = django_filters.NumberFilter(
        help_text="The financial year's first year: 2016 for 2016/17"
    )
    quarter = django_filters.NumberFilter()

    class Meta:
        model = ProgressUpdate
        fields = ["commitment", "year", "quarter"]
