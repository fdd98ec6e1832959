"""Validating an organisation file: schema, cross-references and contact routes, every problem located."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from samverkan.core.issues import ConfigIssue, Path, Severity
from samverkan.core.kinds import BodyKind, TriggerKind
from samverkan.core.pydantic_messages import clean_loc, pydantic_message
from samverkan.core.yaml_source import LocatedYaml, read_yaml
from samverkan.orgconfig.categories import duplicates
from samverkan.orgconfig.routes import check_route
from samverkan.orgconfig.schema import AssignmentSpec, ContactSpec, OrgConfig, Party

COUNTY_TRIGGERS = (
    TriggerKind.NETWORK_MEETING,
    TriggerKind.COUNTY_ANALYSIS,
    TriggerKind.COUNTY_REPORT,
    TriggerKind.JOINT_PRIORITIES,
)


@dataclass
class ValidationResult:
    file: str
    config: OrgConfig | None
    issues: list[ConfigIssue] = field(default_factory=list)
    source_text: str = ""
    # The parsed file, read again when a line is first asked for: results of many files are held together (the
    # nationwide year holds 290), and keeping every parsed file beside its config would only burden the garbage
    # collector.
    _located: LocatedYaml | None = field(default=None, init=False, repr=False, compare=False)

    def line_of(self, path: Path) -> int:
        """The line of `path` in the file (by LocatedYaml.line_of; 0 when there is no text)."""
        if not self.source_text:
            return 0
        if self._located is None:
            self._located = read_yaml(self.source_text, self.file)
        return self._located.line_of(path)

    @property
    def errors(self) -> list[ConfigIssue]:
        return [issue for issue in self.issues if issue.severity == "fel"]

    @property
    def ok(self) -> bool:
        return self.config is not None and not self.errors


class _Checker:
    def __init__(self, doc: LocatedYaml, config: OrgConfig) -> None:
        self.doc = doc
        self.config = config
        self.issues: list[ConfigIssue] = []

    def add(self, path: Path, message: str, severity: Severity = "fel") -> None:
        self.issues.append(ConfigIssue(self.doc.file, self.doc.line_of(path), message, path, severity))

    def unique(self, section: str, items: list[Any], attr: str = "key") -> dict[str, int]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                self.add((section, index, attr), f"'{value}' finns redan ({section}[{seen[value]}])")
            else:
                seen[value] = index
        return seen

    def run(self) -> list[ConfigIssue]:
        c = self.config
        parties = self._parties()
        self._organisation_kind()
        roles = self.unique("roles", c.roles)
        people = self.unique("people", c.people)
        self._emails()
        bodies = self.unique("bodies", c.bodies)
        self.unique("cadences", c.cadences)
        self.unique("indicators", c.indicators)
        for key in set(roles) & set(bodies):
            self.add(("bodies", bodies[key], "key"), f"'{key}' är både en roll och ett organ; välj olika nycklar")
        self._roles_and_people(parties, roles, people)
        self._bodies(roles)
        self._cadences(roles, bodies)
        self._signatories()
        self._county(roles)
        for index, name, first in duplicates(c.categories):
            self.add(
                ("categories", index),
                f"kategorin '{name}' finns redan (categories[{first}]); stora och små bokstäver räknas inte",
            )
        return self.issues

    def _emails(self) -> None:
        """One person per e-mail address: two addresses that differ only in case are the same person."""
        seen: dict[str, int] = {}
        for index, person in enumerate(self.config.people):
            email = person.email.casefold()
            if email in seen:
                self.add(("people", index, "email"), f"'{person.email}' finns redan (people[{seen[email]}])")
            else:
                seen[email] = index

    def _county(self, roles: dict[str, int]) -> None:
        """A länsstyrelse has a county (and no police area or agreement); the others the other way round. The
        county's triggers belong to a länsstyrelse, the weekly lägesbild to a kommun."""
        c = self.config
        county = c.organisation.kind == "lansstyrelse"
        if county and c.county is None:
            self.add(("organisation", "kind"), "en länsstyrelse behöver 'county' med länets kommuner och 'coordinator'")
        if not county:
            for section in ("county",):
                if getattr(c, section) is not None:
                    self.add((section,), f"'{section}' gäller bara en länsstyrelse, inte '{c.organisation.kind}'")
            if c.police_area is None:
                self.add(("organisation",), "'police_area' saknas: lokalpolisområdet som är part i samverkan")
        if county and c.agreement is not None:
            self.add(("agreement",), "en länsstyrelse skriver inte under en samverkansöverenskommelse i sin egen fil")
        if c.county is not None:
            if c.county.coordinator not in roles:
                self.add(("county", "coordinator"), self._unknown("roll", c.county.coordinator, roles))
            seen: set[str] = set()
            for index, key in enumerate(c.county.kommuner):
                if key in seen:
                    self.add(("county", "kommuner", index), f"kommunen '{key}' står två gånger")
                if key == c.organisation.key:
                    self.add(("county", "kommuner", index), "länsstyrelsen kan inte vara en av länets kommuner")
                seen.add(key)
        for index, body in enumerate(c.bodies):
            if body.member_functions and not county:
                self.add(
                    ("bodies", index, "member_functions"), "'member_functions' gäller bara en länsstyrelses nätverk"
                )
        for index, cadence in enumerate(c.cadences):
            if cadence.trigger in COUNTY_TRIGGERS and not county:
                self.add(("cadences", index, "trigger"), f"utlösaren '{cadence.trigger}' gäller bara en länsstyrelse")
            if cadence.trigger is TriggerKind.WEEKLY_SITUATION and county:
                self.add(
                    ("cadences", index, "trigger"), "veckolägesbilden sammanställs av en kommun, inte av länsstyrelsen"
                )

    def _parties(self) -> dict[str, Path]:
        """Every party's key, where it is declared; a key used twice is an error."""
        c = self.config
        parties: dict[str, Path] = {c.organisation.key: ("organisation",)}
        for index, party in enumerate(c.municipalities):
            if party.key in parties:
                self.add(("municipalities", index, "key"), f"'{party.key}' används redan som nyckel")
            parties[party.key] = ("municipalities", index)
        others: dict[str, Party | None] = {"police_area": c.police_area, "county_board": c.county_board}
        for section, other in others.items():
            if other is None:
                continue
            if other.key in parties:
                self.add((section, "key"), f"'{other.key}' används redan som nyckel")
            parties[other.key] = (section,)
        return parties

    def _organisation_kind(self) -> None:
        c = self.config
        kind = c.organisation.kind
        if kind == "samverkansomrade" and len(c.municipalities) < 2:
            self.add(("organisation", "kind"), "ett samverkansområde behöver minst två kommuner i 'municipalities'")
        if kind != "samverkansomrade" and c.municipalities:
            self.add(("municipalities",), f"'municipalities' gäller bara samverkansområden, inte '{kind}'")

    def _roles_and_people(self, parties: dict[str, Path], roles: dict[str, int], people: dict[str, int]) -> None:
        c = self.config
        for index, role in enumerate(c.roles):
            if role.party not in parties:
                self.add(("roles", index, "party"), self._unknown("part", role.party, parties))
        for index, person in enumerate(c.people):
            self.routes(("people", index, "contacts"), person.contacts)
        for index, assignment in enumerate(c.assignments):
            if assignment.role not in roles:
                self.add(("assignments", index, "role"), self._unknown("roll", assignment.role, roles))
            if assignment.person not in people:
                self.add(("assignments", index, "person"), self._unknown("person", assignment.person, people))
        self._overlapping_assignments()

    def _bodies(self, roles: dict[str, int]) -> None:
        for index, body in enumerate(self.config.bodies):
            for attr in ("chair", "convener"):
                value = getattr(body, attr)
                if value is not None and value not in roles:
                    self.add(("bodies", index, attr), self._unknown("roll", value, roles))
            for member_index, member in enumerate(body.members):
                if member not in roles:
                    self.add(("bodies", index, "members", member_index), self._unknown("roll", member, roles))
            self.routes(("bodies", index, "contacts"), body.contacts)

    def _cadences(self, roles: dict[str, int], bodies: dict[str, int]) -> None:
        body_kinds = {body.key: body.kind for body in self.config.bodies}
        for index, cadence in enumerate(self.config.cadences):
            if cadence.body is not None and cadence.body not in bodies:
                self.add(("cadences", index, "body"), self._unknown("organ", cadence.body, bodies))
            needs_body = cadence.trigger in (
                TriggerKind.EST_MEETING,
                TriggerKind.BODY_MEETING,
                TriggerKind.NETWORK_MEETING,
            )
            if needs_body and cadence.body is None:
                self.add(("cadences", index), f"utlösaren '{cadence.trigger}' behöver 'body'")
            held_by = body_kinds.get(cadence.body or "")
            if cadence.trigger is TriggerKind.EST_MEETING and held_by not in (None, BodyKind.EST):
                self.add(("cadences", index, "body"), f"EST-möten hålls av en EST-grupp, inte '{cadence.body}'")
            for target_index, target in enumerate(cadence.notify):
                if target not in roles and target not in bodies:
                    self.add(
                        ("cadences", index, "notify", target_index),
                        self._unknown("roll eller organ", target, roles | bodies),
                    )
            self._schedule_references(index, cadence)

    def _signatories(self) -> None:
        c = self.config
        if c.agreement is None:
            return
        signers = {role.party for role in c.roles if role.signatory}
        for party in [*c.kommun_parties(), *([c.police_area] if c.police_area else [])]:
            if party.key not in signers:
                self.add(
                    ("agreement",),
                    f"parten '{party.key}' har ingen roll med 'signatory: true' som kan skriva under",
                )

    def _schedule_references(self, index: int, cadence: Any) -> None:
        """`after:` names another cadence without a loop; `observe_breaks` names configured breaks."""
        schedule, path = cadence.schedule, ("cadences", index, "schedule")
        follows = {c.key: c.schedule.after for c in self.config.cadences}
        if schedule.after is not None:
            chain, current = [cadence.key], schedule.after
            while current is not None and current in follows and current not in chain:
                chain.append(current)
                current = follows[current]
            if schedule.after not in follows:
                self.add((*path, "after"), self._unknown("rytm", schedule.after, set(follows)))
            elif current is not None and current in chain:
                self.add((*path, "after"), f"'after' bildar en slinga: {' → '.join([*chain, current])}")
        names = schedule.observe_breaks if isinstance(schedule.observe_breaks, (list, dict)) else []
        known = {b.name.casefold(): b.name for b in self.config.breaks}
        for name in names:
            if str(name).casefold() not in known:
                self.add((*path, "observe_breaks"), self._unknown("uppehåll", str(name), set(known.values())))

    def _overlapping_assignments(self) -> None:
        by_role: dict[str, list[tuple[int, AssignmentSpec]]] = {}
        for index, assignment in enumerate(self.config.assignments):
            by_role.setdefault(assignment.role, []).append((index, assignment))
        for entries in by_role.values():
            for position, (index, first) in enumerate(entries):
                for other_index, other in entries[position + 1 :]:
                    if first.person == other.person and _overlap(first, other):
                        self.add(
                            ("assignments", other_index),
                            f"{other.person} har redan rollen {other.role} under samma tid (assignments[{index}])",
                        )

    def routes(self, path: Path, contacts: list[Any]) -> None:
        for index, contact in enumerate(contacts):
            url = contact.url if isinstance(contact, ContactSpec) else contact
            for finding in check_route(url):
                self.add((*path, index), finding.message, finding.severity)

    @staticmethod
    def _unknown(what: str, value: str, known: Iterable[str]) -> str:
        names = ", ".join(sorted(known)) or "inga"
        return f"okänd {what} '{value}' (kända: {names})"


