"""Storing a validated organisation file in the database, as a difference against what is there.

Loading the same file twice changes nothing; an edited file changes exactly what was edited. Every
change is written to the audit log with before and after. Rows with history (roles, bodies, cadences,
indicators) are archived, not deleted, when they leave the file; they come back if the file brings them
back. Role assignments made by a handover (source "handover") are never touched by a reload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from dateutil.relativedelta import relativedelta
from sqlalchemy import insert
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from samverkan.core.ids import Stored, saved_id
from samverkan.core.issues import ConfigError, ConfigIssue
from samverkan.core.issues import Path as IssuePath
from samverkan.core.jsonable import jsonable
from samverkan.core.timeutil import utcnow
from samverkan.core.yaml_source import read_yaml
from samverkan.models import (
    Agreement,
    AgreementParty,
    AuditEntry,
    Body,
    BodyMembership,
    Cadence,
    CitizenPromise,
    ContactRoute,
    Indicator,
    Organisation,
    OrganisationLink,
    Person,
    Role,
    RoleAssignment,
)
from samverkan.models.base import table_of
from samverkan.models.enums import AgreementStatus, OrgKind
from samverkan.orgconfig.places import stored_rule
from samverkan.orgconfig.routes import channel_of
from samverkan.orgconfig.schema import ContactSpec, OrgConfig, Party
from samverkan.orgconfig.validate import ValidationResult

ACTIONS_SV = {
    "created": "skapad",
    "updated": "ändrad",
    "archived": "arkiverad",
    "restored": "återställd",
    "removed": "borttagen",
}

Row = TypeVar("Row", bound=SQLModel)
T = TypeVar("T")


@dataclass(frozen=True)
class Change:
    action: str
    entity: str
    key: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.entity} {self.key}: {ACTIONS_SV[self.action]}{detail}"


@dataclass
class LoadReport:
    organisation_key: str
    organisation_id: int
    changes: list[Change] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)  # data another organisation's file owns, kept

    @property
    def unchanged(self) -> bool:
        return not self.changes


def config_fingerprint(config: OrgConfig) -> str:
    """Hash of the validated content: comments and layout do not count as changes."""
    return hashlib.sha256(config.model_dump_json(by_alias=True).encode()).hexdigest()


class _Loader:
    def __init__(
        self, session: Session, config: OrgConfig, actor: str, source_file: str, source_text: str = ""
    ) -> None:
        self.session = session
        self.source_text = source_text
        self.warnings: list[ConfigIssue] = []
        self.config = config
        self.actor = actor
        self.source_file = source_file
        self.org: Organisation
        self.changes: list[Change] = []
        self.pending: list[
            tuple[str, str, SQLModel | None, int | None, str, dict[str, Any] | None, dict[str, Any] | None]
        ] = []
        self.known: dict[str, Organisation] = {}  # organisations by key, as this load has left them
        # The organisation is new in this load: no row can point to it yet (foreign keys), so the lookups of its
        # roles, bodies, links, agreement and the rest are skipped, not asked for an empty answer.
        self.fresh = False

    # -- generic helpers ---------------------------------------------------------------------------

    def record(
        self,
        action: str,
        row: SQLModel,
        entity: str,
        key: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Note a change; its audit entry is written by write_audit() once new rows have their ids."""
        table = type(row).__tablename__
        self.pending.append((action, str(table), row, getattr(row, "id", None), key, before, after))
        fields = tuple(after) if action == "updated" and after else ()
        self.changes.append(Change(action, entity, key, fields))

    def record_created(
        self, model: type[SQLModel], row_id: int, entity: str, key: str, after: dict[str, Any] | None
    ) -> None:
        """record() of a row inserted as plain values (no ORM object), by its id."""
        self.pending.append(("created", str(model.__tablename__), None, row_id, key, None, after))
        self.changes.append(Change("created", entity, key))

    def write_audit(self) -> None:
        """One flush and one batch insert for the whole load, in the same transaction as the changes."""
        self.session.flush()
        now = utcnow()
        rows = [
            {
                "at": now,
                "actor": self.actor,
                "organisation_id": self.org.id,
                "action": f"config.{action}",
                "entity_type": table,
                "entity_id": entity_id if entity_id is not None else getattr(row, "id", None),
                "entity_key": key,
                "before": jsonable(before),
                "after": jsonable(after),
            }
            for action, table, row, entity_id, key, before, after in self.pending
        ]
        if rows:
            self.session.connection().execute(insert(AuditEntry), rows)

    def upsert(
        self,
        model: type[Row],
        existing: Row | None,
        identity: dict[str, Any],
        desired: dict[str, Any],
        entity: str,
        key: str,
    ) -> Row:
        """Create the row, or update the fields that differ, restoring it if it was archived."""
        if existing is None:
            row = self.create(model, [{**identity, **desired}], tuple(identity))[0]
            self.record("created", row, entity, key, None, {**identity, **desired})
            return row
        before = {name: getattr(existing, name) for name, value in desired.items() if getattr(existing, name) != value}
        after = {name: desired[name] for name in before}
        restored = getattr(existing, "archived_at", None) is not None
        for name, value in ({**after, "archived_at": None} if restored else after).items():
            setattr(existing, name, value)
        if restored:
            self.record("restored", existing, entity, key)
        if after:
            self.session.add(existing)
            self.record("updated", existing, entity, key, before, after)
        return existing

    def create(self, model: type[Row], values: list[dict[str, Any]], identity: tuple[str, ...]) -> list[Row]:
        """New rows of one table in one multi-row INSERT ... RETURNING: the ORM gets them back loaded, ids
        included, instead of building each object field by field and inserting it at the next flush. Fields the
        values leave out get the model's defaults, as constructing the object would give them. The rows come back
        in the order of `values`, matched by their `identity` fields (RETURNING's own order is not guaranteed,
        and asking SQLAlchemy to sort it makes SQLite insert row by row)."""
        if not values:
            return []
        inserted = self.session.scalars(_returning_rows(model), [_with_defaults(model, v) for v in values])
        by_identity: dict[tuple[Any, ...], list[Row]] = {}
        for row in inserted:
            by_identity.setdefault(tuple(getattr(row, name) for name in identity), []).append(row)
        return [by_identity[tuple(v[name] for name in identity)].pop() for v in values]

    def create_plain(self, model: type[SQLModel], values: list[dict[str, Any]], identity: tuple[str, ...]) -> list[int]:
        """create() for rows nobody reads back in this load: a Core INSERT ... RETURNING of their ids and
        `identity` fields only, no ORM object per row; the ids come back in the order of `values`."""
        if not values:
            return []
        inserted = self.session.connection().execute(
            _returning_ids(model, identity), [_with_defaults(model, v) for v in values]
        )
        by_identity: dict[tuple[Any, ...], list[int]] = {}
        for row_id, *found in inserted:
            by_identity.setdefault(tuple(found), []).append(row_id)
        return [by_identity[tuple(v[name] for name in identity)].pop() for v in values]

    def upsert_plain(
        self, model: type[Row], wanted: list[tuple[Row | None, dict[str, Any], dict[str, Any], str, str]]
    ) -> list[int]:
        """upsert() for many rows of one table, given as (existing, identity, desired, entity, key), of which the
        load needs only the ids: the new rows are inserted in one statement as plain values (no ORM object per
        row), then every row is recorded in the given order, as upsert() one by one. The ids in that order."""
        fresh = iter(
            self.create_plain(
                model,
                [{**identity, **desired} for row, identity, desired, _, _ in wanted if row is None],
                tuple(wanted[0][1]) if wanted else (),
            )
        )
        ids = []
        for existing, identity, desired, entity, key in wanted:
            if existing is None:
                ids.append(next(fresh))
                self.record_created(model, ids[-1], entity, key, {**identity, **desired})
            else:
                ids.append(saved_id(cast(Stored, self.upsert(model, existing, identity, desired, entity, key))))
        return ids

    def stored(self, query: SelectOfScalar[T], none_yet: bool | None = None) -> Sequence[T]:
        """The rows `query` finds; none, without asking, where none can exist yet: `none_yet`, by default when the
        organisation is new in this load (no row can point to it yet: foreign keys)."""
        nothing_yet = self.fresh if none_yet is None else none_yet
        return [] if nothing_yet else self.session.exec(query).all()

    def archive_missing(self, rows: list[Any], keep: set[str], entity: str) -> None:
        for row in rows:
            if row.key not in keep and row.archived_at is None:
                row.archived_at = utcnow()
                self.session.add(row)
                self.record("archived", row, entity, row.key)

    def warn(self, path: IssuePath, message: str) -> None:
        """A located warning: what the file says differs from data another organisation owns, which is kept."""
        doc = read_yaml(self.source_text, self.source_file) if self.source_text else None
        line = doc.line_of(path) if doc is not None else 0
        self.warnings.append(ConfigIssue(self.source_file, line, message, path, "varning"))

    def _role_key(self, role_id: int) -> str:
        role = self.session.get(Role, role_id)
        return role.key if role is not None else str(role_id)

    # -- sections ----------------------------------------------------------------------------------

    def organisations(self) -> dict[str, Organisation]:
        c = self.config
        spec = c.organisation
        self.known = self._named_organisations()
        existing = self.known.get(spec.key)
        desired: dict[str, Any] = {
            "name": spec.name,
            "kind": OrgKind(spec.kind),
            "county": spec.county,
            "kommunkod": spec.kommunkod,
            "population": spec.population,
            "assumed": spec.assumed,
            "statistics": spec.statistics.model_dump(exclude_none=True) if spec.statistics else {},
            "settings": {
                "breaks": [b.model_dump(by_alias=True, exclude_none=True) for b in c.breaks],
                "reminders": c.reminders.model_dump(),
                "packets": c.packets.model_dump(),
                "letterhead": c.letterhead.model_dump(exclude_none=True),
                **({"categories": list(c.categories)} if c.categories else {}),
                **({"county": c.county.model_dump()} if c.county else {}),
            },
            "notes": spec.notes,
            "source_file": self.source_file,
            "config_hash": config_fingerprint(c),
        }
        if existing is not None and existing.config_hash == desired["config_hash"]:
            desired["source_file"] = existing.source_file  # same content from another path: no change
        self.org = self.upsert(
            Organisation,
            existing,
            {"key": spec.key},
            desired,
            "organisation",
            spec.key,
        )
        self.known[spec.key] = self.org
        self.fresh = existing is None
        if existing is not None and self.changes:
            self.org.updated_at = utcnow()
        self.session.flush()

        parties: dict[str, Organisation] = {spec.key: self.org}
        links: list[tuple[Organisation, str]] = []
        if spec.kind not in ("samverkansomrade", "lansstyrelse"):
            links.append((self.org, "kommun"))
        for municipality in c.municipalities:
            row = self.party(municipality, OrgKind.KOMMUN, parent=self.org, section="municipalities")
            parties[municipality.key] = row
            links.append((row, "kommun"))
        if c.police_area is not None:
            police = self.party(c.police_area, OrgKind.LOKALPOLISOMRADE, section="police_area")
            parties[c.police_area.key] = police
            links.append((police, "polis"))
        if c.county_board is not None:
            board = self.party(c.county_board, OrgKind.LANSSTYRELSE, section="county_board")
            parties[c.county_board.key] = board
            links.append((board, "lansstyrelse"))
        self.links(links)
        return parties

    def _named_organisations(self) -> dict[str, Organisation]:
        """The file's organisation and its parties that exist, by key, in one query (kept up to date by the load)."""
        c = self.config
        named = [c.organisation.key, *(m.key for m in c.municipalities)]
        named += [party.key for party in (c.police_area, c.county_board) if party is not None]
        return {row.key: row for row in self.session.exec(select(Organisation).where(col(Organisation.key).in_(named)))}

    def party(
        self, spec: Party, kind: OrgKind, parent: Organisation | None = None, section: str = "part"
    ) -> Organisation:
        """A party of the file (a police area, the länsstyrelse, a member kommun). An organisation that its own
        file describes is that file's: this file never changes it, and says so when it describes it otherwise."""
        existing = self.known.get(spec.key)
        if existing is not None and existing.config_hash is not None and existing.id != self.org.id:
            if existing.name != spec.name:
                self.warn(
                    (section, "name"),
                    f"{existing.name} ('{spec.key}') beskrivs av sin egen fil ({existing.source_file}); "
                    f"namnet '{spec.name}' här används inte",
                )
            return existing
        shared_with = self._also_described_by(existing) if existing is not None else []
        if existing is not None and shared_with:
            return self._shared_party(existing, spec, section, shared_with)
        desired: dict[str, Any] = {
            "name": spec.name,
            "kind": kind,
            "kommunkod": spec.kommunkod,
            "population": spec.population,
            "assumed": spec.assumed,
            "statistics": spec.statistics.model_dump(exclude_none=True) if spec.statistics else {},
            "notes": spec.notes,
        }
        if parent is not None:
            desired["parent_id"] = parent.id
            desired["county"] = parent.county
        row = self.upsert(Organisation, existing, {"key": spec.key}, desired, "part", spec.key)
        self.known[spec.key] = row
        self.session.flush()
        return row

    def _also_described_by(self, party: Organisation) -> list[str]:
        """The other configured organisations whose files name `party` (a police area two kommuner share)."""
        names = self.session.exec(
            select(Organisation.name)
            .join(OrganisationLink, col(OrganisationLink.organisation_id) == Organisation.id)
            .where(OrganisationLink.member_id == party.id, OrganisationLink.organisation_id != self.org.id)
        ).all()
        return sorted(set(names))

    def _shared_party(self, party: Organisation, spec: Party, section: str, others: list[str]) -> Organisation:
        """A party other files name too keeps what it has: a file that describes it otherwise gets a warning,
        never a flip-flop between whichever file was loaded last."""
        differs = [f for f in ("name", "notes") if getattr(party, f) != getattr(spec, f) and getattr(spec, f)]
        if differs:
            self.warn(
                (section, differs[0]),
                f"'{spec.key}' delas med {', '.join(others)} och står där med andra uppgifter "
                f"({', '.join(differs)}); de behålls",
            )
        return party

    def links(self, wanted: list[tuple[Organisation, str]]) -> None:
        query = select(OrganisationLink).where(OrganisationLink.organisation_id == self.org.id)
        current = {link.member_id: link for link in self.stored(query)}
        self.upsert_plain(
            OrganisationLink,
            [
                (
                    current.pop(saved_id(member), None),
                    {"organisation_id": self.org.id, "member_id": member.id},
                    {"relation": relation},
                    "partsrelation",
                    member.key,
                )
                for member, relation in wanted
            ],
        )
        for link in current.values():
            self.session.delete(link)
            self.record("removed", link, "partsrelation", str(link.member_id))

    def sync_keyed(
        self, model: type[Any], specs: list[Any], desired: Callable[[Any], dict[str, Any]], entity: str
    ) -> dict[str, int]:
        """Rows of this organisation keyed by `key`: upsert one per spec, archive the rest. Returns the ids of all
        of them by key (the archived ones too); new rows are inserted as plain values."""
        rows = {r.key: r for r in self.stored(select(model).where(model.organisation_id == self.org.id))}
        wanted = [
            (rows.get(spec.key), {"organisation_id": self.org.id, "key": spec.key}, desired(spec), entity, spec.key)
            for spec in specs
        ]
        ids = {key: saved_id(row) for key, row in rows.items()}
        ids.update(zip((spec.key for spec in specs), self.upsert_plain(model, wanted), strict=True))
        self.archive_missing(list(rows.values()), {spec.key for spec in specs}, entity)
        self.session.flush()
        return ids

    def roles(self, parties: dict[str, Organisation]) -> dict[str, int]:
        return self.sync_keyed(
            Role,
            self.config.roles,
            lambda spec: {
                "name": spec.name,
                "function": spec.function or spec.key,
                "party_id": parties[spec.party].id,
                "signatory": spec.signatory,
            },
            "roll",
        )

    def people(self) -> dict[str, int]:
        """Persons by e-mail (compared without case). A person who also holds roles in another organisation is
        shared: this file never renames them or changes their phone; a difference is a located warning."""
        emails = sorted({spec.email.lower() for spec in self.config.people})
        known = {p.email: p for p in self.session.exec(select(Person).where(col(Person.email).in_(emails)))}
        elsewhere = self._other_organisations([saved_id(p) for p in known.values()])
        wanted: list[tuple[Person | None, dict[str, Any], dict[str, Any], str, str]] = []
        for index, spec in enumerate(self.config.people):  # validation refuses an address given twice
            email = spec.email.lower()
            existing = known.get(email)
            desired: dict[str, Any] = {"name": spec.name, "phone": spec.phone}
            others = sorted(elsewhere.get(saved_id(existing), set())) if existing is not None else []
            if existing is not None and others:
                desired = self._shared_person(existing, spec, index, others)
            wanted.append((existing, {"email": email}, desired, "person", email))
        ids = self.upsert_plain(Person, wanted)
        self.session.flush()
        return {spec.key: person_id for spec, person_id in zip(self.config.people, ids, strict=True)}

    def _other_organisations(self, person_ids: list[int]) -> dict[int, set[str]]:
        """By person: the names of the other organisations where the person holds (or held) a role."""
        if not person_ids:
            return {}
        rows = self.session.exec(
            select(RoleAssignment.person_id, Organisation.name)
            .join(Role, col(Role.organisation_id) == Organisation.id)
            .join(RoleAssignment, col(RoleAssignment.role_id) == Role.id)
            .where(col(RoleAssignment.person_id).in_(person_ids), Organisation.id != self.org.id)
        ).all()
        names: dict[int, set[str]] = {}
        for person_id, name in rows:
            names.setdefault(person_id, set()).add(name)
        return names

    def _shared_person(self, person: Person, spec: Any, index: int, others: list[str]) -> dict[str, Any]:
        """What this file may set on a person another organisation shares: a missing phone, nothing else."""
        where = ", ".join(others)
        if person.name != spec.name:
            self.warn(
                ("people", index, "name"),
                f"{person.email} heter '{person.name}' i Samverkan och har roller i {where}; "
                f"namnet '{spec.name}' i den här filen används inte (ändra det i alla filer som nämner personen)",
            )
        if spec.phone and person.phone and person.phone != spec.phone:
            self.warn(
                ("people", index, "phone"),
                f"{person.email} har telefon {person.phone} i Samverkan (roller i {where}); {spec.phone} används inte",
            )
        return {"name": person.name, "phone": person.phone or spec.phone}

    def assignments(self, roles: dict[str, int], people: dict[str, int]) -> None:
        role_ids = list(roles.values())
        existing = {
            (a.role_id, a.person_id, a.starts_on): a
            for a in self.stored(select(RoleAssignment).where(col(RoleAssignment.role_id).in_(role_ids)))
        }  # a new organisation's roles are new too
        wanted: set[tuple[int, int, date]] = set()
        changed: list[tuple[RoleAssignment | None, dict[str, Any], dict[str, Any], str, str]] = []
        for spec in self.config.assignments:
            role_id, person_id = roles[spec.role], people[spec.person]
            ident_key = (role_id, person_id, spec.starts_on)
            identity = {"role_id": role_id, "person_id": person_id, "starts_on": spec.starts_on}
            wanted.add(ident_key)
            row = existing.get(ident_key)
            label = f"{spec.role}/{spec.person}/{spec.starts_on}"
            if row is None:
                changed.append((None, identity, {"ends_on": spec.ends_on, "source": "config"}, "tilldelning", label))
            elif spec.ends_on is not None and row.ends_on != spec.ends_on:
                # An open end in the file never reopens an assignment that a handover has ended.
                changed.append((row, identity, {"ends_on": spec.ends_on}, "tilldelning", label))
        self.upsert_plain(RoleAssignment, changed)  # the new ones in one statement, the changes recorded in order
        for ident_key, row in existing.items():
            if ident_key not in wanted and row.source == "config":
                person = self.session.get(Person, row.person_id)
                label = f"{self._role_key(row.role_id)}/{person.email if person else row.person_id}/{row.starts_on}"
                self.session.delete(row)
                self.record("removed", row, "tilldelning", label, {"ends_on": row.ends_on}, None)

    def bodies(self, roles: dict[str, int]) -> dict[str, int]:
        rows = self.sync_keyed(
            Body,
            self.config.bodies,
            lambda spec: {
                "name": spec.name,
                "kind": spec.kind,
                "chair_role_id": roles[spec.chair] if spec.chair else None,
                "convener_role_id": roles[spec.convener] if spec.convener else None,
                "description": spec.description,
                "member_functions": list(spec.member_functions),
            },
            "organ",
        )
        body_ids = [rows[spec.key] for spec in self.config.bodies]
        current: dict[int, dict[int, BodyMembership]] = {body_id: {} for body_id in body_ids}
        if not self.fresh:  # a new organisation's bodies are new: no memberships yet
            for membership in self.session.exec(
                select(BodyMembership).where(col(BodyMembership.body_id).in_(body_ids))
            ):  # one query for every body's memberships
                current[membership.body_id][membership.role_id] = membership
        new = [
            (
                spec.key,
                body_id,
                [key for key in spec.members if current[body_id].pop(roles[key], None) is None],
            )
            for spec, body_id in zip(self.config.bodies, body_ids, strict=True)
        ]
        created = iter(  # every body's new memberships in one statement
            self.create_plain(
                BodyMembership,
                [{"body_id": body_id, "role_id": roles[key]} for _, body_id, keys in new for key in keys],
                ("body_id", "role_id"),
            )
        )
        for body_key, body_id, keys in new:  # recorded body by body, the new ones first, as before
            for key in keys:
                self.record_created(BodyMembership, next(created), "medlemskap", f"{body_key}/{key}", None)
            for row in current[body_id].values():
                self.session.delete(row)
                self.record("removed", row, "medlemskap", f"{body_key}/{self._role_key(row.role_id)}")
        return rows

    def contact_routes(self, people: dict[str, int], bodies: dict[str, int]) -> None:
        current = {
            (r.person_id, r.body_id, r.url_template): r
            for r in self.stored(select(ContactRoute).where(ContactRoute.organisation_id == self.org.id))
        }
        owners: list[tuple[int | None, int | None, list[ContactSpec], str]] = [
            (people[p.key], None, p.contacts, p.key) for p in self.config.people
        ] + [(None, bodies[b.key], b.contacts, b.key) for b in self.config.bodies]
        self.upsert_plain(
            ContactRoute,
            [
                (
                    current.pop((person_id, body_id, contact.url), None),
                    {
                        "organisation_id": self.org.id,
                        "person_id": person_id,
                        "body_id": body_id,
                        "url_template": contact.url,
                    },
                    {"channel": channel_of(contact.url), "tags": list(contact.tags)},
                    "kontaktväg",
                    f"{owner}/{channel_of(contact.url)}",
                )
                for person_id, body_id, contacts, owner in owners
                for contact in contacts
            ],
        )
        for row in current.values():
            self.session.delete(row)
            self.record("removed", row, "kontaktväg", f"{row.person_id or row.body_id}/{row.channel}")

    def cadences(self, bodies: dict[str, int]) -> None:
        self.sync_keyed(
            Cadence,
            self.config.cadences,
            lambda spec: {
                "trigger": spec.trigger,
                "title": spec.title,
                "body_id": bodies[spec.body] if spec.body else None,
                "rule": stored_rule(self.config, spec),
                "notify": list(spec.notify),
            },
            "rytm",
        )

    def indicators(self) -> None:
        def desired(spec: Any) -> dict[str, Any]:
            fields: dict[str, Any] = {
                "name": spec.name,
                "unit": spec.unit,
                "source": spec.source,
                "area": spec.area,
                "direction": spec.direction,
                "interval_years": spec.interval_years,
            }
            for prefix in ("baseline", "target", "national"):
                figure = getattr(spec, prefix)
                fields[f"{prefix}_value"] = figure.value if figure else None
                fields[f"{prefix}_year"] = figure.year if figure else None
            return fields

        self.sync_keyed(Indicator, self.config.indicators, desired, "indikator")

    def agreement(self, parties: dict[str, Organisation], roles: dict[str, int]) -> None:
        spec = self.config.agreement
        if spec is None:
            return
        newest = self.stored(
            select(Agreement)
            .where(Agreement.organisation_id == self.org.id)
            .order_by(col(Agreement.version).desc())
            .limit(1)
        )
        latest = newest[0] if newest else None
        if latest is not None and latest.status != AgreementStatus.DRAFT:
            return  # signed agreements change by renewal (a new version), never by a reload
        desired = {
            "title": spec.title,
            "period_start": spec.starts_on,
            "period_end": spec.ends_on,
            "citizen_promise_years": spec.citizen_promise_years,
        }
        version = 1 if latest is None else latest.version
        identity = {"organisation_id": self.org.id, "version": version}
        agreement = self.upsert(Agreement, latest, identity, desired, "överenskommelse", f"v{version}")
        self.session.flush()
        signers: dict[int, int] = {}  # by party, its first signatory role by key (the file's roles are the live ones)
        for role in sorted(self.config.roles, key=lambda r: r.key):
            if role.signatory:
                signers.setdefault(saved_id(parties[role.party]), roles[role.key])
        current = {
            p.party_id: p
            for p in self.stored(
                select(AgreementParty).where(AgreementParty.agreement_id == agreement.id), none_yet=latest is None
            )  # a new agreement has no parties yet
        }
        wanted = []
        for party in [*self.config.kommun_parties(), self.config.police]:
            org_id = saved_id(parties[party.key])
            wanted.append(
                (
                    current.pop(org_id, None),
                    {"agreement_id": agreement.id, "party_id": org_id},
                    {"signatory_role_id": signers[org_id]},
                    "avtalspart",
                    party.key,
                )
            )
        self.upsert_plain(AgreementParty, wanted)
        for row in current.values():
            self.session.delete(row)
            self.record("removed", row, "avtalspart", str(row.party_id))
        self.citizen_promises(agreement, parties, new=latest is None)

    def citizen_promises(self, agreement: Agreement, parties: dict[str, Organisation], new: bool) -> None:
        start = agreement.period_start
        end = start + relativedelta(years=agreement.citizen_promise_years) - timedelta(days=1)
        current = {
            p.municipality_id: p
            for p in self.stored(
                select(CitizenPromise).where(CitizenPromise.agreement_id == agreement.id), none_yet=new
            )  # a new agreement has no promises yet
        }
        wanted = []
        for party in self.config.kommun_parties():
            org = parties[party.key]
            row = current.get(saved_id(org))
            if row is not None and row.status != AgreementStatus.DRAFT:
                continue
            wanted.append(
                (
                    row,
                    {"agreement_id": agreement.id, "municipality_id": org.id},
                    {
                        "title": f"Medborgarlöfte {org.name} {start.year}",
                        "period_start": start,
                        "period_end": end,
                    },
                    "medborgarlöfte",
                    party.key,
                )
            )
        self.upsert_plain(CitizenPromise, wanted)


