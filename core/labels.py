"""Swedish labels for stored identifiers (enum values), for screens, messages and reports."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache

from samverkan.core.timeutil import local

WEEKDAYS_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
WEEKDAYS_SHORT_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
MONTHS_SV = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
MONTHS_SHORT_SV = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

LABELS: dict[str, str] = {
    # organisations
    "kommun": "kommun",
    "stadsdel": "stadsdel",
    "lokalpolisomrade": "lokalpolisområde",
    "lansstyrelse": "länsstyrelse",
    "samverkansomrade": "samverkansområde (flera kommuner)",
    "polis": "polisen",
    # bodies
    "styrgrupp": "styrgrupp",
    "beredningsgrupp": "beredningsgrupp",
    "lokala_bra": "lokalt brottsförebyggande råd (BRÅ)",
    "est": "EST-grupp",
    "trygghetsrad": "trygghetsråd",
    "folkhalsorad": "folkhälsoråd",
    "ledningsgrupp": "ledningsgrupp",
    "arbetsgrupp": "arbetsgrupp",
    "lokalt_rad": "lokalt brottsförebyggande råd",
    "natverk": "länsnätverk",
    # triggers
    "est_meeting": "EST-möte",
    "body_meeting": "sammanträde",
    "est_report": "EST-rapport",
    "direction_decision": "inriktningsbeslut",
    "yearly_review": "årlig uppföljning",
    "survey": "undersökning",
    "report": "rapport",
    "item_deadline": "tidsfrist i checklistan",
    "measure_deadline": "tidsfrist för åtgärd",
    "phase_opened": "ny fas",
    "weekly_situation": "veckolägesbild",
    "network_meeting": "nätverksmöte",
    "county_analysis": "månadsanalys för länet",
    "county_report": "årsrapport till Brå",
    "joint_priorities": "gemensamma prioriteringar för länet",
    # weekly lägesbild: trend
    "okar": "ökar",
    "oforandrad": "oförändrad",
    "minskar": "minskar",
    # statuses
    "utkast": "utkast",
    "vantar_pa_underskrift": "väntar på underskrift",
    "undertecknad": "undertecknad",
    "ersatt": "ersatt av ny version",
    "pagaende": "pågående",
    "avslutad": "avslutad",
    "ej_paborjad": "ej påbörjad",
    "klar": "klar",
    "oppen": "öppen",
    "gron": "grön",
    "gul": "gul",
    "rod": "röd",
    "fattat": "fattat",
    # medborgarlöfte activities
    "planerad": "planerad",
    "genomford": "genomförd",
    "avbruten": "avbruten",
    "brottsutsatt": "brottsutsatt",
    "garningsperson": "gärningsperson",
    "plats": "plats/objekt",
    "situation": "situation",
    # åtgärder: lifecycle and decisions about them (orsak)
    "aktiv": "aktiv",
    "andrad_omfattning": "ändrad omfattning",
    "atgard": "beslut om åtgärd",  # the kind of a decision that changed or cancelled an åtgärd
    # meetings
    "planerat": "planerat",
    "genomfort": "genomfört",
    "installt": "inställt",
    # notifications (the outbox)
    "vantar": "väntar",
    "skickas": "skickas",
    "skickad": "skickad",
    "misslyckad": "misslyckad",
    "stoppad": "stoppad",
    # evidence kinds
    "dokument": "dokument",
    "beslut": "beslut",
    "dialog": "dialog",
    "lank": "länk",
    # personal links and keys
    "inbjudan": "inbjudan",
    "session": "inloggning",
    "kalender": "kalenderlänk",
    "api": "API-nyckel",
    "upplasning": "upplåsningslänk",
    # contact channels
    "email": "e-post",
    "teams": "Teams",
    "slack": "Slack",
    "sms": "sms",
    "webhook": "webhook",
    "other": "annat",
    # frequencies
    "weekly": "varje vecka",
    "biweekly": "varannan vecka",
    "monthly": "varje månad",
    "quarterly": "varje kvartal",
    "yearly": "varje år",
    "times_per_year": "några gånger per år",
    "ad_hoc": "vid behov",
    # indicators
    "lower_is_better": "lägre är bättre",
    "higher_is_better": "högre är bättre",
    # sources of a problem in the joint lägesbild
    "est_aggregat": "EST-sammanställning",
    "indikator": "indikator",
    "partens_lagesbild": "partens egen lägesbild",
}

# decision kinds (the form's choices and how a recorded decision is shown)
DECISION_KINDS: dict[str, str] = {
    "inriktningsbeslut": "inriktningsbeslut",
    "prioritering": "prioritering av problem",
    "antagande": "antagande av åtgärdsplan",
    "lagesbild": "fastställd lägesbild",
    "beslut": "beslut",
}
LABELS.update({key: text for key, text in DECISION_KINDS.items() if key not in LABELS})

HISTORY_KEYS = ("at", "on", "action", "by")


def label(value: object) -> str:
    text = str(value)
    return LABELS.get(text, text)


def local_stamp(moment: datetime | str) -> str:
    """A moment as Stockholm local time to the minute: '2026-11-26 06:15' (never ISO with +00:00)."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return local(when).strftime("%Y-%m-%d %H:%M")


def history_line(entry: Mapping[str, object]) -> str:
    """One history entry in Swedish: '2026-11-26 06:15 · öppnad · av Anna Berg' (keys never shown); an act
    effective for an earlier day than it was recorded also says 'gäller från 2026-11-20'."""
    parts: list[str] = []
    at, stamp = entry.get("at"), ""
    if isinstance(at, (str, datetime)):
        try:
            stamp = local_stamp(at)
        except ValueError:
            stamp = str(at)
        parts.append(stamp)
    if entry.get("action"):
        parts.append(label(entry["action"]))
    effective = entry.get("on")
    if isinstance(effective, str) and not stamp.startswith(effective):
        parts.append(f"gäller från {effective}")  # the effective day, when it is not the day it was recorded
    if entry.get("by"):
        parts.append(f"av {entry['by']}")
    parts.extend(label(v) for k, v in entry.items() if k not in HISTORY_KEYS and v not in (None, ""))
    return " · ".join(parts)


def day_text(day: date | datetime | str | None, year: bool = True) -> str:
    """A date as a reader says it, with its weekday: 'tis 8 dec 2026' ('tis 8 dec' without the year); never
    '07/12'. A moment is taken in Stockholm time."""
    if day is None or day == "":
        return "–"
    if isinstance(day, datetime):
        return _day_text(local(day).date(), year)
    return _day_text(day, year)


@lru_cache(maxsize=4096)
def _day_text(day: date | str, year: bool) -> str:
    """A day (or an ISO date) in words; remembered, since a page of hundreds of items names the same few days."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    text = f"{WEEKDAYS_SHORT_SV[day.weekday()]} {day.day} {MONTHS_SHORT_SV[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def count_text(count: int, one: str, many: str) -> str:
    """A count with its noun in the right number: '1 kommun', '2 kommuner', '0 kommuner'."""
    return f"{count} {one if count == 1 else many}"
