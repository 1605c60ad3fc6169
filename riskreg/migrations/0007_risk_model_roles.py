"""Risk officers keep actions, reviews, categories and review frequencies."""

from django.db import migrations

from riskreg.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("riskreg", "0006_chief_officers_sign_off"),
        ("registers", "0009_default_categories_and_review_frequencies"),
    ]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
