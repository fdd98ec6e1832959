"""Which kinds of organisation run the cycle (lägesbild → orsaksanalys → åtgärdsplan → genomförande → uppföljning).

The cycle is the local collaboration's: a kommun (or a stadsdel, or a samverkansområde of several kommuner) with
its lokalpolisområde. A länsstyrelse runs none: it supports the kommuner of its county, compiles their monthly
analyses and leads the county's network. The one place this is decided; the start of a cycle
(`services/cycle.py::start_cycle`), the pages and their menu (`web/nav.py`) and `samverkan run` ask it.
"""

from __future__ import annotations

from samverkan.models.enums import OrgKind

CYCLE_KINDS = frozenset({OrgKind.KOMMUN, OrgKind.STADSDEL, OrgKind.SAMVERKANSOMRADE})


def runs_cycle(kind: OrgKind | str) -> bool:
    """Whether an organisation of this kind runs the cycle of the process definition."""
    return kind in CYCLE_KINDS


def no_cycle_reason(name: str) -> str:
    """Why an organisation that runs no cycle cannot start one (Swedish, shown as it is)."""
    return (
        f"{name} driver ingen egen cykel: cykeln (lägesbild, orsaksanalys, åtgärdsplan, genomförande, uppföljning) "
        "är kommunens och polisens. En länsstyrelse följer länets kommuner på sidan Länet."
    )
