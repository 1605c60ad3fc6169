"""HMIC inspections and the tracker of their recommendations."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries, merged_history
from editing.forms import WithdrawForm, save_edit

from ..access import attach_linked_risks, history_hidden_fields
from ..forms import InspectionForm, RecommendationForm, RecommendationUpdateForm
from ..models import Inspection, Recommendation, RecommendationUpdate
from ..publication import reading_for
from ..services import split_peel
from ..tables import recommendation_table


@require_safe
@permission_required("governance.view_inspection", raise_exception=True)
def inspection_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    inspections = list(reading.records(Inspection))
    listed, peel = split_peel(inspections)
    context = {
        "inspections": listed,
        "peel": peel,
        "responses": [i for i in inspections if i.report_published],
        "today": timezone.localdate(),
        "publication": reading.note(Inspection),
        "unpublished": reading.unpublished_ids(Inspection),
    }
    return render(request, "governance/hmic_inspection_list.html", context)


@require_safe
@permission_required("governance.view_inspection", raise_exception=True)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    inspection = reading.get(Inspection, pk=pk)
    recommendations = list(reading.records(Recommendation).filter(inspection_id=inspection.pk))
    for recommendation in recommendations:
        recommendation.inspection = inspection
    context = {
        "inspection": inspection,
        "recommendations": recommendations,
        "entries": history_entries(reading.history(Inspection.history.filter(id=inspection.pk))),
        "today": timezone.localdate(),
        "publication": reading.note(Inspection, Recommendation),
        "unpublished": reading.unpublished_ids(Recommendation),
    }
    return render(request, "governance/hmic_inspection_detail.html", context)


@permission_required("governance.add_inspection", raise_exception=True)
@require_http_methods(["GET", "POST"])
def inspection_create(request: HttpRequest) -> HttpResponse:
    form = InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, f"Added {outcome.form.instance}.")
            return redirect(outcome.form.instance)
        form = outcome.form
    return render(request, "governance/hmic_inspection_form.html", {"form": form})


@permission_required("governance.change_inspection", raise_exception=True)
@require_http_methods(["GET", "POST"])
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(Inspection, pk=pk)
    form = InspectionForm(request.POST or None, instance=inspection)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"Saved {inspection}."))
            return redirect(inspection)
        form = outcome.form
    context = {"form": form, "inspection": inspection}
    return render(request, "governance/hmic_inspection_form.html", context)


@require_safe
@permission_required("governance.view_recommendation", raise_exception=True)
def recommendation_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    table = recommendation_table(request.user, reading, request.GET)
    page = Paginator(table.filterset.qs, 50).get_page(request.GET.get("page"))
    # Relations are fetched for the page's rows, as this reader sees them.
    page.object_list = table.rows(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": table.filterset,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "publication": reading.note(Recommendation, RecommendationUpdate),
        "unpublished": reading.unpublished_ids(Recommendation),
    }
    return render(request, "governance/hmic_recommendation_list.html", context)


@require_safe
@permission_required("governance.view_recommendation", raise_exception=True)
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _recommendation_page(request, pk, RecommendationUpdateForm())


def _recommendation_page(request, pk: int, update_form, status: int = 200) -> HttpResponse:
    reading = reading_for(request.user)
    recommendation = reading.get(Recommendation, pk=pk)
    attach_linked_risks(request.user, [recommendation])
    updates = list(reading.records(RecommendationUpdate).filter(recommendation_id=pk))
    prefetch_related_objects(updates, "author")
    context = {
        "recommendation": recommendation,
        "updates": updates,
        "form": update_form,
        "entries": merged_history(
            history_entries(
                reading.history(Recommendation.history.filter(id=pk)),
                exclude=history_hidden_fields(request.user),
            ),
            history_entries(
                reading.history(RecommendationUpdate.history.filter(recommendation_id=pk)),
                subject=lambda record: f"Update of {record.date:%d %b %Y}",
            ),
        ),
        "today": timezone.localdate(),
        "publication": reading.note(Recommendation, RecommendationUpdate),
        "unpublished": reading.unpublished_ids(RecommendationUpdate),
    }
    return render(request, "governance/hmic_recommendation_detail.html", context, status=status)


@permission_required("governance.add_recommendation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(Inspection, pk=pk)
    form = RecommendationForm(request.POST or None, instance=Recommendation(inspection=inspection))
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, f"Added {outcome.form.instance}.")
            return redirect(outcome.form.instance)
        form = outcome.form
    context = {"form": form, "inspection": inspection}
    return render(request, "governance/hmic_recommendation_form.html", context)


@permission_required("governance.change_recommendation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.select_related("inspection"), pk=pk)
    form = RecommendationForm(request.POST or None, instance=recommendation)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"Saved {recommendation}."))
            return redirect(recommendation)
        form = outcome.form
    context = {
        "form": form,
        "inspection": recommendation.inspection,
        "recommendation": recommendation,
    }
    return render(request, "governance/hmic_recommendation_form.html", context)


@permission_required("governance.add_recommendationupdate", raise_exception=True)
@require_http_methods(["POST"])
def update_add(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation, pk=pk)
    update = RecommendationUpdate(recommendation=recommendation, author=request.user)
    form = RecommendationUpdateForm(request.POST, instance=update)
    if not form.is_valid() or not save_edit(form).done:
        return _recommendation_page(request, pk, form, status=400)
    messages.success(request, "Progress update added.")
    return redirect(recommendation)


@permission_required("governance.change_recommendationupdate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def update_edit(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(RecommendationUpdate.objects.select_related("recommendation"), pk=pk)
    form = RecommendationUpdateForm(request.POST or None, instance=update)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form, reason=form.cleaned_data["reason"])
        if outcome.done:
            messages.success(request, outcome.message("Progress update changed."))
            return redirect(update.recommendation)
        form = outcome.form
    context = {"form": form, "update": update, "parent": update.recommendation}
    return render(request, "governance/update_form.html", context)


@permission_required("governance.change_recommendationupdate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def update_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(RecommendationUpdate.objects.select_related("recommendation"), pk=pk)
    form = WithdrawForm(
        request.POST or None, what="the update", example="entered against the wrong recommendation"
    )
    if request.method == "POST" and form.is_valid():
        update.withdraw(user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "Progress update withdrawn. It stays in the history.")
        return redirect(update.recommendation)
    context = {"form": form, "update": update, "parent": update.recommendation}
    return render(request, "governance/update_withdraw.html", context)
