"""The delivery plan as at a quarter, oversight bodies and holding-to-account meetings."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries, merged_history
from editing.forms import WithdrawForm, save_edit

from ..delivery_filters import AgendaItemFilter, AsAtForm, CommitmentFilter, OversightBodyFilter
from ..delivery_forms import CommitmentForm, MeetingForm, ProgressUpdateForm
from ..models import (
    AgendaItem,
    Commitment,
    HoldingToAccountMeeting,
    Objective,
    OversightBody,
    PoliceAndCrimePlan,
    ProgressUpdate,
    quarter_label,
)
from ..services import plan_commitments


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def delivery_index(request: HttpRequest) -> HttpResponse:
    plan = PoliceAndCrimePlan.objects.first()
    if plan is None:
        return render(request, "governance/delivery_empty.html")
    return redirect(plan)


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def delivery_plan(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(PoliceAndCrimePlan, pk=pk)
    as_at_form = AsAtForm(request.GET)
    as_at = as_at_form.as_at()
    commitment_filter = CommitmentFilter(request.GET, queryset=plan_commitments(plan))
    rows = list(commitment_filter.qs)
    for commitment in rows:
        commitment.as_at = commitment.progress_as_at(*as_at) if as_at else None
    context = {
        "plan": plan,
        "rows": rows,
        "filter": commitment_filter,
        "as_at_form": as_at_form,
        "as_at_label": quarter_label(*as_at) if as_at else None,
        "entries": merged_history(
            history_entries(plan.history.all()),
            history_entries(Objective.history.filter(plan_id=plan.pk)),
        ),
    }
    return render(request, "governance/delivery_plan.html", context)


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = get_object_or_404(
        Commitment.objects.select_related("objective__plan").prefetch_related(
            "oversight_bodies", "progress_updates"
        ),
        pk=pk,
    )
    items = commitment.agenda_items.select_related("meeting").prefetch_related("objectives")
    entries = merged_history(
        history_entries(commitment.history.all()),
        history_entries(ProgressUpdate.history.filter(commitment_id=commitment.pk)),
    )
    context = {
        "commitment": commitment,
        "updates": sorted(commitment.progress_updates.all(), key=lambda u: (u.year, u.quarter)),
        "agenda_items": items,
        "entries": entries,
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
    bodies = OversightBody.objects.select_related("objective").order_by(
        "objective__number", "order"
    )
    body_filter = OversightBodyFilter(request.GET, queryset=bodies)
    context = {"filter": body_filter, "bodies": body_filter.qs}
    return render(request, "governance/delivery_oversight_list.html", context)


@require_safe
@permission_required("governance.view_oversightbody", raise_exception=True)
def oversight_detail(request: HttpRequest, pk: int) -> HttpResponse:
    body = get_object_or_404(OversightBody.objects.select_related("objective"), pk=pk)
    context = {
        "body": body,
        "commitments": body.commitments.select_related("objective"),
        "entries": history_entries(body.history.all()),
    }
    return render(request, "governance/delivery_oversight_detail.html", context)


@require_safe
@permission_required("governance.view_holdingtoaccountmeeting", raise_exception=True)
def meeting_list(request: HttpRequest) -> HttpResponse:
    items = AgendaItem.objects.prefetch_related("objectives", "commitments")
    item_filter = AgendaItemFilter(request.GET, queryset=items)
    meetings = HoldingToAccountMeeting.objects.prefetch_related(
        Prefetch("items", queryset=item_filter.qs.distinct(), to_attr="shown_items")
    )
    context = {"filter": item_filter, "meetings": meetings}
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
    meeting = get_object_or_404(HoldingToAccountMeeting, pk=pk)
    items = meeting.items.prefetch_related("objectives", "commitments")
    entries = merged_history(
        history_entries(meeting.history.all()),
        history_entries(AgendaItem.history.filter(meeting_id=meeting.pk)),
    )
    context = {"meeting": meeting, "items": items, "entries": entries}
    return render(request, "governance/delivery_meeting_detail.html", context)
