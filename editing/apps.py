from django.apps import AppConfig


class EditingConfig(AppConfig):
    """The one pattern every edit form follows: GOV.UK fields, versions and merges, withdrawal.

    A leaf app: it imports no other riskreg code, so every app may build on it.
    """

    name = "editing"
    verbose_name = "Editing"
