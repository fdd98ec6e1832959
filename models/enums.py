"""Controlled vocabularies. Values are stable identifiers (ASCII); labels are Swedish."""

from __future__ import annotations

from enum import StrEnum

# The vocabularies an organisation file and a process definition use live in core/kinds.py, so that validating a
# file imports no table (issue 19); they are the same classes here.
from samverkan.core.kinds import BodyKind as BodyKind
from samverkan.core.kinds import ContactChannel as ContactChannel
from samverkan.core.kinds import EvidenceKind as EvidenceKind
from samverkan.core.kinds import Frequency as Frequency
from samverkan.core.kinds import HolidayPolicy as HolidayPolicy
from samverkan.core.kinds import IndicatorDirection as IndicatorDirection
from samverkan.core.kinds import TriggerKind as TriggerKind


class OrgKind(StrEnum):
    KOMMUN = "kommun"
    STADSDEL = "stadsdel"
    LOKALPOLISOMRADE = "lokalpolisomrade"
    LANSSTYRELSE = "lansstyrelse"
    SAMVERKANSOMRADE = "samverkansomrade"  # several kommuner and one police area with one joint agreement


class AgreementStatus(StrEnum):
    DRAFT = "utkast"
    PENDING_SIGNATURES = "vantar_pa_underskrift"
    SIGNED = "undertecknad"
    SUPERSEDED = "ersatt"


class ActivityStatus(StrEnum):
    """A medborgarlöfte activity's status."""

    PLANNED = "planerad"
    ONGOING = "pagaende"
    DONE = "genomford"
    CANCELLED = "avbruten"


class CycleStatus(StrEnum):
    ACTIVE = "pagaende"
    CLOSED = "avslutad"


class PhaseStatus(StrEnum):
    NOT_STARTED = "ej_paborjad"
    ACTIVE = "pagaende"
    COMPLETED = "klar"


class ItemStatus(StrEnum):
    OPEN = "oppen"
    DONE = "klar"


class DecisionStatus(StrEnum):
    PENDING_SIGNATURES = "vantar_pa_underskrift"
    ADOPTED = "fattat"


class CausePerspective(StrEnum):
    VICTIM = "brottsutsatt"
    OFFENDER = "garningsperson"
    PLACE = "plats"
    SITUATION = "situation"


class ProblemSourceKind(StrEnum):
    """What supports a problem in the joint lägesbild."""

    EST = "est_aggregat"
    INDICATOR = "indikator"
    DOCUMENT = "dokument"
    PARTY_LAGESBILD = "partens_lagesbild"


class MeasureStatus(StrEnum):
    GREEN = "gron"
    YELLOW = "gul"
    RED = "rod"


class MeasureState(StrEnum):
    """An åtgärd's lifecycle beside its reported colour: carried out, or cancelled by a decision."""

    ACTIVE = "aktiv"
    CANCELLED = "avbruten"


class MeasureChangeKind(StrEnum):
    """What a decision did to an åtgärd."""

    SCOPE = "andrad_omfattning"
    CANCELLED = "avbruten"


TRIANGLE = (CausePerspective.VICTIM, CausePerspective.OFFENDER, CausePerspective.PLACE)  # the problem triangle


class MeetingStatus(StrEnum):
    PLANNED = "planerat"
    HELD = "genomfort"
    CANCELLED = "installt"


class Related(StrEnum):
    """What a notification is about (notification.related_type); item, measure and phase ones stop when no
    longer owed (samverkan.notifications.owed)."""

    ITEM = "item"
    MEASURE = "measure"
    PHASE = "phase"
    CADENCE = "cadence"
    NOTIFICATION = "notification"  # a delivery problem about another notification
    PERSON = "person"  # a login link or a password reset


class NotificationStatus(StrEnum):
    PENDING = "vantar"
    SENDING = "skickas"
    SENT = "skickad"
    FAILED = "misslyckad"
    CANCELLED = "stoppad"


class Trend(StrEnum):
    """Where a situation is heading, as the one who reports it sees it (weekly lägesbild, issue 17)."""

    INCREASING = "okar"
    UNCHANGED = "oforandrad"
    DECREASING = "minskar"
