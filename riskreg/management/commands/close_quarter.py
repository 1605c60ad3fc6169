from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.publication import publish
from registers import services
from registers.models import PeriodClosedError, Register
from riskreg.audit import record_event
from riskreg.models import AuditEvent
from riskreg.packs import request_published_packs


class Command(BaseCommand):
    help = "Close a register's open quarter, accepting the proposed trends, and open the next."

    def add_arguments(self, parser):
        parser.add_argument("--register", required=True, help="The register's slug.")

    def handle(self, *args, register: str, **options):
        try:
            found = Register.objects.get(slug=register)
        except Register.DoesNotExist:
            raise CommandError(f"No register {register!r}.") from None
        period = found.open_period()
        if period is None:
            raise CommandError(f"{register} has no open quarter.")
        if found.requires_sign_off:
            raise CommandError(
                f"{found.name} needs a chief officer's sign-off: a risk officer submits "
                f"{period.label} from its close page and a chief officer approves it."
            )
        try:
            with transaction.atomic():  # the register and the governance records together
                closed = services.close_quarter(period=period, user=None)
                publish(period=period)
        except PeriodClosedError as error:
            raise CommandError(error.message) from None
        record_event(kind=AuditEvent.Kind.QUARTER_CLOSED, detail=f"{period} (manage.py)")
        request_published_packs(period=period)  # both packs, built by the task worker
        for risk, trend in closed:
            self.stdout.write(f"{risk.reference:<8} {trend:<4} {risk.band or 'Not rated'}")
        self.stdout.write(f"Closed {period.label} of {register} with {len(closed)} risks.")