def _overlap(a: AssignmentSpec, b: AssignmentSpec) -> bool:
    a_end = a.ends_on or date.max
    b_end = b.ends_on or date.max
    return a.starts_on <= b_end and b.starts_on <= a_end


def validate_text(text: str, file: str) -> ValidationResult:
    doc = read_yaml(text, file)
    if doc.data is None or doc.issues:
        return ValidationResult(file, None, doc.issues, text)
    if not isinstance(doc.data, dict):
        return ValidationResult(file, None, [ConfigIssue(file, 1, "filen ska vara en tabell med nycklar")], text)
    try:
        config = OrgConfig.model_validate(doc.data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            path = clean_loc(error["loc"])
            issues.append(ConfigIssue(file, doc.line_of(path), pydantic_message(error), path))
        return ValidationResult(file, None, sorted(issues, key=lambda i: i.line), text)
    issues = sorted(_Checker(doc, config).run(), key=lambda i: i.line)
    return ValidationResult(file, config, issues, text)


def validate_file(path: str | FilePath) -> ValidationResult:
    file = str(path)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ValidationResult(file, None, [ConfigIssue(file, 0, "filen finns inte")])
    except UnicodeDecodeError as exc:
        return ValidationResult(file, None, [ConfigIssue(file, 1, f"filen är inte UTF-8 ({exc.reason})")])
    except OSError as exc:
        return ValidationResult(file, None, [ConfigIssue(file, 0, f"filen kan inte läsas: {exc.strerror}")])
    return validate_text(text, file)
