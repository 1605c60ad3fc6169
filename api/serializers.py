"""What each API row holds. Rich text (descriptions, controls, evidence) is given as the
sanitised HTML riskreg stores; dates as ISO 8601."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    Objective,
    PoliceAndCrimePlan,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
)
from registers.access import person_name
from registers.models import Action, Register, ReportingPeriod, Review, Risk


def _absolute(serializer, name: str, *args) -> str:
    request = serializer.context.get("request")
    url = reverse(name, args=args)
    return request.build_absolute_uri(url) if request is not None else url


class RegisterSerializer(serializers.ModelSerializer):
    quarters_url = serializers.SerializerMethodField()

    class Meta:
        model = Register
        fields = ["slug", "name", "organisation", "protective_marking", "quarters_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_quarters_url(self, register) -> str:
        return f"{_absolute(self, 'api:quarter_list')}?register={register.slug}"


class QuarterSerializer(serializers.ModelSerializer):
    register = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    label = serializers.CharField(read_only=True, help_text='e.g. "Q2 2021/22"')
    slug = serializers.CharField(read_only=True, help_text='e.g. "2021-q2"')
    url = serializers.SerializerMethodField()
    rows_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportingPeriod
        fields = ["register", "year", "quarter", "label", "slug", "start", "end", "status",
                  "closed_at", "url", "rows_url"]  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, period) -> str:
        return _absolute(self, "api:quarter_detail", *_period_args(period))

    @extend_schema_field(OpenApiTypes.URI)
    def get_rows_url(self, period) -> str:
        return _absolute(self, "api:quarter_rows", *_period_args(period))


def _period_args(period) -> tuple:
    return (period.register.slug, period.year, period.quarter)


class BandCountSerializer(serializers.Serializer):
    rating = serializers.CharField(
        source="band.label", allow_null=True, help_text="null: not rated"
    )
    count = serializers.IntegerField()
    before = serializers.IntegerField(
        allow_null=True, help_text="Last quarter's count; null if not recorded"
    )


class MovementsSerializer(serializers.Serializer):
    compared_with = serializers.CharField(source="compared_with.label", allow_null=True)
    ratings_compared = serializers.BooleanField()
    new = serializers.SerializerMethodField()
    escalated = serializers.SerializerMethodField()
    deescalated = serializers.SerializerMethodField()
    closed = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_new(self, movements) -> list[str]:
        return [moved.reference for moved in movements.new]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_escalated(self, movements) -> list[str]:
        return [moved.reference for moved in movements.escalated]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_deescalated(self, movements) -> list[str]:
        return [moved.reference for moved in movements.deescalated]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_closed(self, movements) -> list[str]:
        return [moved.reference for moved in movements.closed]


class QuarterDetailSerializer(QuarterSerializer):
    """A quarter with what its page and the dashboard show of it (`quarter_picture`)."""

    total = serializers.IntegerField(source="picture.total", help_text="Risks on its register")
    band_counts = BandCountSerializer(source="picture.band_counts", many=True)
    movements = MovementsSerializer(source="picture.movements")

    class Meta(QuarterSerializer.Meta):
        fields = [*QuarterSerializer.Meta.fields, "total", "band_counts", "movements"]


class TrendSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text='"Q1", "Q2"...')
    value = serializers.CharField(help_text="New, N/A, ↗, → or ↘")
    label = serializers.CharField(help_text="The trend in words")
    proposed = serializers.BooleanField(
        help_text="The open quarter's trend as closing would propose it (no officer set it)"
    )


class RatingSerializer(serializers.Serializer):
    """A likelihood x impact rating and the band its score falls in."""

    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    score = serializers.IntegerField()
    rating = serializers.CharField(source="band.label", allow_null=True)


class RegisterRowSerializer(serializers.Serializer):
    """One row of a quarter's register, as its page shows it (`register_table`), with the
    columns the page can add: a closed quarter's as frozen at its close."""

    reference = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text="HTML; null: not recorded")
    impact = serializers.CharField(allow_null=True, help_text="HTML; null: not recorded")
    controls = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="HTML, one per control"
    )
    lead_officer = serializers.CharField()
    status = serializers.ChoiceField(choices=Risk.Status.choices)
    rating = serializers.CharField(source="band.label", allow_null=True)
    trends = serializers.SerializerMethodField()
    circulation = serializers.CharField()
    restriction_reason = serializers.CharField()
    owner = serializers.CharField(help_text="The risk owner's name")
    category = serializers.CharField()
    appetite = serializers.CharField(help_text="The category's appetite level")
    tolerance = serializers.IntegerField(
        allow_null=True, help_text="The highest current score the category tolerates"
    )
    outside_appetite = serializers.BooleanField()
    inherent = RatingSerializer(allow_null=True, help_text="Before controls; null: not rated")
    target = RatingSerializer(allow_null=True, help_text="Where the treatment is to bring it")
    target_date = serializers.DateField(allow_null=True)
    treatment = serializers.CharField()
    next_review_date = serializers.DateField(allow_null=True)
    open_actions = serializers.IntegerField(allow_null=True)

    @extend_schema_field(TrendSerializer(many=True))
    def get_trends(self, row) -> list[dict]:
        labels = self.context["trend_labels"]
        return [
            {
                "quarter": quarter,
                "value": cell.value,
                "label": cell.label,
                "proposed": cell.proposed,
            }
            for quarter, cell in zip(labels, row.trends, strict=True)
        ]


