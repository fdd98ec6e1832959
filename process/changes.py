"""What changed between two versions of a definition, in Swedish lines a coordinator can read.

Phases and items are matched by key. A key that disappears while a new one with the same name (phase) or
title (item) appears is reported as a renamed key, since that is what a person editing the file did.
"""

from __future__ import annotations

from samverkan.process.definition import ItemDefinition, PhaseDefinition, ProcessDefinition

PHASE_FIELDS = {"name": "namn", "setup": "uppstart", "decided_by": "beslutande organ", "duration_days": "längd"}
ITEM_FIELDS = {
    "title": "rubrik",
    "owner": "ansvarig",
    "evidence": "bevis",
    "requirement": "krav",
    "due_days": "tidsfrist",
}


def _renames(removed: dict[str, str], added: dict[str, str]) -> dict[str, str]:
    """Old key → new key, for a removed and an added key with the same label (name or title)."""
    by_label = {label: key for key, label in added.items()}
    return {old: by_label[label] for old, label in removed.items() if label in by_label}


def _fields(old: object, new: object, names: dict[str, str]) -> list[str]:
    return [sv for field, sv in names.items() if getattr(old, field) != getattr(new, field)]


def _item_changes(phase: str, old: list[ItemDefinition], new: list[ItemDefinition]) -> list[str]:
    before, after = {i.key: i for i in old}, {i.key: i for i in new}
    renamed = _renames(
        {k: i.title for k, i in before.items() if k not in after},
        {k: i.title for k, i in after.items() if k not in before},
    )
    lines = [f"punkten {before[o].title} i {phase} har bytt nyckel: {o} → {n}" for o, n in renamed.items()]
    for key, item in after.items():
        if key in before:
            changed = _fields(before[key], item, ITEM_FIELDS)
            if changed:
                lines.append(f"ändrad punkt i {phase}: {item.title} [{key}] ({', '.join(changed)})")
        elif key not in renamed.values():
            lines.append(f"ny punkt i {phase}: {item.title} [{key}]")
    lines += [
        f"borttagen punkt i {phase}: {i.title} [{k}]" for k, i in before.items() if k not in after and k not in renamed
    ]
    return lines


def _phase_changes(old: PhaseDefinition, new: PhaseDefinition) -> list[str]:
    changed = _fields(old, new, PHASE_FIELDS)
    lines = [f"ändrad fas: {new.name} [{new.key}] ({', '.join(changed)})"] if changed else []
    return lines + _item_changes(new.name, old.items, new.items)


def compare(old: ProcessDefinition, new: ProcessDefinition) -> list[str]:
    """Every difference that matters to a running cycle; empty when the two define the same process."""
    lines: list[str] = []
    if old.version != new.version:
        lines.append(f"versionsnumret: {old.version} → {new.version}")
    if old.name != new.name:
        lines.append(f"processens namn: {new.name}")
    before, after = {p.key: p for p in old.phases}, {p.key: p for p in new.phases}
    renamed = _renames(
        {k: p.name for k, p in before.items() if k not in after},
        {k: p.name for k, p in after.items() if k not in before},
    )
    for key, phase in after.items():
        if key in before:
            lines += _phase_changes(before[key], phase)
        elif key not in renamed.values():
            lines.append(f"ny fas: {phase.name} [{key}]")
    for old_key, new_key in renamed.items():
        lines.append(f"fasen {before[old_key].name} har bytt nyckel: {old_key} → {new_key}")
        lines += _phase_changes(before[old_key], after[new_key])
    lines += [f"borttagen fas: {p.name} [{k}]" for k, p in before.items() if k not in after and k not in renamed]
    kept_old = [k for k in before if k in after]
    kept_new = [k for k in after if k in before]
    if kept_old != kept_new:
        lines.append(f"faserna har ny ordning: {', '.join(after[k].name for k in after)}")
    return lines
