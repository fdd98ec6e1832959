"""SQLModel tables: the database is Samverkan's source of truth. Importing this registers every table."""

from samverkan.models.account import Account, LoginAttempt, PersonToken, TokenKind, Upload
from samverkan.models.agreement import (
    Agreement,
    AgreementGoal,
    AgreementParty,
    AgreementProblem,
    CitizenPromise,
    Decision,
    PromiseActivity,
    Signature,
)
from samverkan.models.analysis import Cause, CauseAnalysis, Measure, MeasureIndicator, Problem
from samverkan.models.audit import AuditEntry
from samverkan.models.cadence import Cadence, Meeting, TriggerOccurrence
from samverkan.models.cycle import ChecklistItem, Cycle, Evidence, Phase
from samverkan.models.est import EstObservation
from samverkan.models.follow_up import IndicatorFollowUp
from samverkan.models.indicators import Indicator, Measurement
from samverkan.models.installation import Installation, Purpose
from samverkan.models.lagesbild import PartyLagesbild, ProblemSource
from samverkan.models.lan import LagesbildContribution, WeeklyLagesbild
from samverkan.models.organisation import (
    Body,
    BodyMembership,
    ContactRoute,
    Organisation,
    OrganisationLink,
    Person,
    Role,
    RoleAssignment,
)
from samverkan.models.outbox import DeliveryAttempt, Notification
from samverkan.models.plan import CadencePlan
from samverkan.models.sweep import SweepRecord

__all__ = [
    "Account",
    "Agreement",
    "AgreementGoal",
    "AgreementParty",
    "AgreementProblem",
    "AuditEntry",
    "Body",
    "BodyMembership",
    "Cadence",
    "CadencePlan",
    "Cause",
    "CauseAnalysis",
    "ChecklistItem",
    "CitizenPromise",
    "ContactRoute",
    "Cycle",
    "Decision",
    "DeliveryAttempt",
    "EstObservation",
    "Evidence",
    "Indicator",
    "IndicatorFollowUp",
    "Installation",
    "LagesbildContribution",
    "LoginAttempt",
    "Measure",
    "MeasureIndicator",
    "Measurement",
    "Meeting",
    "Notification",
    "Organisation",
    "OrganisationLink",
    "PartyLagesbild",
    "Person",
    "PersonToken",
    "Phase",
    "Problem",
    "ProblemSource",
    "PromiseActivity",
    "Purpose",
    "Role",
    "RoleAssignment",
    "Signature",
    "SweepRecord",
    "TokenKind",
    "TriggerOccurrence",
    "Upload",
    "WeeklyLagesbild",
]
