"""Every register gets the Orange Book's categories and a review frequency for each band.

The defaults are written out here, as they stood when this migration was written, so that a
later change to `registers.appetite` or `registers.reviews` does not change what it did.
"""

from django.db import migrations

CATEGORIES = [
    ("Strategy", "open", 12, "Strategic aims, plans and the ability to deliver them."),
    ("Governance", "minimal", 6, "Decision-making, accountability and oversight."),
    ("Operations", "cautious", 10, "Delivering policing services day to day."),
    ("Legal", "minimal", 6, "Legal duties, liabilities and challenge."),
    ("Property", "cautious", 10, "Estate, buildings and facilities."),
    ("Financial", "minimal", 6, "Budgets, funding and value for money."),
    ("Commercial", "cautious", 10, "Contracts, suppliers and partnerships."),
    ("People", "cautious", 10, "Workforce, skills, wellbeing and culture."),
    ("Technology", "cautious", 10, "Systems, infrastructure and their resilience."),
    ("Information", "averse", 4, "Data protection, records and information sharing."),
    ("Security", "averse", 4, "Physical, personnel and cyber security."),
    ("Project", "open", 12, "Change programmes and projects."),
    ("Reputational", "cautious", 10, "Public trust and confidence."),
]


def add_defaults(apps, schema_editor):
    Register = apps.get_model("registers", "Register")
    RiskCategory = apps.get_model("registers", "RiskCategory")
    ReviewFrequency = apps.get_model("registers", "ReviewFrequency")
    RatingBand = apps.get_model("registers", "RatingBand")
    for register in Register.objects.all():
        have = set(register.categories.values_list("name", flat=True))
        RiskCategory.objects.bulk_create(
            RiskCategory(register=register, name=name, appetite=appetite, tolerance=tolerance,
                         description=description, position=position)
            for position, (name, appetite, tolerance, description) in enumerate(CATEGORIES, 1)
            if name not in have
        )  # fmt: skip
        banded = set(register.review_frequencies.values_list("band_id", flat=True))
        ReviewFrequency.objects.bulk_create(
            ReviewFrequency(register=register, band=band, months=1 if band.severity >= 3 else 3)
            for band in RatingBand.objects.filter(scale_id=register.rating_scale_id)
            if band.pk not in banded
        )


class Migration(migrations.Migration):
    dependencies = [("registers", "0008_risk_model")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
