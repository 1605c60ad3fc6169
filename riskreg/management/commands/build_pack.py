from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registers.models import ReportingPeriod
from riskreg.packs import render_pack


class Command(BaseCommand):
    help = "Build a register's PDF pack for one quarter and write it to a file."

    def add_arguments(self, parser):
        parser.add_argument("--register", required=True, help="The register's slug.")
        parser.add_argument("--period", required=True, help='The quarter, e.g. "Q2 2021/22".')
        parser.add_argument("--output", required=True, type=Path, help="The PDF file to write.")
        parser.add_argument(
            "--draft", action="store_true", help="Allow the open quarter (marked DRAFT)."
        )
        parser.add_argument(
            "--public", action="store_true", help="The public version: restricted risks withheld."
        )

    def handle(
        self, *args, register: str, period: str, output: Path, draft: bool, public: bool, **options
    ):
        try:
            year, quarter = ReportingPeriod.parse_label(period)
        except ValueError as error:
            raise CommandError(str(error)) from None
        found = (
            ReportingPeriod.objects.select_related("register__rating_scale")
            .filter(register__slug=register, year=year, quarter=quarter)
            .first()
        )
        if found is None:
            raise CommandError(f"No quarter {period} in a register {register!r}.")
        if not found.is_closed and not draft:
            raise CommandError(f"{found.label} is open; pass --draft to build a draft pack.")
        pdf = render_pack(
            register=found.register, period=found, draft=not found.is_closed, public=public
        )
        Path(output).write_bytes(pdf)
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes): {found.register} {found.label}")
