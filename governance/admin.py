from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from editing.admin import VersionedAdmin

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
# Records users edit in the app: the admin checks their version as the app's forms do.
for model in (
    Assessment,
    Inspection,
    Recommendation,
    RecommendationUpdate,
    HoldingToAccountMeeting,
):
    admin.site.register(model, VersionedAdmin)

# Delivery plan and holding to account (seed 002).
for model in (PoliceAndCrimePlan, Objective, OversightBody, AgendaItem):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(Commitment)
class CommitmentAdmin(VersionedAdmin):
    list_display = ["reference", "objective", "element", "other_force_only"]
    list_filter = ["objective", "element"]
    filter_horizontal = ["oversight_bodies"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(VersionedAdmin):
    list_display = ["commitment", "year", "quarter", "reported_on"]
    list_filter = ["year", "quarter"]


# Strategic assessment (seed 003).
for model in (StrategicAssessment, ControlStrategyPriority, RiskDefinition):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(AssessmentTopic)
class AssessmentTopicAdmin(VersionedAdmin):
    list_display = ["number", "name", "probability"]
    filter_horizontal = ["risks"]
