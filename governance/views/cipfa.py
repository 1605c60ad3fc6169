"""The CIPFA seven-principles governance dashboard: reviews, assessments and their history."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries
from editing.forms import save_edit

from ..forms import AssessmentForm
from ..models import Assessment, GovernanceReview, Principle, SubPrinciple
from ..publication import Reading, reading_for
from ..services import ReviewExistsError, principles_with, rag_summary, start_next_review


def _review(reading: Reading, year_slug: str) -> GovernanceReview:
    return reading.get(GovernanceReview, year=year_slug.replace("-", "/"))


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def review_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    reviews = list(reading.records(GovernanceReview).order_by("-year"))
    counts: dict[int, Counter] = {review.pk: Counter() for review in reviews}
    for review_id, rag in reading.records(Assessment).values_list("review_id", "rag"):
        counts.setdefault(review_id, Counter())[rag] += 1
    for review in reviews:
        counter = counts[review.pk]
        review.green, review.amber, review.red = counter["green"], counter["amber"], counter["red"]
        review.rows = sum(counter.values())
    context = {
        "reviews": reviews,
        "publication": reading.note(GovernanceReview, Assessment),
        "unpublished": reading.unpublished_ids(GovernanceReview),
    }
    return render(request, "governance/cipfa_review_list.html", context)


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def review_detail(request: HttpRequest, year: str) -> HttpResponse:
    reading = reading_for(request.user)
    review = _review(reading, year)
    previous = (
        reading.records(GovernanceReview).filter(year__lt=review.year).order_by("-year").first()
    )
    summary = rag_summary(review, reading)
    context = {
        "review": review,
        "principles": principles_with(review, reading),
        "summary": summary,
        "chart": _chart(summary),
        "chart_height": 20 + 28 * len(summary),
        "previous": previous,
        "publication": reading.note(GovernanceReview, Assessment, SubPrinciple, Principle),
        "unpublished": reading.unpublished_ids(Assessment),
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
    reading = reading_for(request.user)
    review = _review(reading, year)
    reviews = reading.records(GovernanceReview)
    previous = reviews.filter(year__lt=review.year).order_by("-year").first()
    if previous is None:
        raise Http404("There is no earlier review to compare with.")
    assessments = reading.records(Assessment)
    before = {a.sub_principle_id: a for a in assessments.filter(review_id=previous.pk)}
    now = list(assessments.filter(review_id=review.pk))
    subs = reading.records(SubPrinciple)
    prefetch_related_objects(
        now,
        Prefetch("sub_principle", queryset=subs),
        Prefetch("sub_principle__principle", queryset=reading.records(Principle)),
    )
    rows = [{"now": now, "before": before.get(now.sub_principle_id)} for now in now]
    for row in rows:
        was = row["before"]
        row["changed"] = was is None or (was.rag, was.direction) != (
            row["now"].rag,
            row["now"].direction,
        )
    context = {
        "review": review,
        "previous": previous,
        "rows": rows,
        "publication": reading.note(GovernanceReview, Assessment),
    }
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
    reading = reading_for(request.user)
    sub = reading.get(SubPrinciple, pk=pk)
    assessments = list(reading.records(Assessment).filter(sub_principle_id=sub.pk))
    prefetch_related_objects(
        assessments, Prefetch("review", queryset=reading.records(GovernanceReview))
    )
    assessments.sort(key=lambda a: a.review.year, reverse=True)
    histories = [
        (a, history_entries(reading.history(Assessment.history.filter(id=a.pk))))
        for a in assessments
    ]
    context = {
        "sub": sub,
        "histories": histories,
        "sub_history": history_entries(reading.history(SubPrinciple.history.filter(id=sub.pk))),
        "publication": reading.note(SubPrinciple, Assessment),
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
