import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.html import escape

from .access import person_name
from .appetite import outside_appetite
from .models import Action, Control, QuarterlySnapshot, RatingBand, Risk, Trend

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
    lead_officer = django_filters.ChoiceFilter(
        label="Lead officer", method="filter_lead_officer", empty_label="Anyone"
    )
    owner = django_filters.ChoiceFilter(
        label="Risk owner", method="filter_owner", empty_label="Anyone"
    )
    category = django_filters.ChoiceFilter(
        label="Category", method="filter_category", empty_label="Any category"
    )
    appetite = django_filters.ChoiceFilter(
        label="Appetite",
        choices=[("outside", "Outside appetite"), ("within", "Within appetite or not judged")],
        method="filter_appetite",
        empty_label="Within or outside",
    )
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, empty_label="Open or closed")
    likelihood = django_filters.NumberFilter(widget=forms.HiddenInput)
    impact_score = django_filters.NumberFilter(widget=forms.HiddenInput)

    def __init__(self, data=None, queryset=None, *, period, **kwargs):
        self.period = period
        super().__init__(data, queryset, **kwargs)
        self.filters["band"].queryset = period.register.rating_scale.bands.all()
        self.filters["lead_officer"].extra["choices"] = [
            (name, name) for name in self.lead_officer_names()
        ]
        self.filters["owner"].extra["choices"] = self.owner_choices()
        self.filters["category"].extra["choices"] = [(name, name) for name in self.category_names()]

    def lead_officer_names(self) -> list[str]:
        return list(
            self.queryset.exclude(lead_officer="")
            .order_by("lead_officer")
            .values_list("lead_officer", flat=True)
            .distinct()
        )

    def filter_lead_officer(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(lead_officer=value)

    def category_names(self) -> list[str]:
        raise NotImplementedError

    def owner_choices(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_appetite(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_trend(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        raise NotImplementedError


LIVE_FIELDS = ["q", "band", "trend", "owner", "lead_officer", "category", "appetite", "status"]


class LiveRegisterFilter(RegisterFilter):
    class Meta:
        model = Risk
        fields = [*LIVE_FIELDS, "likelihood", "impact_score"]

    def owner_choices(self):
        owners = get_user_model().objects.filter(
            pk__in=self.queryset.filter(owner__isnull=False).values("owner")
        )
        return sorted(((str(user.pk), person_name(user)) for user in owners), key=lambda c: c[1])

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner_id=value)

    def _lead_users(self) -> dict[str, list[int]]:
        # A lead officer who uses riskreg is named as the register prints them.
        users = get_user_model().objects.filter(
            pk__in=self.queryset.filter(lead_officer_user__isnull=False).values("lead_officer_user")
        )
        found: dict[str, list[int]] = {}
        for user in users:
            found.setdefault(person_name(user), []).append(user.pk)
        return found

    def lead_officer_names(self):
        return sorted(set(super().lead_officer_names()) | set(self._lead_users()))

    def filter_lead_officer(self, queryset, name, value):
        typed = Q(lead_officer=value, lead_officer_user__isnull=True)
        return queryset.filter(typed | Q(lead_officer_user__in=self._lead_users().get(value, [])))

    def category_names(self):
        return list(self.period.register.categories.values_list("name", flat=True))

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__name=value)

    def filter_appetite(self, queryset, name, value):
        outside = outside_appetite(queryset).values("pk")
        if value == "outside":
            return queryset.filter(pk__in=outside)
        return queryset.exclude(pk__in=outside)

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
        fields = [*LIVE_FIELDS, "likelihood", "impact_score"]

    def owner_choices(self):
        # A published quarter names owners as they were at its close.
        names = (
            self.queryset.exclude(owner_name="")
            .order_by("owner_name")
            .values_list("owner_name", flat=True)
            .distinct()
        )
        return [(name, name) for name in names]

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner_name=value)

    def category_names(self):
        # A published quarter names categories as they were at its close.
        return list(
            self.queryset.exclude(category_name="")
            .order_by("category_name")
            .values_list("category_name", flat=True)
            .distinct()
        )

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_name=value)

    def filter_appetite(self, queryset, name, value):
        return queryset.filter(outside_appetite=value == "outside")

    def filter_trend(self, queryset, name, value):
        return queryset.filter(trend=value)

    def filter_text(self, queryset, name, value):
        return queryset.annotate(controls_text=Cast("controls", output_field=TextField())).filter(
            _text_q(value)
            | Q(controls_text__icontains=value)
            | Q(controls_text__icontains=escape(value))
        )


def _text_q(value: str) -> Q:
    # Rich text is stored as HTML, where "IT&D" is "IT&amp;D": look for both spellings.
    query = Q(reference__icontains=value) | Q(name__icontains=value)
    for spelling in {value, escape(value)}:
        query |= Q(description__icontains=spelling) | Q(impact__icontains=spelling)
    return query


def register_order(queryset: QuerySet) -> QuerySet:
    """The register's order: most severe rating first, then the register's own order."""
    return queryset.order_by(F("band__severity").desc(nulls_last=True), "position", "reference")


class ColumnsForm(forms.Form):
    """The optional columns a reader adds to the published nine: part of the filter's GET
    form, so a register view with its columns can be bookmarked."""

    columns = forms.MultipleChoiceField(
        label="Also show",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data=None, *, choices):
        super().__init__(data, label_suffix="")
        self.fields["columns"].choices = choices

    def chosen(self) -> list[str]:
        """The valid columns asked for, in the table's order; an unknown one is ignored."""
        asked = set(self.data.getlist("columns")) if self.data else set()
        return [name for name, _ in self.fields["columns"].choices if name in asked]


class ActionFilter(django_filters.FilterSet):
    """The filters of a list of actions: status, owner, overdue."""

    status = django_filters.ChoiceFilter(
        choices=[("open", "Not started or in progress"), *Action.Status.choices],
        method="filter_status",
        empty_label="Any status",
    )
    owner = django_filters.ChoiceFilter(label="Owner", method="filter_owner", empty_label="Anyone")
    overdue = django_filters.BooleanFilter(
        label="Overdue only",
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Action
        fields = ["status", "owner", "overdue"]

    def __init__(self, data=None, queryset=None, *, today, **kwargs):
        self.today = today
        super().__init__(data, queryset, **kwargs)
        owners = get_user_model().objects.filter(
            pk__in=self.queryset.filter(owner__isnull=False).values("owner")
        )
        self.filters["owner"].extra["choices"] = sorted(
            ((str(user.pk), person_name(user)) for user in owners), key=lambda c: c[1]
        )

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.filter(status=value)

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner_id=value)

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue(self.today) if value else queryset
