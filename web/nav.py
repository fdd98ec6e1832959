"""The organisation's navigation as data: one line per page, so each area adds its entry without touching the
layout. `org_links` gives the base template (href, text, current) for the viewer's membership."""

from __future__ import annotations

from dataclasses import dataclass

from samverkan.process.owners import runs_cycle
from samverkan.services.membership import Membership


@dataclass(frozen=True)
class NavEntry:
    suffix: str  # after /org/{key}; "" is the organisation page itself
    text: str
    coordinating_only: bool = False  # shown only to samordnare and kommunpolis
    # True: only an organisation that runs no cycle (a länsstyrelse, with its county); False: only one that runs
    # the cycle (process/owners.py); None: both
    county: bool | None = False


ORG_NAV: list[NavEntry] = [
    NavEntry("/oversikt", "Översikt", county=None),
    NavEntry("/lan", "Länet", county=True),
    NavEntry("/cykel", "Cykeln"),
    NavEntry("/lagesbild", "Lägesbild"),
    NavEntry("/veckolagesbild", "Veckolägesbild"),
    NavEntry("/orsaksanalys", "Orsaksanalys"),
    NavEntry("/overenskommelse", "Överenskommelsen"),
    NavEntry("/medborgarloften", "Medborgarlöften"),
    NavEntry("/atgardsplan", "Åtgärdsplan"),
    NavEntry("/atgarder", "Åtgärder"),
    NavEntry("/kedja", "Verkningskedjan"),
    NavEntry("/indikatorer", "Indikatorer"),
    NavEntry("/beslut", "Beslut och underskrifter"),
    NavEntry("/est", "EST"),
    NavEntry("/handlingar", "Beslutsunderlag och rapporter", county=None),
    NavEntry("/arshjul", "Årshjul", county=None),
    NavEntry("", "Organisationen", county=None),
    NavEntry("/leveranser", "Leveranslogg", coordinating_only=True, county=None),
]


def landing(key: str) -> str:
    """Where an organisation's link leads: its Översikt."""
    return f"/org/{key}/oversikt"


def org_links(member: Membership, path: str) -> list[tuple[str, str, bool]]:
    base = f"/org/{member.organisation.key}"
    return [
        (base + entry.suffix, entry.text, path == base + entry.suffix)
        for entry in ORG_NAV
        if (member.coordinating or not entry.coordinating_only)
        and entry.county in (None, not runs_cycle(member.organisation.kind))
    ]
