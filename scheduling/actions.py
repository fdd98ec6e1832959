"""What the årshjul and the deadlines make happen, as one enum whose members know how they are delivered.

The value is the action code stored in occurrence keys and in `notification.kind`, so it never changes.
A deadline reminder N days ahead has the code `paminnelse-N`: `Action.from_code` reads it back as
`Action.PAMINNELSE_FORE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Traits:
    urgent: bool = False  # may go out on weekends and holidays, and through routes tagged for urgent messages
    digestible: bool = False  # may be folded into a person's daily digest
    escalates_to_chair: bool = False  # the chair of the deciding body is addressed too
    document: str | None = None  # "packet", "report", "county_analysis" or "county_report": a rendered document
    after_event: bool = False  # goes out when the event it is about has ended


class Action(StrEnum):
    KALLELSE = "kallelse"
    RAPPORTERA_OBSERVATIONER = "rapportera-observationer"
    GEMENSAM_LAGESBILD = "gemensam-lagesbild"
    BESLUTSUNDERLAG = "beslutsunderlag"
    MANADSRAPPORT = "manadsrapport"
    ARSRAPPORT = "arsrapport"
    RAPPORT = "rapport"
    PAMINNELSE = "paminnelse"
    PAMINNELSE_FORE = "paminnelse-"
    FORFALLER_IDAG = "forfaller-idag"
    ESKALERING = "eskalering"
    FAS_OPPNAD = "fas-oppnad"
    SAMMANFATTNING = "sammanfattning"
    LEVERANSPROBLEM = "leveransproblem"
    # the regional level (issue 17)
    RAPPORTERA_LAGESBILD = "rapportera-lagesbild"
    SAMMANSTALL_LAGESBILD = "sammanstall-lagesbild"
    LANSANALYS = "lansanalys"
    ARSRAPPORT_BRA = "arsrapport-bra"
    GEMENSAMMA_PRIORITERINGAR = "gemensamma-prioriteringar"

    @property
    def traits(self) -> Traits:
        return _TRAITS.get(self, Traits())

    @property
    def urgent(self) -> bool:
        return self.traits.urgent

    @property
    def digestible(self) -> bool:
        return self.traits.digestible

    @property
    def escalates_to_chair(self) -> bool:
        return self.traits.escalates_to_chair

    @property
    def document(self) -> str | None:
        return self.traits.document

    @property
    def after_event(self) -> bool:
        return self.traits.after_event

    @property
    def is_report(self) -> bool:
        """A compiled report covering a period (not a packet before a meeting)."""
        return self in (Action.MANADSRAPPORT, Action.RAPPORT, Action.LANSANALYS, Action.ARSRAPPORT_BRA)

    @classmethod
    def from_code(cls, code: str) -> Action | None:
        """The action of a stored code (`paminnelse-7` → PAMINNELSE_FORE); None for a code of another kind."""
        if code.startswith(cls.PAMINNELSE_FORE.value) and code[len(cls.PAMINNELSE_FORE) :].isdigit():
            return cls.PAMINNELSE_FORE
        try:
            return cls(code)
        except ValueError:
            return None

    @classmethod
    def reminder_code(cls, days_before: int) -> str:
        return f"{cls.PAMINNELSE_FORE.value}{days_before}"


_TRAITS: dict[Action, Traits] = {
    Action.GEMENSAM_LAGESBILD: Traits(document="report", after_event=True),
    Action.BESLUTSUNDERLAG: Traits(document="packet"),
    Action.ARSRAPPORT: Traits(document="packet"),
    Action.MANADSRAPPORT: Traits(document="report"),
    Action.RAPPORT: Traits(document="report"),
    Action.PAMINNELSE_FORE: Traits(digestible=True),
    Action.FORFALLER_IDAG: Traits(digestible=True),
    Action.ESKALERING: Traits(urgent=True, escalates_to_chair=True),
    Action.LANSANALYS: Traits(document="county_analysis"),
    Action.ARSRAPPORT_BRA: Traits(document="county_report"),
}


LABELS_SV: dict[Action, str] = {
    Action.KALLELSE: "kallelse",
    Action.RAPPORTERA_OBSERVATIONER: "påminnelse att rapportera observationer",
    Action.GEMENSAM_LAGESBILD: "gemensam lägesbild",
    Action.BESLUTSUNDERLAG: "beslutsunderlag",
    Action.MANADSRAPPORT: "EST-rapport",
    Action.ARSRAPPORT: "årlig uppföljning",
    Action.RAPPORT: "rapport",
    Action.PAMINNELSE: "påminnelse",
    Action.PAMINNELSE_FORE: "påminnelse före tidsfrist",
    Action.FORFALLER_IDAG: "tidsfristen är i dag",
    Action.ESKALERING: "eskalering",
    Action.FAS_OPPNAD: "ny fas",
    Action.SAMMANFATTNING: "dagens sammanfattning",
    Action.LEVERANSPROBLEM: "leveransproblem",
    Action.RAPPORTERA_LAGESBILD: "påminnelse att lämna bidrag till veckolägesbilden",
    Action.SAMMANSTALL_LAGESBILD: "sammanställ veckolägesbilden",
    Action.LANSANALYS: "månadsanalys för länet",
    Action.ARSRAPPORT_BRA: "årsrapport till Brå",
    Action.GEMENSAMMA_PRIORITERINGAR: "gemensamma prioriteringar för länet",
}


def action_label(code: str) -> str:
    """The Swedish name of a stored action code ('paminnelse-7' → 'påminnelse 7 dagar före tidsfrist')."""
    action = Action.from_code(code)
    if action is Action.PAMINNELSE_FORE:
        return f"påminnelse {code[len(Action.PAMINNELSE_FORE.value) :]} dagar före tidsfrist"
    return LABELS_SV[action] if action is not None else code


def is_urgent(code: str, flagged: bool = False) -> bool:
    """Whether a stored notification of `code` is urgent: flagged so, or urgent by its action."""
    action = Action.from_code(code)
    return flagged or (action is not None and action.urgent)


def is_digestible(code: str) -> bool:
    action = Action.from_code(code)
    return action is not None and action.digestible
