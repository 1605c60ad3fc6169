from django import forms

from .models import PackOptions


class PackOptionsForm(forms.ModelForm):
    """The pack's cover and governance sections, chosen on the close page."""

    class Meta:
        model = PackOptions
        fields = [
            "meeting",
            "meeting_date",
            "agenda_item",
            "author",
            "include_cipfa",
            "include_hmic",
            "include_delivery",
        ]
        widgets = {"meeting_date": forms.DateInput(attrs={"type": "date"})}