@cache
def _returning_rows(model: type[SQLModel]) -> Any:
    """INSERT ... RETURNING the ORM's rows, built once per model (SQLAlchemy keeps its cache key)."""
    return insert(model).returning(model)


@cache
def _returning_ids(model: type[SQLModel], identity: tuple[str, ...]) -> Any:
    """INSERT ... RETURNING id and the identity columns, on the model's table, built once per model."""
    table = table_of(model)
    return insert(table).returning(table.c.id, *(table.c[name] for name in identity))


def _with_defaults(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """The values with every other field's default, as constructing `model(**values)` sets them."""
    row = dict(values)
    for name, info in model.model_fields.items():
        if name in row or name == "id":
            continue
        if info.default_factory is not None:
            row[name] = info.default_factory()  # type: ignore[call-arg]  # SQLModel's factories take no arguments
        elif not info.is_required():
            row[name] = info.default
    return row


def load_config(session: Session, result: ValidationResult, actor: str | None = None) -> LoadReport:
    """Apply a validated file inside the caller's transaction. Refuses a file with errors."""
    if not result.ok or result.config is None:
        raise ConfigError(result.errors or result.issues)
    source = Path(result.file).name
    loader = _Loader(session, result.config, actor or f"config:{source}", result.file, result.source_text)
    parties = loader.organisations()
    roles = loader.roles(parties)
    people = loader.people()
    loader.assignments(roles, people)
    bodies = loader.bodies(roles)
    loader.contact_routes(people, bodies)
    loader.cadences(bodies)
    loader.indicators()
    loader.agreement(parties, roles)
    loader.write_audit()
    return LoadReport(result.config.organisation.key, saved_id(loader.org), loader.changes, loader.warnings)
