"""The read-only JSON API for reporting tools (Power BI, Excel): what the pages show, to the
same readers, through the same access rules.

Every list reads through the module that decides what a reader sees: `registers.access`
(the open quarter and live risks for officers only; a refusal is a 404) and
`governance.publication` (PCC staff read governance as at the latest publication). The
register of a quarter is the page's own table (`registers.tables.register_table`).
"""

from collections import Counter

from django.db.models import F, Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics
from rest_framework.response import Response
from rest_framework.views import exception_handler

from governance.access import attach_linked_risks
from governance.delivery_filters import AsAtForm, CommitmentFilter
from governance.filters import RecommendationFilter
from governance.models import (
    Assessment,
    Commitment,
    GovernanceReview,
    Inspection,
    Objective,
    PoliceAndCrimePlan,
    Principle,
    ProgressUpdate,
    Recommendation,
    RecommendationUpdate,
    SubPrinciple,
)
from governance.publication import reading_for
from governance.services import with_progress
from registers import services as register_services
from registers.access import (
    can_see_live,
    get_period_for_user,
    get_risk_for_user,
    visible_actions,
    visible_periods,
    visible_risks,
)
from registers.appetite import is_outside_appetite, with_appetite
from registers.filters import ActionFilter
from registers.models import Action, QuarterlySnapshot, Register, ReportingPeriod, Risk, Trend
from registers.quarter import quarter_picture
from registers.tables import register_table
from riskreg.security import log_refusal

from . import filters, serializers


def refusals_audited(exc, context):
    """DRF's answer, with a 403 or 404 to a signed-in user written to the audit log, as the
    pages' refusals are."""
    response = exception_handler(exc, context)
    request = context.get("request")
    if (
        response is not None
        and response.status_code in (403, 404)
        and request is not None
        and request.user.is_authenticated
    ):
        log_refusal(request, "not found" if response.status_code == 404 else str(exc))
    return response


class ReadList(generics.ListAPIView):
    """A paginated list: `prepare()` fetches what the page's rows show, as the reader sees it."""

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = self.prepare(page)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def prepare(self, rows: list) -> list:
        return rows


class ReadingMixin:
    """Governance as this reader sees it: live for officers, as published for PCC staff."""

    @property
    def reading(self):
        if not hasattr(self, "_reading"):
            self._reading = reading_for(self.request.user)
        return self._reading

    def filterset_kwargs(self) -> dict:
        return {"reading": self.reading}


# --- Registers and quarters ---------------------------------------------------------------


class RegisterList(ReadList):
    """Every register."""

    required_permission = "registers.view_risk"
    queryset = Register.objects.order_by("name")
    serializer_class = serializers.RegisterSerializer


class RegisterDetail(generics.RetrieveAPIView):
    required_permission = "registers.view_risk"
    queryset = Register.objects.all()
    serializer_class = serializers.RegisterSerializer
    lookup_field = "slug"


class QuarterList(ReadList):
    """The quarters this reader may see, newest first: PCC staff see closed (published)
    quarters only."""

    required_permission = "registers.view_risk"
    queryset = ReportingPeriod.objects.none()
    serializer_class = serializers.QuarterSerializer
    filterset_fields = ["status", "year"]

    @extend_schema(
        parameters=[OpenApiParameter("register", OpenApiTypes.STR, description="Register slug")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        periods = visible_periods(self.request.user)
        slug = self.request.query_params.get("register")
        return periods.filter(register__slug=slug) if slug else periods


def _period(view) -> ReportingPeriod:
    kwargs = view.kwargs
    return get_period_for_user(view.request.user, kwargs["slug"], kwargs["year"], kwargs["quarter"])


class QuarterDetail(generics.GenericAPIView):
    """A quarter with its band counts and movements against the quarter before, as the
    dashboard and "What changed" show them. The open quarter is 404 to PCC staff."""

    required_permission = "registers.view_risk"
    queryset = ReportingPeriod.objects.none()
    serializer_class = serializers.QuarterDetailSerializer

    def get(self, request, *args, **kwargs):
        period = _period(self)
        period.picture = quarter_picture(period)
        return Response(self.get_serializer(period).data)


ROW_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Reference, name, text or controls"),
    OpenApiParameter("band", OpenApiTypes.INT, description="Rating band id"),
    OpenApiParameter("trend", OpenApiTypes.STR, enum=Trend.values, description="This quarter's"),
    OpenApiParameter("lead_officer", OpenApiTypes.STR),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Risk.Status.values),
    OpenApiParameter("likelihood", OpenApiTypes.INT),
    OpenApiParameter("impact_score", OpenApiTypes.INT),
]


