"""Every endpoint against every reader: the pages' rules, through the same access modules.

PCC staff, signed in or through a token, read closed quarters and governance as published,
and get 404 for the open quarter and the live risks; a revoked token and an anonymous
caller get 401; nothing but GET, HEAD and OPTIONS is answered.
"""

import pytest
from django.urls import reverse

from governance.models import Inspection, Recommendation

from .conftest import Q2, Q3, bearer, token_for

pytestmark = pytest.mark.django_db

RISK, CHIEF, PCC, PCC_TOKEN, ANON, REVOKED, ADMIN = (
    "risk officer", "chief officer", "PCC staff", "PCC staff's token", "anonymous",
    "revoked token", "administrator",
)  # fmt: skip
ROLES = [RISK, CHIEF, PCC, PCC_TOKEN, ANON, REVOKED, ADMIN]


def endpoints() -> dict[str, bool]:
    """Every endpoint's URL, and whether it is live data (the open quarter, live risks)."""
    inspection = Inspection.objects.order_by("pk").first()
    recommendation = Recommendation.objects.get(reference="R1")
    return {
        "/api/registers/": False,
        "/api/registers/corporate/": False,
        "/api/quarters/": False,
        "/api/quarters/?register=corporate&status=closed": False,
        Q2: False,
        f"{Q2}rows/": False,
        f"{Q2}rows/?q=cyber&status=open": False,
        Q3: True,
        f"{Q3}rows/": True,
        f"{Q3}rows/?trend=New": True,
        "/api/risks/": True,
        "/api/risks/?status=open&rating=high": True,
        "/api/registers/corporate/risks/CRR18/": True,
        "/api/risks/?category=people&outside_appetite=true": True,
        "/api/actions/": True,
        "/api/actions/?register=corporate&status=open&overdue=true": True,
        "/api/cipfa/reviews/": False,
        "/api/cipfa/assessments/?review=2017-18&rag=amber": False,
        "/api/hmic/inspections/": False,
        f"/api/hmic/inspections/{inspection.pk}/": False,
        "/api/hmic/recommendations/?status=open&overdue=true": False,
        f"/api/hmic/recommendations/{recommendation.pk}/": False,
        f"/api/hmic/updates/?recommendation={recommendation.pk}": False,
        "/api/delivery/plans/": False,
        "/api/delivery/commitments/?element=pcc&quarter=2016-q3": False,
        "/api/delivery/progress/?year=2016&quarter=3": False,
        "/api/schema/": False,
    }


def expected(role: str, live: bool) -> int:
    if role in (ANON, REVOKED):
        return 401
    if role in (PCC, PCC_TOKEN) and live:
        return 404
    return 200


