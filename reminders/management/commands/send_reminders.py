from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from reminders.services import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail each person, at most once a day, a digest of the reviews, dates and quarters due."
    )

    def handle(self, *args, **options):
        try:
            summary = send_reminders()
        except (ImproperlyConfigured, OSError) as error:
            raise CommandError(f"send_reminders: {error}") from error
        self.stdout.write(summary.line())
        if summary.failed:
            raise CommandError(f"send_reminders: not sent to {', '.join(summary.failed)}")
