import django_filters
from django import forms

from .models import AgendaItem, Commitment, Objective, OversightBody, ProgressUpdate, quarter_label


def quarter_choices(reading=None) -> list[tuple[str, str]]:
    """Quarters that have progress updates, newest first, as ("2016-q3", "Q3 2016/17")."""
    updates = reading.records(ProgressUpdate) if reading else ProgressUpdate.objects.all()
    pairs = updates.values_list("year", "quarter")
    return [(f"{y}-q{q}", quarter_label(y, q)) for y, q in sorted(set(pairs), reverse=True)]


class AsAtForm(forms.Form):
    quarter = forms.ChoiceField(label="Progress as at", required=False)

    def __init__(self, *args, reading=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices(reading)

    def as_at(self) -> tuple[int, int] | None:
        """(year, quarter) chosen, else the latest quarter with updates, else None."""
        choices = self.fields["quarter"].choices
        value = self.cleaned_data.get("quarter") if self.is_valid() else None
        value = value or (choices[0][0] if choices else None)
        if not value:
            return None
        year, _, quarter = value.partition("-q")
        return int(year), int(quarter)


class ReadingFilterSet(django_filters.FilterSet):
    """A filter set whose objective choices are the objectives this reader sees."""

    def __init__(self, *args, reading=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reading is not None:
            for name in ("objective", "objectives"):
                if name in self.filters:
                    self.filters[name].queryset = reading.records(Objective)


class CommitmentFilter(ReadingFilterSet):
    objective = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(), empty_label="Any objective"
    )
    element = django_filters.ChoiceFilter(
        choices=Commitment.Element.choices, empty_label="Any element"
    )

    class Meta:
        model = Commitment
        fields = ["objective", "element"]


class OversightBodyFilter(ReadingFilterSet):
    objective = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(),
        null_label="Cross-cutting / other",
        empty_label="Any objective",
    )

    class Meta:
        model = OversightBody
        fields = ["objective"]


class AgendaItemFilter(ReadingFilterSet):
    kind = django_filters.ChoiceFilter(choices=AgendaItem.Kind.choices, empty_label="Any kind")
    objectives = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(),
        label="Objective",
        empty_label="Any objective",
        method="filter_objective",
    )
    ad_hoc = django_filters.BooleanFilter(
        label="Ad hoc", widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
    )

    class Meta:
        model = AgendaItem
        fields = ["kind", "objectives", "ad_hoc"]

    def filter_objective(self, queryset, name, value):
        # By id: an as-at queryset reads history rows, which hold no many-to-many links.
        linked = AgendaItem.objects.filter(objectives=value).values_list("id", flat=True)
        return queryset.filter(id__in=list(linked))
