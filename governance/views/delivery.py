"""The delivery plan as at a quarter, oversight bodies and holding-to-account meetings."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries, merged_history
from editing.forms import WithdrawForm, save_edit

from ..delivery_filters import AgendaItemFilter, OversightBodyFilter
from ..delivery_forms import CommitmentForm, MeetingForm, ProgressUpdateForm
from ..models import (
    AgendaItem,
    Commitment,
    HoldingToAccountMeeting,
    Objective,
    OversightBody,
    PoliceAndCrimePlan,
    ProgressUpdate,
)
from ..publication import reading_for
from ..services import with_progress
from ..tables import delivery_table


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def delivery_index(request: HttpRequest) -> HttpResponse:
    plan = reading_for(request.user).records(PoliceAndCrimePlan).first()
    if plan is None:
        return render(request, "governance/delivery_empty.html")
    return redirect(plan)


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def delivery_plan(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    plan = reading.get(PoliceAndCrimePlan, pk=pk)
    table = delivery_table(plan, reading, request.GET)
    context = {
        "plan": plan,
        "rows": table.rows,
        "filter": table.filterset,
        "as_at_form": table.as_at_form,
        "as_at_label": table.as_at_label,
        "query": request.GET.urlencode(),
        "entries": merged_history(
            history_entries(reading.history(PoliceAndCrimePlan.history.filter(id=plan.pk))),
            history_entries(reading.history(Objective.history.filter(plan_id=plan.pk))),
        ),
        "publication": reading.note(PoliceAndCrimePlan, Objective, Commitment, ProgressUpdate),
        "unpublished": reading.unpublished_ids(ProgressUpdate),
    }
    return render(request, "governance/delivery_plan.html", context)


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    commitment = reading.get(Commitment, pk=pk)
    with_progress([commitment], reading)
    items = commitment.agenda_items.select_related("meeting").prefetch_related("objectives")
    entries = merged_history(
        history_entries(reading.history(Commitment.history.filter(id=pk))),
        history_entries(reading.history(ProgressUpdate.history.filter(commitment_id=pk))),
    )
    context = {
        "commitment": commitment,
        "updates": sorted(commitment.progress_updates.all(), key=lambda u: (u.year, u.quarter)),
        "agenda_items": items,
        "entries": entries,
        "publication": reading.note(Commitment, ProgressUpdate),
        "unpublished": reading.unpublished_ids(ProgressUpdate),
    }
    return render(request, "governance/delivery_commitment_detail.html", context)


@permission_required("governance.change_commitment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment, pk=pk)
    form = CommitmentForm(request.POST or None, instance=commitment)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"Commitment {commitment.reference} saved."))
            return redirect(commitment)
        form = outcome.form
    context = {"commitment": commitment, "form": form}
    return render(request, "governance/delivery_commitment_form.html", context)


@permission_required("governance.add_progressupdate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment, pk=pk)
    form = ProgressUpdateForm(request.POST or None, commitment=commitment)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            label = outcome.form.instance.label
            messages.success(request, f"Progress for {label} added to {commitment.reference}.")
            return redirect(commitment)
        form = outcome.form
    context = {"commitment": commitment, "form": form}
    return render(request, "governance/delivery_progress_form.html", context)


@permission_required("governance.change_progressupdate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def progress_edit(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(ProgressUpdate.objects.select_related("commitment"), pk=pk)
    commitment = update.commitment
    form = ProgressUpdateForm(request.POST or None, instance=update, commitment=commitment)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form, reason=form.cleaned_data["reason"])
        if outcome.done:
            messages.success(request, outcome.message(f"Progress for {update.label} changed."))
            return redirect(commitment)
        form = outcome.form
    context = {"commitment": commitment, "form": form, "update": update}
    return render(request, "governance/delivery_progress_form.html", context)


@permission_required("governance.change_progressupdate", raise_exception=True)
@require_http_methods(["GET", "POST"])
def progress_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    update = get_object_or_404(ProgressUpdate.objects.select_related("commitment"), pk=pk)
    form = WithdrawForm(
        request.POST or None, what="the update", example="reported against the wrong commitment"
    )
    if request.method == "POST" and form.is_valid():
        update.withdraw(user=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request, f"Progress for {update.label} withdrawn. It stays in the history."
        )
        return redirect(update.commitment)
    context = {"form": form, "update": update, "parent": update.commitment}
    return render(request, "governance/update_withdraw.html", context)


@require_safe
@permission_required("governance.view_oversightbody", raise_exception=True)
def oversight_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    bodies = reading.records(OversightBody).order_by("objective__number", "order")
    body_filter = OversightBodyFilter(request.GET, queryset=bodies, reading=reading)
    shown = list(body_filter.qs)
    prefetch_related_objects(shown, Prefetch("objective", queryset=reading.records(Objective)))
    context = {
        "filter": body_filter,
        "bodies": shown,
        "publication": reading.note(OversightBody),
    }
    return render(request, "governance/delivery_oversight_list.html", context)


@require_safe
@permission_required("governance.view_oversightbody", raise_exception=True)
def oversight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    body = reading.get(OversightBody, pk=pk)
    linked = body.commitments.values_list("id", flat=True)
    commitments = list(reading.records(Commitment).filter(id__in=list(linked)))
    prefetch_related_objects(
        commitments, Prefetch("objective", queryset=reading.records(Objective))
    )
    context = {
        "body": body,
        "commitments": commitments,
        "entries": history_entries(reading.history(OversightBody.history.filter(id=pk))),
        "publication": reading.note(OversightBody),
    }
    return render(request, "governance/delivery_oversight_detail.html", context)


@require_safe
@permission_required("governance.view_holdingtoaccountmeeting", raise_exception=True)
def meeting_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    item_filter = AgendaItemFilter(
        request.GET, queryset=reading.records(AgendaItem), reading=reading
    )
    items = list(item_filter.qs)
    prefetch_related_objects(items, "objectives", "commitments")
    meetings = list(reading.records(HoldingToAccountMeeting))
    for meeting in meetings:
        meeting.shown_items = [item for item in items if item.meeting_id == meeting.pk]
    context = {
        "filter": item_filter,
        "meetings": meetings,
        "publication": reading.note(HoldingToAccountMeeting, AgendaItem),
    }
    return render(request, "governance/delivery_meeting_list.html", context)


@permission_required("governance.change_holdingtoaccountmeeting", raise_exception=True)
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(HoldingToAccountMeeting, pk=pk)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"{meeting} saved."))
            return redirect(meeting)
        form = outcome.form
    return render(
        request, "governance/delivery_meeting_form.html", {"meeting": meeting, "form": form}
    )


@require_safe
@permission_required("governance.view_holdingtoaccountmeeting", raise_exception=True)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    meeting = reading.get(HoldingToAccountMeeting, pk=pk)
    items = list(reading.records(AgendaItem).filter(meeting_id=pk))
    prefetch_related_objects(items, "objectives", "commitments")
    entries = merged_history(
        history_entries(reading.history(HoldingToAccountMeeting.history.filter(id=pk))),
        history_entries(reading.history(AgendaItem.history.filter(meeting_id=pk))),
    )
    context = {
        "meeting": meeting,
        "items": items,
        "entries": entries,
        "publication": reading.note(HoldingToAccountMeeting, AgendaItem),
    }
    return render(request, "governance/delivery_meeting_detail.html", context)
