"""Panels that other parts of riskreg add to a risk's page, so that registers need not know them.

The project composes the page: `riskreg/apps.py` adds governance's panel here when the
apps are ready. A panel is a function `(request, risk) -> str` giving HTML, or "" when it
has nothing to show this user; it fetches what it shows in a fixed number of queries.
"""

from collections.abc import Callable

from django.http import HttpRequest

from .models import Risk

RiskPanel = Callable[[HttpRequest, Risk], str]

_RISK_PANELS: list[RiskPanel] = []


def add_risk_panel(panel: RiskPanel) -> None:
    """Show `panel` on every risk's page, after the risk's own sections (once, however
    often it is added)."""
    if panel not in _RISK_PANELS:
        _RISK_PANELS.append(panel)


def risk_panels(request: HttpRequest, risk: Risk) -> list[str]:
    """The HTML of each panel for this risk and user, leaving out the empty ones."""
    return [html for panel in _RISK_PANELS if (html := panel(request, risk))]