class RiskSerializer(serializers.ModelSerializer):
    """A live risk (officers only): its three ratings, owner, category and appetite."""

    register = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.SerializerMethodField()
    lead_officer = serializers.CharField(source="lead_officer_name")
    category = serializers.CharField(source="category.name", allow_null=True)
    appetite = serializers.CharField(source="category.get_appetite_display", allow_null=True)
    tolerance = serializers.IntegerField(source="category.tolerance", allow_null=True)
    outside_appetite = serializers.BooleanField()
    rating = serializers.CharField(source="band.label", allow_null=True)
    score = serializers.IntegerField(allow_null=True, help_text="likelihood x impact_score")
    inherent_score = serializers.IntegerField(allow_null=True)
    target_score = serializers.IntegerField(allow_null=True)
    controls = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Risk
        fields = ["register", "reference", "name", "description", "impact", "owner",
                  "lead_officer", "status", "category", "appetite", "tolerance",
                  "outside_appetite", "treatment", "rating", "likelihood", "impact_score",
                  "score", "inherent_likelihood", "inherent_impact", "inherent_score",
                  "target_likelihood", "target_impact", "target_score", "target_date",
                  "date_raised", "last_reviewed", "next_review_date", "circulation",
                  "restriction_reason", "controls", "updated_at", "url"]  # fmt: skip

    def get_owner(self, risk) -> str:
        return person_name(risk.owner) if risk.owner else ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_controls(self, risk) -> list[str]:
        return [control.text for control in risk.controls.all()]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, risk) -> str:
        return _absolute(self, "api:risk_detail", risk.register.slug, risk.reference)


class RiskQuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="period.label")
    status = serializers.CharField(source="period.status", help_text="The quarter's: open, closed")
    trend = serializers.CharField()
    rating = serializers.CharField(source="band.label", allow_null=True)


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = ["reviewed_on", "reviewer", "outcome", "note"]

    def get_reviewer(self, review) -> str:
        return person_name(review.reviewer) if review.reviewer else ""


class ActionSerializer(serializers.ModelSerializer):
    """An action on a live risk (officers only)."""

    register = serializers.CharField(source="risk.register.slug")
    risk = serializers.CharField(source="risk.reference")
    owner = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "register", "risk", "text", "owner", "target_date",
                  "original_target_date", "status", "overdue", "progress",
                  "created_at"]  # fmt: skip

    def get_owner(self, action) -> str:
        return person_name(action.owner) if action.owner else ""

    def get_overdue(self, action) -> bool:
        return action.is_overdue(self.context["today"])


class RiskDetailSerializer(RiskSerializer):
    quarters = RiskQuarterSerializer(source="snapshots_newest_first", many=True)
    actions = ActionSerializer(source="shown_actions", many=True)
    reviews = ReviewSerializer(source="shown_reviews", many=True)

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "quarters", "actions", "reviews"]


