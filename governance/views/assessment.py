"""The strategic assessment: topics on a probability-of-impact chart, priorities, terms."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from basics.history import history_entries, merged_history
from editing.forms import save_edit

from ..access import attach_linked_risks, history_hidden_fields
from ..assessment_forms import AssessmentTopicForm
from ..models import (
    AssessmentTopic,
    ControlStrategyPriority,
    Probability,
    RiskDefinition,
    StrategicAssessment,
)
from ..publication import reading_for

# Chart geometry, in SVG user units.
CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, STEP, PER_LINE = 760, 130, 44, 36, 17


def probability_chart(topics: list[AssessmentTopic]) -> dict:
    """Rows for the SVG chart: one band per level, high at the top, then "not placed"."""
    levels = [(value, label) for value, label in Probability.choices] + [("", "Not placed")]
    rows, y = [], 0
    for value, label in levels:
        placed = [topic for topic in topics if topic.probability == value]
        lines = max(1, -(-len(placed) // PER_LINE))
        height = lines * ROW_HEIGHT
        dots = [
            {
                "topic": topic,
                "x": LABEL_WIDTH + 24 + (i % PER_LINE) * STEP,
                "y": y + ROW_HEIGHT // 2 + (i // PER_LINE) * ROW_HEIGHT,
            }
            for i, topic in enumerate(placed)
        ]
        rows.append(
            {"value": value, "label": label, "y": y, "height": height, "mid": y + height // 2}
            | {"dots": dots, "topics": placed}
        )
        y += height
    return {"rows": rows, "width": CHART_WIDTH, "height": y, "label_width": LABEL_WIDTH}


@require_safe
@permission_required("governance.view_strategicassessment", raise_exception=True)
def assessment_list(request: HttpRequest) -> HttpResponse:
    reading = reading_for(request.user)
    context = {
        "assessments": reading.records(StrategicAssessment),
        "publication": reading.note(StrategicAssessment),
    }
    return render(request, "governance/assessment_list.html", context)


@require_safe
@permission_required("governance.view_strategicassessment", raise_exception=True)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    assessment = reading.get(StrategicAssessment, pk=pk)
    topics = reading.records(AssessmentTopic).filter(assessment_id=pk)
    topics = attach_linked_risks(request.user, list(topics))
    context = {
        "assessment": assessment,
        "topics": topics,
        "chart": probability_chart(topics),
        "entries": history_entries(reading.history(StrategicAssessment.history.filter(id=pk))),
        "publication": reading.note(StrategicAssessment, AssessmentTopic),
        "unpublished": reading.unpublished_ids(AssessmentTopic),
    }
    return render(request, "governance/assessment_detail.html", context)


@require_safe
@permission_required("governance.view_controlstrategypriority", raise_exception=True)
def assessment_priorities(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    assessment = reading.get(StrategicAssessment, pk=pk)
    entries = merged_history(
        history_entries(reading.history(ControlStrategyPriority.history.filter(assessment_id=pk))),
        history_entries(reading.history(RiskDefinition.history.filter(assessment_id=pk))),
    )
    context = {
        "assessment": assessment,
        "priorities": reading.records(ControlStrategyPriority).filter(assessment_id=pk),
        "definitions": reading.records(RiskDefinition).filter(assessment_id=pk),
        "entries": entries,
        "publication": reading.note(ControlStrategyPriority, RiskDefinition),
    }
    return render(request, "governance/assessment_priorities.html", context)


@require_safe
@permission_required("governance.view_assessmenttopic", raise_exception=True)
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reading = reading_for(request.user)
    topic = reading.get(AssessmentTopic, pk=pk)
    attach_linked_risks(request.user, [topic])
    # Linked risks are live-register data, which PCC staff do not see.
    hidden = history_hidden_fields(request.user)
    history = reading.history(AssessmentTopic.history.filter(id=pk))
    context = {
        "topic": topic,
        "entries": history_entries(history, exclude=hidden),
        "publication": reading.note(AssessmentTopic),
    }
    return render(request, "governance/assessment_topic_detail.html", context)


@permission_required("governance.change_assessmenttopic", raise_exception=True)
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(AssessmentTopic.objects.select_related("assessment"), pk=pk)
    form = AssessmentTopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"Topic {topic.number} saved."))
            return redirect(topic)
        form = outcome.form
    return render(request, "governance/assessment_topic_form.html", {"topic": topic, "form": form})
