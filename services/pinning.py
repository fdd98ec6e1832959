"""Which process definition a cycle follows: its own copy, pinned when it started (or was upgraded).

A running cycle never silently follows the definition file: `definition_of(session, cycle)` is the one
lookup of a cycle's definition, everywhere. The file as it is now (`current_definition`) is used only to
start a cycle, to show how the file has moved on (`drift`, `cycles_behind`) and for an explicit upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session, col, select

from samverkan.core.ids import saved_id
from samverkan.core.issues import ConfigError
from samverkan.database import once_per_transaction
from samverkan.models import Cycle, Organisation, Phase
from samverkan.models.enums import CycleStatus
from samverkan.process.changes import compare
from samverkan.process.definition import PhaseDefinition, ProcessDefinition, load_definition
from samverkan.process.snapshot import (
    SnapshotError,
    content_version,
    definition_from_snapshot,
    label_of,
    snapshot_of,
)
from samverkan.services.access import roles_with_function
from samverkan.services.audit import audit
from samverkan.services.errors import NotFoundError, RefusedError, ServiceError

LEGACY = "startade före versionslåsningen"


def current_definition(key: str) -> ProcessDefinition:
    """The definition file as it is now (for a new cycle); a missing or broken file is a clear refusal."""
    try:
        return load_definition(key)
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0])) from None
    except ConfigError as exc:
        raise RefusedError(
            f"processbeskrivningen '{key}' innehåller fel och kan inte användas:", [str(i) for i in exc.issues]
        ) from None


def successor_definition(cycle: Cycle) -> ProcessDefinition:
    """What the cycle after `cycle` starts on: the file as it is now, so a changed file applies from there."""
    try:
        return current_definition(cycle.definition_key)
    except ServiceError as exc:
        raise RefusedError(
            f"Cykel {cycle.number} kan inte avslutas, eftersom nästa cykel startar på den aktuella "
            f"processbeskrivningen: {exc}"
        ) from None


def pin(cycle: Cycle, definition: ProcessDefinition) -> None:
    """The cycle follows `definition` from now on, whatever later happens to the file."""
    cycle.definition_snapshot = snapshot_of(definition)
    cycle.definition_version = definition.version


def definition_of(session: Session, cycle: Cycle) -> ProcessDefinition:
    """The definition the cycle follows: its pinned copy. A cycle from before the copies were kept (an empty
    snapshot) is pinned to the file as it is now, once, with an audit entry."""
    if "definition_snapshot" in instance_state(cycle).unloaded:  # read without it, by its digest (definition_by_digest)
        known = _pinned_here(session).get(saved_id(cycle))
        if known is not None:
            return known
    if cycle.definition_snapshot:
        try:
            return definition_from_snapshot(cycle.definition_snapshot)
        except SnapshotError:
            raise RefusedError(
                f"cykel {cycle.number}s sparade processbeskrivning ('{cycle.definition_key}') stämmer inte med "
                "programmet längre (t.ex. ett krav som har tagits bort); kontakta den som driftar Samverkan"
            ) from None
    definition = current_definition(cycle.definition_key)
    before = cycle.definition_version
    pin(cycle, definition)
    session.add(cycle)
    audit(
        session,
        "system",
        cycle.organisation_id,
        "cycle.pin_definition",
        cycle,
        key=str(cycle.number),
        before={"definition_version": before, "content": None},
        after={"definition_version": definition.version, "content": content_version(definition), "why": LEGACY},
    )
    return definition


def phase_spec(definition: ProcessDefinition, phase: Phase) -> PhaseDefinition:
    """The definition of one of the cycle's phases; a phase the definition lacks is a refusal, not a KeyError."""
    spec = definition.find_phase(phase.key)
    if spec is None:
        raise RefusedError(
            f"fasen {phase.name} [{phase.key}] finns inte i processbeskrivningen '{definition.key}' "
            f"({label_of(definition)}) som cykeln följer. Flytta över cykeln till den aktuella "
            "processbeskrivningen (samverkan cycle upgrade) eller ge fasen tillbaka sin nyckel i filen."
        )
    return spec


