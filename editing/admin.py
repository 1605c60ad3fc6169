"""The admin's share of the edit pattern: the same version check as the app's forms."""

from django import forms
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from .models import Versioned, Withdrawable


class VersionCheckedForm(forms.ModelForm):
    """An admin form that carries the version it was opened at and refuses a stale save.

    The app's forms merge a stale save field by field; the admin refuses it, naming who
    saved since, and the administrator reloads the record to see their change.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            current = type(self.instance)._base_manager.get(pk=self.instance.pk)
            if cleaned.get("opened_version") != current.version:
                latest = current.history.select_related("history_user").first()
                who = latest.history_user if latest and latest.history_user else "someone else"
                raise forms.ValidationError(
                    f"{who} saved this record after you opened it. Nothing has been saved: "
                    "open it again to see their change, then make yours."
                )
        return cleaned


class VersionedAdmin(SimpleHistoryAdmin):
    """Admin for a record users edit: version-checked, and nothing withdrawn is hidden."""

    form = VersionCheckedForm

    def get_queryset(self, request):
        # Withdrawn records are listed too, so an administrator can see them.
        return self.model._base_manager.all()

    def save_model(self, request, obj, form, change):
        if change and isinstance(obj, Versioned):
            with transaction.atomic():
                current = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
                if form.cleaned_data.get("opened_version") != current.version:
                    raise forms.ValidationError("The record changed while saving; open it again.")
                obj.version = current.version + 1
                super().save_model(request, obj, form, change)
            return
        super().save_model(request, obj, form, change)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if issubclass(self.model, Withdrawable) and "withdrawn_at" not in shown:
            shown.append("withdrawn_at")
        return shown
