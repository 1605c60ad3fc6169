"""The 5x5 likelihood x impact scale riskreg ships with."""

from django.db import migrations

from registers.scales import ensure_standard_scale


def create_scale(apps, schema_editor):
    ensure_standard_scale(apps.get_model("registers", "RatingScale"))


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]
    operations = [migrations.RunPython(create_scale, migrations.RunPython.noop)]
