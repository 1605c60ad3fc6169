from editing.forms import EditForm

from .models import PackOptions


class PackOptionsForm(EditForm):
    """The pack's cover and governance sections, chosen on the close page."""

    class Meta(EditForm.Meta):
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
