"""Who may see what of a register: the one place where the publication rule is written.

A closed quarter is published: every reader of the register may see it. The open quarter
is the working register, and so is every live risk: only users with
`registers.view_live_register` (risk and chief officers) see them. Views, the packs and the
dashboard fetch through these helpers and pass on what they return, so a template never has
to hide anything.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Action, Register, ReportingPeriod, Risk


def can_see_live(user) -> bool:
    """Whether `user` may see the open quarter's working register and the live risks."""
    return user.has_perm("registers.view_live_register")


def visible_periods(user, register: Register | None = None) -> QuerySet[ReportingPeriod]:
    """The quarters `user` may see (of `register`, or of every register), newest first.

    Every quarter for users who see the live register; closed (published) quarters only
    for everyone else.
    """
    periods = ReportingPeriod.objects.select_related("register").order_by("-year", "-quarter")
    if register is not None:
        periods = periods.filter(register=register)
    if not can_see_live(user):
        periods = periods.filter(status=ReportingPeriod.Status.CLOSED)
    return periods


def officers() -> QuerySet:
    """The users a risk or an action can be given to: those who may see the live register."""
    User = get_user_model()
    live = (
        Q(groups__permissions__codename="view_live_register")
        | Q(user_permissions__codename="view_live_register")
        | Q(is_superuser=True)
    )
    return (
        User.objects.filter(live, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", User.USERNAME_FIELD)
    )


def person_name(user) -> str:
    """How riskreg names a user: their full name, else their username."""
    return user.get_full_name() or user.get_username()


def visible_risks(user) -> QuerySet[Risk]:
    """The live risks `user` may see: all of them, or none without the live permission.

    Readers without it (PCC staff) read a quarter's frozen snapshots instead.
    """
    if not can_see_live(user):
        return Risk.objects.none()
    return Risk.objects.all()


def period_shown_first(user, register: Register) -> ReportingPeriod | None:
    """The quarter a user lands on: the open one if they may see it, else the latest closed."""
    period = register.open_period() if can_see_live(user) else None
    return period or register.latest_closed_period()


def get_period_for_user(user, slug: str, year: int, quarter: int) -> ReportingPeriod:
    """The quarter if this user may see it: the open quarter only with the live permission.

    A refusal is a 404, so that PCC staff cannot even learn what the working register holds.
    """
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("register__rating_scale"),
        register__slug=slug,
        year=year,
        quarter=quarter,
    )
    if not period.is_closed and not can_see_live(user):
        raise Http404("The open quarter is not published.")
    return period


def get_risk_for_user(user, slug: str, reference: str) -> Risk:
    """A live risk of the register `slug`, if this user may see live risks (404 otherwise)."""
    if not can_see_live(user):
        raise Http404("The live register is not published.")
    return get_object_or_404(
        visible_risks(user).select_related(
            "register__rating_scale", "band", "owner", "lead_officer_user", "category"
        ),
        register__slug=slug,
        reference=reference,
    )


def get_live_register(user, slug: str) -> Register:
    """A register whose live records (actions, categories) this user may see (404 otherwise)."""
    if not can_see_live(user):
        raise Http404("The live register is not published.")
    return get_object_or_404(Register.objects.select_related("rating_scale"), slug=slug)


def visible_actions(user) -> QuerySet[Action]:
    """The actions `user` may see: those of live risks, so none without the live permission."""
    if not can_see_live(user):
        return Action.objects.none()
    # Withdrawn risks' left out; probed by key for each action, not a list of every risk.
    return Action.objects.filter(Exists(visible_risks(user).filter(pk=OuterRef("risk_id"))))


def get_action_for_user(user, slug: str, pk: int) -> Action:
    """An action on a risk of the register `slug`, if this user may see live risks."""
    return get_object_or_404(
        visible_actions(user).select_related("risk__register__rating_scale", "owner"),
        risk__register__slug=slug,
        pk=pk,
    )
