"""Controlled vocabularies of organisation files and process definitions (re-exported by models/enums.py).
Here, below the models, so that `samverkan validate` and `calendar` import no database library."""

from __future__ import annotations

from enum import StrEnum


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


class EvidenceKind(StrEnum):
    DOCUMENT = "dokument"
    DECISION = "beslut"
    DIALOGUE = "dialog"
    LINK = "lank"
