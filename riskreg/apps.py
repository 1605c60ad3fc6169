from django.apps import AppConfig


class RiskregConfig(AppConfig):
    name = "riskreg"
    verbose_name = "riskreg"

    def ready(self) -> None:
        from governance.panels import risk_governance_panel
        from registers.panels import add_risk_panel

        from . import security  # noqa: F401  (connects the sign-in audit log)

        # The project composes the risk's page: registers knows nothing of governance.
        add_risk_panel(risk_governance_panel)