def require_owner_functions(session: Session, organisation: Organisation, definition: ProcessDefinition) -> None:
    """Refuse a definition whose item owners the organisation has no role for."""
    missing = sorted(f for f in definition.owner_functions() if not roles_with_function(session, organisation, f))
    if missing:
        raise RefusedError(
            f"{organisation.name} saknar roller för processens funktioner: {', '.join(missing)}. "
            "Ange 'function:' på rollerna i organisationsfilen."
        )


@dataclass(frozen=True)
class Drift:
    """How the definition file differs from the copy a cycle follows."""

    notice: str
    changes: list[str] = field(default_factory=list)


def definition_by_digest(session: Session, cycle: Cycle, digest: bytes | None) -> ProcessDefinition:
    """definition_of for a cycle read without its pinned copy but with the copy's SHA-256 as the database keeps it
    (services/cycle_prefetch.py::latest_cycle_digest): the definition parsed from equal stored data is the same
    definition, so the copy is read (one statement) only the first time this process sees it. Later calls in the
    transaction with this cycle object (definition_of) find it without reading the copy either."""
    known = _BY_DIGEST.get(digest) if digest is not None else None
    if known is None:
        stored = bool(cycle.definition_snapshot)  # reads the copy
        known = definition_of(session, cycle)
        if stored and digest is not None:  # not a legacy cycle pinned just now (its copy changed)
            if len(_BY_DIGEST) >= 64:
                _BY_DIGEST.clear()
            _BY_DIGEST[digest] = known
    _pinned_here(session)[saved_id(cycle)] = known
    return known


_BY_DIGEST: dict[bytes, ProcessDefinition] = {}  # the stored copy's SHA-256 → its definition


def _pinned_here(session: Session) -> dict[int, ProcessDefinition]:
    """The definitions found by digest in this transaction, per cycle id."""
    return once_per_transaction(session, "pinned_by_digest", dict)


def drift(cycle: Cycle, pinned: ProcessDefinition) -> Drift | None:
    """None while the file says what the cycle follows; otherwise what has changed, in Swedish."""
    label = label_of(pinned)
    try:
        current = load_definition(cycle.definition_key)
    except KeyError:
        return Drift(
            f"Processbeskrivningen '{cycle.definition_key}' finns inte längre; cykeln följer den version den "
            f"startade med ({label}), och nästa cykel kan inte starta förrän filen finns igen."
        )
    except ConfigError as exc:
        return Drift(
            f"Processbeskrivningen '{cycle.definition_key}' innehåller fel; cykeln följer den version den startade "
            f"med ({label}), och nästa cykel kan inte starta förrän felen är rättade.",
            [str(issue) for issue in exc.issues],
        )
    if content_version(current) == content_version(pinned):
        return None
    return Drift(
        f"Processbeskrivningen har ändrats sedan cykeln startade ({label} → {label_of(current)}); "
        "ändringen gäller från nästa cykel.",
        compare(pinned, current),
    )


@dataclass(frozen=True)
class CycleBehind:
    """A running cycle on another version than a given definition."""

    organisation_key: str
    organisation: str
    number: int
    version: str
    changes: list[str]


def cycles_behind(session: Session, definition: ProcessDefinition) -> list[CycleBehind]:
    """Running cycles of `definition.key` that follow another version than `definition` (read only)."""
    rows = session.exec(
        select(Cycle, Organisation)
        .join(Organisation, col(Organisation.id) == Cycle.organisation_id)
        .where(Cycle.definition_key == definition.key, Cycle.status == CycleStatus.ACTIVE)
        .order_by(Organisation.key)
    ).all()
    behind = []
    for cycle, organisation in rows:
        if not cycle.definition_snapshot:
            version = f"version {cycle.definition_version} ({LEGACY})"
            behind.append(CycleBehind(organisation.key, organisation.name, cycle.number, version, []))
            continue
        try:
            pinned = definition_from_snapshot(cycle.definition_snapshot)
        except SnapshotError:
            version = f"version {cycle.definition_version} (sparad kopia går inte att läsa)"
            behind.append(CycleBehind(organisation.key, organisation.name, cycle.number, version, []))
            continue
        if content_version(pinned) != content_version(definition):
            changes = compare(pinned, definition)
            behind.append(CycleBehind(organisation.key, organisation.name, cycle.number, label_of(pinned), changes))
    return behind