class QuarterRows(generics.GenericAPIView):
    """The register as at a quarter: the rows its register page lists, in the register's
    order (rating, then the register's own order), with the page's filters. A closed
    quarter's rows are its frozen snapshots; the open quarter's (officers only) are live."""

    required_permission = "registers.view_risk"
    queryset = QuarterlySnapshot.objects.none()
    serializer_class = serializers.RegisterRowSerializer
    filter_backends: list = []

    @extend_schema(parameters=ROW_FILTERS)
    def get(self, request, *args, **kwargs):
        period = _period(self)
        table = register_table(period, request.query_params)
        if not table.filterset.is_valid():
            raise exceptions.ValidationError(table.filterset.errors)
        rows = table.rows(self.paginator.page_of(table.queryset, request), count_actions=True)
        labels = register_services.trend_labels(period)
        context = {**self.get_serializer_context(), "trend_labels": labels}
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return self.get_paginated_response(data)


# --- Live risks (officers only) -----------------------------------------------------------


class RiskList(ReadList):
    """The live risks of every register, withdrawn ones left out. Officers only: the live
    register is not published, so PCC staff (and their tokens) get 404."""

    required_permission = "registers.view_risk"
    queryset = Risk.objects.none()
    serializer_class = serializers.RiskSerializer
    filterset_class = filters.RiskFilter

    def get_queryset(self):
        if not can_see_live(self.request.user):
            raise Http404("The live register is not published.")
        return (
            with_appetite(visible_risks(self.request.user))
            .select_related("register", "band", "owner", "lead_officer_user", "category")
            .prefetch_related("controls")
            .order_by("register__slug", "position", "reference")
        )


class RiskDetail(generics.GenericAPIView):
    """A live risk with its rating and trend in each quarter (officers only)."""

    required_permission = "registers.view_risk"
    queryset = Risk.objects.none()
    serializer_class = serializers.RiskDetailSerializer

    def get(self, request, *args, **kwargs):
        risk = get_risk_for_user(request.user, kwargs["slug"], kwargs["reference"])
        tolerance = risk.category.tolerance if risk.category else None
        risk.outside_appetite = is_outside_appetite(risk.score, risk.band, tolerance)
        risk.snapshots_newest_first = risk.snapshots.select_related("period", "band").order_by(
            "-period__year", "-period__quarter"
        )
        risk.shown_actions = (
            visible_actions(request.user)
            .filter(risk=risk)
            .select_related("risk__register", "owner")
        )
        risk.shown_reviews = risk.reviews.select_related("reviewer")
        context = {**self.get_serializer_context(), "today": timezone.localdate()}
        return Response(self.get_serializer_class()(risk, context=context).data)


class ActionList(ReadList):
    """Actions on the live risks, soonest target date first, with the register's actions
    page's filters (status, owner, overdue). Officers only: 404 to PCC staff."""

    required_permission = "registers.view_risk"
    queryset = Action.objects.none()
    serializer_class = serializers.ActionSerializer
    filterset_class = ActionFilter

    @extend_schema(
        parameters=[OpenApiParameter("register", OpenApiTypes.STR, description="Register slug")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def filterset_kwargs(self) -> dict:
        return {"today": timezone.localdate()}

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        if not can_see_live(self.request.user):
            raise Http404("The live register is not published.")
        actions = visible_actions(self.request.user)
        slug = self.request.query_params.get("register")
        if slug:
            actions = actions.filter(risk__register__slug=slug)
        return actions.select_related("risk__register", "owner").order_by(
            F("target_date").asc(nulls_last=True), "risk__register__slug", "risk__reference", "pk"
        )


# --- CIPFA --------------------------------------------------------------------------------


class ReviewList(ReadingMixin, ReadList):
    """The CIPFA governance reviews with their RAG counts, newest first."""

    required_permission = "governance.view_governancereview"
    queryset = GovernanceReview.objects.none()
    serializer_class = serializers.GovernanceReviewSerializer

    def get_queryset(self):
        return self.reading.records(GovernanceReview).order_by("-year")

    def prepare(self, rows):
        counts: dict = {}
        assessments = self.reading.records(Assessment).filter(review_id__in=[r.pk for r in rows])
        for review_id, rag in assessments.values_list("review_id", "rag"):
            counts.setdefault(review_id, Counter())[rag] += 1
        for review in rows:
            counter = counts.get(review.pk, Counter())
            review.green, review.amber, review.red = (
                counter["green"],
                counter["amber"],
                counter["red"],
            )
            review.rows = sum(counter.values())
        return rows


class AssessmentList(ReadingMixin, ReadList):
    """Each sub-principle's assessment in each review: evidence, direction of travel, RAG."""

    required_permission = "governance.view_assessment"
    queryset = Assessment.objects.none()
    serializer_class = serializers.AssessmentSerializer
    filterset_class = filters.AssessmentFilter

    def get_queryset(self):
        return self.reading.records(Assessment)

    def prepare(self, rows):
        reading = self.reading
        prefetch_related_objects(
            rows,
            Prefetch("review", queryset=reading.records(GovernanceReview)),
            Prefetch("sub_principle", queryset=reading.records(SubPrinciple)),
            Prefetch("sub_principle__principle", queryset=reading.records(Principle)),
        )
        return rows


# --- HMIC ---------------------------------------------------------------------------------


class InspectionList(ReadingMixin, ReadList):
    """HMIC inspections, self assessments and PEEL inspections."""

    required_permission = "governance.view_inspection"
    queryset = Inspection.objects.none()
    serializer_class = serializers.InspectionSerializer
    filterset_class = filters.InspectionFilter

    def get_queryset(self):
        return self.reading.records(Inspection)


class InspectionDetail(ReadingMixin, generics.GenericAPIView):
    required_permission = "governance.view_inspection"
    queryset = Inspection.objects.none()
    serializer_class = serializers.InspectionSerializer

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.reading.get(Inspection, pk=kwargs["pk"])).data)


