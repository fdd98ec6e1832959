"""Controlled vocabularies. Values are stable identifiers (ASCII); labels are Swedish."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    KOMMUN = "kommun"
    STADSDEL = "stadsdel"
    LOKALPOLISOMRADE = "lokalpolisomrade"
    LANSSTYRELSE = "lansstyrelse"
    SAMVERKANSOMRADE = "samverkansomrade"  # several kommuner and one police area with one joint agreement


class BodyKind(StrEnum):
    STYRGRUPP = "styrgrupp"
    BEREDNINGSGRUPP = "beredningsgrupp"
    LOKALA_BRA = "lokala_bra"
    EST = "est"
    TRYGGHETSRAD = "trygghetsrad"
    FOLKHALSORAD = "folkhalsorad"
    LEDNINGSGRUPP = "ledningsgrupp"
    ARBETSGRUPP = "arbetsgrupp"
    LOKALT_RAD = "lokalt_rad"
    NATVERK = "natverk"  # a county network: members are roles of the county's kommuner (issue 17)


class ContactChannel(StrEnum):
    EMAIL = "email"
    TEAMS = "teams"
    SLACK = "slack"
    SMS = "sms"
    WEBHOOK = "webhook"
    OTHER = "other"


class TriggerKind(StrEnum):
    """What a cadence makes happen (issue: schedules and flows give each its behaviour)."""

    EST_MEETING = "est_meeting"
    BODY_MEETING = "body_meeting"
    EST_REPORT = "est_report"
    DIRECTION_DECISION = "direction_decision"
    YEARLY_REVIEW = "yearly_review"
    SURVEY = "survey"
    REPORT = "report"
    # the regional level (issue 17)
    WEEKLY_SITUATION = "weekly_situation"  # a kommun: contributions to the weekly lägesbild, then compiling it
    NETWORK_MEETING = "network_meeting"  # a länsstyrelse: the county network meets
    COUNTY_ANALYSIS = "county_analysis"  # a länsstyrelse: the monthly joint analysis of the kommuners lägesbilder
    COUNTY_REPORT = "county_report"  # a länsstyrelse: the yearly report to Brå
    JOINT_PRIORITIES = "joint_priorities"  # a länsstyrelse: the yearly joint priorities of the county


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    TIMES_PER_YEAR = "times_per_year"
    AD_HOC = "ad_hoc"


class HolidayPolicy(StrEnum):
    MOVE_NEXT_WORKING_DAY = "move_next_working_day"
    MOVE_PREVIOUS_WORKING_DAY = "move_previous_working_day"
    SKIP = "skip"
    KEEP = "keep"


class IndicatorDirection(StrEnum):
    LOWER_IS_BETTER = "lower_is_better"
    HIGHER_IS_BETTER = "higher_is_better"


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


class EvidenceKind(StrEnum):
    DOCUMENT = "dokument"
    DECISION = "beslut"
    DIALOGUE = "dialog"
    LINK = "lank"


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
