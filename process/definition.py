"""Process definitions: the phases of a cycle and their exit criteria, read from YAML files.

The engine knows no phase names. A definition names its phases, the checklist of each (Brå's
"klart när"), the role function that owns each item, the kind of evidence it needs, the body that
decides, default durations, and which items carry a substance requirement the engine checks itself.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from samverkan.core.fields import INT_MAX, Key, Line200, Line300, LongText
from samverkan.core.issues import ConfigError, ConfigIssue
from samverkan.core.kinds import BodyKind, EvidenceKind
from samverkan.core.pydantic_messages import clean_loc, pydantic_message
from samverkan.core.yaml_source import read_yaml
from samverkan.process.requirements import REQUIREMENTS

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
Text = Line200  # phase names are stored in 200-character columns when a cycle starts
Requirement = Literal[tuple(REQUIREMENTS)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemDefinition(_Strict):
    key: Key
    title: Line300
    owner: Key = Field(description="role function that owns the item, e.g. samordnare")
    evidence: EvidenceKind
    requirement: Requirement | None = None  # type: ignore[valid-type]
    decided_by: BodyKind | None = Field(
        default=None, description="the body whose decision is the evidence; default: the phase's deciding body"
    )
    due_days: int | None = Field(default=None, ge=1, le=730, description="days after the phase opens")

    def default_due_on(self, opened_on: date, phase_due_on: date | None) -> date | None:
        """The item's deadline when its clock starts on `opened_on`: its own days, else the phase's deadline."""
        return opened_on + timedelta(days=self.due_days) if self.due_days else phase_due_on


class PhaseDefinition(_Strict):
    key: Key
    name: Text
    setup: bool = Field(default=False, description="only in the first cycle (e.g. Initiera samverkan)")
    decided_by: BodyKind | None = None
    duration_days: int = Field(default=90, ge=1, le=730)
    items: list[ItemDefinition] = Field(min_length=1)

    def default_due_on(self, opened_on: date) -> date:
        """The phase's deadline when it opens on `opened_on`: its duration counted from that day."""
        return opened_on + timedelta(days=self.duration_days)

    @model_validator(mode="after")
    def _unique_items(self) -> Self:
        keys = [item.key for item in self.items]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"punkterna {', '.join(duplicates)} förekommer flera gånger i fasen {self.key}")
        return self


class ProcessDefinition(_Strict):
    key: Key
    name: Text
    version: int = Field(ge=1, le=INT_MAX)
    source: LongText | None = None
    phases: list[PhaseDefinition] = Field(min_length=2)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        keys = [phase.key for phase in self.phases]
        if len(set(keys)) != len(keys):
            raise ValueError("två faser har samma nyckel")
        if not any(not phase.setup for phase in self.phases):
            raise ValueError("minst en fas måste upprepas i varje cykel (setup: false)")
        seen_regular = False
        for phase in self.phases:
            if phase.setup and seen_regular:
                raise ValueError(f"uppstartsfasen {phase.key} måste komma före de återkommande faserna")
            seen_regular = seen_regular or not phase.setup
        return self

    def find_phase(self, key: str) -> PhaseDefinition | None:
        return next((phase for phase in self.phases if phase.key == key), None)

    def cycle_phases(self, number: int) -> list[PhaseDefinition]:
        """The phases cycle `number` runs through: the setup phases only in the first cycle."""
        return [phase for phase in self.phases if number == 1 or not phase.setup]

    def owner_functions(self) -> set[str]:
        return {item.owner for phase in self.phases for item in phase.items}


def parse_definition(text: str, file: str) -> ProcessDefinition:
    """Parse and validate a definition; every problem is raised together as located issues."""
    doc = read_yaml(text, file)
    if doc.issues or doc.data is None:
        raise ConfigError(doc.issues)
    try:
        return ProcessDefinition.model_validate(doc.data)
    except ValidationError as exc:
        issues = [
            ConfigIssue(file, doc.line_of(clean_loc(error["loc"])), pydantic_message(error), clean_loc(error["loc"]))
            for error in exc.errors()
        ]
        raise ConfigError(sorted(issues, key=lambda issue: issue.line)) from None


def definition_dirs() -> list[Path]:
    """Where definitions are looked up: SAMVERKAN_PROCESS_DIR (a kommun's own) first, then the built-in ones."""
    own = os.environ.get("SAMVERKAN_PROCESS_DIR")
    return [Path(own), DEFINITIONS_DIR] if own else [DEFINITIONS_DIR]


def available_definitions() -> list[str]:
    return sorted({path.stem for folder in definition_dirs() for path in folder.glob("*.yaml")})


def validate_definition_file(path: Path) -> ProcessDefinition:
    """Parse a definition file; its key must be its file name, so cycles can find it again."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(str(path), 1, f"filen är inte UTF-8 ({exc.reason})")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(str(path), 0, f"filen kan inte läsas: {exc.strerror}")]) from None
    definition = parse_definition(text, str(path))
    if definition.key != path.stem:
        raise ConfigError([ConfigIssue(str(path), 1, f"nyckeln '{definition.key}' ska vara filens namn '{path.stem}'")])
    return definition


@lru_cache
def _load(path: Path, modified_ns: int, size: int) -> ProcessDefinition:
    return validate_definition_file(path)


def load_definition(key: str) -> ProcessDefinition:
    """The definition file as it is now. A running cycle follows its own copy instead (services.pinning)."""
    for folder in definition_dirs():
        path = folder / f"{key}.yaml"
        if path.exists():
            stat = path.stat()
            return _load(path, stat.st_mtime_ns, stat.st_size)
    raise KeyError(f"processdefinitionen '{key}' finns inte (finns: {', '.join(available_definitions())})")
