"""The CIPFA seven-principles governance dashboard: reviews, assessments and their history."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries
from editing.forms import save_edit

from ..forms import AssessmentForm
from ..models import Assessment, GovernanceReview, Rag, SubPrinciple
from ..services import ReviewExistsError, principles_with, rag_summary, start_next_review


def _review(year_slug: str) -> GovernanceReview:
    return get_object_or_404(GovernanceReview, year=year_slug.replace("-", "/"))


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def review_list(request: HttpRequest) -> HttpResponse:
    reviews = GovernanceReview.objects.annotate(
        green=Count("assessments", filter=Q(assessments__rag=Rag.GREEN)),
        amber=Count("assessments", filter=Q(assessments__rag=Rag.AMBER)),
        red=Count("assessments", filter=Q(assessments__rag=Rag.RED)),
        rows=Count("assessments"),
    ).order_by("-year")
    return render(request, "governance/cipfa_review_list.html", {"reviews": reviews})


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def review_detail(request: HttpRequest, year: str) -> HttpResponse:
    review = _review(year)
    previous = GovernanceReview.objects.filter(year__lt=review.year).order_by("-year").first()
    summary = rag_summary(review)
    context = {
        "review": review,
        "principles": principles_with(review),
        "summary": summary,
        "chart": _chart(summary),
        "chart_height": 20 + 28 * len(summary),
        "previous": previous,
    }
    return render(request, "governance/cipfa_review_detail.html", context)


def _chart(summary: list[dict]) -> list[dict]:
    """Bar geometry for the server-side SVG of RAG counts per principle."""
    widest = max((row["total"] for row in summary), default=0) or 1
    bars, scale = [], 300 / widest
    for index, row in enumerate(summary):
        x, segments = 40, []
        for key, colour in (("green", "#1e6b34"), ("amber", "#f3b700"), ("red", "#b10e1e")):
            width = row[key] * scale
            if width:
                segments.append({"x": x, "width": width, "colour": colour})
            x += width
        bars.append({"y": 10 + index * 28, "letter": row["principle"].letter, "segments": segments})
    return bars


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def review_compare(request: HttpRequest, year: str) -> HttpResponse:
    review = _review(year)
    previous = GovernanceReview.objects.filter(year__lt=review.year).order_by("-year").first()
    if previous is None:
        raise Http404("There is no earlier review to compare with.")
    before = {a.sub_principle_id: a for a in previous.assessments.all()}
    rows = [
        {"now": now, "before": before.get(now.sub_principle_id)}
        for now in review.assessments.select_related("sub_principle__principle")
    ]
    for row in rows:
        was = row["before"]
        row["changed"] = was is None or (was.rag, was.direction) != (
            row["now"].rag,
            row["now"].direction,
        )
    context = {"review": review, "previous": previous, "rows": rows}
    return render(request, "governance/cipfa_review_compare.html", context)


@permission_required("governance.add_governancereview", raise_exception=True)
@require_http_methods(["POST"])
def review_start_next(request: HttpRequest) -> HttpResponse:
    try:
        review = start_next_review(user=request.user)
    except (ReviewExistsError, GovernanceReview.DoesNotExist) as error:
        messages.error(request, str(error))
        return redirect("governance:review_list")
    messages.success(request, f"The {review.year} review starts as a copy of the last one.")
    return redirect(review)


@require_safe
@permission_required("governance.view_subprinciple", raise_exception=True)
def subprinciple_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_object_or_404(SubPrinciple.objects.select_related("principle"), pk=pk)
    assessments = sub.assessments.select_related("review").order_by("-review__year")
    histories = [(a, history_entries(a.history.all())) for a in assessments]
    context = {
        "sub": sub,
        "histories": histories,
        "sub_history": history_entries(sub.history.all()),
    }
    return render(request, "governance/cipfa_subprinciple_detail.html", context)


@permission_required("governance.change_assessment", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.select_related("review", "sub_principle__principle"), pk=pk
    )
    form = AssessmentForm(request.POST or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            saved = f"Saved {assessment.sub_principle.code} for {assessment.review.year}."
            messages.success(request, outcome.message(saved))
            return redirect(assessment.review)
        form = outcome.form
    return render(
        request, "governance/cipfa_assessment_form.html", {"form": form, "assessment": assessment}
    )