@pytest.fixture
def caller(request, client, risk_officer, chief_officer, pcc_staff, administrator):
    """A client signed in as `role` (a session, or a token in each request's header)."""
    role = request.param
    headers = {}
    if role in (RISK, CHIEF, PCC, ADMIN):
        user = {RISK: risk_officer, CHIEF: chief_officer, PCC: pcc_staff, ADMIN: administrator}
        client.force_login(user[role])
    elif role == PCC_TOKEN:
        headers = bearer(token_for(pcc_staff))
    elif role == REVOKED:
        token = token_for(risk_officer)
        risk_officer.api_tokens.get().revoke()
        headers = bearer(token)
    return role, client, headers


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_endpoint_answers_each_reader_as_the_pages_do(published, caller):
    role, client, headers = caller
    wrong = []
    for url, live in endpoints().items():
        got = client.get(url, **headers).status_code
        if got != expected(role, live):
            wrong.append(f"GET {url}: expected {expected(role, live)}, got {got}")
        head = client.head(url, **headers).status_code
        if head != got:
            wrong.append(f"HEAD {url}: {head}, GET {got}")
        # Writing: refused (405) for everyone signed in, 401 for everyone else.
        for method in ("post", "put", "patch", "delete"):
            answer = getattr(client, method)(url, **headers).status_code
            if answer != (401 if role in (ANON, REVOKED) else 405):
                wrong.append(f"{method.upper()} {url}: got {answer}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("caller", [PCC, PCC_TOKEN], indirect=True)
def test_pcc_staff_and_their_tokens_never_see_the_open_quarter(published, caller):
    role, client, headers = caller
    quarters = client.get("/api/quarters/", **headers).json()["results"]
    assert [q["label"] for q in quarters] == ["Q2 2021/22", "Q1 2021/22", "Q4 2020/21"]
    assert all(q["status"] == "closed" for q in quarters)
    for url in (Q3, f"{Q3}rows/", f"{Q3}rows/?page=2", "/api/risks/?register=corporate",
                "/api/actions/", "/api/registers/corporate/risks/CRR18/"):  # fmt: skip
        response = client.get(url, **headers)
        assert response.status_code == 404, url
        assert "CRR" not in response.content.decode()


@pytest.mark.parametrize("caller", [PCC, PCC_TOKEN], indirect=True)
def test_pcc_staff_and_their_tokens_read_governance_as_published(published, caller):
    role, client, headers = caller
    custody = Inspection.objects.order_by("pk").first()
    custody.title = "Custody (renamed after publication)"
    custody.save()
    added = Inspection.objects.create(title="Stalking and harassment", kind="inspection")
    recommendation = Recommendation.objects.get(reference="R1")
    recommendation.updates.create(text="<p>Not yet published.</p>")

    titles = [i["title"] for i in client.get("/api/hmic/inspections/", **headers).json()["results"]]
    assert "Custody" in titles
    assert "Custody (renamed after publication)" not in titles
    assert "Stalking and harassment" not in titles
    assert client.get(f"/api/hmic/inspections/{added.pk}/", **headers).status_code == 404
    detail = client.get(f"/api/hmic/inspections/{custody.pk}/", **headers).json()
    assert detail["title"] == "Custody"
    updates = client.get(f"/api/hmic/updates/?recommendation={recommendation.pk}", **headers)
    assert [u["text"] for u in updates.json()["results"]] == ["<p>Under way.</p>"]


def test_officers_read_governance_live(published, client, chief_officer):
    client.force_login(chief_officer)
    added = Inspection.objects.create(title="Stalking and harassment", kind="inspection")
    titles = [i["title"] for i in client.get("/api/hmic/inspections/").json()["results"]]
    assert "Stalking and harassment" in titles
    assert client.get(f"/api/hmic/inspections/{added.pk}/").status_code == 200


def test_pcc_staff_get_nothing_of_governance_before_a_publication(seeded, client, pcc_staff):
    from governance.models import Publication

    Publication.objects.all().delete()
    client.force_login(pcc_staff)
    assert client.get("/api/hmic/inspections/").json()["count"] == 0
    assert client.get("/api/cipfa/reviews/").json()["count"] == 0
    inspection = Inspection.objects.order_by("pk").first()
    assert client.get(f"/api/hmic/inspections/{inspection.pk}/").status_code == 404


def test_withdrawn_records_never_appear(published, client, risk_officer):
    from governance.models import ProgressUpdate, RecommendationUpdate
    from registers.models import Risk

    client.force_login(risk_officer)
    update = RecommendationUpdate.objects.get()
    update.withdraw(user=risk_officer, reason="entered against the wrong recommendation")
    progress = ProgressUpdate.objects.order_by("pk").first()
    progress.withdraw(user=risk_officer, reason="entered twice")
    template = Risk.objects.get(reference="CRR13")
    mistake = Risk.objects.create(
        register=template.register, reference="CRR99", name="Entered by mistake"
    )
    mistake.withdraw(user=risk_officer, reason="entered in error")

    assert client.get("/api/hmic/updates/").json()["count"] == 0
    progress_ids = [p["id"] for p in _all(client, "/api/delivery/progress/")]
    assert progress.pk not in progress_ids and progress_ids
    risks = [r["reference"] for r in _all(client, "/api/risks/")]
    assert "CRR99" not in risks and "CRR13" in risks
    rows = [r["reference"] for r in _all(client, f"{Q3}rows/")]
    assert "CRR99" not in rows and "CRR13" in rows
    assert client.get("/api/registers/corporate/risks/CRR99/").status_code == 404


def _all(client, url: str, **headers) -> list[dict]:
    """Every row of a list, following `next` as a reporting tool does."""
    rows = []
    while url:
        page = client.get(url, **headers).json()
        rows += page["results"]
        url = page["next"]
    return rows


@pytest.mark.parametrize("period", ["2021-q2", "2021-q3"])
@pytest.mark.parametrize("query", ["", "?q=cyber", "?status=open&trend=%E2%86%92"])
def test_a_quarters_rows_are_the_rows_of_its_register_page(
    seeded, client, chief_officer, period, query
):
    client.force_login(chief_officer)
    page = client.get(f"/registers/corporate/{period}/{query}").content.decode()
    rows = _all(client, f"/api/registers/corporate/quarters/{period}/rows/{query}")
    references = [row["reference"] for row in rows]
    assert references, "the filter should leave some rows"
    # In the page's order: each reference's first link or cell, in the order the page has them.
    shown = sorted(references, key=lambda ref: page.index(f">{ref}<"))
    assert references == shown
    assert all(page.count(f">{ref}<") for ref in references)
    if not query:
        assert len(references) == 18


def test_a_row_holds_what_the_register_page_shows(seeded, client, pcc_staff):
    client.force_login(pcc_staff)
    row = client.get(f"{Q2}rows/").json()["results"][0]
    assert row["reference"] == "CRR18"
    assert row["rating"] == "Critical"
    assert [t["quarter"] for t in row["trends"]] == ["Q4", "Q1", "Q2"]
    assert len(row["controls"]) > 1 and all(isinstance(c, str) for c in row["controls"])
    assert set(row) >= {"name", "description", "impact", "lead_officer", "status", "circulation"}


def test_a_quarter_carries_its_picture(seeded, client, chief_officer):
    from registers.models import ReportingPeriod
    from registers.quarter import quarter_picture

    client.force_login(chief_officer)
    data = client.get(Q3).json()
    picture = quarter_picture(ReportingPeriod.objects.get(year=2021, quarter=3))
    assert data["total"] == picture.total
    assert data["movements"]["new"] == [moved.reference for moved in picture.movements.new]
    assert [(c["rating"], c["count"]) for c in data["band_counts"]] == [
        (count.band.label if count.band else None, count.count) for count in picture.band_counts
    ]


def test_filters_not_understood_are_a_400_that_says_which(seeded, client, chief_officer):
    client.force_login(chief_officer)
    for url, field in [
        (f"{Q2}rows/?band=999", "band"),
        ("/api/risks/?status=maybe", "status"),
        ("/api/actions/?status=maybe", "status"),
        ("/api/hmic/recommendations/?status=perhaps", "status"),
        ("/api/delivery/commitments/?quarter=1999-q9", "quarter"),
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert field in response.json(), url


def test_pages_are_bounded(seeded, client, chief_officer):
    client.force_login(chief_officer)
    page = client.get(f"{Q2}rows/?page_size=5").json()
    assert (page["count"], len(page["results"])) == (18, 5)
    assert "page=2" in page["next"]
    assert len(_all(client, f"{Q2}rows/?page_size=5")) == 18
    big = client.get(f"{Q2}rows/?page_size=100000").json()
    assert len(big["results"]) == 18  # capped at the maximum, not refused
    assert client.get(f"{Q2}rows/?page=99").status_code == 404


def test_refusals_to_signed_in_readers_are_audited(seeded, client, pcc_staff):
    from riskreg.models import AuditEvent

    client.force_login(pcc_staff)
    assert client.get(f"{Q3}rows/").status_code == 404
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.REFUSED).first()
    assert event.user == pcc_staff and event.path == f"{Q3}rows/"


def test_a_reader_without_the_permission_is_refused_403(seeded, client):
    from tests.conftest import make_user

    client.force_login(make_user("nobody"))
    assert client.get("/api/registers/").status_code == 403
    assert client.get(reverse("api:inspection_list")).status_code == 403


def test_requests_beyond_the_hourly_rate_are_refused_429(
    seeded, client, chief_officer, monkeypatch
):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/hour"})
    client.force_login(chief_officer)
    answers = [client.get("/api/registers/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_options_describe_an_endpoint_to_signed_in_readers_only(seeded, client, chief_officer):
    assert client.options("/api/registers/").status_code == 401
    client.force_login(chief_officer)
    response = client.options("/api/registers/")
    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_answers_to_a_token_are_kept_by_no_cache(seeded, client, pcc_staff):
    response = client.get(f"{Q2}rows/", **bearer(token_for(pcc_staff)))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}


def test_a_live_risk_carries_the_risk_model(seeded, client, chief_officer):
    from registers.appetite import outside_appetite
    from registers.models import Risk

    client.force_login(chief_officer)
    risks = {r["reference"]: r for r in _all(client, "/api/risks/")}
    crr18 = Risk.objects.select_related("owner", "category").get(reference="CRR18")
    row = risks["CRR18"]
    assert row["category"] == crr18.category.name == "People"
    assert row["owner"] == (crr18.owner.get_full_name() if crr18.owner else "")
    assert (row["inherent_likelihood"], row["inherent_impact"], row["inherent_score"]) == (5, 5, 25)
    assert (row["target_likelihood"], row["target_impact"], row["target_score"]) == (3, 3, 9)
    assert row["treatment"] == "treat"
    # Outside appetite, as registers.appetite decides it: the one rule.
    outside = set(outside_appetite(Risk.objects.all()).values_list("reference", flat=True))
    assert outside and {ref for ref, r in risks.items() if r["outside_appetite"]} == outside
    filtered = _all(client, "/api/risks/?outside_appetite=true")
    assert {r["reference"] for r in filtered} == outside

    detail = client.get("/api/registers/corporate/risks/CRR18/").json()
    assert detail["outside_appetite"] == row["outside_appetite"]
    assert [a["text"] for a in detail["actions"]] == list(
        crr18.actions.values_list("text", flat=True)
    )
    assert len(detail["reviews"]) == crr18.reviews.count()


def test_actions_are_listed_as_the_registers_actions_page_lists_them(seeded, client, chief_officer):
    import datetime

    from registers.models import Action

    client.force_login(chief_officer)
    actions = _all(client, "/api/actions/")
    assert len(actions) == Action.objects.count() > 0
    today = datetime.date.today()
    overdue = {a.pk for a in Action.objects.overdue(today)}
    assert {a["id"] for a in actions if a["overdue"]} == overdue
    only_overdue = _all(client, "/api/actions/?overdue=true")
    assert {a["id"] for a in only_overdue} == overdue
    first = Action.objects.order_by("pk").first()
    row = next(a for a in actions if a["id"] == first.pk)
    assert (row["risk"], row["status"]) == (first.risk.reference, first.status)
    assert row["original_target_date"] == (
        first.original_target_date.isoformat() if first.original_target_date else None
    )


def test_a_closed_quarters_rows_carry_the_frozen_risk_model_columns(seeded, client, pcc_staff):
    client.force_login(pcc_staff)
    row = client.get(f"{Q2}rows/").json()["results"][0]
    assert {"owner", "category", "appetite", "outside_appetite", "inherent", "target",
            "treatment", "next_review_date", "open_actions"} <= set(row)  # fmt: skip
