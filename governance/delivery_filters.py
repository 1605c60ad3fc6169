import django_filters
from django import forms

from .models import AgendaItem, Commitment, Objective, OversightBody, ProgressUpdate, quarter_label


def quarter_choices() -> list[tuple[str, str]]:
    """Quarters that have progress updates, newest first, as ("2016-q3", "Q3 2016/17")."""
    pairs = ProgressUpdate.objects.values_list("year", "quarter").distinct()
    return [(f"{y}-q{q}", quarter_label(y, q)) for y, q in sorted(set(pairs), reverse=True)]


class AsAtForm(forms.Form):
    quarter = forms.ChoiceField(label="Progress as at", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = quarter_choices()

    def as_at(self) -> tuple[int, int] | None:
        """(year, quarter) chosen, else the latest quarter with updates, else None."""
        choices = self.fields["quarter"].choices
        value = self.cleaned_data.get("quarter") if self.is_valid() else None
        value = value or (choices[0][0] if choices else None)
        if not value:
            return None
        year, _, quarter = value.partition("-q")
        return int(year), int(quarter)


class CommitmentFilter(django_filters.FilterSet):
    objective = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(), empty_label="Any objective"
    )
    element = django_filters.ChoiceFilter(
        choices=Commitment.Element.choices, empty_label="Any element"
    )

    class Meta:
        model = Commitment
        fields = ["objective", "element"]


class OversightBodyFilter(django_filters.FilterSet):
    objective = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(),
        null_label="Cross-cutting / other",
        empty_label="Any objective",
    )

    class Meta:
        model = OversightBody
        fields = ["objective"]


class AgendaItemFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AgendaItem.Kind.choices, empty_label="Any kind")
    objectives = django_filters.ModelChoiceFilter(
        queryset=Objective.objects.all(), label="Objective", empty_label="Any objective"
    )
    ad_hoc = django_filters.BooleanFilter(
        label="Ad hoc", widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
    )

    class Meta:
        model = AgendaItem
        fields = ["kind", "objectives", "ad_hoc"]