class GovernanceReviewSerializer(serializers.ModelSerializer):
    green = serializers.IntegerField()
    amber = serializers.IntegerField()
    red = serializers.IntegerField()
    rows = serializers.IntegerField(help_text="Sub-principles assessed")

    class Meta:
        model = GovernanceReview
        fields = ["year", "title", "green", "amber", "red", "rows"]


class AssessmentSerializer(serializers.ModelSerializer):
    review = serializers.CharField(source="review.year")
    principle = serializers.CharField(source="sub_principle.principle.letter")
    principle_title = serializers.CharField(source="sub_principle.principle.title")
    sub_principle = serializers.CharField(source="sub_principle.code", help_text='e.g. "D2"')
    sub_principle_title = serializers.CharField(source="sub_principle.title")

    class Meta:
        model = Assessment
        fields = ["id", "review", "principle", "principle_title", "sub_principle",
                  "sub_principle_title", "evidence", "direction", "rag", "rag_note"]  # fmt: skip


class InspectionSerializer(serializers.ModelSerializer):
    pcc_response_due = serializers.DateField(allow_null=True)

    class Meta:
        model = Inspection
        fields = ["id", "title", "kind", "date_text", "core_group_established", "action_plan",
                  "action_plan_note", "grade", "outcome", "report_published", "summary",
                  "pcc_response_published", "pcc_response_due"]  # fmt: skip


class RecommendationSerializer(serializers.ModelSerializer):
    inspection = serializers.PrimaryKeyRelatedField(read_only=True)
    inspection_title = serializers.CharField(source="inspection.title")
    overdue = serializers.SerializerMethodField()
    risks = serializers.SerializerMethodField()
    linked_risk_count = serializers.IntegerField(
        help_text="Risks linked; their references are shown to officers only"
    )

    class Meta:
        model = Recommendation
        fields = ["id", "inspection", "inspection_title", "reference", "kind", "text", "owner",
                  "due_date", "status", "overdue", "evidence", "risks",
                  "linked_risk_count"]  # fmt: skip

    def get_overdue(self, recommendation) -> bool:
        return recommendation.is_overdue()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_risks(self, recommendation) -> list[str]:
        return [f"{risk.register.slug}/{risk.reference}" for risk in recommendation.shown_risks]


class RecommendationUpdateSerializer(serializers.ModelSerializer):
    recommendation = serializers.PrimaryKeyRelatedField(read_only=True)
    author = serializers.SerializerMethodField()

    class Meta:
        model = RecommendationUpdate
        fields = ["id", "recommendation", "date", "author", "text"]

    def get_author(self, update) -> str:
        author = update.author
        return (author.get_full_name() or author.get_username()) if author else ""


class ObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objective
        fields = ["id", "number", "title", "short_name", "note"]


class PlanSerializer(serializers.ModelSerializer):
    objectives = ObjectiveSerializer(source="shown_objectives", many=True)

    class Meta:
        model = PoliceAndCrimePlan
        fields = ["id", "name", "area", "period", "objectives"]


class ProgressSerializer(serializers.ModelSerializer):
    commitment = serializers.PrimaryKeyRelatedField(read_only=True)
    label = serializers.CharField(help_text='The quarter, e.g. "Q3 2016/17"')

    class Meta:
        model = ProgressUpdate
        fields = ["id", "commitment", "year", "quarter", "label", "text", "reported_on"]


class CommitmentSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="objective.plan_id")
    objective = serializers.IntegerField(source="objective.number")
    objective_title = serializers.CharField(source="objective.title")
    oversight_bodies = serializers.SerializerMethodField()
    progress = ProgressSerializer(
        source="as_at", allow_null=True, help_text="The latest progress on or before `quarter`"
    )

    class Meta:
        model = Commitment
        fields = ["id", "plan", "objective", "objective_title", "reference", "element",
                  "plan_commitment", "supporting_activity", "cross_reference", "other_force_only",
                  "oversight_mechanisms", "oversight_bodies", "progress"]  # fmt: skip

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_oversight_bodies(self, commitment) -> list[str]:
        return [body.name for body in commitment.oversight_bodies.all()]
