"""The daily reminder digest: what falls to whom, and e-mailing it at most once a day.

Each kind of reminder is a function that finds what is due and says who is told of each
item. One digest per person gathers their items; an item already told to them today is
never told again that day (`SentReminder`), so running the job twice sends nothing more.
"""

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance.models import Inspection, Recommendation
from governance.models.hmic import PCC_RESPONSE_DAYS
from registers.models import ReportingPeriod, Risk

from .models import ReminderSettings, SentReminder

logger = logging.getLogger("riskreg.reminders")

DAYS_AHEAD = 14  # an item is in the digest from this many days before it is due


@dataclass(frozen=True)
class Item:
    key: str  # what SentReminder records, e.g. "review:12"
    kind: str  # a key of REMINDER_KINDS
    title: str
    due: datetime.date
    path: str
    verb: str = "due"  # "due", or "ends" for a quarter

    def when(self, today: datetime.date) -> str:
        days = (self.due - today).days
        date = f"{self.due:%-d %B %Y}"
        if days < 0:
            late = f"{-days} day{'s' if days != -1 else ''}"
            if self.verb == "ends":
                return f"ended {late} ago ({date})"
            return f"overdue by {late} (due {date})"
        if days == 0:
            return f"{self.verb} today ({date})"
        return f"{self.verb} in {days} day{'s' if days != 1 else ''} ({date})"


def holders_of(permission: str) -> list:
    """Active users with an e-mail address granted `permission` ("app.codename") by a role
    or by name. A superuser is not told of everything: only what a role gives them."""
    app_label, codename = permission.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return list(
        get_user_model()
        .objects.filter(Q(groups__permissions__in=perm) | Q(user_permissions__in=perm))
        .filter(is_active=True)
        .exclude(email="")
        .distinct()
    )


def risk_officers() -> list:
    """Whoever edits risks (the Risk Officer role): told of reviews, HMIC and quarters."""
    return holders_of("registers.change_risk")


def review_recipients(risk: Risk, *, officers: list) -> list:
    """Who is told a risk's review is due.

    A risk names its lead officer only as text today, so every Risk Officer is told. When
    risks gain an owner who is a user, return `[risk.owner]` here (falling back to
    `officers` for a risk without one); nothing else changes.
    """
    return officers


def reviews_due(today: datetime.date, *, officers: list) -> Iterator[tuple[Item, list]]:
    risks = Risk.objects.filter(
        status=Risk.Status.OPEN,
        next_review_date__lte=today + datetime.timedelta(days=DAYS_AHEAD),
    ).select_related("register")
    for risk in risks.order_by("next_review_date", "reference"):
        item = Item(
            key=f"review:{risk.pk}",
            kind="review",
            title=f"Review of {risk.reference} {risk.name} ({risk.register.name})",
            due=risk.next_review_date,
            path=risk.get_absolute_url(),
        )
        yield item, review_recipients(risk, officers=officers)


def recommendations_due(today: datetime.date, *, officers: list) -> Iterator[tuple[Item, list]]:
    recommendations = (
        Recommendation.objects.filter(due_date__lte=today + datetime.timedelta(days=DAYS_AHEAD))
        .exclude(status__in=Recommendation.DONE)
        .select_related("inspection")
        .order_by("due_date", "pk")
    )
    for recommendation in recommendations:
        item = Item(
            key=f"recommendation:{recommendation.pk}",
            kind="recommendation",
            title=f"HMIC recommendation: {recommendation}",
            due=recommendation.due_date,
            path=recommendation.get_absolute_url(),
        )
        yield item, officers


def pcc_responses_due(today: datetime.date, *, officers: list) -> Iterator[tuple[Item, list]]:
    # Due PCC_RESPONSE_DAYS after the report, told from DAYS_AHEAD days before that.
    latest = today + datetime.timedelta(days=DAYS_AHEAD - PCC_RESPONSE_DAYS)
    inspections = Inspection.objects.filter(
        report_published__lte=latest, pcc_response_published__isnull=True
    ).order_by("report_published", "pk")
    for inspection in inspections:
        item = Item(
            key=f"pcc-response:{inspection.pk}",
            kind="pcc_response",
            title=f"PCC response to {inspection.title} (56 days from the report)",
            due=inspection.pcc_response_due,
            path=inspection.get_absolute_url(),
        )
        yield item, officers


