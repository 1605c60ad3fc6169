import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from riskreg.roles import CHIEF_OFFICER, PCC_STAFF, RISK_OFFICER, sync_roles

DEMO_USERS = [
    # username, full name, role (None: administrator)
    ("risk.officer", "Rita Officer", RISK_OFFICER),
    ("chief.officer", "Charles Chief", CHIEF_OFFICER),
    ("pcc.staff", "Priya Staff", PCC_STAFF),
    ("admin", "Ada Administrator", None),
]
DEFAULT_DEMO_PASSWORD = "riskreg-demo-2026"


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
        from django.apps import apps

        sync_roles(apps)
        fixtures = sorted(p.name for p in settings.FIXTURE_DIRS[0].glob("*.json"))
        if fixtures:
            call_command("loaddata", *fixtures, verbosity=0)
            # loaddata saves raw, which simple-history does not record: give each seed
            # record its first history entry so its history starts at the seed.
            call_command("populate_history", auto=True, verbosity=0)
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        for username, full_name, role in DEMO_USERS:
            self._demo_user(username, full_name, role, password)
        self.stdout.write(f"Loaded {len(fixtures)} fixture files: {', '.join(fixtures)}")
        self.stdout.write("Demo sign-ins (password for each: %s):" % password)
        for username, _, role in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role or 'Administrator'}")

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
