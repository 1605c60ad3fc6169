import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from .models import Inspection, Recommendation
from .models.hmic import overdue_q


class RecommendationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Recommendation.Status.choices, empty_label="Any status"
    )
    owner = django_filters.CharFilter(lookup_expr="icontains", label="Owner contains")
    inspection = django_filters.ModelChoiceFilter(
        queryset=Inspection.objects.all(), empty_label="Any inspection"
    )
    kind = django_filters.ChoiceFilter(choices=Recommendation.Kind.choices, empty_label="Any kind")
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
    q = django_filters.CharFilter(method="filter_text", label="Text contains")

    class Meta:
        model = Recommendation
        fields = ["status", "owner", "inspection", "kind", "overdue"]

    def __init__(self, *args, reading=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reading is not None:  # the inspections this reader sees, not the live ones
            self.filters["inspection"].queryset = reading.records(Inspection)

    def filter_overdue(self, queryset, name, value):
        # Judged by today's date in the query, never by a stored flag.
        if value is None:
            return queryset
        overdue = overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(text__icontains=value) | Q(reference__icontains=value))