def quarters_ending(today: datetime.date, *, officers: list) -> Iterator[tuple[Item, list]]:
    periods = (
        ReportingPeriod.objects.filter(
            status=ReportingPeriod.Status.OPEN,
            end__lte=today + datetime.timedelta(days=DAYS_AHEAD),
        )
        .select_related("register")
        .order_by("end", "register__name")
    )
    for period in periods:
        item = Item(
            key=f"quarter:{period.pk}",
            kind="quarter",
            title=f"Close {period.label} of {period.register.name}",
            due=period.end,
            path=period.get_absolute_url(),
            verb="ends",
        )
        yield item, officers


# Kind -> (heading in the digest, what finds its items). The order is the digest's order.
REMINDER_KINDS: dict[str, tuple[str, Callable]] = {
    "review": ("Risk reviews", reviews_due),
    "recommendation": ("HMIC recommendations", recommendations_due),
    "pcc_response": ("PCC responses to HMIC reports", pcc_responses_due),
    "quarter": ("Quarters to close", quarters_ending),
}


def items_by_user(today: datetime.date) -> dict:
    """{user: [Item, ...]} of everything due that falls to each active user with an e-mail."""
    officers = risk_officers()
    found: dict = defaultdict(list)
    for _, collect in REMINDER_KINDS.values():
        for item, recipients in collect(today, officers=officers):
            for user in recipients:
                if user.is_active and user.email:
                    found[user].append(item)
    return found


@dataclass
class Summary:
    sent: int = 0
    items: int = 0
    opted_out: int = 0
    already_sent: int = 0
    failed: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"send_reminders: {self.sent} digest{'s' if self.sent != 1 else ''} sent "
            f"({self.items} items); {self.already_sent} already sent today; "
            f"{self.opted_out} switched off; {len(self.failed)} failed"
        )


def digest_message(*, user, items: list[Item], today: datetime.date, connection=None):
    """The e-mail telling `user` of `items`, in plain text and HTML, with absolute links."""
    site = settings.SITE_URL
    sections = [
        {
            "heading": heading,
            "items": [
                {
                    "title": i.title,
                    "when": i.when(today),
                    "url": site + i.path,
                    "late": i.due < today,
                }
                for i in items
                if i.kind == kind
            ],
        }
        for kind, (heading, _) in REMINDER_KINDS.items()
    ]
    context = {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "sections": [s for s in sections if s["items"]],
        "today": today,
        "site_url": site,
        "settings_url": site + reverse("reminders:settings"),
    }
    count = len(items)
    subject = f"riskreg: {count} item{'s' if count != 1 else ''} due for your attention"
    message = EmailMultiAlternatives(
        subject,
        render_to_string("reminders/digest.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("reminders/digest.html", context), "text/html")
    return message


def send_reminders(*, today: datetime.date | None = None) -> Summary:
    """E-mail each person one digest of what falls to them today, unless already sent today.

    Each digest is recorded item by item in the same transaction that sends it: if the mail
    server refuses it, nothing is recorded and the next run tries again; two runs at once
    collide on the record, and the second sends nothing.
    """
    if not settings.EMAIL_HOST:
        raise ImproperlyConfigured("EMAIL_HOST must be set: the SMTP relay digests go through")
    if not settings.SITE_URL:
        raise ImproperlyConfigured("SITE_URL must be set for the links in reminder e-mails")
    today = today or timezone.localdate()
    summary = Summary()
    found = items_by_user(today)
    opted_out = set(
        ReminderSettings.objects.filter(user__in=list(found), send_digest=False).values_list(
            "user_id", flat=True
        )
    )
    already = set(
        SentReminder.objects.filter(day=today, user__in=list(found)).values_list(
            "user_id", flat=True
        )
    )
    due = []
    for user, items in found.items():
        if user.pk in opted_out:
            summary.opted_out += 1
        elif user.pk in already:  # one digest a day at most, whatever has become due since
            summary.already_sent += 1
        else:
            due.append((user, items))
    if not due:
        return summary
    with get_connection() as connection:
        for user, items in sorted(due, key=lambda pair: pair[0].get_username()):
            message = digest_message(user=user, items=items, today=today, connection=connection)
            try:
                with transaction.atomic():
                    SentReminder.objects.bulk_create(
                        SentReminder(user=user, day=today, item=item.key) for item in items
                    )
                    message.send()
            except IntegrityError:
                summary.already_sent += 1  # another run sent this digest just now
            except (smtplib.SMTPException, OSError) as error:
                logger.error("reminder digest to %s not sent: %s", user.get_username(), error)
                summary.failed.append(user.get_username())
            else:
                summary.sent += 1
                summary.items += len(items)
    return summary
