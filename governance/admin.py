from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AgendaItem,
    Assessment,
    AssessmentTopic,
    Commitment,
    ControlStrategyPriority,
    GovernanceReview,
    HoldingToAccountMeeting,
    Inspection,
    Objective,
    OversightBody,
    PoliceAndCrimePlan,
    Principle,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
    RiskDefinition,
    StrategicAssessment,
    SubPrinciple,
)

admin.site.register(Principle, SimpleHistoryAdmin)
admin.site.register(SubPrinciple, SimpleHistoryAdmin)
admin.site.register(GovernanceReview, SimpleHistoryAdmin)
admin.site.register(Assessment, SimpleHistoryAdmin)
admin.site.register(Inspection, SimpleHistoryAdmin)
admin.site.register(Recommendation, SimpleHistoryAdmin)
admin.site.register(RecommendationUpdate, SimpleHistoryAdmin)

# Delivery plan and holding to account (seed 002).
for model in (PoliceAndCrimePlan, Objective, OversightBody, HoldingToAccountMeeting, AgendaItem):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "objective", "element", "other_force_only"]
    list_filter = ["objective", "element"]
    filter_horizontal = ["oversight_bodies"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = ["commitment", "year", "quarter", "reported_on"]
    list_filter = ["year", "quarter"]


# Strategic assessment (seed 003).
for model in (StrategicAssessment, ControlStrategyPriority, RiskDefinition):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(AssessmentTopic)
class AssessmentTopicAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "probability"]
    filter_horizontal = ["risks"]
