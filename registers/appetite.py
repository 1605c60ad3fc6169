"""Risk appetite: the one place that says whether a risk is outside it.

A register's categories each carry an appetite level (HM Treasury's Averse to Eager) and the
highest current score they tolerate. A risk is **outside appetite** when its current score is
above its category's tolerance. A risk rated by band without scores (as the seed's risks are)
counts at its band's lowest score, the least it can be. A risk with no category, or with no
rating, is not judged. The live register asks the database (`with_appetite`); closing a
quarter freezes the answer on each snapshot, so a published quarter never changes.
"""

from django.db.models import BooleanField, Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from .models import Appetite, RatingBand, Register, RiskCategory

# The Orange Book's example categories, in its order, each with a starting appetite that the
# force then sets for itself on the register's appetite page.
DEFAULT_CATEGORIES = [
    ("Strategy", Appetite.OPEN, "Strategic aims, plans and the ability to deliver them."),
    ("Governance", Appetite.MINIMAL, "Decision-making, accountability and oversight."),
    ("Operations", Appetite.CAUTIOUS, "Delivering policing services day to day."),
    ("Legal", Appetite.MINIMAL, "Legal duties, liabilities and challenge."),
    ("Property", Appetite.CAUTIOUS, "Estate, buildings and facilities."),
    ("Financial", Appetite.MINIMAL, "Budgets, funding and value for money."),
    ("Commercial", Appetite.CAUTIOUS, "Contracts, suppliers and partnerships."),
    ("People", Appetite.CAUTIOUS, "Workforce, skills, wellbeing and culture."),
    ("Technology", Appetite.CAUTIOUS, "Systems, infrastructure and their resilience."),
    ("Information", Appetite.AVERSE, "Data protection, records and information sharing."),
    ("Security", Appetite.AVERSE, "Physical, personnel and cyber security."),
    ("Project", Appetite.OPEN, "Change programmes and projects."),
    ("Reputational", Appetite.CAUTIOUS, "Public trust and confidence."),
]
# The highest score each level tolerates on the standard 5x5 scale (Low 1-4, Medium 5-10,
# High 11-16, Critical 17-25): a starting point, set per category.
DEFAULT_TOLERANCE = {
    Appetite.AVERSE: 4,
    Appetite.MINIMAL: 6,
    Appetite.CAUTIOUS: 10,
    Appetite.OPEN: 12,
    Appetite.EAGER: 16,
}


def add_default_categories(register: Register) -> int:
    """Give `register` the default categories it lacks; returns how many were added."""
    have = set(register.categories.values_list("name", flat=True))
    added = [
        RiskCategory(
            register=register,
            name=name,
            description=description,
            appetite=appetite,
            tolerance=DEFAULT_TOLERANCE[appetite],
            position=position,
        )
        for position, (name, appetite, description) in enumerate(DEFAULT_CATEGORIES, start=1)
        if name not in have
    ]
    RiskCategory.objects.bulk_create(added)
    return len(added)


def judged_score(score: int | None, band: RatingBand | None) -> int | None:
    """The score appetite is judged on: likelihood x impact, else the band's lowest score."""
    if score is not None:
        return score
    return band.min_score if band is not None else None


def is_outside_appetite(score: int | None, band: RatingBand | None, tolerance: int | None) -> bool:
    judged = judged_score(score, band)
    return tolerance is not None and judged is not None and judged > tolerance


def _judged():
    # judged_score, in the database: the product is NULL when either score is missing.
    return Coalesce(
        F("likelihood") * F("impact_score"), F("band__min_score"), output_field=IntegerField()
    )


# `is_outside_appetite`, in the database; NULL scores or tolerance compare false.
_OUTSIDE = Q(category__isnull=False, judged_score__gt=F("category__tolerance"))


def with_appetite(risks: QuerySet) -> QuerySet:
    """Annotate live risks with `outside_appetite` (True or False), as `is_outside_appetite`."""
    return risks.annotate(judged_score=_judged()).annotate(
        outside_appetite=Case(
            When(_OUTSIDE, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def outside_appetite(risks: QuerySet) -> QuerySet:
    """The live risks outside appetite."""
    return risks.annotate(judged_score=_judged()).filter(_OUTSIDE)
