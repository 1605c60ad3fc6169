"""The governance tables as spreadsheets: the tables the pages show, column for column.

Each builder takes the rows the page itself renders, as the reader sees them (live, or as
published), from the function that gives them to the page (`governance.services`,
`governance.tables`), so a page and its download cannot disagree.
"""

import datetime

from basics.spreadsheet import Cell, Column, Table, rich_to_text

RAG_COLOURS = {"green": ("#1e6b34", "#ffffff"), "amber": ("#f3b700", "#1b1f24"),
               "red": ("#b10e1e", "#ffffff")}  # fmt: skip


def cipfa_sheet(review, principles) -> Table:
    """The governance dashboard of a year (`governance.services.principles_with`)."""
    rows = []
    for principle in principles:
        for sub in principle.subprinciples.all():
            for assessment in sub.in_review:
                behaviours = "\n\n".join(
                    part for part in (sub.title, rich_to_text(sub.expected_behaviours)) if part
                )
                rag = assessment.get_rag_display() if assessment.rag else "Not rated"
                if assessment.rag_note:
                    rag = f"{rag} – {assessment.rag_note}"
                fill, colour = RAG_COLOURS.get(assessment.rag, ("", ""))
                rows.append(
                    [
                        f"{principle.letter}: {principle.title}",
                        sub.code,
                        behaviours,
                        rich_to_text(assessment.evidence),
                        assessment.get_direction_display() if assessment.direction else "",
                        Cell(rag, fill=fill, colour=colour),
                    ]
                )
    return Table(
        title=f"Governance dashboard {review.year}",
        columns=[
            Column("Principle", 30),
            Column("Code", 8),
            Column("Expected Behaviours & Outcomes", 60),
            Column("How the Requirements Are Met", 70),
            Column("Direction of Travel", 14),
            Column("RAG Status", 24),
        ],
        rows=rows,
    )


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "")


def inspections_sheet(listed, today: datetime.date) -> Table:
    """The HMIC inspections page's three tables as one: inspections and self assessments,
    PEEL inspections (grade, outcome) and the PCC's responses (dates, status)."""
    rows = []
    for inspection in listed:
        action_plan = " ".join(
            part for part in (_yes_no(inspection.action_plan), inspection.action_plan_note) if part
        )
        if inspection.pcc_response_overdue(today):
            response = "Overdue"
        elif inspection.pcc_response_published:
            response = "Published"
        else:
            response = "Due" if inspection.report_published else ""
        rows.append(
            [
                inspection.title,
                inspection.kind_label,
                inspection.date_text,
                _yes_no(inspection.core_group_established),
                action_plan,
                inspection.get_grade_display() if inspection.grade else "",
                inspection.outcome,
                inspection.report_published,
                inspection.pcc_response_due,
                inspection.pcc_response_published,
                response,
            ]
        )
    return Table(
        title="HMIC inspections",
        columns=[
            Column("Title", 40),
            Column("Inspection/ Self Assessment?", 16),
            Column("Date", 14),
            Column("Core Group Established?", 12),
            Column("Action Plan?", 20),
            Column("Grade", 14),
            Column("Outcome and notes", 40),
            Column("Report published", 13),
            Column("PCC response due", 13),
            Column("PCC response published", 13),
            Column("PCC response status", 12),
        ],
        rows=rows,
    )


TRACKER_HEADERS = ["Inspection", "Reference", "Kind", "Text", "Owner", "Due", "Status", "Risks"]


def recommendations_sheet(rows, today: datetime.date) -> Table:
    """The recommendation tracker (`governance.tables.recommendation_table`), the text in
    full where the page shortens it."""
    out = []
    for rec in rows:
        risks = ", ".join(risk.reference for risk in rec.shown_risks)
        if not risks and rec.linked_risk_count:
            risks = str(rec.linked_risk_count)  # linked risks this reader may not see
        status = rec.get_status_display() + (" (overdue)" if rec.is_overdue(today) else "")
        out.append(
            [
                rec.inspection.title,
                rec.reference,
                rec.get_kind_display(),
                rich_to_text(rec.text),
                rec.owner,
                rec.due_date,
                status,
                risks,
            ]
        )
    widths = [36, 12, 14, 70, 20, 12, 18, 14]
    columns = [Column(header, width) for header, width in zip(TRACKER_HEADERS, widths, strict=True)]
    return Table(title="HMIC recommendations", columns=columns, rows=out)


def delivery_sheet(table) -> Table:
    """The delivery plan as at a quarter (`governance.tables.delivery_table`)."""
    label = table.as_at_label
    rows = []
    for commitment in table.rows:
        activity = rich_to_text(commitment.supporting_activity)
        if commitment.cross_reference:
            activity = f"{activity}\n\n{commitment.cross_reference}".strip()
        update = commitment.as_at
        rows.append(
            [
                commitment.objective.title,
                commitment.get_element_display(),
                commitment.reference,
                rich_to_text(commitment.plan_commitment),
                activity,
                rich_to_text(update.text) if update else "",
                update.label if update else "",
                commitment.oversight_mechanisms,
            ]
        )
    progress = f"Progress update ({label})" if label else "Progress update"
    return Table(
        title=f"Delivery plan {label or ''}".strip(),
        columns=[
            Column("Objective", 30),
            Column("Element", 18),
            Column("Ref", 6),
            Column("Plan commitment", 50),
            Column("Supporting activity", 60),
            Column(progress, 60),
            Column("Reported for", 12),
            Column("Oversight mechanism(s)", 30),
        ],
        rows=rows,
    )
