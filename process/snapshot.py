"""A definition as a cycle keeps it: the validated data, and a content version that names it.

Stored in `cycle.definition_snapshot` as

    {"format": 1, "content": "3f2a9c1b7d4e", "version": 1, "definition": {...}}

where `definition` is the parsed definition (every field, defaults filled in), `version` the file's own
version number and `content` the first 12 hex digits of the SHA-256 of the definition's canonical JSON
(sorted keys, no whitespace). Comments, layout and key order in the YAML file do not change the content
version; any change of a phase, an item, a deadline or the version number does.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from samverkan.process.definition import ProcessDefinition

SNAPSHOT_FORMAT = 1


def canonical_form(definition: ProcessDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


def content_version(definition: ProcessDefinition) -> str:
    """Computed once per definition object: definitions are frozen and shared (the pinned copy is validated once
    per content), and the cycle page asks for the version of each of two definitions twice."""
    known = _VERSIONS.get(id(definition))
    if known is not None and known[0] is definition:  # the object itself is kept, so its id is not reused
        return known[1]
    text = json.dumps(canonical_form(definition), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    if len(_VERSIONS) >= 256:
        _VERSIONS.clear()
    _VERSIONS[id(definition)] = (definition, version)
    return version


_VERSIONS: dict[int, tuple[ProcessDefinition, str]] = {}


def version_label(version: int, content: str) -> str:
    return f"version {version} · {content}"


def label_of(definition: ProcessDefinition) -> str:
    return version_label(definition.version, content_version(definition))


def snapshot_of(definition: ProcessDefinition) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "content": content_version(definition),
        "version": definition.version,
        "definition": canonical_form(definition),
    }


class SnapshotError(ValueError):
    """A stored snapshot that no longer validates (e.g. a requirement the engine has dropped)."""


def definition_from_snapshot(snapshot: dict[str, Any]) -> ProcessDefinition:
    """The pinned definition, validated once per content (issue 19: validating a 400-item definition runs the
    personal-data guard on every title, ~0.7 s, and every completion reads it). The key is the SHA-256 of the
    stored data itself, so a changed snapshot is validated anew; the model is frozen, so sharing it is safe.
    The data last validated under a snapshot's content version is kept (a copy of its own): data equal to it is
    the same definition without writing the canonical JSON again (0.6 ms for 400 items; every page of the cycle
    and every completion asks)."""
    try:
        data = snapshot["definition"]
        seen = _SEEN.get(str(snapshot.get("content")))
        if seen is not None and seen[0] == data:
            return seen[1]
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        definition = _validated(hashlib.sha256(text.encode("utf-8")).hexdigest(), text)
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(str(exc)) from None
    if len(_SEEN) >= 64:
        _SEEN.clear()
    _SEEN[str(snapshot.get("content"))] = (json.loads(text), definition)
    return definition


_SEEN: dict[str, tuple[Any, ProcessDefinition]] = {}  # content version → (the data validated, its definition)


@lru_cache(maxsize=64)
def _validated(_digest: str, text: str) -> ProcessDefinition:
    try:
        return ProcessDefinition.model_validate(json.loads(text))
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
