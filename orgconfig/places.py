"""Where a cadence's meetings are held: the cadence's own `location:` / `online_url:`, else its body's.

The place travels in the cadence's stored rule (`location`, `online_url`), so the årshjul, the calls and
the packets read it from one place, without a column of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the sweep reads stored rules (place_of) and needs no schema
    from samverkan.orgconfig.schema import CadenceSpec, OrgConfig

PLACE_KEYS = ("location", "online_url")


def meeting_place(config: OrgConfig, cadence: CadenceSpec) -> dict[str, str]:
    """The cadence's place and meeting link, each falling back to the body's (only what is given)."""
    body = next((b for b in config.bodies if b.key == cadence.body), None)
    place: dict[str, str] = {}
    for key in PLACE_KEYS:
        value = getattr(cadence, key) or (getattr(body, key) if body is not None else None)
        if value:
            place[key] = value
    return place


def stored_rule(config: OrgConfig, cadence: CadenceSpec) -> dict[str, object]:
    """The rule the database stores: the schedule, the packet setting and the meeting place."""
    return {**cadence.rule(), **meeting_place(config, cadence)}


def place_of(rule: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(location, online_url) from a stored rule."""
    location, online_url = rule.get("location"), rule.get("online_url")
    return (str(location) if location else None, str(online_url) if online_url else None)
