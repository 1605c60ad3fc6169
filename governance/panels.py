"""Governance's panel on a risk's page: the HMIC recommendations and the strategic
assessment topics linked to the risk. The project adds it (`riskreg/apps.py`)."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from .services import recommendations_for_risk


def risk_governance_panel(request: HttpRequest, risk) -> str:
    """The panel's HTML, in two queries whatever the number of linked records; "" when the
    user may read neither kind of record."""
    user = request.user
    context = {"risk": risk, "recommendations": None, "topics": None}
    if user.has_perm("governance.view_recommendation"):
        context["recommendations"] = list(recommendations_for_risk(risk))
    if user.has_perm("governance.view_assessmenttopic"):
        context["topics"] = list(risk.assessment_topics.all())
    if context["recommendations"] is None and context["topics"] is None:
        return ""
    return render_to_string("governance/includes/risk_links.html", context, request=request)
