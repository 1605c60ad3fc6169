"""Every register gets the Orange Book's categories and a review frequency for each band."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    from registers.appetite import add_default_categories
    from registers.reviews import add_default_frequencies

    Register = apps.get_model("registers", "Register")
    for register in Register.objects.all():
        add_default_categories(register, apps.get_model("registers", "RiskCategory"))
        add_default_frequencies(
            register,
            apps.get_model("registers", "ReviewFrequency"),
            apps.get_model("registers", "RatingBand"),
        )


class Migration(migrations.Migration):
    dependencies = [("registers", "0008_risk_model")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
