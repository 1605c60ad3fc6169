import django_filters
from django import forms
from django.db.models import Q

from .models import Inspection, Recommendation


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

    def filter_overdue(self, queryset, name, value):
        # Judged by today's date in the query, never by a stored flag.
        if value is None:
            return queryset
        return queryset.overdue() if value else queryset.not_overdue()

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(text__icontains=value) | Q(reference__icontains=value))
