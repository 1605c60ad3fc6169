from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import account, views


def api(view_class, **initkwargs):
    """An API view: it signs its own callers in (token or session) and answers 401, so the
    site's sign-in redirect is not for it (REST framework's views say so themselves; this
    says it here too)."""
    return login_not_required(view_class.as_view(**initkwargs))


QUARTER = "api/registers/<slug:slug>/quarters/<int:year>-q<int:quarter>/"

app_name = "api"
urlpatterns = [
    path("accounts/api-tokens/", account.tokens, name="tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", account.token_revoke, name="token_revoke"),
    path("api/schema/", api(SpectacularAPIView), name="schema"),
    # A page for people: the site's sign-in first, like every page.
    path(
        "api/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", template_name="api/swagger_ui.html", title="riskreg API"
            )
        ),
        name="docs",
    ),
    path("api/registers/", api(views.RegisterList), name="register_list"),
    path("api/registers/<slug:slug>/", api(views.RegisterDetail), name="register_detail"),
    path("api/quarters/", api(views.QuarterList), name="quarter_list"),
    path(QUARTER, api(views.QuarterDetail), name="quarter_detail"),
    path(f"{QUARTER}rows/", api(views.QuarterRows), name="quarter_rows"),
    path("api/risks/", api(views.RiskList), name="risk_list"),
    path(
        "api/registers/<slug:slug>/risks/<str:reference>/",
        api(views.RiskDetail),
        name="risk_detail",
    ),
    path("api/actions/", api(views.ActionList), name="action_list"),
    path("api/cipfa/reviews/", api(views.ReviewList), name="review_list"),
    path("api/cipfa/assessments/", api(views.AssessmentList), name="assessment_list"),
    path("api/hmic/inspections/", api(views.InspectionList), name="inspection_list"),
    path("api/hmic/inspections/<int:pk>/", api(views.InspectionDetail), name="inspection_detail"),
    path("api/hmic/recommendations/", api(views.RecommendationList), name="recommendation_list"),
    path(
        "api/hmic/recommendations/<int:pk>/",
        api(views.RecommendationDetail),
        name="recommendation_detail",
    ),
    path("api/hmic/updates/", api(views.RecommendationUpdateList), name="update_list"),
    path("api/delivery/plans/", api(views.PlanList), name="plan_list"),
    path("api/delivery/commitments/", api(views.CommitmentList), name="commitment_list"),
    path("api/delivery/progress/", api(views.ProgressList), name="progress_list"),
]
