"""Every URL of the project, for every role, GET and POST, against a table of who may do what.

The walk resolves every URL pattern (`get_resolver()`), fills its arguments from seeded
objects through ARGUMENTS, and checks each answer against RULES. A pattern without a rule
fails the test, so a URL added later without saying who may use it is caught here.
Each request runs in a savepoint that is rolled back, so no POST of the walk changes what
later requests see.
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from registers.models import ReportingPeriod, Risk

pytestmark = pytest.mark.django_db

ANON, RISK, CHIEF, PCC, ADMIN = "anonymous", "risk officer", "chief officer", "PCC staff", "admin"
ROLES = [ANON, RISK, CHIEF, PCC, ADMIN]
USERS = {RISK: "risk_officer", CHIEF: "chief_officer", PCC: "pcc_staff", ADMIN: "administrator"}

# What an answer may be. A redirect names where it must lead.
OK = 200  # the page, or a form shown again with its errors
DENY = 403
GONE = 404
METHOD = 405
BAD = 400
UNAUTHORIZED = 401  # the API: no session and no token (or a refused one)
SIGN_IN = "302 to /accounts/login/"
ADMIN_SIGN_IN = "302 to /admin/login/"
REDIRECT = "302"  # anywhere else: after a save, a quarter's page, the admin's index
# The admin's own pages send anonymous visitors to its sign-in page, the model pages to the
# site's (LoginRequiredMiddleware); either is a sign-in page.
ANY_SIGN_IN = frozenset({SIGN_IN, ADMIN_SIGN_IN})


def answer(response) -> int | str:
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    for expected in (SIGN_IN, ADMIN_SIGN_IN):
        if location.startswith(expected.removeprefix("302 to ")):
            return expected
    return REDIRECT


# --- The table: view name (with "@case" where one view has several cases) -> method ->
# the answer of each role in ROLES order: anonymous, risk officer, chief officer, PCC staff,
# administrator. An administrator is a superuser in no role: every permission, every page.
def same(get, post=None):
    return {"GET": get, "POST": post or get}


def read(get):
    """A page that only shows: POST is refused (405) for everyone signed in."""
    return {"GET": get, "POST": (SIGN_IN, METHOD, METHOD, METHOD, METHOD)}


READ_ALL = (SIGN_IN, OK, OK, OK, OK)  # a page every role reads
READ_LIVE = (SIGN_IN, OK, OK, GONE, OK)  # the working register: hidden (404) from PCC staff
EDIT = (SIGN_IN, OK, DENY, DENY, OK)  # a form: shown, or shown again with errors
EDIT_LIVE = (SIGN_IN, OK, DENY, DENY, OK)
POST_ONLY = GET_ONLY = (SIGN_IN, METHOD, METHOD, METHOD, METHOD)
API_WRITE = (UNAUTHORIZED, METHOD, METHOD, METHOD, METHOD)
API_READ = {"GET": (UNAUTHORIZED, OK, OK, OK, OK), "POST": API_WRITE}
API_LIVE = {"GET": (UNAUTHORIZED, OK, OK, GONE, OK), "POST": API_WRITE}  # 404 to PCC staff

RULES: dict[str, dict[str, tuple]] = {
    "home": {"GET": READ_ALL, "POST": (SIGN_IN, METHOD, METHOD, METHOD, METHOD)},
    # Signing in: the form for everyone; a signed-in user is sent on.
    "login": {
        "GET": (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        "POST": (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    },
    "logout": {"GET": POST_ONLY, "POST": (SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN)},
    # Single sign-on (configured for the walk by `provider_configured`): anyone may start a
    # sign-in at the provider; a callback that is no answer from it goes back to sign-in.
    # The "no access" page refuses (403) whoever asks: it explains a refused sign-in.
    "oidc_authentication_init": {"GET": (REDIRECT,) * 5, "POST": (METHOD,) * 5},
    "oidc_authentication_callback": {"GET": (SIGN_IN,) * 5, "POST": (METHOD,) * 5},
    "no_access": {"GET": (DENY,) * 5, "POST": (METHOD,) * 5},
    # Each signed-in user's own reminder choice.
    "reminders:settings": same(READ_ALL),
    # Every signed-in user changes their own password (an empty POST: the form again).
    "password_change": same(READ_ALL),
    # Reset by e-mail exists only where EMAIL_HOST is set; the test settings have none.
    "password_reset": same((GONE,) * 5),
    "password_reset_done": same((GONE,) * 5),
    "password_reset_confirm": same((GONE,) * 5),
    "password_reset_complete": same((GONE,) * 5),
    # The register
    "registers:register_list": read(READ_ALL),
    "registers:register_detail": read((SIGN_IN, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "registers:register_period@open": read(READ_LIVE),
    "registers:register_period@closed": read(READ_ALL),
    # The open quarter's changes so far are the working register's: officers only.
    "registers:quarter_changes@open": read(READ_LIVE),
    "registers:quarter_changes@closed": read(READ_ALL),
    "quarters:close@open": {
        "GET": (SIGN_IN, OK, DENY, DENY, OK),
        "POST": (SIGN_IN, OK, DENY, DENY, OK),  # an empty form: "confirm" is required
    },
    "quarters:close@closed": same((SIGN_IN, REDIRECT, DENY, DENY, REDIRECT)),
    # A chief officer's sign-off: nothing awaits it in the walk, so back to the quarter.
    "quarters:sign_off@open": same((SIGN_IN, DENY, REDIRECT, DENY, REDIRECT)),
    "quarters:sign_off@closed": same((SIGN_IN, DENY, REDIRECT, DENY, REDIRECT)),
    # Downloads of the register's tables: as their pages (the open quarter and the live
    # risks' tables are the officers').
    "registers:register_export@open": read(READ_LIVE),
    "registers:register_export@closed": read(READ_ALL),
    "registers:risk_quarters_export": read(READ_LIVE),
    "registers:risk_history_export": read(READ_LIVE),
    "registers:risk_actions_export": read(READ_LIVE),
    "registers:risk_reviews_export": read(READ_LIVE),
    "registers:action_list_export": read(READ_LIVE),
    # Import from a spreadsheet: risk officers; an empty upload is the form again with its
    # error. A preview is its uploader's only (the walk's is the risk officer's): confirming
    # it imports and leads to the register.
    "registers:import_start": same(EDIT),
    "registers:import_template": read((SIGN_IN, OK, DENY, DENY, OK)),
    "registers:import_list": read((SIGN_IN, OK, OK, DENY, OK)),
    "registers:import_preview": {
        "GET": (SIGN_IN, OK, DENY, DENY, GONE),
        "POST": (SIGN_IN, REDIRECT, DENY, DENY, GONE),
    },
    "registers:risk_create": same(EDIT),
    "registers:risk_detail": read(READ_LIVE),
    "registers:risk_edit": same((SIGN_IN, OK, DENY, DENY, OK)),
    # CRR18 is in a published quarter: withdrawing it is refused with a message.
    "registers:risk_withdraw": same((SIGN_IN, REDIRECT, DENY, DENY, REDIRECT)),
    # The risk model: actions and reviews of live risks, the register's appetite, and each
    # officer's own risks and actions (PCC staff own none: refused).
    "registers:action_create": same(EDIT),
    "registers:action_edit": same(EDIT),
    "registers:review_create": same(EDIT),
    "registers:action_list": read(READ_LIVE),
    "registers:category_list": read(READ_LIVE),
    "registers:category_edit": same(EDIT),
    "registers:my_risks": read((SIGN_IN, OK, OK, DENY, OK)),
    "registers:my_actions": read((SIGN_IN, OK, OK, DENY, OK)),
    # CIPFA governance
    "governance:review_list": read(READ_ALL),
    "governance:review_detail": read(READ_ALL),
    "governance:review_compare": read(READ_ALL),
    "governance:subprinciple_detail": read(READ_ALL),
    "governance:cipfa_export": read(READ_ALL),
    "governance:review_start_next": {
        "GET": (SIGN_IN, METHOD, DENY, DENY, METHOD),
        "POST": (SIGN_IN, REDIRECT, DENY, DENY, REDIRECT),
    },
    "governance:assessment_edit": same(EDIT),
    # HMIC
    "governance:inspection_list": read(READ_ALL),
    "governance:inspection_detail": read(READ_ALL),
    "governance:inspections_export": read(READ_ALL),
    "governance:recommendations_export": read(READ_ALL),
    "governance:inspection_create": same(EDIT),
    "governance:inspection_edit": same(EDIT),
    "governance:recommendation_list": read(READ_ALL),
    "governance:recommendation_detail": read(READ_ALL),
    "governance:recommendation_create": same(EDIT),
    "governance:recommendation_edit": same(EDIT),
    "governance:update_add": {
        "GET": (SIGN_IN, METHOD, DENY, DENY, METHOD),
        "POST": (SIGN_IN, BAD, DENY, DENY, BAD),  # an empty update is a bad request
    },
    "governance:update_edit": same(EDIT),
    "governance:update_withdraw": same(EDIT),
    # Police and Crime Plan delivery, oversight, holding to account
    "governance:delivery_index": read((SIGN_IN, REDIRECT, REDIRECT, REDIRECT, REDIRECT)),
    "governance:delivery_plan": read(READ_ALL),
    "governance:delivery_export": read(READ_ALL),
    "governance:commitment_detail": read(READ_ALL),
    "governance:commitment_edit": same(EDIT),
    "governance:progress_add": same(EDIT),
    "governance:progress_edit": same(EDIT),
    "governance:progress_withdraw": same(EDIT),
    "governance:oversight_list": read(READ_ALL),
    "governance:oversight_detail": read(READ_ALL),
    "governance:meeting_list": read(READ_ALL),
    "governance:meeting_detail": read(READ_ALL),
    "governance:meeting_edit": same(EDIT),
    # Strategic assessment
    "governance:assessment_list": read(READ_ALL),
    "governance:assessment_detail": read(READ_ALL),
    "governance:assessment_priorities": read(READ_ALL),
    "governance:topic_detail": read(READ_ALL),
    "governance:topic_edit": same(EDIT),
    # Quarterly PDF packs: every role downloads a closed quarter's; only the risk officer
    # sees the open quarter's draft. No pack is built in the walk, so a download leads to
    # the pack's status page (which queues its build). Risk officers queue a failed build
    # again (POST on its status page) and a fresh draft (POST on the draft page).
    "packs:list": {"GET": READ_ALL, "POST": GET_ONLY},
    "packs:download@closed": {
        "GET": (SIGN_IN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        "POST": GET_ONLY,
    },
    "packs:download@open": {"GET": (SIGN_IN, GONE, GONE, GONE, GONE), "POST": GET_ONLY},
    # The public version: served, queued and refused as the full one is.
    "packs:public_download@closed": {
        "GET": (SIGN_IN, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        "POST": GET_ONLY,
    },
    "packs:public_download@open": {"GET": (SIGN_IN, GONE, GONE, GONE, GONE), "POST": GET_ONLY},
    "packs:status@closed": {"GET": READ_ALL, "POST": (SIGN_IN, REDIRECT, DENY, DENY, REDIRECT)},
    "packs:status@open": same((SIGN_IN, GONE, GONE, GONE, GONE)),
    "packs:preview@open": {
        "GET": (SIGN_IN, OK, DENY, DENY, OK),
        "POST": (SIGN_IN, REDIRECT, DENY, DENY, REDIRECT),
    },
    "packs:preview@closed": same((SIGN_IN, REDIRECT, DENY, DENY, REDIRECT)),
    # The draft's PDF: none built in the walk, so back to the draft page.
    "packs:draft_file@open": {"GET": (SIGN_IN, REDIRECT, DENY, DENY, REDIRECT), "POST": GET_ONLY},
    "packs:draft_file@closed": {
        "GET": (SIGN_IN, REDIRECT, DENY, DENY, REDIRECT),
        "POST": GET_ONLY,
    },  # fmt: skip
    # Each signed-in user's own API tokens (an empty POST: the form again); the walk's token
    # is another user's, so its revoke page is a 404 for everyone.
    "api:tokens": same(READ_ALL),
    "api:token_revoke": same((SIGN_IN, GONE, GONE, GONE, GONE)),
    # The API's documentation page: a page for people, signed in.
    "api:docs": {"GET": READ_ALL, "POST": GET_ONLY},
    # The read-only API: 401 without a session or token, nothing but reading (405).
    "api:schema": API_READ,
    "api:register_list": API_READ,
    "api:register_detail": API_READ,
    "api:quarter_list": API_READ,
    "api:quarter_detail@closed": API_READ,
    "api:quarter_detail@open": API_LIVE,
    "api:quarter_rows@closed": API_READ,
    "api:quarter_rows@open": API_LIVE,
    "api:risk_list": API_LIVE,
    "api:risk_detail": API_LIVE,
    "api:action_list": API_LIVE,
    "api:review_list": API_READ,
    "api:assessment_list": API_READ,
    "api:inspection_list": API_READ,
    "api:inspection_detail": API_READ,
    "api:recommendation_list": API_READ,
    "api:recommendation_detail": API_READ,
    "api:update_list": API_READ,
    "api:plan_list": API_READ,
    "api:commitment_list": API_READ,
    "api:progress_list": API_READ,
}

# The Django admin is for administrators: every other role is sent to its sign-in page.
# Named admin views not listed in ADMIN_RULES answer an administrator with the page (200).
# (Anonymous visitors are sent to the site's own sign-in page first.)
ADMIN_DEFAULT = same((ANY_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, ADMIN_SIGN_IN, OK))


def for_admin(get, post=None) -> dict[str, tuple]:
    """Other roles as ADMIN_DEFAULT; the administrator gets `get` and `post`."""
    return {
        "GET": (*ADMIN_DEFAULT["GET"][:4], get),
        "POST": (*ADMIN_DEFAULT["POST"][:4], get if post is None else post),
    }


# Logs and generated records are read-only in the admin (adding or changing is refused),
# and a record that does not exist is answered by a redirect to the admin's index.
READ_ONLY_LOG = {"add": for_admin(DENY), "change": for_admin(OK, DENY), "delete": for_admin(DENY)}
EMPTY = {  # no row of these in the seed
    "change": for_admin(REDIRECT),
    "delete": for_admin(REDIRECT),
    "history": for_admin(REDIRECT),
}
ADMIN_RULES: dict[str, dict[str, tuple]] = {
    "admin:login": {
        "GET": (OK, OK, OK, OK, REDIRECT),
        "POST": (OK, OK, OK, OK, OK),
    },
    "admin:logout": {
        "GET": (ADMIN_SIGN_IN, REDIRECT, REDIRECT, REDIRECT, METHOD),
        "POST": (ADMIN_SIGN_IN, REDIRECT, REDIRECT, REDIRECT, SIGN_IN),
    },
    "admin:jsi18n": for_admin(OK, METHOD),
    "admin:password_change_done": for_admin(OK, METHOD),
    "admin:autocomplete": for_admin(OK, METHOD),
    "admin:view_on_site": for_admin(REDIRECT),  # to the risk's page
    # A closed quarter's snapshot is frozen: not changed or deleted, even here.
    "admin:registers_quarterlysnapshot_change": for_admin(OK, DENY),
    "admin:registers_quarterlysnapshot_delete": for_admin(DENY),
    # So is a closed quarter itself (the walk's period 1 is Q4 2020/21, closed).
    "admin:registers_reportingperiod_change": for_admin(OK, DENY),
    # simple-history's revert form of a closed quarter's records: shown, never saved.
    "admin:registers_reportingperiod_simple_history": for_admin(OK, DENY),
    "admin:registers_quarterlysnapshot_simple_history": for_admin(OK, DENY),
    # The audit log: administrators read it; no one adds, changes or deletes an event.
    **{f"admin:riskreg_auditevent_{action}": rule for action, rule in READ_ONLY_LOG.items()},
    **{
        f"admin:{model}_{action}": rule
        for model in ("axes_accessattempt", "axes_accessfailurelog")
        for action, rule in (READ_ONLY_LOG | EMPTY).items()
    },
    # Users' API tokens: administrators see and revoke them; none is made or changed here.
    "admin:api_apitoken_add": for_admin(DENY),
    "admin:api_apitoken_change": for_admin(OK, DENY),
    "admin:api_apitoken_delete": for_admin(DENY),
    # Reminders: what was e-mailed is a record; a user's choice is theirs, never deleted.
    **{f"admin:reminders_sentreminder_{a}": rule for a, rule in READ_ONLY_LOG.items()},
    "admin:reminders_remindersettings_add": for_admin(DENY),
    "admin:reminders_remindersettings_change": for_admin(OK, REDIRECT),
    "admin:reminders_remindersettings_delete": for_admin(DENY),
    "admin:reminders_remindersettings_simple_history": for_admin(OK, REDIRECT),  # reverts
    "admin:axes_accesslog_add": READ_ONLY_LOG["add"],
    "admin:axes_accesslog_change": for_admin(OK, REDIRECT),
    **{
        f"admin:{model}_{action}": rule
        for model in ("riskreg_pack", "riskreg_packdownload", "django_tasks_database_dbtaskresult")
        for action, rule in (
            EMPTY
            | {
                "add": for_admin(DENY),
                "delete": for_admin(DENY),
                "change": for_admin(REDIRECT, DENY),
            }
        ).items()
    },  # fmt: skip
}


def rule_for(key: str) -> dict[str, tuple] | None:
    if key in RULES:
        return RULES[key]
    if key.startswith("admin:"):
        return ADMIN_RULES.get(key, ADMIN_DEFAULT)
    return None


# --- The URLs and their arguments --------------------------------------------------------


@dataclass
class Route:
    name: str  # "namespace:name", or the route itself for an unnamed pattern
    kwargs: list[str]
    positional: int  # unnamed groups (simple-history's admin history page has two)


def walk(patterns, namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = entry.name or prefix + str(entry.pattern)
            regex = entry.pattern.regex
            yield Route(
                f"{namespace}:{name}" if namespace else name,
                list(regex.groupindex),
                regex.groups - len(regex.groupindex),
            )


def _period(case: str) -> ReportingPeriod:
    if case == "open":
        return ReportingPeriod.objects.get(register__slug="corporate", status="open")
    return ReportingPeriod.objects.filter(register__slug="corporate", status="closed").last()


def _first(model: str) -> Callable[[str], int]:
    def value(case: str) -> int:
        obj = apps.get_model(model).objects.order_by("pk").first()
        if obj is None:
            raise LookupError(f"no {model} to walk: create one in the `walked` fixture")
        return obj.pk

    return value


def _latest_review() -> str:
    from governance.models import GovernanceReview

    return GovernanceReview.objects.order_by("-year").first().slug


def _admin_model(name: str):
    # admin:<app_label>_<model_name>_<action>, for a model the admin site registers
    from django.contrib import admin

    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    raise LookupError(name)


def _admin_object(name: str) -> int:
    obj = _admin_model(name).objects.order_by("pk").first()
    return obj.pk if obj else 1


def _admin_history_args(name: str) -> list:
    # simple-history's admin page of one past version: the object and one of its versions.
    record = _admin_model(name).history.order_by("history_id").first()
    return [record.instance.pk, record.history_id] if record else [1, 1]


# (view name, argument) -> value for a case. "ns:*" and "*" are fallbacks, in that order.
ARGUMENTS: dict[tuple[str, str], Callable[[str], object]] = {
    ("registers:*", "slug"): lambda case: "corporate",
    ("registers:*", "year"): lambda case: _period(case).year,
    ("registers:*", "quarter"): lambda case: _period(case).quarter,
    ("registers:*", "reference"): lambda case: "CRR18",
    ("registers:action_edit", "pk"): _first("registers.Action"),
    ("registers:category_edit", "pk"): _first("registers.RiskCategory"),
    ("packs:*", "slug"): lambda case: "corporate",
    ("packs:*", "year"): lambda case: _period(case).year,
    ("packs:*", "quarter"): lambda case: _period(case).quarter,
    ("quarters:*", "slug"): lambda case: "corporate",
    ("quarters:*", "year"): lambda case: _period(case).year,
    ("quarters:*", "quarter"): lambda case: _period(case).quarter,
    ("governance:review_detail", "year"): lambda case: _latest_review(),
    ("governance:cipfa_export", "year"): lambda case: _latest_review(),
    ("governance:delivery_export", "pk"): _first("governance.PoliceAndCrimePlan"),
    # The walk's upload (`walked`); other walks (test_pcc_walk) have none, and are refused
    # before the batch is looked up.
    ("registers:import_preview", "pk"): lambda case: (
        apps.get_model("registers.ImportBatch").objects.values_list("pk", flat=True).first() or 1
    ),
    ("*", "fmt"): lambda case: "xlsx",
    ("governance:review_compare", "year"): lambda case: _latest_review(),
    ("governance:subprinciple_detail", "pk"): _first("governance.SubPrinciple"),
    ("governance:assessment_edit", "pk"): _first("governance.Assessment"),
    ("governance:inspection_detail", "pk"): _first("governance.Inspection"),
    ("governance:inspection_edit", "pk"): _first("governance.Inspection"),
    ("governance:recommendation_create", "pk"): _first("governance.Inspection"),
    ("governance:recommendation_detail", "pk"): _first("governance.Recommendation"),
    ("governance:recommendation_edit", "pk"): _first("governance.Recommendation"),
    ("governance:update_add", "pk"): _first("governance.Recommendation"),
    ("governance:update_edit", "pk"): _first("governance.RecommendationUpdate"),
    ("governance:update_withdraw", "pk"): _first("governance.RecommendationUpdate"),
    ("governance:delivery_plan", "pk"): _first("governance.PoliceAndCrimePlan"),
    ("governance:commitment_detail", "pk"): _first("governance.Commitment"),
    ("governance:commitment_edit", "pk"): _first("governance.Commitment"),
    ("governance:progress_add", "pk"): _first("governance.Commitment"),
    ("governance:progress_edit", "pk"): _first("governance.ProgressUpdate"),
    ("governance:progress_withdraw", "pk"): _first("governance.ProgressUpdate"),
    ("governance:oversight_detail", "pk"): _first("governance.OversightBody"),
    ("governance:meeting_detail", "pk"): _first("governance.HoldingToAccountMeeting"),
    ("governance:meeting_edit", "pk"): _first("governance.HoldingToAccountMeeting"),
    ("governance:assessment_detail", "pk"): _first("governance.StrategicAssessment"),
    ("governance:assessment_priorities", "pk"): _first("governance.StrategicAssessment"),
    ("governance:topic_detail", "pk"): _first("governance.AssessmentTopic"),
    ("governance:topic_edit", "pk"): _first("governance.AssessmentTopic"),
    ("api:*", "slug"): lambda case: "corporate",
    ("api:*", "year"): lambda case: _period(case).year,
    ("api:*", "quarter"): lambda case: _period(case).quarter,
    ("api:*", "reference"): lambda case: "CRR18",
    ("api:inspection_detail", "pk"): _first("governance.Inspection"),
    ("api:recommendation_detail", "pk"): _first("governance.Recommendation"),
    ("api:token_revoke", "pk"): _first("api.ApiToken"),
    ("password_reset_confirm", "uidb64"): lambda case: "MQ",
    ("password_reset_confirm", "token"): lambda case: "set-password",
    ("admin:app_list", "app_label"): lambda case: "registers",
    ("admin:view_on_site", "content_type_id"): lambda case: (
        ContentType.objects.get_for_model(Risk).pk
    ),
    ("admin:auth_user_password_change", "id"): _first("auth.User"),
    ("admin:view_on_site", "object_id"): lambda case: Risk.objects.get(reference="CRR18").pk,
}
# One view, several cases: the open (working) quarter and a closed (published) one.
CASES = {
    "registers:register_period": ["open", "closed"],
    "quarters:close": ["open", "closed"],
    "quarters:sign_off": ["open", "closed"],
    "registers:quarter_changes": ["open", "closed"],
    "registers:register_export": ["open", "closed"],
    "packs:download": ["open", "closed"],
    "packs:public_download": ["open", "closed"],
    "packs:status": ["open", "closed"],
    "packs:preview": ["open", "closed"],
    "packs:draft_file": ["open", "closed"],
    "api:quarter_detail": ["open", "closed"],
    "api:quarter_rows": ["open", "closed"],
}


def argument(name: str, kwarg: str, case: str):
    namespace = name.partition(":")[0]
    for key in ((name, kwarg), (f"{namespace}:*", kwarg), ("*", kwarg)):
        if key in ARGUMENTS:
            return ARGUMENTS[key](case)
    if name.startswith("admin:") and kwarg == "object_id":
        return _admin_object(name)
    raise LookupError(f"no value for argument {kwarg!r} of {name}: add it to ARGUMENTS")


ROUTES = list(walk(get_resolver().url_patterns))
ADMIN_UNNAMED = [r for r in ROUTES if r.name.startswith("admin:admin/")]


def cases() -> list[tuple[str, str, str]]:
    """(rule key, view name, case) for every URL pattern with a name."""
    found = []
    for route in ROUTES:
        if route.name.startswith("admin:admin/"):
            continue  # unnamed admin patterns: see test_admin_unnamed_patterns
        for case in CASES.get(route.name, [""]):
            found.append((f"{route.name}@{case}" if case else route.name, route.name, case))
    return found


# Views that read their arguments from the query string.
QUERIES = {"admin:autocomplete": "?app_label=auth&model_name=user&field_name=groups"}


def url_of(route: Route, case: str) -> str:
    if route.positional:
        if not route.name.endswith("_simple_history"):
            raise LookupError(f"no arguments for {route.name}'s unnamed groups")
        return reverse(route.name, args=_admin_history_args(route.name))
    kwargs = {kwarg: argument(route.name, kwarg, case) for kwarg in route.kwargs}
    return reverse(route.name, kwargs=kwargs) + QUERIES.get(route.name, "")


def test_the_walk_reaches_every_part_of_the_project():
    names = {name for _, name, _ in cases()}
    assert {"home", "registers:risk_edit", "governance:topic_edit", "admin:index"} <= names
    cased = sum(len(c) - 1 for c in CASES.values())
    assert len([n for n in names if not n.startswith("admin:")]) + cased == len(RULES)


def test_every_url_pattern_has_a_rule():
    missing = [key for key, _, _ in cases() if rule_for(key) is None]
    assert not missing, f"URL patterns with no rule in RULES: {missing}"
    stale = set(RULES) - {key for key, _, _ in cases()}
    assert not stale, f"rules for URLs that no longer exist: {stale}"


def _walk_as(role: str, method: str, client, request) -> list[str]:
    user = request.getfixturevalue(USERS[role]) if role != ANON else None
    routes = {route.name: route for route in ROUTES}
    wrong = []
    for key, name, case in cases():
        rule = rule_for(key)
        if rule is None:
            wrong.append(f"{key}: no rule")
            continue
        expected = rule[method][ROLES.index(role)]
        url = url_of(routes[name], case)
        # Sign in afresh for each request (a logout in the walk must not carry over), and
        # roll back whatever the request wrote.
        client.logout()
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, {})
            transaction.set_rollback(True)
        got = answer(response)
        if got != expected and not (isinstance(expected, frozenset) and got in expected):
            wrong.append(f"{method} {url} [{key}] as {role}: expected {expected}, got {got}")
    return wrong


@pytest.fixture
def walked(seeded, risk_officer):
    """The seed, one HMIC recommendation with a progress update (the seeds hold none), a
    second CIPFA review (the seed has one: its comparison page has nothing to compare with),
    a user's reminder choice and a reminder sent to them, an API token of theirs, and a file
    uploaded for import."""
    from governance.models import GovernanceReview, Inspection, Recommendation
    from governance.publication import publish
    from governance.services import start_next_review

    assert GovernanceReview.objects.count() == 1
    start_next_review(user=None)
    recommendation = Recommendation.objects.create(
        inspection=Inspection.objects.order_by("pk").first(), reference="R1", text="A test one."
    )
    recommendation.updates.create(text="Under way.")
    # Published with the latest closed quarter, as its closing would: PCC staff see them.
    publish(period=ReportingPeriod.objects.get(register__slug="corporate", year=2021, quarter=2))
    from django.contrib.auth import get_user_model

    from reminders.models import ReminderSettings, SentReminder

    officer = get_user_model().objects.get(username="risk.officer")
    ReminderSettings.objects.create(user=officer, send_digest=False)
    SentReminder.objects.create(user=officer, day="2026-11-24", item="review:1")
    from api.models import ApiToken

    ApiToken.issue(user=officer, name="The walk's token: another user's")
    # A file the risk officer uploaded for import, previewed and not yet confirmed.
    from registers.importing import register_state
    from registers.models import ImportBatch, Register

    corporate = Register.objects.get(slug="corporate")
    content = b"ID,Risk Name\r\nCRR90,Imported in the walk\r\n"
    ImportBatch.objects.create(
        register=corporate, period=corporate.open_period(), uploaded_by=risk_officer,
        file_name="walk.csv", content=content, sha256=hashlib.sha256(content).hexdigest(),
        register_state=register_state(corporate),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def provider_configured(settings):
    """Single sign-on configured, with endpoints the walk never reaches (nobody signs in)."""
    settings.OIDC_RP_CLIENT_ID = "riskreg-walk"
    for name, path in [
        ("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorize"),
        ("OIDC_OP_TOKEN_ENDPOINT", "token"),
        ("OIDC_OP_USER_ENDPOINT", "userinfo"),
        ("OIDC_OP_JWKS_ENDPOINT", "jwks"),
    ]:
        setattr(settings, name, f"http://127.0.0.1:9/{path}")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(client, walked, request, role, method):
    wrong = _walk_as(role, method, client, request)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_admin_unnamed_patterns_are_for_administrators_only(client, seeded, request, role):
    # admin/<app>/<model>/<id>/ redirects to the change page; the catch-all answers 404.
    user = request.getfixturevalue(USERS[role]) if role != ANON else None
    if user is not None:
        client.force_login(user)
    risk = Risk.objects.get(reference="CRR18")
    redirect = answer(client.get(f"/admin/registers/risk/{risk.pk}/"))
    missing = answer(client.get("/admin/no-such-page/"))
    if role == ADMIN:
        assert (redirect, missing) == (REDIRECT, GONE)
    elif role == ANON:
        assert (redirect, missing) == (SIGN_IN, ADMIN_SIGN_IN)
    else:
        assert (redirect, missing) == (ADMIN_SIGN_IN, ADMIN_SIGN_IN)
    assert ADMIN_UNNAMED  # these patterns exist, so this test has something to prove


def test_the_sign_off_page_awaiting_a_decision_for_each_role(client, seeded, request):
    """The walk has nothing awaiting sign-off; with a quarter submitted, the page is the
    chief officer's (and an administrator's), and the close page sends everyone back."""
    from registers import services

    period = _period("open")
    services.submit_for_sign_off(period=period, user=request.getfixturevalue(USERS[RISK]))
    sign_off = reverse("quarters:sign_off", args=["corporate", period.year, period.quarter])
    close = reverse("quarters:close", args=["corporate", period.year, period.quarter])
    expected = {
        ANON: (SIGN_IN, SIGN_IN, SIGN_IN),
        RISK: (DENY, DENY, REDIRECT),
        CHIEF: (OK, OK, DENY),  # an empty POST: the form again, "choose a decision"
        PCC: (DENY, DENY, DENY),
        ADMIN: (OK, OK, REDIRECT),
    }
    for role, (get, post, close_get) in expected.items():
        client.logout()
        if role != ANON:
            client.force_login(request.getfixturevalue(USERS[role]))
        assert answer(client.get(sign_off)) == get, role
        assert answer(client.post(sign_off, {})) == post, role
        assert answer(client.get(close)) == close_get, role
