"""Risk officers import a register from a spreadsheet (registers.add_importbatch)."""

from django.db import migrations

from riskreg.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("riskreg", "0008_audit_api_tokens"),
        ("registers", "0011_import_batch"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
