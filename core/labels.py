"""Swedish labels for stored identifiers (enum values), for screens, messages and reports."""

from __future__ import annotations

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
    "brottsutsatt": "brottsutsatt",
    "garningsperson": "gärningsperson",
    "plats": "plats/objekt",
    "situation": "situation",
}


def label(value: object) -> str:
    text = str(value)
    return LABELS.get(text, text)
