import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.html import escape

from .models import Control, QuarterlySnapshot, RatingBand, Risk, Trend

STATUS_CHOICES = Risk.Status.choices
TREND_CHOICES = [
    (value, f"{value} {label}" if value not in ("New", "N/A") else label)
    for value, label in Trend.choices
]


class RegisterFilter(django_filters.FilterSet):
    """The filters of a register table; the live and published tables share them.

    `period` is the quarter shown; subclasses say where each value lives.
    """

    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text="Reference, name, description, impact or controls",
    )
    band = django_filters.ModelChoiceFilter(
        label="Rating", queryset=RatingBand.objects.none(), empty_label="Any rating"
    )
    trend = django_filters.ChoiceFilter(
        label="Trend this quarter",
        choices=TREND_CHOICES,
        method="filter_trend",
        empty_label="Any trend",
    )
    lead_officer = django_filters.ChoiceFilter(label="Lead officer", empty_label="Anyone")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, empty_label="Open or closed")
    likelihood = django_filters.NumberFilter(widget=forms.HiddenInput)
    impact_score = django_filters.NumberFilter(widget=forms.HiddenInput)

    def __init__(self, data=None, queryset=None, *, period, **kwargs):
        self.period = period
        super().__init__(data, queryset, **kwargs)
        self.filters["band"].queryset = period.register.rating_scale.bands.all()
        officers = (
            self.queryset.exclude(lead_officer="")
            .order_by("lead_officer")
            .values_list("lead_officer", flat=True)
            .distinct()
        )
        self.filters["lead_officer"].extra["choices"] = [(name, name) for name in officers]

    def filter_trend(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError


class LiveRegisterFilter(RegisterFilter):
    class Meta:
        model = Risk
        fields = ["q", "band", "trend", "lead_officer", "status", "likelihood", "impact_score"]

    def filter_trend(self, queryset, name, value):
        # The queryset carries each risk's trend, set or proposed (services.with_trend).
        return queryset.filter(trend=value)

    def filter_text(self, queryset, name, value):
        in_controls = Control.objects.filter(
            Q(text__icontains=value) | Q(text__icontains=escape(value)), risk=OuterRef("pk")
        )
        return queryset.filter(_text_q(value) | Exists(in_controls))


class PublishedRegisterFilter(RegisterFilter):
    class Meta:
        model = QuarterlySnapshot
        fields = ["q", "band", "trend", "lead_officer", "status", "likelihood", "impact_score"]

    def filter_trend(self, queryset, name, value):
        return queryset.filter(trend=value)

    def filter_text(self, queryset, name, value):
        return queryset.annotate(controls_text=Cast("controls", output_field=TextField())).filter(
            _text_q(value)
            | Q(controls_text__icontains=value)
            | Q(controls_text__icontains=escape(value))
        )


# Columns a reader may add to the register's published nine: (GET value, header).
EXTRA_COLUMNS = [
    ("lead_officer", "Lead officer"),
    ("status", "Status"),
    ("likelihood", "Likelihood"),
    ("impact_score", "Impact score"),
    ("circulation", "Circulation"),
    ("restriction_reason", "Restriction reason"),
]


class ColumnsForm(forms.Form):
    """The extra columns shown after the published nine (`?columns=status&columns=...`)."""

    columns = forms.MultipleChoiceField(
        label="Extra columns",
        choices=EXTRA_COLUMNS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def chosen(self) -> list[str]:
        """The columns chosen, in the table's order; none if the choice is not understood."""
        picked = set(self.cleaned_data["columns"]) if self.is_valid() else set()
        return [key for key, _ in EXTRA_COLUMNS if key in picked]


def _text_q(value: str) -> Q:
    # Rich text is stored as HTML, where "IT&D" is "IT&amp;D": look for both spellings.
    query = Q(reference__icontains=value) | Q(name__icontains=value)
    for spelling in {value, escape(value)}:
        query |= Q(description__icontains=spelling) | Q(impact__icontains=spelling)
    return query


def register_order(queryset: QuerySet) -> QuerySet:
    """The register's order: most severe rating first, then the register's own order."""
    return queryset.order_by(F("band__severity").desc(nulls_last=True), "position", "reference")
