"""Chief officers sign quarters off for publication (registers.sign_off_period)."""

from django.db import migrations

from riskreg.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("riskreg", "0005_pack_variant_and_options"),
        ("registers", "0007_sign_off"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
