from .cipfa import Assessment, Direction, GovernanceReview, Principle, Rag, SubPrinciple
from .hmic import (
    Inspection,
    PeelGrade,
    Recommendation,
    RecommendationUpdate,
)

__all__ = [
    "Assessment",
    "Direction",
    "GovernanceReview",
    "Inspection",
    "PeelGrade",
    "Principle",
    "Rag",
    "Recommendation",
    "RecommendationUpdate",
    "SubPrinciple",
]
