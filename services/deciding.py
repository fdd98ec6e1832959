"""Who may decide what, and when a decision can have been taken: the rules every recorded decision and every
beslutsunderlag (decision packet) is checked against.

Direction is decided by the strategic bodies. The domain's escalation path (reference/domain.md §3) runs from
the EST group's lägesbild and short-term measures to "decision by Lokala BRÅ / beredningsgrupp / styrgrupp": an
inriktningsbeslut is proposed by Lokala BRÅ for political decision, the styrgrupp prioritises and adopts the
åtgärdsplaner. The EST group and the other arbetsgrupper are operational: they record their own short-term
decisions, never the strategic ones, and no decision packet is made for them to decide."""

from __future__ import annotations

from datetime import date

from samverkan.core.kinds import BodyKind
from samverkan.core.labels import label
from samverkan.models import Body
from samverkan.services.errors import RefusedError

OPERATIONAL = frozenset({BodyKind.EST, BodyKind.ARBETSGRUPP})  # working groups: they carry out, not direct
STRATEGIC_KINDS = frozenset({"inriktningsbeslut", "prioritering", "antagande"})  # core/labels.py DECISION_KINDS

# The register holds decisions of the local collaboration between kommun and police as Brå, Rikspolisstyrelsen and
# SKL described it in "Samverkan i lokalt brottsförebyggande arbete" (first edition 2010, domain.md §1): no body
# in it decided anything within that collaboration before then. An earlier date is a typing error (1900, 1010).
EARLIEST_DECISION = date(2010, 1, 1)


def check_decided_on(decided_on: date, today: date) -> None:
    """A decision is recorded once it is taken: not after today, and not before the collaboration existed."""
    if decided_on > today:
        raise RefusedError(
            f"beslutsdatumet {decided_on} har inte varit än; ett beslut registreras när det är fattat "
            f"(senast i dag, {today})"
        )
    if decided_on < EARLIEST_DECISION:
        raise RefusedError(
            f"beslutsdatumet {decided_on} är för tidigt: samverkan mellan kommun och polis i den här formen "
            f"finns sedan {EARLIEST_DECISION.year}; kontrollera årtalet"
        )


def check_deciding_body(body: Body, what: str) -> None:
    """`what` (an inriktningsbeslut, a beslutsunderlag …) is decided by a strategic body, not a working group."""
    if body.kind in OPERATIONAL:
        raise RefusedError(
            f"{body.name} är en operativ arbetsgrupp ({label(body.kind)}) och fattar inte {what}; "
            "välj Lokala BRÅ, beredningsgruppen eller styrgruppen"
        )


def check_decision_kind(body: Body, kind: str) -> None:
    """A strategic decision (inriktningsbeslut, prioritering, antagande) is not recorded as a working group's."""
    if kind in STRATEGIC_KINDS:
        check_deciding_body(body, label(kind))
