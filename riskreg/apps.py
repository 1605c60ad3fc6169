from django.apps import AppConfig


class RiskregConfig(AppConfig):
    name = "riskreg"
    verbose_name = "riskreg"

    def ready(self) -> None:
        from . import security  # noqa: F401  (connects the sign-in audit log)