class RecommendationList(ReadingMixin, ReadList):
    """The recommendation tracker, with the page's filters (status, owner, inspection,
    kind, overdue, q). Linked risks are named to officers only; others get the count."""

    required_permission = "governance.view_recommendation"
    queryset = Recommendation.objects.none()
    serializer_class = serializers.RecommendationSerializer
    filterset_class = RecommendationFilter

    def get_queryset(self):
        return self.reading.records(Recommendation)

    def prepare(self, rows):
        prefetch_related_objects(
            rows, Prefetch("inspection", queryset=self.reading.records(Inspection))
        )
        return attach_linked_risks(self.request.user, rows)


class RecommendationDetail(ReadingMixin, generics.GenericAPIView):
    required_permission = "governance.view_recommendation"
    queryset = Recommendation.objects.none()
    serializer_class = serializers.RecommendationSerializer

    def get(self, request, *args, **kwargs):
        recommendation = self.reading.get(Recommendation, pk=kwargs["pk"])
        prefetch_related_objects(
            [recommendation], Prefetch("inspection", queryset=self.reading.records(Inspection))
        )
        attach_linked_risks(request.user, [recommendation])
        return Response(self.get_serializer(recommendation).data)


class RecommendationUpdateList(ReadingMixin, ReadList):
    """Progress updates on recommendations, newest first; withdrawn ones never appear."""

    required_permission = "governance.view_recommendationupdate"
    queryset = RecommendationUpdate.objects.none()
    serializer_class = serializers.RecommendationUpdateSerializer
    filterset_class = filters.RecommendationUpdateFilter

    def get_queryset(self):
        return self.reading.records(RecommendationUpdate)

    def prepare(self, rows):
        prefetch_related_objects(rows, "author")
        return rows


# --- Police and Crime Plan delivery -------------------------------------------------------


class PlanList(ReadingMixin, ReadList):
    """Police and Crime Plans with their objectives."""

    required_permission = "governance.view_policeandcrimeplan"
    queryset = PoliceAndCrimePlan.objects.none()
    serializer_class = serializers.PlanSerializer

    def get_queryset(self):
        return self.reading.records(PoliceAndCrimePlan)

    def prepare(self, rows):
        objectives = self.reading.records(Objective)
        prefetch_related_objects(
            rows, Prefetch("objectives", queryset=objectives, to_attr="shown_objectives")
        )
        return rows


class CommitmentList(ReadingMixin, ReadList):
    """The delivery plan's commitments, each with its progress as at a quarter (`quarter`,
    e.g. 2016-q3; by default the latest quarter with progress), as the plan's page shows."""

    required_permission = "governance.view_commitment"
    queryset = Commitment.objects.none()
    serializer_class = serializers.CommitmentSerializer
    filterset_class = CommitmentFilter

    @extend_schema(
        parameters=[
            OpenApiParameter("plan", OpenApiTypes.INT),
            OpenApiParameter(
                "quarter", OpenApiTypes.STR, description="Progress as at, e.g. 2016-q3"
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        commitments = self.reading.records(Commitment)
        plan = self.request.query_params.get("plan")
        if plan:
            if not plan.isdigit():
                raise exceptions.ValidationError({"plan": ["A plan's id is a number."]})
            objectives = self.reading.records(Objective).filter(plan_id=plan)
            commitments = commitments.filter(
                objective_id__in=list(objectives.values_list("id", flat=True))
            )
        return commitments

    def prepare(self, rows):
        form = AsAtForm(self.request.query_params, reading=self.reading)
        if self.request.query_params.get("quarter") and not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        as_at = form.as_at()
        rows = with_progress(rows, self.reading)
        for commitment in rows:
            commitment.as_at = commitment.progress_as_at(*as_at) if as_at else None
        return rows


class ProgressList(ReadingMixin, ReadList):
    """Every progress update of every commitment; withdrawn ones never appear."""

    required_permission = "governance.view_progressupdate"
    queryset = ProgressUpdate.objects.none()
    serializer_class = serializers.ProgressSerializer
    filterset_class = filters.ProgressUpdateFilter

    def get_queryset(self):
        return self.reading.records(ProgressUpdate)
