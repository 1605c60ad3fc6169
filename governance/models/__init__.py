from .assessment import (
    AssessmentTopic,
    ControlStrategyPriority,
    Probability,
    RiskDefinition,
    StrategicAssessment,
)
from .cipfa import Assessment, Direction, GovernanceReview, Principle, Rag, SubPrinciple
from .delivery import (
    AgendaItem,
    Commitment,
    HoldingToAccountMeeting,
    Objective,
    OversightBody,
    PoliceAndCrimePlan,
    ProgressUpdate,
    quarter_label,
)
from .hmic import (
    Inspection,
    PeelGrade,
    Recommendation,
    RecommendationUpdate,
)
from .publication import Publication

__all__ = [
    "AgendaItem",
    "Assessment",
    "AssessmentTopic",
    "Commitment",
    "ControlStrategyPriority",
    "Direction",
    "GovernanceReview",
    "HoldingToAccountMeeting",
    "Inspection",
    "Objective",
    "OversightBody",
    "PeelGrade",
    "PoliceAndCrimePlan",
    "Principle",
    "Publication",
    "Probability",
    "ProgressUpdate",
    "Rag",
    "Recommendation",
    "RecommendationUpdate",
    "RiskDefinition",
    "StrategicAssessment",
    "SubPrinciple",
    "quarter_label",
]
