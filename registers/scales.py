"""The 5x5 likelihood x impact scale riskreg ships with."""

LIKELIHOODS = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
IMPACTS = ["Negligible", "Minor", "Moderate", "Major", "Severe"]
# label, slug, fill, text colour, severity, scores (likelihood x impact)
BANDS = [
    ("Critical", "critical", "#7a0019", "#ffffff", 4, 17, 25),
    ("High", "high", "#c42b1c", "#ffffff", 3, 11, 16),
    ("Medium", "medium", "#f3b700", "#1b1f24", 2, 5, 10),
    ("Low", "low", "#2e7d32", "#ffffff", 1, 1, 4),
]
STANDARD_SCALE = "Standard 5x5"


def ensure_standard_scale(RatingScale) -> None:
    """Create the standard scale if it is missing; leave an existing one as it is.

    Takes the model class, so that a migration can pass its historical model.
    """
    scale, created = RatingScale.objects.get_or_create(name=STANDARD_SCALE)
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
