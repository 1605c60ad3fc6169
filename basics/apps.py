from django.apps import AppConfig


class BasicsConfig(AppConfig):
    """What every app uses: rich text fields and history for the UI. Imports no other app."""

    name = "basics"
    verbose_name = "basics"
