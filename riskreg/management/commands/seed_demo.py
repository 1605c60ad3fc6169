import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from simple_history.manager import HistoryManager

from governance.models import Publication
from governance.publication import publish
from registers.models import RatingScale, Register
from registers.scales import ensure_standard_scale
from registers.services import add_register_defaults, admin_changed
from riskreg.demo import add_demo_risk_model, demo_users
from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER, sync_roles

DEMO_USERS = [
    # username, full name, role (None: administrator)
    ("risk.officer", "Rita Officer", RISK_OFFICER),
    ("chief.officer", "Charles Chief", CHIEF_OFFICER),
    ("pcc.staff", "Priya Staff", PCC_STAFF),
    ("admin", "Ada Administrator", None),
]
DEFAULT_DEMO_PASSWORD = "riskreg-demo-2026"


def start_histories(apps) -> None:
    """A first history row for every record that has none.

    (simple-history's populate_history --auto skips a model once any of its records has
    history, and setting a fixture's many-to-many links writes history for some records.)
    """
    from simple_history.manager import HistoryManager

    for model in apps.get_models():
        history = getattr(model, "history", None)
        if not isinstance(history, HistoryManager):
            continue
        recorded = history.values(model._meta.pk.attname)
        missing = list(model._base_manager.exclude(pk__in=recorded))
        if missing:
            history.bulk_history_create(missing)


class Command(BaseCommand):
    help = "Load the seed documents' records and one demo user per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (creates users with a known password).",
        )

    def handle(self, *args, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("seed_demo creates demo logins; run it with DEBUG=1 only.")
        if not settings.DEBUG and not os.environ.get("DEMO_PASSWORD"):
            # The default password is published in the README: never on a real server.
            raise CommandError("With DEBUG off, set DEMO_PASSWORD for the demo users.")
        from django.apps import apps

        sync_roles(apps)
        ensure_standard_scale(RatingScale)
        fixtures = sorted(settings.FIXTURE_DIRS[0].glob("*.json"))
        loaded = [path.name for path in fixtures if not self._already_loaded(path)]
        if loaded:
            call_command("loaddata", *loaded, verbosity=0)
            # loaddata saves raw, which simple-history does not record: give each seed
            # record its first history entry so its history starts at the seed.
            loaded_at = timezone.now()
            start_histories(apps)
            self._one_moment(loaded_at)
            # Loaded behind the services' backs: pages cached before are not to be served.
            admin_changed()
        self._publish_seed_governance()
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        for username, full_name, role in DEMO_USERS:
            self._demo_user(username, full_name, role, password)
        for register in Register.objects.all():
            add_register_defaults(register)
        risk_officer, chief_officer = demo_users()
        if add_demo_risk_model(risk_officer=risk_officer, chief_officer=chief_officer):
            self.stdout.write(
                "Demonstration data (not from the seed): owners, categories, ratings, actions "
                "and reviews on the corporate register's open quarter"
            )
        skipped = len(fixtures) - len(loaded)
        self.stdout.write(
            f"Seed data: loaded {', '.join(loaded) or 'nothing new'}"
            + (f"; {skipped} file(s) already in the database, left as they are" if skipped else "")
        )
        self.stdout.write(f"Demo sign-ins (password for each: {password}):")
        for username, _, role in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role or 'Administrator'}")

    @staticmethod
    def _one_moment(loaded_at) -> None:
        # populate_history stamps each model's first entries a moment apart, so a record
        # read "as at" its first entry (the admin's history pages) could find its parent
        # not yet there. The seed's records were entered together: give them one moment.
        from django.apps import apps

        for model in apps.get_models():
            history = getattr(model, "history", None)
            if isinstance(history, HistoryManager):
                history.filter(history_date__gte=loaded_at).update(history_date=loaded_at)

    @staticmethod
    def _publish_seed_governance() -> None:
        # The seed's quarters were closed before its governance records were entered here:
        # the latest closed quarter publishes them as loaded, as its closing would have.
        for register in Register.objects.all():
            period = register.latest_closed_period()
            if period is not None and not Publication.objects.filter(period=period).exists():
                publish(period=period)

    @staticmethod
    def _already_loaded(path) -> bool:
        # Reloading would overwrite what officers have since changed (and do it without
        # history), so a seed file is loaded once: when its first record is not there yet.
        with path.open(encoding="utf-8") as stream:
            first = next(serializers.deserialize("json", stream, handle_forward_references=True))
        return (
            first.object.pk is not None
            and type(first.object).objects.filter(pk=first.object.pk).exists()
        )

    def _demo_user(self, username: str, full_name: str, role: str | None, password: str) -> None:
        first, last = full_name.split(" ", 1)
        user, _ = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.police.uk",
                "is_staff": role is None,
                "is_superuser": role is None,
            },
        )
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role)] if role else [])
