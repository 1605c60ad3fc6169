"""The 5x5 likelihood x impact scale riskreg ships with."""

from django.db import migrations

LIKELIHOODS = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
IMPACTS = ["Negligible", "Minor", "Moderate", "Major", "Severe"]
# label, slug, fill, text colour, severity, scores (likelihood x impact)
BANDS = [
    ("Critical", "critical", "#7a0019", "#ffffff", 4, 17, 25),
    ("High", "high", "#c42b1c", "#ffffff", 3, 11, 16),
    ("Medium", "medium", "#f3b700", "#1b1f24", 2, 5, 10),
    ("Low", "low", "#2e7d32", "#ffffff", 1, 1, 4),
]


def create_scale(apps, schema_editor):
    RatingScale = apps.get_model("registers", "RatingScale")
    scale, created = RatingScale.objects.get_or_create(name="Standard 5x5")
    if not created:
        return
    for value, name in enumerate(LIKELIHOODS, start=1):
        scale.likelihoods.create(value=value, name=name)
    for value, name in enumerate(IMPACTS, start=1):
        scale.impacts.create(value=value, name=name)
    for label, slug, colour, text_colour, severity, low, high in BANDS:
        scale.bands.create(
            label=label,
            slug=slug,
            colour=colour,
            text_colour=text_colour,
            severity=severity,
            min_score=low,
            max_score=high,
        )


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]
    operations = [migrations.RunPython(create_scale, migrations.RunPython.noop)]
