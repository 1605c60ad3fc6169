"""Form fields in the GOV.UK Design System's patterns."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

# Dates users record (a risk raised, a report published, a recommendation due) fall in
# this century; a year like 1916 or 20211 is a typing slip, not a date.
EARLIEST_YEAR = 2000
YEARS_AHEAD = 20

DATE_PARTS = ("day", "month", "year")


class DateInputs(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes in a fieldset."""

    template_name = "editing/widgets/date_inputs.html"

    def __init__(self, attrs=None):
        def box(part: str, width: int):
            return forms.TextInput(
                attrs={"inputmode": "numeric", "class": f"date-{part} width-{width}"}
            )

        super().__init__({"day": box("day", 2), "month": box("month", 2), "year": box("year", 4)})

    def decompress(self, value):
        if isinstance(value, dict):  # what was typed, shown again with an error
            return [value.get(part) for part in DATE_PARTS]
        if isinstance(value, str) and value:
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Ids end in the part's name (id_due_date_day), as the label and error summary say.
        for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            if subwidget["attrs"].get("id"):
                subwidget["attrs"]["id"] = f"{subwidget['attrs']['id'].rsplit('_', 1)[0]}_{part}"
        return context

    def value_from_datadict(self, data, files, name):
        parts = {part: (data.get(f"{name}_{part}") or "").strip() for part in DATE_PARTS}
        return parts if any(parts.values()) else None

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}_{part}" in data for part in DATE_PARTS)

    def id_for_label(self, id_):
        # The label and the error summary's link go to the day box.
        return f"{id_}_day" if id_ else id_


class GovukDateField(forms.DateField):
    widget = DateInputs

    def to_python(self, value):
        if not isinstance(value, dict):
            return super().to_python(value)
        name = str(self.label or "The date")
        missing = [part for part in DATE_PARTS if not value.get(part)]
        if missing:
            raise ValidationError(f"{name} must include a {' and a '.join(missing)}", "incomplete")
        if not all(value[part].isdigit() for part in DATE_PARTS):
            raise ValidationError(f"{name} must be a real date, in numbers", "invalid")
        if len(value["year"]) != 4:
            raise ValidationError(f"{name}: the year must have 4 numbers", "invalid")
        try:
            date = datetime.date(int(value["year"]), int(value["month"]), int(value["day"]))
        except ValueError:
            raise ValidationError(f"{name} must be a real date", "invalid") from None
        latest = timezone.localdate().year + YEARS_AHEAD
        if not EARLIEST_YEAR <= date.year <= latest:
            raise ValidationError(
                f"{name} must be between {EARLIEST_YEAR} and {latest}", "out_of_range"
            )
        return date
