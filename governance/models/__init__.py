from .assessment import (
    AssessmentTopic,
    ControlStrategyPriority,
    Probability,
    RiskDefinition,
    StrategicAssessment,
)
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

__all__ = [
    "AgendaItem",
    "AssessmentTopic",
    "Commitment",
    "ControlStrategyPriority",
    "HoldingToAccountMeeting",
    "Objective",
    "OversightBody",
    "PoliceAndCrimePlan",
    "Probability",
    "ProgressUpdate",
    "RiskDefinition",
    "StrategicAssessment",
    "quarter_label",
]
