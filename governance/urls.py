from django.urls import path

from .views import cipfa, hmic

app_name = "governance"
urlpatterns = [
    # CIPFA seven principles
    path("cipfa/", cipfa.review_list, name="review_list"),
    path("cipfa/start-next/", cipfa.review_start_next, name="review_start_next"),
    path("cipfa/subprinciples/<int:pk>/", cipfa.subprinciple_detail, name="subprinciple_detail"),
    path("cipfa/assessments/<int:pk>/edit/", cipfa.assessment_edit, name="assessment_edit"),
    path("cipfa/<slug:year>/", cipfa.review_detail, name="review_detail"),
    path("cipfa/<slug:year>/compare/", cipfa.review_compare, name="review_compare"),
    # HMIC inspections and recommendations
    path("hmic/", hmic.inspection_list, name="inspection_list"),
    path("hmic/inspections/new/", hmic.inspection_create, name="inspection_create"),
    path("hmic/inspections/<int:pk>/", hmic.inspection_detail, name="inspection_detail"),
    path("hmic/inspections/<int:pk>/edit/", hmic.inspection_edit, name="inspection_edit"),
    path(
        "hmic/inspections/<int:pk>/recommendations/new/",
        hmic.recommendation_create,
        name="recommendation_create",
    ),
    path("hmic/recommendations/", hmic.recommendation_list, name="recommendation_list"),
    path(
        "hmic/recommendations/<int:pk>/",
        hmic.recommendation_detail,
        name="recommendation_detail",
    ),
    path(
        "hmic/recommendations/<int:pk>/edit/",
        hmic.recommendation_edit,
        name="recommendation_edit",
    ),
    path("hmic/recommendations/<int:pk>/updates/", hmic.update_add, name="update_add"),
]
