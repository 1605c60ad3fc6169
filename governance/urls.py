from django.urls import path

from .views import assessment, delivery

app_name = "governance"
urlpatterns = [
    path("delivery/", delivery.delivery_index, name="delivery_index"),
    path("delivery/<int:pk>/", delivery.delivery_plan, name="delivery_plan"),
    path("commitments/<int:pk>/", delivery.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", delivery.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/progress/add/", delivery.progress_add, name="progress_add"),
    path("oversight/", delivery.oversight_list, name="oversight_list"),
    path("oversight/<int:pk>/", delivery.oversight_detail, name="oversight_detail"),
    path("holding-to-account/", delivery.meeting_list, name="meeting_list"),
    path("holding-to-account/<int:pk>/", delivery.meeting_detail, name="meeting_detail"),
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
