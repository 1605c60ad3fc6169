from django.urls import path

from .views import assessment, cipfa, delivery, exports, hmic

app_name = "governance"
urlpatterns = [
    # CIPFA seven principles
    path("cipfa/", cipfa.review_list, name="review_list"),
    path("cipfa/start-next/", cipfa.review_start_next, name="review_start_next"),
    path("cipfa/subprinciples/<int:pk>/", cipfa.subprinciple_detail, name="subprinciple_detail"),
    path("cipfa/assessments/<int:pk>/edit/", cipfa.assessment_edit, name="assessment_edit"),
    path("cipfa/<slug:year>/", cipfa.review_detail, name="review_detail"),
    path("cipfa/<slug:year>/compare/", cipfa.review_compare, name="review_compare"),
    path("cipfa/<slug:year>/export.<str:fmt>", exports.cipfa_export, name="cipfa_export"),
    # HMIC inspections and recommendations
    path("hmic/", hmic.inspection_list, name="inspection_list"),
    path("hmic/export.<str:fmt>", exports.inspections_export, name="inspections_export"),
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
        "hmic/recommendations/export.<str:fmt>",
        exports.recommendations_export,
        name="recommendations_export",
    ),
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
    path("hmic/updates/<int:pk>/edit/", hmic.update_edit, name="update_edit"),
    path("hmic/updates/<int:pk>/withdraw/", hmic.update_withdraw, name="update_withdraw"),
    # Police and Crime Plan delivery, oversight and holding to account
    path("delivery/", delivery.delivery_index, name="delivery_index"),
    path("delivery/<int:pk>/", delivery.delivery_plan, name="delivery_plan"),
    path("delivery/<int:pk>/export.<str:fmt>", exports.delivery_export, name="delivery_export"),
    path("commitments/<int:pk>/", delivery.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", delivery.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/progress/add/", delivery.progress_add, name="progress_add"),
    path("progress/<int:pk>/edit/", delivery.progress_edit, name="progress_edit"),
    path("progress/<int:pk>/withdraw/", delivery.progress_withdraw, name="progress_withdraw"),
    path("oversight/", delivery.oversight_list, name="oversight_list"),
    path("oversight/<int:pk>/", delivery.oversight_detail, name="oversight_detail"),
    path("holding-to-account/", delivery.meeting_list, name="meeting_list"),
    path("holding-to-account/<int:pk>/", delivery.meeting_detail, name="meeting_detail"),
    path("holding-to-account/<int:pk>/edit/", delivery.meeting_edit, name="meeting_edit"),
    # Strategic assessment
    path("assessments/", assessment.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", assessment.assessment_detail, name="assessment_detail"),
    path(
        "assessments/<int:pk>/priorities/",
        assessment.assessment_priorities,
        name="assessment_priorities",
    ),
    path("topics/<int:pk>/", assessment.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/edit/", assessment.topic_edit, name="topic_edit"),
]
