from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Assessment,
    GovernanceReview,
    Inspection,
    Principle,
    Recommendation,
    RecommendationUpdate,
    SubPrinciple,
)

admin.site.register(Principle, SimpleHistoryAdmin)
admin.site.register(SubPrinciple, SimpleHistoryAdmin)
admin.site.register(GovernanceReview, SimpleHistoryAdmin)
admin.site.register(Assessment, SimpleHistoryAdmin)
admin.site.register(Inspection, SimpleHistoryAdmin)
admin.site.register(Recommendation, SimpleHistoryAdmin)
admin.site.register(RecommendationUpdate, SimpleHistoryAdmin)
