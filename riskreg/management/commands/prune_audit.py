from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from riskreg.models import AuditEvent


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Keep this many days instead.")

    def handle(self, *args, days: int | None = None, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        before = timezone.now() - timedelta(days=days)
        deleted = AuditEvent.objects.prune(before=before)
        self.stdout.write(f"Deleted {deleted} audit events from before {before:%Y-%m-%d %H:%M}.")
